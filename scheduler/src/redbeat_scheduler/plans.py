"""Schedule plans: one validated schedule with its wire form and its next runs remembered, shared by every
entry that stores the same schedule.

A fleet of entries typically shares a handful of schedules (every 5 minutes, every day at 02:00, ...), and
the entries run in one tick share the tick's `now` as their last run. So the same question, "when after
this instant does this schedule fire?", is asked again and again; a plan answers it once. The answers
are the SDK's (`redbeat_sdk.next_run`, Celery 5.7's arithmetic); a plan only remembers them.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from redbeat_sdk.next_run import next_run as sdk_next_run

# Remembered answers per plan; past it the memory starts over (answers for past instants go stale anyway).
MEMO_SIZE = 256


class Plan:
    """Stands in for the SDK schedule inside `decision.decide` (`to_wire`) and is its `next_run`."""

    __slots__ = ("schedule", "_wire", "_memo", "_dynamic")

    def __init__(self, schedule):
        self.schedule = schedule
        # An rrule stored without dtstart starts "now", as upstream reads it: its wire depends on the clock.
        self._dynamic = schedule.TYPE == "rrule" and schedule.dtstart is None
        self._wire: dict[str, Any] | None = None
        self._memo: dict = {}

    @property
    def TYPE(self) -> str:
        return self.schedule.TYPE

    def to_wire(self, now: datetime, tz: tzinfo) -> dict[str, Any]:
        if self._dynamic:
            return self.schedule.to_wire(now, tz)
        if self._wire is None:
            self._wire = self.schedule.to_wire(now, tz)
        return self._wire

    def next_run(self, wire: dict, last: datetime, now: datetime, tz: tzinfo) -> datetime | None:
        """`redbeat_sdk.next_run`, remembered. The answer depends on the instant, the zone and the fold of
        `last` (a relative interval rounds in last's own zone), so all three are in the key; two datetimes
        in one zone compare by wall time and ignore fold, hence the fold."""
        if self._dynamic:
            return sdk_next_run(wire, last, now, tz)
        key = (last, last.tzinfo, last.fold, tz)
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            pass
        due = sdk_next_run(wire, last, now, tz)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = due
        return due
