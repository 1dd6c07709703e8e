"""When RedBeat's beat fires a schedule next: pure functions of the wire schedule, no Redis, no Celery.

The answers are Celery 5.7's and python-dateutil's, reproduced from their observed behaviour and pinned
by the generated vectors in `conformance/vectors/next_runs/` (every instant there comes from running
celery, celery-redbeat and dateutil). What they pin:

- **crontab** fields are matched in the beat's timezone `tz` (Celery's `timezone` setting), whatever
  zone `last_run_at` carries. The next run is the next matching wall time strictly after the minute of
  `last_run_at`. A wall time skipped by a DST change runs at the same wall time in the old offset, that
  is later by the size of the jump (02:30 on New York's spring-forward day runs at 03:30 EDT); a wall
  time repeated by a DST change runs once, at its first pass. day_of_month and day_of_week are ANDed.
- **interval** runs `every` seconds of elapsed time after `last_run_at`. With `relative`, Celery rounds
  the deadline down to the whole day, hour, minute or second (by the size of `every`) in the zone of
  `last_run_at` itself, and never to a time at or before it; a day or longer advances calendar days.
- **rrule** runs at dateutil's next occurrence strictly after `last_run_at`. `dtstart` is rebuilt with a
  fixed UTC offset, as upstream's decoder does, so a rule written in a DST zone keeps its winter (or
  summer) offset all year. None once the rule is exhausted.

`now` does not change any answer (Celery measures "remaining" from now and adds it back); it stands in
for a missing rrule `dtstart`, as upstream's reader does.

One upstream quirk is left as upstream has it: when `last_run_at` falls in the *second* pass of a wall
hour repeated by a DST change in `tz`, Celery drops that distinction and computes a crontab run up to an
hour before `last_run_at`. The entry is then overdue at once, and a real beat runs it on every tick until
the wall clock leaves the repeated hour. `next_run` returns Celery's instant; the vectors leave the case out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from dateutil import rrule as du
from dateutil.tz import datetime_exists, resolve_imaginary

from .arguments import run_count
from .crontab import FIELDS as CRONTAB_FIELDS
from .crontab import CronSets, expand_crontab
from .errors import ValidationError

UTC = timezone.utc
ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)
ONE_MINUTE = timedelta(minutes=1)

RRULE_FREQUENCIES = {
    "YEARLY": 0,
    "MONTHLY": 1,
    "WEEKLY": 2,
    "DAILY": 3,
    "HOURLY": 4,
    "MINUTELY": 5,
    "SECONDLY": 6,
}
RRULE_BY_FIELDS = (
    "bysetpos",
    "bymonth",
    "bymonthday",
    "byyearday",
    "byeaster",
    "byweekno",
    "byweekday",
    "byhour",
    "byminute",
    "bysecond",
)


def next_run(
    schedule: Mapping[str, Any], last_run_at: datetime, now: datetime, tz: tzinfo, zoned: bool = False
) -> datetime | None:
    """The first instant after `last_run_at` at which the beat in timezone `tz` fires `schedule`.

    `schedule` is the wire dict (`{"__type__": "crontab", ...}`); the result is aware, expressed in `tz`,
    or None when an rrule has no occurrence left. A naive `last_run_at` is taken as UTC, as Celery does.
    `zoned`: `tz` is the entry's own zone (extension profile): an rrule then runs by the wall clock of
    `tz` (its dtstart and until placed there), and a relative interval rounds in `tz`, as a beat whose
    timezone is `tz` stamps its runs.
    """
    last = _aware(last_run_at, tz)
    if zoned:
        last = last.astimezone(tz)
    kind = schedule.get("__type__")
    due: datetime | None
    try:
        if kind == "crontab":
            due = _crontab_next(schedule, last, tz)
        elif kind == "interval":
            due = _interval_next(schedule, last)
        elif kind == "rrule":
            if never_matches(schedule):
                due = None
            else:
                # after() compares in UTC: two datetimes of one zone compare by wall time, fold ignored
                due = rrule_for(schedule, now, tz, zoned, after=last).after(
                    last.astimezone(UTC) if zoned else last
                )
        else:
            raise ValidationError("__type__", f"unknown schedule type {kind!r}")
        return None if due is None else due.astimezone(tz)
    except OverflowError:  # an interval of a million years: Celery's beat fails on it the same way
        raise ValidationError(
            "schedule", f"the run after {last.isoformat()} falls after year 9999: no date holds it"
        ) from None


def next_runs(
    schedule: Mapping[str, Any],
    count: int,
    last_run_at: datetime,
    now: datetime,
    tz: tzinfo,
    zoned: bool = False,
) -> list[datetime]:
    """The next `count` instants the beat fires `schedule`, fewer when an rrule runs out.

    Emulates a beat ticking exactly at each run: after firing at t, Celery stamps last_run_at = t (its
    `app.now()`, in `tz`) and computes the following run from there.
    """
    count = run_count(count)
    if schedule.get("__type__") == "rrule":
        # Each run is the rule's next occurrence after the previous one: walk the rule once.
        if count == 0 or never_matches(schedule):
            return []
        last = _aware(last_run_at, tz)
        occurrences = rrule_for(schedule, now, tz, zoned, after=last).xafter(
            last.astimezone(UTC) if zoned else last, count=count
        )
        return [due.astimezone(tz) for due in occurrences]
    runs: list[datetime] = []
    last, clock = last_run_at, now
    while len(runs) < count:
        try:
            due = next_run(schedule, last, clock, tz, zoned)
        except ValidationError:
            if not runs:
                raise
            break  # the schedule was good for the runs before: these end at year 9999, where dates do
        if due is None:
            break
        runs.append(due)
        last = clock = due
    return runs


def _aware(value: datetime, tz: tzinfo) -> datetime:
    """Celery's reading of a datetime: an aware one as is, a naive one as UTC shown in the beat zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC).astimezone(tz)
    return value


# ----------------------------------------------------------------------------------------------------------
# crontab


def _crontab_next(schedule: Mapping[str, Any], last: datetime, tz: tzinfo) -> datetime:
    try:
        sets = expand_crontab(**{name: schedule.get(name, "*") for name in CRONTAB_FIELDS})
    except ValidationError as error:
        raise error.at("schedule") from None
    local = last.astimezone(tz)
    wall = _crontab_wall_time(sets, local)
    return wall.astimezone(UTC)


def _crontab_wall_time(sets: CronSets, local: datetime) -> datetime:
    """The next matching wall time after `local` (in the beat zone), as the datetime Celery builds.

    Celery builds it by replacing fields of `local` and then adding whole days, so the result keeps
    `local`'s tzinfo, has fold 0 (an addition resets it) and may name a wall time that does not exist;
    converting it to UTC is what places skipped and repeated times.
    """
    minutes, hours = sets.minute, sets.hour
    date_matches = (
        local.month in sets.month_of_year
        and local.day in sets.day_of_month
        and local.isoweekday() % 7 in sets.day_of_week
    )
    if date_matches and local.hour in hours and local.minute < max(minutes):
        later_minute = min(m for m in minutes if m > local.minute)
        return _wall(local, minute=later_minute)
    if date_matches and local.hour < max(hours):
        later_hour = min(h for h in hours if h > local.hour)
        return _wall(local, hour=later_hour, minute=min(minutes))
    # A later date, at its first hour and minute. (Celery finds the date by weekday arithmetic when
    # day_of_month and month_of_year are the literal "*", by a calendar search otherwise: same dates.)
    first_hour, first_minute = min(hours), min(minutes)
    year, month, day = _next_date(sets, local)
    return _wall(local, year=year, month=month, day=day, hour=first_hour, minute=first_minute)


def _wall(
    local: datetime,
    *,
    minute: int,
    hour: int | None = None,
    year: int | None = None,
    month: int | None = None,
    day: int | None = None,
) -> datetime:
    """`local` with the given wall-clock fields (the others kept), at the start of that minute."""
    return local.replace(
        year=local.year if year is None else year,
        month=local.month if month is None else month,
        day=local.day if day is None else day,
        hour=local.hour if hour is None else hour,
        minute=minute,
        second=0,
        microsecond=0,
        fold=0,
    )


def _next_date(sets: CronSets, local: datetime) -> tuple[int, int, int]:
    """The first date after local's date whose month, day and weekday all match."""
    months = sorted(sets.month_of_year)
    days = sorted(sets.day_of_month)
    # The Gregorian calendar repeats every 400 years; an accepted crontab matches well within that.
    for year in range(local.year, local.year + 401):
        for month in months:
            if (year, month) < (local.year, local.month):
                continue
            for day in days:
                if (year, month) == (local.year, local.month) and day <= local.day:
                    continue
                try:
                    candidate = datetime(year, month, day)
                except ValueError:
                    break  # this day and every later one are past the month's end
                if candidate.isoweekday() % 7 in sets.day_of_week:
                    return year, month, day
    raise ValidationError("schedule", "the crontab never matches a date")  # pragma: no cover


# ----------------------------------------------------------------------------------------------------------
# interval


def _interval_next(schedule: Mapping[str, Any], last: datetime) -> datetime:
    every = schedule.get("every")
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not every > 0:
        raise ValidationError("schedule.every", f"must be a number of seconds above 0, not {every!r}")
    # Celery turns the number into a timedelta and later back into seconds: keep its rounding.
    period = timedelta(seconds=timedelta(seconds=every).total_seconds())
    if not schedule.get("relative"):
        return last.astimezone(UTC) + period
    return _relative_deadline(last, period)


def _relative_deadline(start: datetime, period: timedelta) -> datetime:
    """Celery 5.7's `relative=True` deadline: start + period rounded down to the resolution of period,
    in start's own zone, but never at or before start."""
    start_utc = start.astimezone(UTC)
    if period >= ONE_DAY:
        end = start + period  # same-zone addition: by wall clock, i.e. calendar days
        later = [c for c in _rounded(end, period) if c > start_utc]
        return min(later, default=end.astimezone(UTC))
    end = (start_utc + period).astimezone(start.tzinfo)
    end_utc = start_utc + period
    candidates = _rounded(end, period)
    not_after = [c for c in candidates if c <= end_utc]
    chosen = max(not_after) if not_after else min(candidates)
    if period >= ONE_MINUTE and chosen <= start_utc:
        # Rounding down fell back across a DST change: also consider the next whole unit and the
        # calendar (wall-clock) deadline, taking the latest one not past end_utc.
        unit = ONE_HOUR if period >= ONE_HOUR else ONE_MINUTE
        candidates += _rounded(end + unit, period) + _rounded(start + period, period)
        later = [c for c in candidates if c > start_utc]
        within = [c for c in later if c <= end_utc]
        chosen = max(within) if within else min(later, default=end_utc)
    return chosen


def _rounded(moment: datetime, period: timedelta) -> list[datetime]:
    """`moment` truncated to the resolution of `period`, as UTC instants: one per pass of a repeated
    wall time, and a skipped wall time moved past the gap."""
    if period >= ONE_DAY:
        wall = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif period >= ONE_HOUR:
        wall = moment.replace(minute=0, second=0, microsecond=0)
    elif period >= ONE_MINUTE:
        wall = moment.replace(second=0, microsecond=0)
    else:
        wall = moment.replace(microsecond=0)
    instants = []
    for fold in (0, 1):
        candidate = wall.replace(fold=fold)
        if not datetime_exists(candidate):
            moved = resolve_imaginary(candidate)
            if moved > candidate:
                candidate = moved
        instants.append(candidate.astimezone(UTC))
    return instants


# ----------------------------------------------------------------------------------------------------------
# rrule


def rrule_for(
    schedule: Mapping[str, Any],
    now: datetime,
    tz: tzinfo,
    zoned: bool = False,
    after: datetime | None = None,
) -> du.rrule:
    """The dateutil rule upstream builds from an rrule wire dict (ValidationError if dateutil refuses it).
    `zoned`: with dtstart and until placed in `tz`, so that the rule follows that zone's wall clock.

    With `after`, the rule may start from a later dtstart that leaves every occurrence after `after`
    as it is (`_fast_forward`): asked for the next run, dateutil walks each occurrence from dtstart, so a
    SECONDLY rule a month old costs seconds per question and would stall a beat.
    """
    # Cached by the wire dict's canonical JSON; `now` matters only when dtstart is missing (or null).
    return _rrule(
        json.dumps(schedule, sort_keys=True),
        _aware(now, tz) if schedule.get("dtstart") is None else None,
        _fast_forward(schedule, after, zoned),
        tz if zoned else None,
    )


# Frequencies whose periods have a fixed length in seconds (dtstart carries a fixed UTC offset, so a day
# is always 86,400 s); a month or a year has none, and there are few of them to walk anyway.
_PERIOD_SECONDS = {6: 1, 5: 60, 4: 3_600, 3: 86_400, 2: 604_800}
# The dtstart moves in steps of this many periods, so one cached rule answers many successive questions
# and at most this many periods are walked per question.
_FORWARD_STEP = 1_000


def _fast_forward(schedule: Mapping[str, Any], after: datetime | None, zoned: bool = False) -> int:
    """Seconds to add to dtstart so that the rule's occurrences after `after` stay the same.

    dateutil's occurrences are those of the periods dtstart + k * interval (the expansions of BYxxx
    inside each period, whose defaults come from dtstart's time of day and weekday) not before dtstart.
    Moving dtstart by whole periods keeps the periods, the defaults and every occurrence from the new
    dtstart on; as the new dtstart is not after `after`, no occurrence after `after` is lost. COUNT
    counts from the original dtstart, so a counted rule is walked as it is.
    """
    if after is None or schedule.get("count") is not None:
        return 0
    freq, start, interval = schedule.get("freq"), schedule.get("dtstart"), schedule.get("interval", 1)
    if isinstance(freq, str):
        freq = RRULE_FREQUENCIES.get(freq.upper())
    unit = _PERIOD_SECONDS.get(freq) if type(freq) is int else None
    if zoned and freq not in (5, 6):
        return 0  # on a zone's wall clock an hour or a day is not a fixed number of seconds (DST)
    if unit is None or type(start) is not int or type(interval) is not int or interval < 1:
        return 0  # anything unusual is left to dateutil, which judges it
    period = unit * interval
    steps = int((after.timestamp() - start) // period) // _FORWARD_STEP * _FORWARD_STEP
    return steps * period if steps > 0 else 0


# The levels of the BYxxx fields that pick times of day, and the most days one period of each frequency spans.
_TIME_FIELDS = (("byhour", 4), ("byminute", 5), ("bysecond", 6))
_PERIOD_DAYS = {0: 366, 1: 31, 2: 7}  # YEARLY, MONTHLY, WEEKLY; a day or less: 1


def never_matches(schedule: Mapping[str, Any]) -> tuple[str, str] | None:
    """(field, reason) when the rrule provably has no occurrence at all, else None.

    dateutil expands each period (a year, month, week, day, hour, minute or second from dtstart) into a
    set: its days times the times of day the BYxxx fields finer than the frequency give (each given
    field one time per value, a missing one the single default from dtstart). `bysetpos` then picks
    positions in that set. A finer field given as an empty list leaves every set empty; a `bysetpos`
    whose every position lies beyond the largest set picks nothing. dateutil finds neither out: it
    searches every period up to year 9999, minutes per question for a SECONDLY rule. Cheap: a few set
    sizes, no walk. Other rules that never match (February 30th) cost dateutil seconds, not minutes.
    """
    freq = schedule.get("freq")
    if isinstance(freq, str):
        freq = RRULE_FREQUENCIES.get(freq.upper())
    if type(freq) is not int:
        return None
    size = _PERIOD_DAYS.get(freq, 1)
    for name, level in _TIME_FIELDS:
        value = schedule.get(name)
        if freq < level and isinstance(value, list):
            if not value:
                return name, "an empty list never matches: no period holds an occurrence"
            size *= len({v for v in value if type(v) is int})
    positions = schedule.get("bysetpos")
    positions = [positions] if type(positions) is int else positions
    if isinstance(positions, list) and positions and all(type(p) is int for p in positions):
        nearest = min(abs(p) for p in positions)
        if nearest > size:
            return "bysetpos", (
                f"never matches: a period holds at most {size} occurrence{'s' * (size != 1)}, "
                f"and position {nearest} is the nearest asked for"
            )
    return None


@lru_cache(maxsize=1024)
def _rrule(frozen: str, now: datetime | None, forward: int = 0, zone: tzinfo | None = None) -> du.rrule:
    """The dateutil rule upstream's decoder builds from the wire dict, its dtstart `forward` s later (in
    `zone`, when given)."""
    wire = json.loads(frozen)
    freq = wire.get("freq")
    if isinstance(freq, str):
        freq = RRULE_FREQUENCIES.get(freq.upper(), freq)
    if isinstance(freq, bool) or freq not in RRULE_FREQUENCIES.values():
        raise ValidationError("schedule.freq", f"must be 0-6 or a frequency name, not {freq!r}")
    start, end = wire.get("dtstart"), wire.get("until")  # null reads as missing, as upstream's decoder does
    dtstart = from_epoch(start + forward, wire.get("dtstart_tz") or 0) if start is not None else now
    until = from_epoch(end, wire.get("until_tz") or 0) if end is not None else None
    if zone is not None:  # the same instants, on the zone's wall clock (dateutil steps by wall time)
        dtstart = None if dtstart is None else dtstart.astimezone(zone)
        until = None if until is None else until.astimezone(zone)
    try:
        return du.rrule(
            freq,
            dtstart=dtstart,
            interval=wire.get("interval", 1),
            wkst=_weekdays(wire.get("wkst")),
            count=wire.get("count"),
            until=until,
            **{name: _weekdays(wire.get(name)) for name in RRULE_BY_FIELDS},
        )
    except (TypeError, ValueError) as error:
        raise ValidationError("schedule", f"dateutil refuses this rule: {error}") from None


def from_epoch(seconds: int, offset_minutes: float) -> datetime:
    """Upstream keeps only a fixed offset: the zone name is gone, so DST no longer applies."""
    zone = timezone(timedelta(minutes=offset_minutes)) if offset_minutes else UTC
    return datetime.fromtimestamp(seconds, tz=zone)


def _weekdays(value: Any) -> Any:
    """`{"__type__": "weekday", ...}` objects become dateutil weekdays, at any depth; the rest is kept."""
    if isinstance(value, list):
        return [_weekdays(item) for item in value]
    if isinstance(value, dict) and value.get("__type__") == "weekday":
        return du.weekday(value["wkday"], value.get("n"))
    return value
