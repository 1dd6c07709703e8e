"""The scheduler's own connection paths at tick level, on servers tools/topologies starts: through Sentinel,
on a Redis Cluster given `startup_nodes`, a server going away and coming back, and the retry policy.
(TLS with a CA file and ACL users, and real beats through failovers, are in test_deployments.py.)"""

from __future__ import annotations

import pytest
import redis
from topologies import Cluster, SentinelGroup, Single, free_port

from redbeat_scheduler.retry import Retrying
from redbeat_sdk import Entry, Interval, RedBeatClient


def test_through_sentinel(make_app, make_scheduler, clock, broker):
    with SentinelGroup() as group:
        sdk = RedBeatClient.from_url(f"redis://127.0.0.1:{group.master.port}/0", clock=clock)
        sdk.save(Entry("via-sentinel", "tasks.s", Interval(1)))
        clock.advance(1)
        beat = make_scheduler(
            make_app(
                redbeat_redis_url="redis-sentinel://",
                redbeat_redis_options={
                    "sentinels": [(s["host"], s["port"]) for s in group.info()["sentinels"]],
                    "service_name": group.service_name,
                },
            )
        )
        beat.tick()
        assert broker.tasks() == ["tasks.s"]
        beat.close()


def test_redis_going_away_does_not_kill_beat(make_app, make_scheduler, clock, broker, errors):
    with Single() as single:
        sdk = RedBeatClient.from_url(single.url, clock=clock)
        sdk.save(Entry("e", "tasks.e", Interval(1)))
        beat = make_scheduler(make_app(redbeat_redis_url=single.url))
        beat.tick()
        single.server.stop()
        clock.advance(1)
        assert beat.tick() == 5.0 and beat.tick() == 5.0  # logged once, retried every few seconds
        assert beat.stats.redis_errors == 2 and len(errors()) == 1
        single.server.start()  # back on its port, but empty (no persistence)
        sdk = RedBeatClient.from_url(single.url, clock=clock)
        sdk.save(Entry("e", "tasks.e", Interval(1)))
        clock.advance(1)
        beat.tick()
        assert broker.tasks() == ["tasks.e"]


def test_retry_period_retries_connection_errors_then_gives_up():
    closed = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    slept, clock = [], [0.0]

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    retrying = Retrying(10, sleep=sleep, monotonic=lambda: clock[0])
    with pytest.raises(redis.ConnectionError):
        retrying(closed.ping)
    assert slept == [1, 2, 4]  # the next wait (8 s) would pass the 10 s period
    attempts = []

    def flaky():
        attempts.append(1)
        return closed.ping() if len(attempts) < 3 else "ok"

    assert Retrying(-1, sleep=sleep, monotonic=lambda: clock[0])(flaky) == "ok" and len(attempts) == 3
    assert Retrying(None)(lambda: "direct") == "direct"


def test_on_redis_cluster_given_startup_nodes(cluster: Cluster, make_app, make_scheduler, clock, broker):
    """The cluster reached through `redbeat_redis_options["startup_nodes"]` (upstream's form) rather than
    the nodes in the URL (test_deployments.py), with a hash-tagged prefix."""
    client = cluster.client()
    sdk = RedBeatClient(client, key_prefix="{rb}:", clock=clock)
    sdk.save(Entry("clustered", "tasks.c", Interval(1)))
    clock.advance(1)
    beat = make_scheduler(
        make_app(
            redbeat_redis_url="redis-cluster://",
            redbeat_key_prefix="{rb}:",
            redbeat_redis_options={"startup_nodes": cluster.startup_nodes},
        )
    )
    beat.tick()
    assert broker.tasks() == ["tasks.c"] and beat.leading
    assert sdk.get("clustered").total_run_count == 1
    client.close()
