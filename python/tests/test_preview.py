"""The preview API: entry.next_runs / schedule.next_runs (the maths is pinned by the next-run vectors)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import T0

from redbeat_sdk import Crontab, Entry, Interval, RRule

NY = ZoneInfo("America/New_York")


def test_entry_read_by_a_client_previews_in_the_beat_zone_from_its_last_run(r, clock):
    from redbeat_sdk import RedBeatClient

    client = RedBeatClient(r, timezone="America/New_York", clock=clock)
    client.save(Entry("nine", "t", Crontab(minute=0, hour=9)))
    runs = client.get("nine").next_runs(3)
    assert [x.astimezone(NY).hour for x in runs] == [9, 9, 9]
    assert runs[0] == datetime(2025, 1, 15, 9, 0, tzinfo=NY)  # T0 is 07:00 in New York
    assert all(x.tzinfo is not None for x in runs)


def test_after_is_exclusive_and_defaults_to_now_for_a_bare_schedule():
    interval = Interval(60)
    assert interval.next_runs(2, after=T0) == [T0 + timedelta(seconds=60), T0 + timedelta(seconds=120)]
    assert interval.next_runs(1, now=T0) == [T0 + timedelta(seconds=60)]
    assert Crontab(minute=0).next_runs(1, after=T0) == [T0 + timedelta(hours=1)]


def test_tz_changes_where_crontab_fields_are_matched():
    utc = Crontab(minute=0, hour=9).next_runs(1, after=T0, tz="UTC")[0]
    ny = Crontab(minute=0, hour=9).next_runs(1, after=T0, tz="America/New_York")[0]
    assert (ny - utc) == timedelta(hours=-24 + 5)


def test_exhausted_rrule_has_fewer_runs():
    rule = RRule("MINUTELY", dtstart=T0, count=3)
    assert rule.next_runs(5, after=T0) == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
