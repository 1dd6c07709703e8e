"""A plan remembers the SDK's next runs; it must answer exactly as the SDK does, for every instant asked,
in the order a beat asks (ticks moving forward), across DST changes and to the end of an rrule."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from redbeat_scheduler import decision
from redbeat_scheduler.plans import Plan, without_dst
from redbeat_sdk import Crontab, Interval, RRule
from redbeat_sdk.next_run import next_run

UTC = timezone.utc
START = datetime(2026, 3, 7, tzinfo=UTC)  # New York springs forward on the 8th; Berlin on the 29th

SCHEDULES = [
    Crontab(minute="*/15"),
    Crontab(minute=30, hour="1,2"),
    Crontab(minute=0, hour=2, day_of_week="sun"),
    Crontab(minute="5", hour="*/3", day_of_month="1-10"),
    Crontab(),
    RRule("HOURLY", dtstart=START - timedelta(days=2), interval=5),
    RRule("DAILY", dtstart=datetime(2026, 3, 1, 1, 30, tzinfo=ZoneInfo("America/New_York")), count=20),
    RRule("MINUTELY", dtstart=START, interval=7, until=START + timedelta(days=3)),
    Interval(90),
    Interval(3600, relative=True),
]
ZONES = [
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/Berlin"),
    timezone(timedelta(hours=5, minutes=30)),
]


def instants(seed: int, count: int = 120) -> list[datetime]:
    """Moving forward like a beat's ticks: small steps, jumps, landings on the minute; through both a DST
    gap (New York, 8 March) and, later, a repeated hour (New York, 1 November)."""
    rng = random.Random(seed)
    at, out = START, []
    for i in range(count):
        if i == count // 2:
            at = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # 00:30 EDT, before New York repeats 01:00-02:00
        at += timedelta(seconds=rng.choice([0.001, 0.4, 1, 7, 59.9, 60, 300, 1800, 3600 * 5]))
        if rng.random() < 0.2:
            at = at.replace(second=0, microsecond=0)
        out.append(at)
    return out


@pytest.mark.parametrize("tz", ZONES, ids=lambda z: getattr(z, "key", str(z)))
@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: f"{s.TYPE}-{SCHEDULES.index(s)}")
def test_a_plan_answers_as_the_sdk_does(schedule, tz):
    plan = Plan(schedule)
    wire = schedule.to_wire(START, tz)
    for i, last in enumerate(instants(seed=SCHEDULES.index(schedule) * 10 + ZONES.index(tz))):
        for moment in (last, last.astimezone(tz)):
            assert plan.next_run(wire, moment, moment, tz) == next_run(wire, moment, moment, tz), (i, moment)


@pytest.mark.parametrize("tz", ZONES, ids=lambda z: getattr(z, "key", str(z)))
def test_decisions_through_a_plan_are_the_sdks(tz):
    """decide() with a plan as its next_run, on entries last run at instants before and after `now`."""
    for schedule in SCHEDULES:
        plan = Plan(schedule)
        runs = instants(seed=7, count=60)
        for last, now in pairwise(runs):
            entry = _Entry(schedule, last)
            planned = decision.decide(_Entry(plan, last), now, tz, deadline=600, next_run=plan.next_run)
            assert planned == decision.decide(entry, now, tz, deadline=600), (schedule, last, now)


class _Entry:
    def __init__(self, schedule, last_run_at):
        self.enabled = True
        self.schedule = schedule
        self.last_run_at = last_run_at


def test_zones_without_dst():
    assert without_dst(ZoneInfo("UTC")) and without_dst(ZoneInfo("Etc/GMT+5")) and without_dst(UTC)
    assert without_dst(timezone(timedelta(hours=-3)))
    assert not without_dst(ZoneInfo("Europe/Berlin")) and not without_dst(ZoneInfo("America/New_York"))
