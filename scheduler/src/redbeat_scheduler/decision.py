"""What to do with one loaded entry at `now`: a pure function of the entry, the clock and the settings.

The due time is the true next run after the stored `last_run_at` (the SDK's `next_run`, Celery 5.7's
arithmetic), so a score written after a run is never early or late. An overdue entry fires once, however
many runs it missed, as Celery does; with a starting deadline, a crontab or rrule run that is later
than the deadline is skipped instead, unless another of its runs fell within the deadline (Celery's
`beat_cron_starting_deadline` rule, extended to rrule). An entry's extension profile adds its own zone,
window and jitter to the due time (`redbeat_sdk.runs.first_due`) and its catch-up window replaces the
deadline (for every schedule type).

One place where Celery's answer is not taken: after a run in the second pass of a wall hour repeated by
a DST change, Celery's crontab arithmetic lands on the first pass, *before* the run, so its beat fires
the entry on every tick until the hour is over. Here the next run is then found by walking real minutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Protocol, TypeAlias

from redbeat_sdk.crontab import FIELDS as CRONTAB_FIELDS
from redbeat_sdk.crontab import expand_crontab
from redbeat_sdk.next_run import next_run as sdk_next_run
from redbeat_sdk.runs import PLAIN, Rules, first_due

NextRun = Callable[[dict[str, Any], datetime, datetime, tzinfo], "datetime | None"]


class _Schedule(Protocol):
    def to_wire(self, now: datetime, tz: tzinfo) -> dict[str, Any]: ...


class Decidable(Protocol):
    """What `decide` reads of an entry: a redbeat_sdk Entry, or the scheduler's lean `Loaded` one."""

    @property
    def enabled(self) -> bool: ...
    @property
    def schedule(self) -> _Schedule: ...
    @property
    def last_run_at(self) -> datetime | None: ...


# Schedules with calendar slots, to which a starting deadline applies; an interval has no slots to miss.
CALENDAR_KINDS = ("crontab", "rrule")

UTC = timezone.utc


def whole_seconds(moment: datetime) -> int:
    """`redbeat_sdk.datetimes.epoch_seconds` (a score: epoch seconds truncated toward the past) for an
    aware datetime, in a fraction of its time. Exact: a double holds today's epoch seconds to within
    a quarter of a microsecond (until the 23rd century), finer than the microsecond by which a datetime
    can differ from a whole second."""
    return math.floor(moment.timestamp())


@dataclass(frozen=True)
class Fire:
    """Send it now; afterwards it is next due at `next_due` (None: never again, score -1). `due` is the
    run being sent (None for an entry that never ran: it is due when it was saved or run_now'd)."""

    next_due: datetime | None
    due: datetime | None = None

    @property
    def score(self) -> int:
        return -1 if self.next_due is None else whole_seconds(self.next_due)


@dataclass(frozen=True)
class Wait:
    """Not due yet: due at `due`."""

    due: datetime


@dataclass(frozen=True)
class SkipLate:
    """Overdue by more than the starting deadline or the entry's catch-up window (`window` seconds): skip
    it; its next run is `next_due`."""

    missed: datetime
    next_due: datetime | None
    window: float | None = None


@dataclass(frozen=True)
class Disabled:
    pass


@dataclass(frozen=True)
class Exhausted:
    """No run is left (an rrule past its last occurrence)."""


Decision: TypeAlias = Fire | Wait | SkipLate | Disabled | Exhausted


def decide(
    entry: Decidable,
    now: datetime,
    tz: tzinfo,
    *,
    deadline: float | None = None,
    next_run: NextRun = sdk_next_run,
    rules: Rules = PLAIN,
    catch_up: float | None = None,
) -> Decision:
    """`entry` is a redbeat_sdk Entry carrying its stored run state. Returned times are in UTC.

    `rules`: the entry's extension profile (its own zone, window, jitter; redbeat_sdk.runs); `catch_up`:
    its catch-up window in seconds, which replaces the beat-wide `deadline` for every schedule type (a
    run reached that late or later is skipped).

    Every comparison and every subtraction is made in UTC: Python compares two datetimes of the *same*
    zone by wall time, which puts 01:30 EDT after 01:20 EST on a fall-back night.
    """
    if not entry.enabled:
        return Disabled()
    now = now.astimezone(UTC)
    zone = rules.zone_for(tz)
    wire = entry.schedule.to_wire(now, zone)
    step = rules.next_run(next_run)

    def plain(w: dict[str, Any], last: datetime, now_: datetime, tz_: tzinfo) -> datetime | None:
        return _after(w, last, now_, tz_, step)

    if rules.plain:  # the common case, without the profile's indirection

        def first(last: datetime | None) -> datetime | None:
            return now if last is None else plain(wire, last, now, tz)
    else:

        def first(last: datetime | None) -> datetime | None:
            found = first_due(wire, rules, last, now, tz, plain)
            return None if found is None else found.at

    due = None
    if entry.last_run_at is not None:
        due = first(entry.last_run_at)
        if due is None:
            return Exhausted()
        if due > now:
            return Wait(due)
        late = (now - due).total_seconds()
        window: float | None
        if catch_up is not None:
            window, skipped = catch_up, late >= catch_up
            # a run later than `now - window` is one the policy still runs
            earliest = now - timedelta(seconds=catch_up)
        else:
            window = deadline
            skipped = deadline is not None and wire["__type__"] in CALENDAR_KINDS and late > deadline
            # Celery counts a run exactly `deadline` ago as within it, hence the microsecond.
            earliest = now - timedelta(seconds=deadline or 0, microseconds=1)
        if skipped:
            latest = first(earliest)
            if latest is None or latest > now:
                return SkipLate(missed=due, next_due=latest, window=window)
            due = latest  # a later run still within the window: that is the one run now
    elif not rules.plain:  # never run: due now, unless the window says otherwise
        due_now = first(None)
        if due_now is None:
            return Exhausted()
        if due_now > now:
            return Wait(due_now)
    return Fire(first(now), due)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _after(
    wire: dict[str, Any], last: datetime, now: datetime, tz: tzinfo, next_run: NextRun
) -> datetime | None:
    """The next run strictly after `last`, in UTC."""
    due = _utc(next_run(wire, last, now, tz))
    if due is not None and due <= last.astimezone(UTC) and wire["__type__"] == "crontab":
        return _crontab_after_repeated_hour(wire, last, now, tz, next_run)
    return due


# A repeated wall hour lasts one hour; two leave room for zones that repeat more.
_WALK_LIMIT = 120


def _crontab_after_repeated_hour(
    wire: dict[str, Any], last: datetime, now: datetime, tz: tzinfo, next_run: NextRun
) -> datetime | None:
    """The first whole minute after `last` whose wall time in `tz` matches, walking real (UTC) minutes."""
    sets = expand_crontab(**{name: wire.get(name, "*") for name in CRONTAB_FIELDS})
    minute = last.astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(_WALK_LIMIT):
        minute += timedelta(minutes=1)
        wall = minute.astimezone(tz)
        if (
            wall.minute in sets.minute
            and wall.hour in sets.hour
            and wall.day in sets.day_of_month
            and wall.month in sets.month_of_year
            and wall.isoweekday() % 7 in sets.day_of_week
        ):
            return minute
    return _utc(next_run(wire, minute, now, tz))  # past the repeated hour, Celery's arithmetic holds again


def run_stamp(now: datetime) -> datetime:
    """The `last_run_at` to store for a run at `now` (the beat's `app.now()`).

    Upstream stores it in the beat's zone by name, as wall-clock fields; the wire has no `fold`, so a
    wall time that a DST change repeats would read back an hour off. Only for those, the stamp is
    stored with its fixed UTC offset instead (`"timezone": -18000.0`): same wall time, exact instant.
    """
    offset = now.utcoffset()
    if offset is None or now.replace(fold=1 - now.fold).utcoffset() == offset:
        return now
    return now.astimezone(timezone(offset))
