"""The score rule (schema/README.md "Scores"): the one place every Python writer takes an entry's score
from. The TypeScript client has it in src/score.ts, the Go client in score.go, under the same name."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from . import next_run
from .datetimes import epoch_seconds
from .runs import PLAIN, Rules, first_due

NO_NEXT_RUN = -1


def score_for(
    schedule_wire: dict[str, Any],
    last_run_at: datetime | None,
    now: datetime,
    tz: tzinfo,
    rules: Rules = PLAIN,
) -> int:
    """The score our clients write: `now` for an entry that never ran, else its true next due time after
    `last_run_at` (integer epoch seconds, truncated), or -1 when it never runs again. `rules`: the
    entry's extensions (its zone, window and jitter: schema/README.md "Extensions")."""
    if rules.plain:
        if last_run_at is None:
            return epoch_seconds(now)
        due = next_run.next_run(schedule_wire, last_run_at, now, tz)
        return NO_NEXT_RUN if due is None else epoch_seconds(due)
    found = first_due(schedule_wire, rules, last_run_at, now, tz)
    return NO_NEXT_RUN if found is None else epoch_seconds(found.at)
