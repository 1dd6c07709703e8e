"""The lock is a fence: a leader that lost it mid-tick writes nothing and sends nothing, then stands by."""

from __future__ import annotations

import pytest
from conftest import snapshot

from redbeat_sdk import Entry, Interval

LOCK = "redbeat::lock"


def steal_lock_after_load(beat, r, thief="thief"):
    """Between loading the due entries and recording their runs, another beat takes the lock: what a
    paused process (GC, VM freeze, laptop sleep) sees when it resumes after its lock expired."""
    load = beat.store.load

    def load_then_lose(keys):
        rows = load(keys)
        r.set(LOCK, thief, px=30000)
        return rows

    beat.store.load = load_then_lose


def test_lock_lost_mid_tick_writes_and_sends_nothing(sdk, make_scheduler, clock, broker, r, caplog):
    for i in range(3):
        sdk.save(Entry(f"e{i}", "tasks.e", Interval(1)))
    beat = make_scheduler()
    beat.tick()  # leader now
    clock.advance(1)
    steal_lock_after_load(beat, r)
    before = {k: v for k, v in snapshot(r).items() if k != LOCK}
    beat.tick()  # must not raise: a beat that loses the lock stands by, it does not exit
    assert broker.sent() == []
    assert {k: v for k, v in snapshot(r).items() if k != LOCK} == before
    assert not beat.leading and beat.stats.lock_lost == 1
    assert any("lost the lock" in rec.getMessage() for rec in caplog.records)
    clock.advance(5)
    assert beat.tick() > 0 and broker.sent() == []  # standing by while the thief holds it
    assert r.get(LOCK) == "thief"


def test_lock_expired_between_ticks_the_old_leader_stands_by(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("e", "tasks.e", Interval(1)))
    old, new = make_scheduler(), make_scheduler()
    old.tick()
    r.delete(LOCK)  # expired while `old` was paused
    clock.advance(1)
    new.tick()
    assert new.leading and len(broker.sent()) == 1
    before = snapshot(r)
    old.tick()
    assert not old.leading and snapshot(r) == before and len(broker.sent()) == 1


def test_the_standby_takes_over_and_resumes_the_schedule(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("e", "tasks.e", Interval(10)))
    a, b = make_scheduler(), make_scheduler()
    clock.advance(10)
    a.tick()
    b.tick()
    r.delete(LOCK)  # a died; its lock expired
    clock.advance(5)
    b.tick()
    assert b.leading and len(broker.sent()) == 1  # the run a sent is not repeated
    clock.advance(5)
    b.tick()
    assert len(broker.sent()) == 2


def test_a_decision_on_stale_meta_is_not_sent(sdk, make_scheduler, clock, broker, r):
    """A client's run_now (or a second, unlocked beat) changes the meta after the tick loaded it."""
    sdk.save(Entry("e", "tasks.e", Interval(1)))
    beat = make_scheduler()
    load = beat.store.load

    def load_then_edit(keys):
        rows = load(keys)
        sdk.run_now("e")
        return rows

    beat.store.load = load_then_edit
    clock.advance(1)
    assert beat.tick() == 0  # look again right away
    assert broker.sent() == [] and beat.stats.stale_decisions == 1
    beat.store.load = load
    beat.tick()
    assert broker.tasks() == ["tasks.e"]


def test_without_a_lock_two_interleaved_beats_still_send_each_run_once(
    sdk, make_app, make_scheduler, clock, broker
):
    sdk.save(Entry("e", "tasks.e", Interval(1)))
    a = make_scheduler(make_app(redbeat_lock_key=None))
    b = make_scheduler(make_app(redbeat_lock_key=None))
    clock.advance(1)
    load = a.store.load

    def load_then_let_b_run(keys):
        rows = load(keys)
        b.tick()  # b loads the same state and sends first
        return rows

    a.store.load = load_then_let_b_run
    a.tick()
    assert broker.tasks() == ["tasks.e"]


def test_release_on_close_lets_the_standby_in_at_once(sdk, make_scheduler, r):
    a, b = make_scheduler(), make_scheduler()
    a.tick()
    b.tick()
    a.close()
    assert r.get(LOCK) is None
    b.tick()
    assert b.leading


def test_standby_wakes_when_the_lock_expires(make_scheduler, r):
    """It sleeps what the holder's lock has left plus 50 ms: never past it, however long the setup took
    (Redis counts that TTL down in real time, so only the upper bound is exact)."""
    r.set(LOCK, "other", px=500)
    assert 0.05 < make_scheduler().tick() <= 0.55


def test_standby_polls_every_second_behind_a_long_lock(make_scheduler, r):
    r.set(LOCK, "other", px=120_000)
    assert make_scheduler().tick() == pytest.approx(1.0)


def test_standby_never_sleeps_longer_than_max_interval(make_app, make_scheduler, r):
    r.set(LOCK, "other", px=120_000)
    assert make_scheduler(make_app(beat_max_loop_interval=0.5)).tick() == pytest.approx(0.5)


def test_a_long_tick_keeps_extending_the_lock(sdk, make_app, make_scheduler, clock, broker, r):
    """Publishing 5 entries takes longer than the whole lock timeout; the leader extends as it goes."""
    import time

    for i in range(5):
        sdk.save(Entry(f"slow-{i}", "tasks.slow", Interval(1)))
    beat = make_scheduler(make_app(redbeat_lock_timeout=0.3))
    publish = beat.apply_entry

    def slow_publish(entry, producer=None):
        time.sleep(0.12)
        publish(entry, producer=producer)

    beat.apply_entry = slow_publish
    clock.advance(1)
    beat.tick()
    assert len(broker.sent()) == 5 and beat.leading and beat.stats.lock_lost == 0


def test_a_large_static_sync_keeps_extending_the_lock(make_app, make_scheduler, r):
    """Writing beat_schedule takes longer than the whole lease; the leader extends as it goes."""
    import time

    statics = {f"static-{i}": {"task": "tasks.s", "schedule": 60.0} for i in range(8)}
    beat = make_scheduler(make_app(redbeat_lock_lease=0.3, beat_schedule=statics))
    sync = beat.store.sync_static

    def slow_sync(*args, **kwargs):
        time.sleep(0.08)
        return sync(*args, **kwargs)

    beat.store.sync_static = slow_sync
    beat.tick()
    assert beat.leading and beat.stats.lock_lost == 0 and r.get(LOCK) == beat.lock.token
    assert r.scard("redbeat::statics") == 8


def test_a_stop_signal_while_sending_still_sends_the_rest_of_the_recorded_batch(
    sdk, make_scheduler, clock, broker
):
    """Celery's SIGTERM handler raises SystemExit wherever beat is; runs recorded must not be lost."""
    for i in range(5):
        sdk.save(Entry(f"e-{i}", "tasks.e", Interval(1), args=[i]))
    beat = make_scheduler()
    publish = beat.apply_entry
    calls = []

    def interrupted(entry, producer=None):
        calls.append(entry.name)
        if len(calls) == 2:
            raise SystemExit()  # before this one went out
        publish(entry, producer=producer)

    beat.apply_entry = interrupted
    clock.advance(1)
    with pytest.raises(SystemExit):
        beat.tick()
    assert len(calls) == 5 and len(broker.sent()) == 4
    assert sorted(s.args[0] for s in broker.sent()) == sorted(
        int(name.split("-")[1]) for name in calls if name != calls[1]
    )
    assert all(sdk.get(f"e-{i}").total_run_count == 1 for i in range(5))  # all five were recorded
