"""What to do with one loaded entry at `now`: a pure function of the entry, the clock and the settings.

The due time is the true next run after the stored `last_run_at` (the SDK's `next_run`, Celery 5.7's
arithmetic), so a score written after a run is never early or late. An overdue entry fires once, however
many runs it missed, as Celery does; with a starting deadline, a crontab or rrule run that is later
than the deadline is skipped instead, unless another of its runs fell within the deadline (Celery's
`beat_cron_starting_deadline` rule, extended to rrule).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Callable, Union

from redbeat_sdk.datetimes import epoch_seconds
from redbeat_sdk.next_run import next_run as sdk_next_run

NextRun = Callable[[dict, datetime, datetime, tzinfo], "datetime | None"]

# Schedules with calendar slots, to which a starting deadline applies; an interval has no slots to miss.
CALENDAR_KINDS = ("crontab", "rrule")


@dataclass(frozen=True)
class Fire:
    """Send it now; afterwards it is next due at `next_due` (None: never again, score -1)."""
    next_due: datetime | None

    @property
    def score(self) -> int:
        return -1 if self.next_due is None else epoch_seconds(self.next_due)


@dataclass(frozen=True)
class Wait:
    """Not due yet: due at `due`."""
    due: datetime


@dataclass(frozen=True)
class SkipLate:
    """Overdue by more than the starting deadline: skip it; its next run is `next_due`."""
    missed: datetime
    next_due: datetime | None


@dataclass(frozen=True)
class Disabled:
    pass


@dataclass(frozen=True)
class Exhausted:
    """No run is left (an rrule past its last occurrence)."""


Decision = Union[Fire, Wait, SkipLate, Disabled, Exhausted]


def decide(entry, now: datetime, tz: tzinfo, *, deadline: float | None = None,
           next_run: NextRun = sdk_next_run) -> Decision:
    """`entry` is a redbeat_sdk Entry carrying its stored run state."""
    if not entry.enabled:
        return Disabled()
    wire = entry.schedule.to_wire(now, tz)
    last = entry.last_run_at
    if last is not None:
        due = next_run(wire, last, now, tz)
        if due is None:
            return Exhausted()
        if due > now:
            return Wait(due)
        if deadline is not None and wire["__type__"] in CALENDAR_KINDS and (now - due).total_seconds() > deadline:
            # Celery counts a run exactly `deadline` ago as within it, hence the microsecond.
            latest = next_run(wire, now - timedelta(seconds=deadline, microseconds=1), now, tz)
            if latest is None or latest > now:
                return SkipLate(missed=due, next_due=latest)
    return Fire(next_run(wire, now, now, tz))
