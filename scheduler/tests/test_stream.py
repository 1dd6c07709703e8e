"""Streaming ticks: a backlog is read batch by batch across ticks and sent exactly once; entries due
later in the current second are kept in memory and sent at their time; the sleep is exact."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from conftest import T0, snapshot

from redbeat_sdk import Entry, Interval

LOCK = "redbeat::lock"


def counting_loads(beat) -> list:
    """The keys each `store.load` call was asked for."""
    calls = []
    load = beat.store.load

    def counted(keys):
        calls.append(list(keys))
        return load(keys)

    beat.store.load = counted
    return calls


def tick_until_asleep(beat, limit: int = 50) -> list[float]:
    sleeps = []
    for _ in range(limit):
        sleeps.append(beat.tick())
        if sleeps[-1] > 0:
            return sleeps
    raise AssertionError(f"still ticking at once after {limit} ticks: {sleeps}")


def test_a_backlog_larger_than_a_batch_is_sent_exactly_once_across_ticks(
    sdk, make_app, make_scheduler, clock, broker
):
    sdk.save_many([Entry(f"b{i:02}", "tasks.b", Interval(60), args=[i]) for i in range(45)])
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    beat.first_batch_size, beat.batch_size = 4, 10
    clock.advance(60)

    assert beat.tick() == 0  # more due: tick again at once
    assert sorted(s.args[0] for s in broker.sent()) == [0, 1, 2, 3]  # the first small batch went out first

    sleeps = tick_until_asleep(beat)
    sent = sorted(s.args[0] for s in broker.sent())
    assert sent == list(range(45))  # each exactly once
    assert set(sleeps[:-1]) == {0.0} and len(sleeps) >= 5  # 4, 10, 10, 10, 10, then 1 more batch
    assert sleeps[-1] == pytest.approx(60)  # the exact time to the next score
    assert beat.tick() == pytest.approx(60) and len(broker.sent()) == 45
    assert all(sdk.get(f"b{i:02}").total_run_count == 1 for i in range(45))


def test_a_backlog_survives_a_second_beat_draining_it_concurrently(
    sdk, make_app, make_scheduler, clock, broker
):
    """Two unlocked beats interleave batch by batch over one backlog: still every run once."""
    sdk.save_many([Entry(f"c{i:02}", "tasks.c", Interval(60), args=[i]) for i in range(30)])
    a = make_scheduler(make_app(redbeat_lock_key=None))
    b = make_scheduler(make_app(redbeat_lock_key=None))
    for beat in (a, b):
        beat.first_batch_size, beat.batch_size = 3, 7
    clock.advance(60)
    for _ in range(30):
        if a.tick() > 0 and b.tick() > 0:
            break
    assert sorted(s.args[0] for s in broker.sent()) == list(range(30))


def test_an_entry_due_later_in_the_second_is_kept_and_sent_on_time_without_reloading(
    sdk, make_app, make_scheduler, clock, broker, r
):
    sdk.save(Entry("half", "tasks.h", Interval(10.5)))  # due at T0+10.5, scored T0+10 (whole seconds)
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    loads = counting_loads(beat)
    clock.advance(10.2)
    assert beat.tick() == pytest.approx(0.3)  # loaded at its score, due in 0.3 s
    assert broker.sent() == [] and loads == [["redbeat:half"]]
    clock.advance(0.3)
    beat.tick()
    assert broker.tasks() == ["tasks.h"] and len(loads) == 1  # sent from memory
    entry = sdk.get("half")
    assert entry.last_run_at == clock.now and entry.score == int(
        (clock.now + timedelta(seconds=10.5)).timestamp()
    )


def test_an_entry_changed_while_kept_is_not_sent_on_the_old_decision(
    sdk, make_app, make_scheduler, clock, broker
):
    sdk.save(Entry("half", "tasks.h", Interval(10.5)))
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    clock.advance(10.2)
    beat.tick()  # kept until T0+10.5
    sdk.disable("half")  # same score, new definition
    clock.advance(0.3)
    beat.tick()
    assert broker.sent() == [] and beat.stats.stale_decisions == 1
    beat.tick()
    assert broker.sent() == []  # read again: disabled


def test_more_entries_waiting_in_the_second_than_a_batch_do_not_stall_the_due_ones(
    sdk, make_app, make_scheduler, clock, broker
):
    # Same score T0+10 for all; members sort by name, so the 12 waiting ones come first.
    sdk.save_many([Entry(f"a-wait-{i:02}", "tasks.wait", Interval(10.5)) for i in range(12)])
    sdk.save_many([Entry(f"z-due-{i}", "tasks.due", Interval(10)) for i in range(3)])
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    beat.first_batch_size, beat.batch_size = 5, 5
    clock.advance(10.2)
    sleeps = tick_until_asleep(beat)
    assert broker.tasks() == ["tasks.due"] * 3
    assert sleeps[-1] == pytest.approx(0.3)
    clock.advance(0.3)
    tick_until_asleep(beat)
    assert sorted(broker.tasks()) == ["tasks.due"] * 3 + ["tasks.wait"] * 12


def test_runs_recorded_before_the_lock_is_lost_are_still_sent(
    sdk, make_app, make_scheduler, clock, broker, r
):
    """A batch is recorded under the lock in one step; if the lock is then lost while publishing, the
    recorded runs still go out (no other beat will send them), and the beat stands by afterwards."""
    for i in range(3):
        sdk.save(Entry(f"slow-{i}", "tasks.slow", Interval(1)))
    beat = make_scheduler(make_app(redbeat_lock_timeout=0.3))
    beat.tick()
    publish = beat.apply_entry

    def publish_then_lose(entry, producer=None):
        publish(entry, producer=producer)
        time.sleep(0.12)  # past a third of the lock timeout: the next send extends the lock first
        r.set(LOCK, "thief", px=30000)

    beat.apply_entry = publish_then_lose
    clock.advance(1)
    before = snapshot(r)
    assert beat.tick() == 0.0
    assert len(broker.sent()) == 3 and not beat.leading and beat.stats.lock_lost == 1
    assert all(sdk.get(f"slow-{i}").total_run_count == 1 for i in range(3)) and snapshot(r) != before


def test_the_sleep_accounts_for_the_time_the_tick_took(sdk, make_app, make_scheduler, broker):
    """With a clock that runs, a tick that took 50 ms sleeps 50 ms less: it wakes at the next run."""
    started = time.monotonic()
    app = make_app(redbeat_lock_key=None)
    app.now = lambda: T0 + timedelta(seconds=time.monotonic() - started)
    sdk.save_many([Entry("now", "tasks.now", Interval(3)), Entry("later", "tasks.later", Interval(10))])
    sdk.run_now("now")
    beat = make_scheduler(app)
    publish = beat.apply_entry
    beat.apply_entry = lambda entry, producer=None: (time.sleep(0.05), publish(entry, producer=producer))
    sleep = beat.tick()
    woke = time.monotonic() - started + sleep
    assert broker.tasks() == ["tasks.now"]
    ran = (sdk.get("now").last_run_at - T0).total_seconds()
    assert sleep < 3 - 0.05 and woke == pytest.approx(ran + 3, abs=0.005)  # due again 3 s after its run


def test_an_entry_deleted_while_kept_is_dropped_quietly(sdk, make_app, make_scheduler, clock, broker, errors):
    sdk.save(Entry("half", "tasks.h", Interval(10.5)))
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    clock.advance(10.2)
    beat.tick()  # kept until T0+10.5
    sdk.delete("half")
    clock.advance(0.3)
    beat.tick()
    assert broker.sent() == [] and errors() == [] and beat.stats.vanished == 0


def test_an_entry_whose_hash_vanished_while_kept_is_reported_and_unscheduled(
    sdk, make_app, make_scheduler, clock, broker, errors, r
):
    sdk.save(Entry("half", "tasks.h", Interval(10.5)))
    beat = make_scheduler(make_app(redbeat_lock_key=None))
    clock.advance(10.2)
    beat.tick()
    r.delete("redbeat:half")  # evicted: the member stays
    clock.advance(0.3)
    beat.tick()
    assert broker.sent() == [] and beat.stats.vanished == 1 and len(errors()) == 1
    assert r.zscore("redbeat::schedule", "redbeat:half") is None


def test_with_wait_for_replicas_and_no_replica_nothing_is_sent(
    sdk, make_app, make_scheduler, clock, broker, r
):
    """The tick's own connection WAITs after its scripts as the client would; unacknowledged, the tick
    fails as on a connection error and sends nothing."""
    sdk.save(Entry("e", "tasks.e", Interval(1)))
    beat = make_scheduler(
        make_app(redbeat_redis_options={"wait_for_replicas": 1, "wait_for_replicas_timeout": 0.05})
    )
    clock.advance(1)
    assert beat.tick() == pytest.approx(5.0)  # Redis failed: try again in a few seconds
    assert broker.sent() == [] and beat.stats.redis_errors == 1
    assert r.info("commandstats")["cmdstat_wait"]["calls"] >= 1
