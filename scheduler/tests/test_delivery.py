"""Delivery under real `celery beat` processes and a real `celery worker` (beatproj.py's `tasks.record`
counts every execution):

- the broker is the schedule's Redis server and db, so the record script queues each message: a leader
  killed with SIGKILL in the middle of a burst leaves exactly as many messages as runs recorded, the
  standby carries on, and the worker runs every recorded run exactly once;
- the broker is another server that stops and comes back: the runs recorded meanwhile wait in the outbox
  and are all published once it is back (the same task ids), none lost.

Nothing here is timed: the waits are guards against hangs.
"""

from __future__ import annotations

import json

import pytest
import redis
from beatprocs import OURS, Beat, BrokerView, Worker, wait_until
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient

ENTRIES = 1000  # all due together: a burst of ten batches
PERIOD = 3.0


def recorded_runs(r: redis.Redis, names: list[str]) -> dict[str, int]:
    pipe = r.pipeline(transaction=False)
    for name in names:
        pipe.hget(f"redbeat:{name}", "meta")
    return {
        name: json.loads(meta).get("total_run_count", 0) if meta else 0
        for name, meta in zip(names, pipe.execute(), strict=True)
    }


@pytest.fixture
def started():
    running: list = []
    yield running.append
    for process in running:
        process.stop()


def test_kill_9_mid_burst_on_the_atomic_path_loses_and_doubles_nothing(redis_url, r, started):
    sdk = RedBeatClient.from_url(redis_url, timezone="UTC")
    names = [f"burst-{i:04d}" for i in range(ENTRIES)]
    for name in names:
        sdk.save(Entry(name, "tasks.record", Interval(PERIOD), args=[name]))
    beat = Beat(OURS, redis_url, redis_url, lock_timeout=2, max_interval=1, name="leader")
    started(beat)
    beat.wait_for_log("took the lock")
    killed_mid_burst = 0
    for round_ in range(3):
        standby = Beat(OURS, redis_url, redis_url, lock_timeout=2, max_interval=1, name=f"standby-{round_}")
        started(standby)
        standby.wait_for_log("standing by")
        resting = r.llen("celery")
        wait_until(lambda: r.llen("celery") > resting, 30, beat.log, poll=0.001)  # a burst has begun
        beat.kill9()
        runs = recorded_runs(r, names)
        queued = r.llen("celery")
        # the record script queued every run it recorded, and nothing else
        assert sum(runs.values()) == queued, (sum(runs.values()), queued)
        if len(set(runs.values())) > 1:
            killed_mid_burst += 1  # some entries of the burst were recorded, the others not yet
        assert "inside the record script" in beat.log()
        beat = standby
        wait_until(lambda: r.llen("celery") >= queued + ENTRIES, 30, beat.log)  # it took over
        if killed_mid_burst:
            break
    assert killed_mid_burst, "no kill landed inside a burst in three tries"
    beat.stop()
    runs = recorded_runs(r, names)
    total = sum(runs.values())
    assert r.llen("celery") == total and not r.exists("redbeat::outbox")

    worker = Worker(redis_url, redis_url)
    started(worker)
    wait_until(lambda: r.llen("celery") == 0 and r.hlen("delivery:executed") >= total, 120, worker.log)
    worker.stop()
    executed = {key: int(count) for key, count in r.hgetall("delivery:executed").items()}
    per_entry = {key: int(count) for key, count in r.hgetall("delivery:runs").items()}
    assert len(executed) == total and set(executed.values()) == {1}  # every message ran, once
    assert per_entry == {name: count for name, count in runs.items() if count}  # as many as recorded


def test_the_outbox_holds_runs_while_the_broker_is_down_and_publishes_them_when_it_is_back(
    redis_url, r, started, tmp_path
):
    sdk = RedBeatClient.from_url(redis_url, timezone="UTC")
    names = [f"steady-{i}" for i in range(20)]
    for name in names:
        sdk.save(Entry(name, "tasks.record", Interval(1), args=[name]))
    with Single(root=tmp_path) as single:
        broker = BrokerView(single.url)
        beat = Beat(OURS, redis_url, single.url, lock_timeout=10, max_interval=1)
        started(beat)
        wait_until(lambda: len(broker.sent()) >= 40, 30, beat.log)
        single.server.stop(save=True)
        wait_until(lambda: r.hlen("redbeat::outbox") >= 60, 30, beat.log)  # three seconds of runs wait
        assert "wait in the outbox" in beat.log()
        single.server.start()
        broker = BrokerView(single.url)
        wait_until(lambda: "takes messages again" in beat.log(), 60, beat.log)
        wait_until(lambda: not r.exists("redbeat::outbox"), 30, beat.log)
        beat.stop()
        runs = recorded_runs(r, names)
        sent = broker.sent()
        ids = [s.headers["id"] for s in sent]
        assert len(ids) == len(set(ids))  # nothing published twice here (at least once in general)
        per_entry = {name: sum(1 for s in sent if s.args[0] == name) for name in names}
        assert per_entry == runs  # every run recorded was published, the ones that waited included
        broker.close()
