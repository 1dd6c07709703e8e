"""Tick by tick with a frozen app.now(): the extension profile under a real scheduler and a real Redis -
zone, jitter, window, catch-up, one-off deletion, the history written in the record step, the extensions
field fenced like the definition and meta, a corrupt field quarantined."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import T0

from redbeat_sdk import Crontab, Entry, Interval
from redbeat_sdk.datetimes import epoch_seconds
from redbeat_sdk.history import decode_record
from redbeat_sdk.runs import jitter_offset
from redbeat_sdk.schedules import OneOff

UTC = timezone.utc


def run_until(beat, clock, moment: datetime) -> None:
    clock.now = moment
    beat.tick()


def test_a_zoned_crontab_fires_on_its_zones_clock_and_is_recorded_in_its_history(
    sdk, make_scheduler, clock, broker, r
):
    assert T0.hour == 12  # 09:00 in Tokyo is 00:00 UTC, the next day
    sdk.save(Entry("tokyo", "tasks.report", Crontab(minute=0, hour=9), extensions={"timezone": "Asia/Tokyo"}))
    beat = make_scheduler()
    due = (T0 + timedelta(days=1)).replace(hour=0)
    run_until(beat, clock, due - timedelta(seconds=1))
    assert broker.sent() == []
    run_until(beat, clock, due + timedelta(milliseconds=250))
    [sent] = broker.sent()
    assert sent.task == "tasks.report"
    [record] = sdk.history("tokyo")
    assert record.due == due and record.recorded == clock.now
    assert record.lateness == timedelta(milliseconds=250)
    assert record.task_id == sent.headers["id"] and record.beat == beat.lock.token
    assert sdk.get("tokyo").score == epoch_seconds(due + timedelta(days=1))


def test_the_history_is_capped_at_its_length(sdk, make_app, make_scheduler, clock, broker):
    sdk.save(Entry("often", "tasks.often", Interval(10)))
    beat = make_scheduler(make_app(redbeat_history_length=3))
    for i in range(1, 6):
        run_until(beat, clock, T0 + timedelta(seconds=10 * i))
    assert len(broker.sent()) == 5
    records = sdk.history("often")
    assert [x.due for x in records] == [T0 + timedelta(seconds=10 * i) for i in (5, 4, 3)]
    assert [x.task_id for x in records] == [s.headers["id"] for s in reversed(broker.sent()[-3:])]


def test_no_history_with_length_0(sdk, make_app, make_scheduler, clock, broker, r):
    sdk.save(Entry("often", "tasks.often", Interval(10)))
    beat = make_scheduler(make_app(redbeat_history_length=0))
    run_until(beat, clock, T0 + timedelta(seconds=10))
    assert len(broker.sent()) == 1 and r.exists("redbeat::history:often") == 0


def test_jitter_is_waited_for(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("spread", "tasks.sync", Crontab(minute="*/10"), extensions={"jitter": 120}))
    slot = T0 + timedelta(minutes=10)
    due = slot + jitter_offset("spread", slot, 120_000)
    assert due > slot + timedelta(seconds=1)
    beat = make_scheduler()
    run_until(beat, clock, due - timedelta(milliseconds=1))
    assert broker.sent() == []
    run_until(beat, clock, due)
    assert len(broker.sent()) == 1
    [record] = sdk.history("spread")
    assert record.due == due


def test_a_window_holds_and_ends_the_runs(sdk, make_scheduler, clock, broker):
    start, end = T0 + timedelta(minutes=5), T0 + timedelta(minutes=6, seconds=30)
    sdk.save(Entry("w", "tasks.w", Interval(60), extensions={"start_at": start, "end_at": end}))
    assert sdk.get("w").score == epoch_seconds(start)
    beat = make_scheduler()
    for seconds in range(60, 601, 30):
        run_until(beat, clock, T0 + timedelta(seconds=seconds))
    # at 05:00 (the start) and 06:00; 07:00 is after the end
    assert [x.due for x in reversed(sdk.history("w"))] == [start, start + timedelta(minutes=1)]
    assert sdk.get("w").score == -1


def test_catch_up_skip_counts_the_skipped_run_and_moves_to_the_next(sdk, make_scheduler, clock, broker):
    sdk.save(Entry("hourly", "tasks.h", Crontab(minute=0), extensions={"catch_up": "skip"}))
    sdk.save(Entry("plain", "tasks.p", Crontab(minute=0)))
    beat = make_scheduler()
    run_until(beat, clock, T0 + timedelta(hours=1, minutes=30))  # the beat was away at 13:00
    assert [s.task for s in broker.sent()] == ["tasks.p"]  # Celery's catch-up: once
    assert beat.stats.skipped_late == 1
    assert sdk.get("hourly").score == epoch_seconds(T0 + timedelta(hours=2))
    run_until(beat, clock, T0 + timedelta(hours=2))
    assert sorted(s.task for s in broker.sent()) == ["tasks.h", "tasks.p", "tasks.p"]


def test_a_one_off_runs_once_and_is_deleted_with_its_keys(sdk, make_scheduler, clock, broker, r):
    at = T0 + timedelta(minutes=1)
    sdk.save(
        Entry("once", "tasks.once", OneOff(at, delete_after_run=True), extensions={"labels": {"k": "v"}})
    )
    sdk.save(Entry("kept", "tasks.kept", OneOff(at), extensions={"labels": {"k": "v"}}))
    beat = make_scheduler()
    run_until(beat, clock, at)
    assert sorted(s.task for s in broker.sent()) == ["tasks.kept", "tasks.once"]
    assert r.exists("redbeat:once", "redbeat::history:once") == 0
    assert r.zscore("redbeat::schedule", "redbeat:once") is None
    assert r.zrange("redbeat::labels", 0, -1) == ["k=v\nredbeat:kept"]
    assert sdk.get("kept").score == -1 and len(sdk.history("kept")) == 1
    run_until(beat, clock, at + timedelta(days=1))
    assert len(broker.sent()) == 2


def test_an_extensions_edit_during_a_tick_is_seen(sdk, make_scheduler, clock, broker, r):
    """The record step compares the extensions field too: a decision made on the old one writes nothing
    and is not sent; the entry is decided again on what it holds now."""
    sdk.save(Entry("x", "tasks.x", Interval(10), extensions={"labels": {"a": "b"}}))
    beat = make_scheduler()
    clock.now = T0 + timedelta(seconds=10)
    store = beat.store
    load = store.load

    def load_then_edit(keys):
        loaded = load(keys)
        # after the load, before the record: a client moves the entry into the window's future
        sdk.save(Entry("x", "tasks.x", Interval(10), extensions={"start_at": T0 + timedelta(hours=1)}))
        return loaded

    store.load = load_then_edit
    beat.tick()
    store.load = load
    assert broker.sent() == []  # the stale decision was not sent
    assert beat.stats.stale_decisions == 1
    beat.tick()
    assert broker.sent() == []  # decided again: not before start_at
    assert sdk.get("x").score == epoch_seconds(T0 + timedelta(hours=1))


def test_a_corrupt_extensions_field_is_logged_skipped_kept_and_counted(
    sdk, make_scheduler, clock, broker, r, errors
):
    sdk.save(Entry("bad", "tasks.bad", Interval(10)))
    sdk.save(Entry("good", "tasks.good", Interval(10)))
    r.hset("redbeat:bad", "extensions", '{"version": 1, "timezone": "Nope/Zone"}')
    beat = make_scheduler()
    run_until(beat, clock, T0 + timedelta(seconds=10))
    assert [s.task for s in broker.sent()] == ["tasks.good"]
    assert beat.stats.corrupt == 1
    assert r.hget("redbeat:bad", "extensions") == '{"version": 1, "timezone": "Nope/Zone"}'
    assert any("extensions.timezone" in rec.getMessage() for rec in errors())


def test_history_records_are_the_profiles(sdk, make_scheduler, clock, broker, r):
    from pathlib import Path

    import jsonschema

    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schema" / "extensions.schema.json").read_text()
    )
    record_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/HistoryRecord"}
    sdk.save(Entry("x", "tasks.x", Interval(10)))
    sdk.run_now("x")  # never run: its run has no due time
    beat = make_scheduler()
    run_until(beat, clock, T0 + timedelta(seconds=1))
    run_until(beat, clock, T0 + timedelta(seconds=11))
    raws = r.lrange("redbeat::history:x", 0, -1)
    for raw in raws:
        jsonschema.validate(json.loads(raw), record_schema)
    records = [decode_record("k", raw) for raw in raws]
    assert records[-1].due is None and records[-1].lateness is None
    assert records[0].due == T0 + timedelta(seconds=11)
    assert pytest.approx(0) == records[0].lateness.total_seconds()
