"""An entry's runs under its extension profile: its own zone, its window and its jitter
(schema/README.md, "Extensions"). Pure functions, no Redis: the SDK's scores and previews and the
scheduler's decisions all take an entry's next run from `first_due`.

A plain entry (no extensions) runs exactly when `next_run.next_run` says; the rules here only add:

1. **zone**: the schedule is evaluated in the entry's zone instead of the beat's (`next_run(zoned=True)`).
2. **window**: a nominal run before `start_at` is replaced by the schedule's first run at or after it (an
   interval's by `start_at` itself); a run that would happen after `end_at` (jitter included) does not
   happen, nor does any later one.
3. **jitter**: the run happens `jitter_offset` after its nominal time, never before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import Any, NamedTuple

from . import next_run as _next
from .datetimes import UTC, aware
from .extensions import Extensions

NextRun = Callable[[dict[str, Any], datetime, datetime, tzinfo], "datetime | None"]

_MS = timedelta(milliseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Rules:
    """What an entry's extensions change about when it runs. `name` is the entry's name (jitter's input)."""

    name: str = ""
    zone: tzinfo | None = None
    start_at: datetime | None = None  # aware
    end_at: datetime | None = None  # aware
    jitter_ms: int = 0

    @classmethod
    def of(cls, name: str, extensions: Extensions, beat_tz: tzinfo = UTC) -> Rules:
        """The rules of an entry; naive window bounds are taken in its zone, else `beat_tz`."""
        if not extensions:
            return PLAIN
        tz = extensions.zone or beat_tz
        return cls(
            name,
            extensions.zone,
            None if extensions.start_at is None else aware(extensions.start_at, tz),
            None if extensions.end_at is None else aware(extensions.end_at, tz),
            0 if extensions.jitter is None else extensions.jitter // _MS,
        )

    @property
    def plain(self) -> bool:
        return self.zone is None and self.start_at is None and self.end_at is None and not self.jitter_ms

    def zone_for(self, beat_tz: tzinfo) -> tzinfo:
        return self.zone or beat_tz

    def next_run(self, next_run: Callable[..., datetime | None] = _next.next_run) -> NextRun:
        """`next_run` (the SDK's, or a scheduler's remembered one) in this entry's zone."""
        return partial(next_run, zoned=True) if self.zone is not None else next_run


PLAIN = Rules()


class Due(NamedTuple):
    nominal: datetime  # the schedule's run (UTC)
    at: datetime  # when it happens: nominal + jitter (UTC)


def jitter_offset(name: str, nominal: datetime, jitter_ms: int) -> timedelta:
    """The delay of the run of entry `name` nominally due at `nominal`: in [0, jitter_ms) ms, the same in
    every implementation. Input: the UTF-8 bytes of `name + "\\n" + str(epoch milliseconds of nominal,
    truncated)`; SHA-256 of them; H = its first 8 bytes as a big-endian unsigned integer; the offset is
    floor(H * jitter_ms / 2**64) milliseconds."""
    if jitter_ms <= 0:
        return timedelta(0)
    millis = (aware(nominal) - _EPOCH) // _MS
    digest = hashlib.sha256(f"{name}\n{millis}".encode()).digest()
    return timedelta(milliseconds=(int.from_bytes(digest[:8], "big") * jitter_ms) >> 64)


def first_due(
    wire: dict[str, Any],
    rules: Rules,
    last: datetime | None,
    now: datetime,
    beat_tz: tzinfo,
    next_run: NextRun | None = None,
) -> Due | None:
    """The entry's first run strictly after `last` (None: it never ran, so it is due `now`), or None when
    it never runs again. `next_run(wire, last, now, tz)` is the plain schedule's next run in `tz` (the
    SDK's by default, in the entry's zone when it has one)."""
    step = next_run or rules.next_run()
    tz = rules.zone_for(beat_tz)
    now = aware(now).astimezone(UTC)
    start, end = rules.start_at, rules.end_at
    if last is None:
        if end is not None and now > end:
            return None
        if start is None or now >= start:
            return Due(now, now)  # never run: due at once, as Celery has it
        if wire.get("__type__") == "interval":  # before the window: its first run in it
            return _jittered(rules, start)
        after = start - _JUST_BEFORE
    else:
        after = last
    for _ in range(3):  # a second look at most: the first run at or after start_at
        found = step(wire, after, now, tz)
        if found is None:
            return None
        nominal = found.astimezone(UTC)
        if start is not None and nominal < start:
            if wire.get("__type__") == "interval":
                nominal = start  # an interval starts with the window
            else:
                after = start - _JUST_BEFORE
                continue
        return _jittered(rules, nominal)
    return None  # pragma: no cover - a schedule's next run at or after start_at is never before it


def _jittered(rules: Rules, nominal: datetime) -> Due | None:
    """The run nominally due at `nominal`, jitter added; None when that is after the window's end."""
    at = nominal + jitter_offset(rules.name, nominal, rules.jitter_ms)
    if rules.end_at is not None and at > rules.end_at:
        return None
    return Due(nominal, at)


def next_runs(
    wire: dict[str, Any], rules: Rules, count: int, last: datetime, now: datetime, beat_tz: tzinfo
) -> list[datetime]:
    """The next `count` runs after `last`, as a beat ticking at each one fires them (each run's time is
    the next one's last run), expressed in the entry's zone (else `beat_tz`)."""
    if rules.plain:
        return _next.next_runs(wire, count, last, now, beat_tz)
    tz = rules.zone_for(beat_tz)
    runs: list[datetime] = []
    clock = now
    while len(runs) < count:
        due = first_due(wire, rules, last, clock, beat_tz)
        if due is None:
            break
        runs.append(due.at.astimezone(tz))
        last = clock = due.at
    return runs
