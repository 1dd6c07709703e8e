"""Compatibility with the real upstream package (celery-redbeat 2.4.2) on a real Redis, both ways."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab as celery_crontab
from celery.schedules import schedule as celery_schedule
from conftest import T0, FrozenClock
from dateutil import rrule as du
from redbeat.schedules import rrule as upstream_rrule
from upstream_beat import UpstreamBeat, upstream_wire

from redbeat_sdk import FR, MO, Crontab, Entry, Interval, RedBeatClient, RRule
from redbeat_sdk.datetimes import epoch_seconds

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")

SCHEDULES = {
    "interval": Interval(5),
    "interval-float": Interval(2.5),
    "interval-relative": Interval(timedelta(hours=1), relative=True),
    "crontab-business": Crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"),
    "crontab-lists": Crontab(minute=[0, 30], hour=[9, 17], day_of_month="1-7", month_of_year="*/2"),
    "crontab-wrap": Crontab(minute=7, hour="23-1", day_of_week="fri-mon"),
    "rrule-minutely": RRule("MINUTELY", dtstart=T0, count=3),
    "rrule-weekly": RRule(
        "WEEKLY", dtstart=datetime(2025, 1, 6, 8, 30, tzinfo=UTC), byweekday=[MO, FR], byhour=[8, 18]
    ),
    "rrule-ny-until": RRule(
        "DAILY", dtstart=datetime(2025, 1, 10, 9, 0, tzinfo=NY), until=datetime(2025, 2, 10, 9, 0, tzinfo=NY)
    ),
}
NAMES = ["plain", "with space", "co:lon", "ünï/códe ✓"]
SETUPS = [("redbeat:", "UTC"), ("custom", "America/New_York"), ("{rb}:", "Europe/London")]


def _entries():
    for kind, schedule in SCHEDULES.items():
        yield Entry(
            kind,
            "tasks.run",
            schedule,
            args=[1, "two", None],
            kwargs={"id": kind, "k": [1, 2], "when": T0},
            options={"queue": "beat", "priority": 5},
        )
    for name in NAMES:
        yield Entry(name, "tasks.named", Interval(60), kwargs={"id": name}, enabled=name != "co:lon")


@pytest.mark.parametrize("prefix, tz", SETUPS)
def test_entries_saved_by_the_sdk_load_in_upstream_with_equal_fields(prefix, tz, r, redis_server):
    client = RedBeatClient(r, key_prefix=prefix, timezone=tz, clock=FrozenClock(T0))
    beat = UpstreamBeat(redis_server.url, prefix, tz, now=T0)
    for entry in client.save_many(list(_entries())):
        loaded = beat.load(client.keys.entry(entry.name))
        assert loaded.name == entry.name and loaded.task == entry.task
        assert (None if loaded.args is None else list(loaded.args)) == entry.args
        assert loaded.kwargs == entry.kwargs and loaded.options == entry.options
        assert loaded.enabled == entry.enabled
        assert loaded.last_run_at == T0 and loaded.total_run_count == 0
        assert upstream_wire(loaded.schedule) == upstream_wire(_as_upstream(entry.schedule, beat)), entry.name
        with beat.frozen():  # upstream scores a fresh entry from now as well: the same score
            assert loaded.score == entry.score, entry.name


def _as_upstream(schedule, beat):
    """The same schedule built with upstream's own constructors."""
    if isinstance(schedule, Interval):
        return celery_schedule(timedelta(seconds=schedule.every), relative=schedule.relative, app=beat.app)
    if isinstance(schedule, Crontab):
        return celery_crontab(
            schedule.minute,
            schedule.hour,
            schedule.day_of_week,
            schedule.day_of_month,
            schedule.month_of_year,
            app=beat.app,
        )
    from dateutil import rrule as du

    wd = lambda v: [du.weekday(w.wkday) for w in v] if isinstance(v, list) else v  # noqa: E731
    return upstream_rrule(
        schedule.freq,
        dtstart=schedule.dtstart,
        until=schedule.until,
        count=schedule.count,
        byweekday=wd(schedule.byweekday),
        byhour=schedule.byhour,
        app=beat.app,
    )


@pytest.mark.parametrize("prefix, tz", SETUPS)
def test_upstream_beat_fires_sdk_entries_at_their_due_time_never_before(prefix, tz, r, redis_server):
    """Tick a frozen clock one second before and exactly at every entry's first due time, in order:
    each entry fires first exactly at its due time (the first tick at or after it), never before."""
    client = RedBeatClient(r, key_prefix=prefix, timezone=tz, clock=FrozenClock(T0))
    saved = {e.name: e for e in client.save_many(list(_entries()))}
    due = {name: e.next_runs(1, tz=tz, now=T0)[0] for name, e in saved.items() if e.enabled and e.score >= 0}
    assert all(epoch_seconds(due[n]) == saved[n].score for n in due)  # the score is the due time
    beat = UpstreamBeat(redis_server.url, prefix, tz)
    ticks = sorted({t for d in due.values() for t in (d - timedelta(seconds=1), d)})
    first_fire: dict[str, datetime] = {}
    for now in ticks:
        beat.tick(now)
        for sent in beat.sent:
            first_fire.setdefault(sent.kwargs["id"], now)
        beat.sent.clear()
    for name, when in due.items():
        assert first_fire.get(name) == when, f"{name}: due {when}, first fired {first_fire.get(name)}"
    assert set(first_fire) == set(due)  # disabled and exhausted entries never fire


@pytest.mark.parametrize("prefix, tz", SETUPS)
def test_entries_saved_by_upstream_read_back_through_the_sdk(prefix, tz, r, redis_server):
    beat = UpstreamBeat(redis_server.url, prefix, tz, now=T0)
    made = {
        "interval": celery_schedule(timedelta(seconds=5), app=beat.app),
        "interval-relative": celery_schedule(timedelta(hours=1), relative=True, app=beat.app),
        "crontab": celery_crontab(minute="*/15", hour="9-17", day_of_week="mon-fri", app=beat.app),
        "crontab-ints": celery_crontab(minute=30, hour=[7, 19], day_of_week=3, app=beat.app),
        "rrule": upstream_rrule(
            "WEEKLY",
            dtstart=datetime(2025, 1, 6, 8, 30, tzinfo=NY),
            byweekday=(du.MO, du.FR(+1)),
            count=10,
            app=beat.app,
        ),
        "ünï: códe": celery_schedule(timedelta(minutes=1), app=beat.app),
    }
    for name, schedule in made.items():
        beat.save(name, "tasks.up", schedule, args=(1, "x"), kwargs={"when": T0}, options={"queue": "q"})
    client = RedBeatClient(r, key_prefix=prefix, timezone=tz, clock=FrozenClock(T0))
    _compare(beat, client, made)
    # after upstream's beat has run them once they carry total_run_count and a new last_run_at
    beat.tick(T0 + timedelta(days=7))
    assert len(beat.sent) >= 4
    _compare(beat, client, made)
    listed = {e.name for e in client.list()}
    assert listed == set(made)


def _compare(beat, client, made):
    for name in made:
        ours = client.get(name)
        theirs = beat.load(client.keys.entry(name))
        assert (ours.name, ours.task, ours.args, ours.kwargs, ours.options, ours.enabled) == (
            theirs.name,
            theirs.task,
            list(theirs.args),
            theirs.kwargs,
            theirs.options,
            theirs.enabled,
        )
        assert ours.last_run_at == theirs.last_run_at
        assert ours.total_run_count == (theirs.total_run_count or 0)
        wire = ours.schedule.to_wire(T0, client.timezone)
        assert wire == upstream_wire(theirs.schedule), name
