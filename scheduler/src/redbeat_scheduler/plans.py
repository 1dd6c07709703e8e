"""Schedule plans: one validated schedule with its wire form and its next runs remembered, shared by every
entry that stores the same schedule.

A fleet of entries typically shares a handful of schedules (every 5 minutes, every day at 02:00, ...), and
the entries run in one tick share the tick's `now` as their last run. So the same question, "when after
this instant does this schedule fire?", is asked again and again; a plan answers it once. The answers
are the SDK's (`redbeat_sdk.next_run`, Celery 5.7's arithmetic); a plan only remembers them.

Calendar schedules also remember the last answer as a window: if the first run strictly after `L` is
`A`, it is also the first run strictly after any instant in `[L, A)` (nothing fires in between), so the
ticks until `A` are answered without asking. That holds for an rrule (dateutil's occurrences are a
fixed sequence of instants) and for a crontab evaluated in a zone without daylight saving time; in a
zone with DST, wall-clock arithmetic across a repeated hour is not monotonic, and crontabs there are
only remembered instant by instant.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any

from redbeat_sdk import RRule, Schedule
from redbeat_sdk.next_run import never_matches
from redbeat_sdk.next_run import next_run as sdk_next_run

# Remembered answers per plan; past it the memory starts over (answers for past instants go stale anyway).
MEMO_SIZE = 256
_ANY_NOW = datetime(2000, 1, 1, tzinfo=timezone.utc)


class Plan:
    """Stands in for the SDK schedule inside `decision.decide` (`to_wire`) and is its `next_run`."""

    __slots__ = ("_dynamic", "_memo", "_window", "_wire", "never", "schedule")
    # an entry with its own zone asks with zoned=True (runs.Rules.next_run): an rrule then follows the
    # zone's wall clock, so zoned answers are remembered apart from plain ones

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        # An rrule stored without dtstart starts "now", as upstream reads it: its wire depends on the clock.
        self._dynamic = isinstance(schedule, RRule) and schedule.dtstart is None
        # (field, reason) for an rrule that provably never matches (dtstart does not matter to that)
        self.never = never_matches(schedule.to_wire(_ANY_NOW)) if isinstance(schedule, RRule) else None
        self._wire: dict[str, Any] | None = None
        self._memo: dict[tuple[datetime, tzinfo | None, int, tzinfo, bool], datetime | None] = {}
        # (from, until as epoch seconds, zone, zoned, the answer `until`)
        self._window: tuple[float, float, tzinfo, bool, datetime] | None = None

    @property
    def TYPE(self) -> str:
        return self.schedule.TYPE

    def to_wire(self, now: datetime, tz: tzinfo) -> dict[str, Any]:
        if self._dynamic:
            return self.schedule.to_wire(now, tz)
        if self._wire is None:
            self._wire = self.schedule.to_wire(now, tz)
        return self._wire

    def next_run(
        self, wire: dict[str, Any], last: datetime, now: datetime, tz: tzinfo, zoned: bool = False
    ) -> datetime | None:
        """`redbeat_sdk.next_run`, remembered. The answer depends on the instant, the zone and the fold of
        `last` (a relative interval rounds in last's own zone), so all three are in the key; two datetimes
        in one zone compare by wall time and ignore fold, hence the fold."""
        if self._dynamic:
            return sdk_next_run(wire, last, now, tz, zoned)
        window = self._window
        if window is not None:
            start, end, zone, was_zoned, answer = window
            if zone is tz and was_zoned is zoned and start <= last.timestamp() < end:
                return answer
        key = (last, last.tzinfo, last.fold, tz, zoned)
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            pass
        due = sdk_next_run(wire, last, now, tz, zoned)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = due
        if due is not None and self._windowed(tz):
            start, end = last.timestamp(), due.timestamp()
            if end > start:
                self._window = (start, end, tz, zoned, due)
        return due

    def _windowed(self, tz: tzinfo) -> bool:
        kind = self.schedule.TYPE
        return kind in ("rrule", "one_off") or (kind == "crontab" and without_dst(tz))


# Zones that are UTC under another name; `Etc/GMT+5` and the like are fixed offsets too.
_UTC_NAMES = frozenset(
    (
        "UTC",
        "Etc/UTC",
        "UCT",
        "Etc/UCT",
        "Universal",
        "Etc/Universal",
        "Zulu",
        "Etc/Zulu",
        "GMT",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Greenwich",
        "Etc/Greenwich",
    )
)


def without_dst(tz: tzinfo) -> bool:
    """Whether `tz` keeps one UTC offset for ever (so wall-clock arithmetic in it is monotonic)."""
    if isinstance(tz, timezone):
        return True
    key = getattr(tz, "key", None)
    return isinstance(key, str) and (key in _UTC_NAMES or key.startswith("Etc/GMT"))
