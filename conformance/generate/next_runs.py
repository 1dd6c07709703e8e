#!/usr/bin/env python
"""Generate conformance/vectors/next_runs/{crontab,interval,rrule}.json: when RedBeat's beat fires.

Every expected instant comes from running the real thing, never from our own maths:

1. the schedule is built with upstream's classes (Celery's `crontab` / `schedule`, RedBeat's `rrule`),
   encoded with upstream's `RedBeatJSONEncoder` (that JSON is the case's `schedule`) and decoded back with
   `RedBeatJSONDecoder`, so the rrule `dtstart` fixed offset and every other wire effect are upstream's;
2. `last_run_at` is a meta datetime in wire form, decoded by `RedBeatJSONDecoder` (an ambiguous wall time
   decodes to its first occurrence, as in upstream);
3. with Celery's clock frozen at `now` (within [last_run_at, first run]) the first run is
   `now + schedule.remaining_estimate(last_run_at)`; `is_due` is checked to be False one microsecond
   before that instant and True at it;
4. the beat is then emulated ticking exactly at each run: the next run is computed the same way with
   `last_run_at = now = the previous run`, expressed in the beat's timezone as Celery's `app.now()` gives
   it. An rrule with no further occurrence (`remaining_estimate` is None) ends the list early.

Run with the repository venv: `.venv/bin/python conformance/generate/next_runs.py [crontab|interval|rrule ...]`;
`--check` writes nothing and exits 1 when a committed file differs from what it would write. Deterministic: fixed
seeds, the tzdata package's zone database (see _celery_env), stable formatting; a second run rewrites
the files byte for byte.
"""

from __future__ import annotations

import json
import random
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _celery_env import REPO, bind, celery_app, finish, versions, write_json
from celery.schedules import crontab
from celery.schedules import schedule as interval
from dateutil import rrule as du
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedules import rrule

OUT = REPO / "conformance" / "vectors" / "next_runs"
SEED = 20260315
RUNS = 5  # instants recorded per case (fewer only when an rrule runs out)
COUNTS = {"crontab": 5200, "interval": 2600, "rrule": 3000}  # random cases, after the named ones

# The beat timezones (Celery's `timezone` setting) the issue asks for, and how often each is picked.
BEAT_ZONES = {
    "America/New_York": 5,
    "Europe/London": 4,
    "Australia/Lord_Howe": 4,
    "America/Sao_Paulo": 4,
    "Asia/Kolkata": 2,
    "UTC": 3,
}
# Other zones a stored last_run_at may carry (a beat elsewhere, or a client writing meta).
OTHER_ZONES = ("Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles", "Australia/Adelaide", "Asia/Kathmandu")
# Fixed offsets (seconds) a stored datetime may carry: upstream writes these for non-ZoneInfo tzinfos.
FIXED_OFFSETS = (
    0.0,
    3600.0,
    -18000.0,
    -14400.0,
    19800.0,
    34200.0,
    37800.0,
    39600.0,
    -10800.0,
    -7200.0,
    20700.0,
    -12600.0,
)
UTC = timezone.utc
# Data, one row a line: the crontab field pools drawn from, and the hand-picked cases (label, schedule,
# beat zone, last run as a wall time in that zone).
TABLES = json.loads((Path(__file__).resolve().parent / "next_runs_tables.json").read_text())
ONE_US = timedelta(microseconds=1)


# ----------------------------------------------------------------------------------------------------------
# Instants: DST transitions and how a case picks its last run


def transitions(zone: str, first: int = 2014, last: int = 2030) -> list[datetime]:
    """The UTC instants in [first, last] at which `zone` changes its offset."""
    tz = ZoneInfo(zone)

    def offset(ts: int) -> timedelta:
        return datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()

    found = []
    step = 6 * 3600
    ts = int(datetime(first, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last + 1, 1, 1, tzinfo=UTC).timestamp())
    while ts < end:
        if offset(ts) != offset(ts + step):
            lo, hi = ts, ts + step  # offset(lo) is the old one; find the first second with the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            found.append(datetime.fromtimestamp(hi, UTC))
        ts += step
    return found


TRANSITIONS = {zone: transitions(zone) for zone in BEAT_ZONES}


def weighted(rnd: random.Random, table: dict[str, int]) -> str:
    return rnd.choices(list(table), weights=list(table.values()))[0]


def year_span(zone: str) -> tuple[int, int]:
    # Sao Paulo kept DST until February 2019: look at it mostly while it still had DST.
    return (2014, 2020) if zone == "America/Sao_Paulo" else (2015, 2030)


def pick_last_run(rnd: random.Random, zone: str, spread: timedelta) -> tuple[datetime, str]:
    """An instant to use as the last run, mostly shortly before (or after) a DST transition of `zone`,
    and a few words saying where it lies."""
    first, last = year_span(zone)
    if TRANSITIONS[zone] and rnd.random() < 0.7:
        candidates = [t for t in TRANSITIONS[zone] if first <= t.year <= last]
        anchor = rnd.choice(candidates)
        before = rnd.random() < 0.85
        base = anchor - spread * rnd.random() if before else anchor + spread * rnd.random() / 4
        tz = ZoneInfo(zone)
        change = (
            "forward"
            if anchor.astimezone(tz).utcoffset() > (anchor - ONE_US).astimezone(tz).utcoffset()
            else "back"
        )
        where = f"last run {'before' if before else 'after'} clocks go {change} at {anchor:%Y-%m-%d %H:%M}Z"
    else:
        start = datetime(first, 1, 1, tzinfo=UTC)
        end = datetime(last + 1, 1, 1, tzinfo=UTC)
        base = start + (end - start) * rnd.random()
        where = f"last run in {base.year}"
    # How beat stamps runs: a little after a whole minute, or exactly on it, or anywhere.
    style = rnd.random()
    if style < 0.4:
        base = base.replace(second=0, microsecond=rnd.randrange(0, 900_000))
    elif style < 0.6:
        base = base.replace(second=0, microsecond=0)
    return base.astimezone(UTC), where


def wire_datetime(instant: datetime, rnd: random.Random, beat_zone: str) -> dict[str, Any]:
    """`instant` as a stored meta datetime, in one of the zones a stored last_run_at can carry."""
    roll = rnd.random()
    if roll < 0.4:
        local = instant.astimezone(ZoneInfo(beat_zone))
    elif roll < 0.7:
        local = instant.astimezone(ZoneInfo("UTC"))
    elif roll < 0.85:
        # A fixed offset: either the beat zone's current offset (a pytz-style tzinfo) or another one.
        if rnd.random() < 0.5:
            seconds = instant.astimezone(ZoneInfo(beat_zone)).utcoffset().total_seconds()
        else:
            seconds = rnd.choice(FIXED_OFFSETS)
        local = instant.astimezone(timezone(timedelta(seconds=seconds)))
    else:
        local = instant.astimezone(ZoneInfo(rnd.choice(OTHER_ZONES)))
    return encode(local)


def encode(value: Any) -> Any:
    """Through upstream's encoder and back to plain JSON data: the exact wire form upstream writes."""
    return json.loads(json.dumps(value, cls=RedBeatJSONEncoder))


def decode(data: Any) -> Any:
    """Through upstream's decoder, as beat reads a definition or meta field."""
    return json.loads(json.dumps(data), cls=RedBeatJSONDecoder)


def wall_time(text: str, zone: str) -> datetime:
    """A local wall time of the named cases (ISO, no offset) in `zone`, first occurrence."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def iso(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).isoformat(timespec="microseconds")


# ----------------------------------------------------------------------------------------------------------
# Running the real thing


class TooSlow(Exception):
    pass


class Overdue(Exception):
    """Celery computed a run at or before the last run: beat would fire at whatever its next tick is.

    It happens when last_run_at lies in the second pass of a repeated wall-clock hour (DST fall-back) in
    the beat zone: Celery's crontab arithmetic drops the fold, so the next run comes out an hour early.
    Beat then fires on every tick until the wall clock leaves the repeated hour. No instant describes
    that, so such cases are not vectors (the generator draws another case).
    """


def _alarm(signum: int, frame: Any) -> None:
    raise TooSlow()


signal.signal(signal.SIGALRM, _alarm)


@dataclass
class Case:
    description: str
    schedule: Any  # an upstream schedule object; encoded for the case's `schedule`
    timezone: str
    last_run_at: datetime  # the intended instant; the wire form may decode to another one (see wire_datetime)
    last_run_wire: dict[str, Any] | None = None  # explicit wire form, else one is drawn
    now_fraction: float | None = None  # where `now` sits in [last_run_at, first run]


def fire(case: Case, rnd: random.Random) -> dict[str, Any]:
    """Evaluate one case through upstream (next_runs is empty when it never fires after last_run_at)."""
    app = celery_app(case.timezone)
    app.set_current()
    beat_tz = app.timezone
    wire_schedule = encode(case.schedule)
    wire_last = case.last_run_wire or wire_datetime(case.last_run_at, rnd, case.timezone)
    sched = decode(wire_schedule)
    last = decode(wire_last)
    frozen = [last]
    bind(sched, app, lambda: frozen[0])

    def due_after(last_run_at: datetime, now: datetime) -> datetime | None:
        frozen[0] = now
        remaining = sched.remaining_estimate(last_run_at)
        if remaining is None:
            return None
        due = now.astimezone(UTC) + remaining
        frozen[0] = (due - ONE_US).astimezone(beat_tz)
        assert not sched.is_due(last_run_at)[0], (case.description, due)
        frozen[0] = due.astimezone(beat_tz)
        assert sched.is_due(last_run_at)[0], (case.description, due)
        if due <= last_run_at:
            raise Overdue(case.description)
        return due

    signal.alarm(5)
    try:
        first = due_after(last, last)
        if first is None:
            now = last.astimezone(UTC) + timedelta(
                seconds=rnd.randrange(0, 86400), microseconds=rnd.randrange(1_000_000)
            )
        else:
            fraction = case.now_fraction if case.now_fraction is not None else rnd.random()
            now = (
                last.astimezone(UTC) + (first - last) * fraction
            )  # in UTC: aware datetimes in one zone add by wall clock
            assert due_after(last, now) == first, case.description  # the run does not depend on `now`
        runs = []
        previous_now, previous_last = now, last
        while len(runs) < RUNS:
            due = due_after(previous_last, previous_now)
            if due is None:
                break
            runs.append(due)
            # Beat fires at `due`: Celery's app.now() is that instant in the beat zone, and it becomes
            # the entry's last_run_at.
            previous_now = previous_last = due.astimezone(beat_tz)
    finally:
        signal.alarm(0)
    return {
        "description": case.description,
        "schedule": wire_schedule,
        "timezone": case.timezone,
        "last_run_at": wire_last,
        "now": iso(now, rnd.choice((case.timezone, case.timezone, "UTC"))),
        "next_runs": [iso(run, case.timezone) for run in runs],
    }


# ----------------------------------------------------------------------------------------------------------
# Crontab


# What a drawn crontab takes each field from (repeats weigh a value up): in the tables file.
CRON_POOLS: dict[str, list[Any]] = TABLES["crontab_pools"]
# Schedules that land on or next to DST transitions in the beat zones (hours 0-3 local).
CRON_DST_THEMES: list[dict[str, Any]] = TABLES["crontab_dst_themes"]


def cron_named() -> Iterator[Case]:
    """Hand-picked crontab cases: the semantics traps and the DST transitions named in the issue."""
    jan1 = datetime(2026, 1, 1, tzinfo=UTC)
    wire_jan1 = encode(jan1.astimezone(ZoneInfo("UTC")))
    for case in TABLES["crontab_traps"]:
        yield Case(f"crontab: {case['label']}", crontab(**case["crontab"]), "UTC", jan1, wire_jan1, 0.0)
    for case in TABLES["crontab_dst"]:
        last = wall_time(case["last_run"], case["zone"]).astimezone(UTC)
        yield Case(f"crontab: {case['label']}", crontab(**case["crontab"]), case["zone"], last, None, 0.0)


def cron_random(rnd: random.Random) -> Iterator[Case]:
    while True:
        zone = weighted(rnd, BEAT_ZONES)
        if rnd.random() < 0.4:
            fields = dict(rnd.choice(CRON_DST_THEMES))
            spread = rnd.choice((timedelta(hours=2), timedelta(hours=6), timedelta(days=2)))
        else:
            fields = {name: rnd.choice(pool) for name, pool in CRON_POOLS.items()}
            spread = rnd.choice((timedelta(hours=6), timedelta(days=3), timedelta(days=40)))
        try:
            schedule = crontab(**fields)
        except ValueError:  # an impossible day_of_month / month_of_year pair: draw again
            continue
        last, where = pick_last_run(rnd, zone, spread)
        yield Case(f"crontab, beat in {zone}, {where}", schedule, zone, last)


# ----------------------------------------------------------------------------------------------------------
# Interval


EVERY = [
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    45.5,
    59.0,
    60.0,
    90.0,
    120.0,
    300.0,
    600.0,
    900.0,
    1200.0,
    1800.0,
    2700.0,
    3600.0,
    5400.0,
    7200.0,
    10800.0,
    21600.0,
    43200.0,
    86400.0,
    90000.0,
    129600.0,
    172800.0,
    604800.0,
    0.5,
]


def interval_named() -> Iterator[Case]:
    for case in TABLES["interval"]:
        last = wall_time(case["last_run"], case["zone"])
        yield Case(
            f"interval: {case['label']}",
            interval(timedelta(seconds=case["every"]), relative=case["relative"]),
            case["zone"],
            last.astimezone(UTC),
            encode(last),
            0.0,
        )


def interval_random(rnd: random.Random) -> Iterator[Case]:
    while True:
        zone = weighted(rnd, BEAT_ZONES)
        every = rnd.choice(EVERY)
        # Celery rounds a relative interval below a second down to the whole second: at or before the last
        # run, so such a beat fires on every tick. Not a schedule anyone can preview; not generated.
        relative = every >= 1 and rnd.random() < 0.5
        # Start close enough to a transition that the first few runs cross it.
        spread = timedelta(seconds=every * rnd.choice((1, 2, 4)) + rnd.choice((0, 60, 3600)))
        last, where = pick_last_run(rnd, zone, spread)
        kind = "relative interval" if relative else "interval"
        yield Case(
            f"{kind} of {every:g} s, beat in {zone}, {where}",
            interval(timedelta(seconds=every), relative=relative),
            zone,
            last,
        )


# ----------------------------------------------------------------------------------------------------------
# RRule


DTSTART_ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Kathmandu",
    "America/Los_Angeles",
)
WEEKDAYS = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)
# Per rrule frequency: how far before the last run dtstart may lie (dateutil walks from dtstart, so fine
# rules start close), and roughly how far apart its occurrences lie per interval unit (by* fields only thin
# them out).
DTSTART_REACH_AND_PERIOD = {
    du.SECONDLY: (timedelta(minutes=30), timedelta(seconds=1)),
    du.MINUTELY: (timedelta(days=2), timedelta(minutes=1)),
    du.HOURLY: (timedelta(days=40), timedelta(hours=1)),
    du.DAILY: (timedelta(days=300), timedelta(days=1)),
    du.WEEKLY: (timedelta(days=1000), timedelta(days=7)),
    du.MONTHLY: (timedelta(days=1500), timedelta(days=30)),
    du.YEARLY: (timedelta(days=5000), timedelta(days=365)),
}


def some(rnd: random.Random, pool: range | tuple, most: int) -> list[int]:
    return sorted(rnd.sample(list(pool), rnd.randint(1, most)))


def maybe_scalar(rnd: random.Random, values: list[Any]) -> Any:
    """A list as given, or (when it has one item) sometimes the bare item: upstream stores either."""
    return values[0] if len(values) == 1 and rnd.random() < 0.4 else values


def weekdays(rnd: random.Random, most: int) -> Any:
    days = some(rnd, range(7), most)
    style = rnd.random()
    if style < 0.4:
        return maybe_scalar(rnd, days)  # ints, 0 = Monday
    return maybe_scalar(rnd, [WEEKDAYS[d] for d in days])  # weekday objects


def rrule_fields(rnd: random.Random, freq: int) -> dict[str, Any]:
    """by* fields that suit `freq` and leave the rule non-empty."""
    f: dict[str, Any] = {}
    r = rnd.random
    if freq == du.SECONDLY:
        f["interval"] = rnd.choice((1, 5, 15, 30, 45, 90, 7))
        if r() < 0.3 and f["interval"] in (1, 5, 15):
            f["bysecond"] = maybe_scalar(rnd, some(rnd, range(0, 60, 5), 4))
    elif freq == du.MINUTELY:
        f["interval"] = rnd.choice((1, 2, 5, 15, 30, 45, 90, 7))
        if r() < 0.4:
            f["bysecond"] = maybe_scalar(rnd, some(rnd, (0, 15, 30, 45), 2))
        if r() < 0.3 and f["interval"] == 1:
            f["byminute"] = some(rnd, range(60), 6)
        if r() < 0.3 and f["interval"] in (1, 5, 15):
            f["byhour"] = some(rnd, range(24), 8)
    elif freq == du.HOURLY:
        f["interval"] = rnd.choice((1, 1, 2, 3, 5, 12, 25))
        if r() < 0.5:
            f["byminute"] = maybe_scalar(rnd, some(rnd, range(0, 60, 5), 3))
        if r() < 0.3 and f["interval"] == 1:
            f["byhour"] = some(rnd, range(24), 6)
        if r() < 0.3:
            f["byweekday"] = weekdays(rnd, 5)
    elif freq == du.DAILY:
        f["interval"] = rnd.choice((1, 1, 1, 2, 3, 7, 10))
        if r() < 0.6:
            f["byhour"] = maybe_scalar(rnd, some(rnd, range(24), 3))
        if r() < 0.5:
            f["byminute"] = maybe_scalar(rnd, some(rnd, (0, 15, 30, 45, 59), 2))
        if r() < 0.2:
            f["bysecond"] = maybe_scalar(rnd, some(rnd, (0, 30), 2))
        if r() < 0.3 and f["interval"] == 1:
            f["byweekday"] = weekdays(rnd, 5)
        if r() < 0.2:
            f["bymonth"] = some(rnd, range(1, 13), 6)
        if r() < 0.15 and f["interval"] == 1:
            f["bymonthday"] = maybe_scalar(rnd, some(rnd, (1, 2, 15, 28, -1, -2), 2))
    elif freq == du.WEEKLY:
        f["interval"] = rnd.choice((1, 1, 2, 3, 4))
        if r() < 0.8:
            f["byweekday"] = weekdays(rnd, 4)
        if r() < 0.5:
            f["wkst"] = rnd.choice((0, 6, du.SU, du.MO, du.WE))
        if r() < 0.6:
            f["byhour"] = maybe_scalar(rnd, some(rnd, range(24), 2))
            f["byminute"] = maybe_scalar(rnd, some(rnd, (0, 30), 1))
        if r() < 0.2:
            f["bymonth"] = some(rnd, range(1, 13), 8)
    elif freq == du.MONTHLY:
        f["interval"] = rnd.choice((1, 1, 1, 2, 3, 6))
        style = r()
        if style < 0.35:
            f["bymonthday"] = maybe_scalar(rnd, some(rnd, (1, 5, 10, 15, 20, 28, 29, 30, 31, -1, -2, -7), 3))
        elif style < 0.7:
            f["byweekday"] = weekdays(rnd, 2)
            f["bysetpos"] = maybe_scalar(rnd, some(rnd, (1, 2, 3, -1, -2), 1))
        elif style < 0.85:
            f["byweekday"] = weekdays(rnd, 1)
            f["bymonthday"] = some(rnd, range(1, 32), 10)
        if r() < 0.5:
            f["byhour"] = maybe_scalar(rnd, some(rnd, range(24), 2))
            f["byminute"] = maybe_scalar(rnd, some(rnd, (0, 30, 45), 1))
        if r() < 0.2:
            f["bymonth"] = some(rnd, range(1, 13), 8)
    else:  # YEARLY
        f["interval"] = rnd.choice((1, 1, 1, 2, 4))
        style = r()
        if style < 0.25:
            f["bymonth"] = maybe_scalar(rnd, some(rnd, range(1, 13), 3))
            f["bymonthday"] = maybe_scalar(rnd, some(rnd, (1, 15, 28, 29, -1), 2))
        elif style < 0.4:
            f["byyearday"] = maybe_scalar(rnd, some(rnd, (1, 59, 60, 100, 200, 365, 366, -1, -100), 2))
        elif style < 0.55:
            f["byweekno"] = maybe_scalar(rnd, some(rnd, (1, 2, 10, 20, 26, 52, 53, -1), 2))
            f["byweekday"] = weekdays(rnd, 2)
        elif style < 0.7:
            f["byeaster"] = maybe_scalar(rnd, some(rnd, (-2, 0, 1, 39, 49, 60), 2))
        elif style < 0.85:
            f["bymonth"] = maybe_scalar(rnd, some(rnd, (1, 5, 9, 11), 1))
            f["byweekday"] = weekdays(rnd, 1)
            f["bysetpos"] = maybe_scalar(rnd, some(rnd, (1, 2, 4, -1), 1))
        if r() < 0.5:
            f["byhour"] = maybe_scalar(rnd, some(rnd, range(24), 2))
            f["byminute"] = maybe_scalar(rnd, some(rnd, (0, 30), 1))
    return f


def rrule_named() -> Iterator[Case]:
    ny = ZoneInfo("America/New_York")
    named = [
        (
            "daily 09:00 New York, dtstart in winter: the fixed -05:00 offset runs at 10:00 EDT in summer",
            dict(freq=du.DAILY, dtstart=datetime(2026, 1, 10, 9, 0, tzinfo=ny), byhour=[9], byminute=[0]),
            "America/New_York",
            datetime(2026, 3, 6, 9, 0, tzinfo=ny),
        ),
        (
            "minutely, count 3: exhausted after three runs",
            dict(freq=du.MINUTELY, dtstart=datetime(2025, 1, 15, 12, 0, tzinfo=UTC), count=3),
            "UTC",
            datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
        ),
        (
            "count 2, already exhausted: no run",
            dict(freq=du.HOURLY, dtstart=datetime(2025, 1, 15, 12, 0, tzinfo=UTC), count=2),
            "UTC",
            datetime(2025, 1, 15, 14, 0, tzinfo=UTC),
        ),
        (
            "until cuts the list",
            dict(
                freq=du.DAILY,
                dtstart=datetime(2025, 1, 15, 8, 0, tzinfo=UTC),
                until=datetime(2025, 1, 18, 8, 0, tzinfo=UTC),
            ),
            "UTC",
            datetime(2025, 1, 15, 8, 0, tzinfo=UTC),
        ),
        (
            "an occurrence equal to last_run_at is skipped (strictly after)",
            dict(freq=du.HOURLY, dtstart=datetime(2025, 1, 15, 12, 0, tzinfo=UTC)),
            "UTC",
            datetime(2025, 1, 15, 13, 0, tzinfo=UTC),
        ),
        (
            "Easter Sunday at 10:00",
            dict(freq=du.YEARLY, dtstart=datetime(2020, 1, 1, 10, 0, tzinfo=UTC), byeaster=0),
            "Europe/London",
            datetime(2024, 1, 1, tzinfo=UTC),
        ),
        (
            "last Friday of the month (bysetpos -1)",
            dict(
                freq=du.MONTHLY, dtstart=datetime(2025, 1, 1, 17, 0, tzinfo=UTC), byweekday=du.FR, bysetpos=-1
            ),
            "UTC",
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
        (
            "US Thanksgiving (4th Thursday of November)",
            dict(
                freq=du.YEARLY,
                dtstart=datetime(2020, 1, 1, 12, 0, tzinfo=UTC),
                bymonth=11,
                byweekday=du.TH,
                bysetpos=4,
            ),
            "America/New_York",
            datetime(2025, 1, 1, tzinfo=UTC),
        ),
        (
            "Lord Howe dtstart (+11:00 in summer)",
            dict(freq=du.DAILY, dtstart=datetime(2026, 1, 5, 2, 15, tzinfo=ZoneInfo("Australia/Lord_Howe"))),
            "Australia/Lord_Howe",
            datetime(2026, 4, 3, 12, 0, tzinfo=UTC),
        ),
    ]
    for label, kwargs, zone, last in named:
        yield Case(f"rrule: {label}", rrule(**kwargs), zone, last.astimezone(UTC), encode(last), 0.0)


def rrule_random(rnd: random.Random) -> Iterator[Case]:
    while True:
        zone = weighted(rnd, BEAT_ZONES)
        freq = rnd.choice(
            (du.YEARLY, du.MONTHLY, du.WEEKLY, du.DAILY, du.DAILY, du.HOURLY, du.MINUTELY, du.SECONDLY)
        )
        fields = rrule_fields(rnd, freq)
        span, unit = DTSTART_REACH_AND_PERIOD[freq]
        spread = min(span / 4, timedelta(days=60)) if freq > du.DAILY else timedelta(days=rnd.choice((2, 30)))
        last, where = pick_last_run(rnd, zone, spread)
        dtstart_zone = rnd.choice(DTSTART_ZONES) if rnd.random() < 0.6 else zone
        ending = rnd.random()
        period = unit * fields["interval"]
        if ending < 0.15:
            # A count reaches past the last run or runs out before it or among the next runs.
            fields["count"] = rnd.randint(1, 40)
            span = period * fields["count"] * 1.5
        elif ending < 0.3:
            until_zone = ZoneInfo(rnd.choice(DTSTART_ZONES))
            fields["until"] = (last + period * rnd.uniform(0, 8)).astimezone(until_zone)
        dtstart = (last - span * rnd.random()).astimezone(ZoneInfo(dtstart_zone))
        if rnd.random() < 0.5:
            dtstart = dtstart.replace(second=0, microsecond=0)
        if rnd.random() < 0.3 and freq < du.HOURLY:
            dtstart = dtstart.replace(minute=0)
        try:
            schedule = rrule(freq, dtstart=dtstart, **fields)
        except ValueError:  # dateutil refuses some interval / by* combinations: draw again
            continue
        used = ", ".join(k for k in fields if k != "interval")
        name = du.FREQNAMES[freq]
        yield Case(
            f"rrule {name}{' with ' + used if used else ''}, dtstart in {dtstart_zone}, beat in {zone}, {where}",
            schedule,
            zone,
            last,
        )


# ----------------------------------------------------------------------------------------------------------


KINDS: dict[str, tuple[Callable[[], Iterator[Case]], Callable[[random.Random], Iterator[Case]]]] = {
    "crontab": (cron_named, cron_random),
    "interval": (interval_named, interval_random),
    "rrule": (rrule_named, rrule_random),
}

DESCRIPTION = (
    "When RedBeat's beat (celery-redbeat on Celery) fires a schedule. Each case: the schedule in wire form "
    "(write profile), the beat's Celery timezone, the stored meta last_run_at in wire form, the current time, "
    "and the instants the beat fires at next, as many as `runs` (fewer when an rrule runs out). next_runs[0] "
    "is the first instant strictly after last_run_at at which Celery's is_due turns true (it does not depend "
    "on now); each later run is computed with last_run_at = now = the previous run, in the beat timezone. "
    "Compare instants, not strings."
)


def generate(kind: str) -> int:
    named, random_cases = KINDS[kind]
    rnd = random.Random(f"{SEED}-{kind}")
    cases = []
    for case in named():
        cases.append(fire(case, rnd))
    stream = random_cases(rnd)
    overdue = 0
    while len(cases) < COUNTS[kind] + sum(1 for _ in named()):
        try:
            cases.append(fire(next(stream), rnd))
        except Overdue:
            overdue += 1
    if overdue:
        print(
            f"{kind}: {overdue} drawn cases left out: a run came out at or before the last run (see Overdue)"
        )
    for index, case in enumerate(cases):
        case_id = {"id": f"{kind}-{index:05d}"}
        cases[index] = {**case_id, **case}
    header = {
        "description": DESCRIPTION,
        "kind": kind,
        "runs": RUNS,
        "generator": {
            "script": "conformance/generate/next_runs.py",
            "seed": SEED,
            **versions("celery", "celery-redbeat", "python-dateutil"),
        },
    }
    return write_json(OUT / f"{kind}.json", header, cases)


def main() -> None:
    kinds = [arg for arg in sys.argv[1:] if not arg.startswith("--")] or list(KINDS)
    for kind in kinds:
        count = generate(kind)
        print(f"{(OUT / f'{kind}.json').relative_to(REPO)}: {count} cases")
    finish()


if __name__ == "__main__":
    main()
