"""Tick by tick with a frozen app.now(): every schedule kind fires at the right tick, and only then."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import T0, snapshot

from redbeat_sdk import Crontab, Entry, Interval, RRule
from redbeat_sdk.datetimes import epoch_seconds


def ts(when: datetime) -> int:
    return epoch_seconds(when)


def test_interval_fires_at_its_due_tick_and_scores_the_true_next_run(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("every-10", "tasks.ping", Interval(10), args=[1, "a"], kwargs={"k": True}))
    beat = make_scheduler()
    clock.advance(5)
    assert beat.tick() == pytest.approx(5)
    assert broker.sent() == []
    clock.advance(5)
    beat.tick()
    [sent] = broker.sent()
    assert (sent.task, sent.args, sent.kwargs) == ("tasks.ping", [1, "a"], {"k": True})
    assert sent.headers.get("celery_beat_task") is True  # Celery's own publishing path
    entry = sdk.get("every-10")
    assert entry.last_run_at == clock.now and entry.total_run_count == 1
    assert entry.score == ts(T0 + timedelta(seconds=20))
    clock.advance(9.5)
    beat.tick()
    assert len(broker.sent()) == 1


def test_crontab_fires_on_its_minute_in_the_beat_timezone(sdk, make_app, make_scheduler, clock, broker):
    berlin = ZoneInfo("Europe/Berlin")
    sdk.timezone = berlin  # the client scores in the beat's zone
    clock.set(datetime(2026, 1, 5, 7, 0, tzinfo=ZoneInfo("UTC")))
    sdk.save(Entry("nine", "tasks.cron", Crontab(minute=0, hour=9)))
    beat = make_scheduler(make_app(timezone="Europe/Berlin"))
    clock.set(datetime(2026, 1, 5, 7, 59, 59, tzinfo=ZoneInfo("UTC")))
    beat.tick()
    assert broker.sent() == []
    clock.set(datetime(2026, 1, 5, 8, 0, 0, tzinfo=ZoneInfo("UTC")))  # 09:00 in Berlin
    beat.tick()
    assert broker.tasks() == ["tasks.cron"]
    entry = sdk.get("nine")
    assert entry.last_run_at == clock.now and entry.last_run_at.tzinfo.key == "Europe/Berlin"
    assert entry.score == ts(datetime(2026, 1, 6, 8, 0, tzinfo=ZoneInfo("UTC")))


def test_crontab_every_15_minutes(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("quarter", "tasks.q", Crontab(minute="*/15")))
    beat = make_scheduler()
    fired = []
    for minute in range(0, 46):
        clock.set(T0 + timedelta(minutes=minute, seconds=0.2))
        beat.tick()
        if len(broker.sent()) > len(fired):
            fired.append(minute)
    assert fired == [15, 30, 45]


def test_rrule_fires_each_occurrence_then_retires(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("thrice", "tasks.r", RRule("MINUTELY", dtstart=T0, count=3)))
    beat = make_scheduler()
    sent_at = []
    for second in range(0, 240, 10):
        clock.set(T0 + timedelta(seconds=second))
        beat.tick()
        if len(broker.sent()) > len(sent_at):
            sent_at.append(second)
    # occurrences 12:00, 12:01, 12:02; the one equal to the first last_run_at is not re-run (strictly after)
    assert sent_at == [60, 120]
    assert r.zscore("redbeat::schedule", "redbeat:thrice") == -1


def test_rrule_never_run_fires_at_once(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("fresh", "tasks.r", RRule("HOURLY", dtstart=T0)))
    sdk.run_now("fresh")  # meta last_run_at = null: never run, due now
    make_scheduler().tick()
    assert broker.tasks() == ["tasks.r"]
    assert r.zscore("redbeat::schedule", "redbeat:fresh") == ts(T0 + timedelta(hours=1))


def test_missed_runs_run_once_on_catch_up(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("every-5", "tasks.p", Interval(5)))
    beat = make_scheduler()
    clock.advance(61)
    beat.tick()
    beat.tick()
    assert broker.tasks() == ["tasks.p"]
    assert sdk.get("every-5").score == ts(clock.now + timedelta(seconds=5))


def test_starting_deadline_skips_and_counts_a_late_calendar_run(sdk, make_app, make_scheduler, clock, broker):
    sdk.save(Entry("hourly", "tasks.h", Crontab(minute=0)))
    sdk.save(Entry("every-5", "tasks.i", Interval(5)))
    beat = make_scheduler(make_app(redbeat_starting_deadline=60))
    before = sdk.get("hourly")
    clock.set(T0 + timedelta(hours=3, minutes=30))  # beat was down: 13:00, 14:00 and 15:00 missed
    beat.tick()
    assert broker.tasks() == ["tasks.i"]  # intervals have no slots: no deadline
    assert beat.stats.skipped_late == 1
    after = sdk.get("hourly")
    assert after.last_run_at == before.last_run_at  # skipping writes no meta
    assert after.score == ts(T0 + timedelta(hours=4))
    clock.set(T0 + timedelta(hours=4, seconds=30))  # within the deadline of the 16:00 run
    beat.tick()
    assert broker.tasks().count("tasks.h") == 1


def test_deadline_still_fires_when_a_run_falls_within_it(sdk, make_app, make_scheduler, clock, broker):
    sdk.save(Entry("minutely", "tasks.m", Crontab()))
    beat = make_scheduler(make_app(redbeat_starting_deadline=90))
    clock.advance(600)  # the 12:10 run is 0 s late, 12:01 is long gone
    beat.tick()
    assert broker.tasks() == ["tasks.m"] and beat.stats.skipped_late == 0


def test_disabled_entry_is_pushed_back_without_meta_write_or_short_wakeup(
    sdk, make_scheduler, clock, broker, r
):
    sdk.save(Entry("off", "tasks.off", Interval(10), enabled=False))
    beat = make_scheduler()
    clock.advance(100)
    meta = r.hget("redbeat:off", "meta")
    sleep = beat.tick()
    assert broker.sent() == [] and r.hget("redbeat:off", "meta") == meta
    assert r.zscore("redbeat::schedule", "redbeat:off") == ts(clock.now) + 60  # now + max_interval
    assert sleep == pytest.approx(30 / 3)  # the lock-extension cadence, not upstream's 5 s loop
    sdk.enable("off")
    beat.tick()
    assert broker.tasks() == ["tasks.off"]


def test_an_early_score_is_corrected_without_a_run(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("slow", "tasks.s", Interval(100)))
    r.zadd("redbeat::schedule", {"redbeat:slow": 0})  # a hand-written "check it now"
    clock.advance(1)
    sleep = make_scheduler().tick()
    assert broker.sent() == []
    assert r.zscore("redbeat::schedule", "redbeat:slow") == ts(T0) + 100
    assert sleep == pytest.approx(10)  # lock cadence (30 s / 3) is sooner than the run


def test_sleep_is_the_time_to_the_next_run(sdk, make_app, make_scheduler, clock):
    sdk.save(Entry("in-7", "tasks.x", Interval(7)))
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    clock.advance(0.5)
    assert beat.tick() == pytest.approx(6.5)


def test_options_reach_the_message(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("routed", "tasks.r", Interval(1), options={"queue": "beat", "expires": 30, "priority": 3}))
    clock.advance(1)
    make_scheduler().tick()
    [sent] = broker.sent()
    assert sent.queue == "beat"
    assert sent.sent_at == clock.now + timedelta(seconds=30)  # expires is counted from app.now()


def test_two_schedulers_one_lock_only_the_leader_sends(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("e", "tasks.e", Interval(1)))
    a, b = make_scheduler(), make_scheduler()
    clock.advance(1)
    a.tick()
    before = snapshot(r)
    assert b.tick() == pytest.approx(1.0)  # a standby polls every second (and at the lock's expiry)
    assert snapshot(r) == before and not b.leading
    clock.advance(1)
    b.tick()
    a.tick()
    assert len(broker.sent()) == 2 and a.stats.sent == 2 and b.stats.sent == 0


def test_a_run_in_a_repeated_dst_hour_is_not_repeated_every_tick(
    sdk, make_app, make_scheduler, clock, broker, r
):
    """New York falls back on 2026-11-01: 01:00-02:00 runs twice. After a run at 01:30 EST (the second
    pass), Celery's crontab arithmetic answers 01:45 EDT, an hour in the past, and its beat would fire
    on every tick until 02:00. The next run is 01:45 EST."""
    new_york, utc = ZoneInfo("America/New_York"), ZoneInfo("UTC")
    sdk.timezone = new_york
    clock.set(datetime(2026, 11, 1, 6, 20, tzinfo=utc))  # 01:20 EST, second pass
    sdk.save(Entry("quarter", "tasks.q", Crontab(minute="*/15")))
    beat = make_scheduler(make_app(timezone="America/New_York"))
    sent_at = []
    for minute in range(20, 60):
        clock.set(datetime(2026, 11, 1, 6, minute, 1, tzinfo=utc))
        beat.tick()
        beat.tick()
        if len(broker.sent()) > len(sent_at):
            sent_at.append(minute)
    assert sent_at == [30, 45] and len(broker.sent()) == 2  # 01:30 and 01:45 EST, each once
    stored = json.loads(r.hget("redbeat:quarter", "meta"))["last_run_at"]
    # the wire has no fold: inside the repeated hour the stamp carries its fixed offset (EST, -5 h)
    assert (stored["hour"], stored["minute"], stored["timezone"]) == (1, 45, -18000.0)


def test_relative_interval_fires_on_the_rounded_deadline(sdk, make_scheduler, clock, broker):
    clock.advance(30)  # saved at 12:00:30
    sdk.save(Entry("rel", "tasks.rel", Interval(60, relative=True)))
    beat = make_scheduler()
    clock.set(T0 + timedelta(seconds=59.9))
    beat.tick()
    assert broker.sent() == []
    clock.set(T0 + timedelta(seconds=60))  # 12:00:30 + 60 s, rounded down to the minute
    beat.tick()
    assert broker.tasks() == ["tasks.rel"]
