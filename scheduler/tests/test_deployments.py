"""The scheduler on the deployments users grow into (tools/topologies starts each on loopback):

- Redis Cluster: every script and pipeline of a tick, the lock and the statics included, runs with a
  hash-tagged prefix and leaves exactly what a single server holds; an untagged prefix is refused;
- Sentinel: real `celery beat` processes ride through forced failovers (SENTINEL FAILOVER) without a run
  sent twice, and the lock lives on on the new master;
- TLS with an ACL user: the smallest grant is enough; a wrong password or an untrusted certificate is a
  clear error at once, even with `retry_period: -1`;
- outages: a real beat survives a Redis restart and an outage with retries and back-off on every call,
  the lock included, and resumes without sending a run twice (3 s here; 30 s under `make test-slow`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import redis
from beatprocs import OURS, Beat, BrokerView, wait_until
from conftest import T0, snapshot
from redis.sentinel import Sentinel
from topologies import Cluster, SentinelGroup, Single

from redbeat_scheduler.settings import SettingsError
from redbeat_sdk import Entry, Interval, RedBeatClient, RRule

TAGGED = "{redbeat}:"


# -- Redis Cluster ----------------------------------------------------------------------------------


def cluster_snapshot(topology: Cluster) -> dict:
    state = {}
    for node in topology.nodes.values():
        with node.client() as direct:
            state.update(snapshot(direct))
    return state


def every_scheduler_operation(make_app, make_scheduler, clock, broker, raw, url: str) -> list:
    """A tick for each kind of write: lock take/extend/release, statics sync/heal/removal, a fired run,
    re-scores (disabled, unreadable), a vanished member dropped; a standby; a takeover. Returns what
    was sent."""
    clock.set(T0)
    broker.clear()
    sdk = RedBeatClient(raw, TAGGED, clock=clock)
    statics = {
        "static-1": {"task": "tasks.s1", "schedule": 1.0},
        "static-2": {"task": "tasks.s2", "schedule": 60.0},
    }
    app = dict(redbeat_redis_url=url, redbeat_key_prefix=TAGGED)
    sdk.save(Entry("due", "tasks.due", Interval(1)))
    sdk.save(Entry("off", "tasks.off", Interval(1), enabled=False))
    raw.hset(TAGGED + "corrupt", mapping={"definition": "{not json", "meta": ""})
    raw.zadd(TAGGED + ":schedule", {TAGGED + "corrupt": 0, TAGGED + "ghost": 0})
    clock.advance(1)
    leader = make_scheduler(make_app(beat_schedule=statics, **app))
    standby = make_scheduler(make_app(beat_schedule=statics, **app))
    leader.tick()
    assert standby.tick() > 0 and not standby.leading
    raw.delete(TAGGED + "static-1")  # evicted: healed from beat_schedule at the next tick
    clock.advance(1)
    leader.tick()
    leader.close()  # releases the lock
    successor = make_scheduler(make_app(beat_schedule={"static-1": statics["static-1"]}, **app))
    clock.advance(1)
    successor.tick()  # takes the lock, removes static-2, fires
    assert successor.leading and leader.stats.healed == 1 and leader.stats.vanished >= 2
    successor.close()
    return sorted(Counter(broker.tasks()).items())


def test_cluster_untagged_prefix_is_refused_before_any_write(cluster, make_app, make_scheduler):
    beat = make_scheduler(make_app(redbeat_redis_url=f"redis-cluster://{cluster.info()['addrs'][0]}"))
    with pytest.raises(SettingsError, match="hash tag"):
        beat.tick()
    assert cluster_snapshot(cluster) == {}


def test_cluster_every_operation_stays_in_one_slot(
    cluster, make_app, make_scheduler, clock, broker, r, redis_url
):
    rc = cluster.client()
    url = "redis-cluster://" + ",".join(cluster.info()["addrs"])  # the nodes in the URL, no startup_nodes
    sent_by_cluster = every_scheduler_operation(make_app, make_scheduler, clock, broker, rc, url)
    on_cluster = cluster_snapshot(cluster)
    holders = [node.name for node in cluster.nodes.values() if node.client().dbsize()]
    assert len(holders) == 1 and {rc.keyslot(key) for key in on_cluster} == {rc.keyslot(TAGGED)}
    rc.close()
    # the same ticks on one plain server leave the same keys and send the same tasks
    sent_by_single = every_scheduler_operation(make_app, make_scheduler, clock, broker, r, redis_url)
    assert sent_by_cluster == sent_by_single and ("tasks.due", 3) in sent_by_single
    assert on_cluster == snapshot(r)


# -- real beats: helpers -----------------------------------------------------------------------------


def save_live_entries(sdk: RedBeatClient) -> None:
    """Entries on the real clock; `expires` makes Celery stamp each message with its publish time."""
    for name, every in (("every-1", 1), ("every-2", 2)):
        sdk.save(Entry(name, "tasks.ping", Interval(every), args=[name], options={"expires": 3600}))
    # fixed slots: a run whose record a failover lost would be sent twice for the same slot
    sdk.save(
        Entry(
            "rrule-2",
            "tasks.ping",
            RRule("SECONDLY", interval=2),
            args=["rrule-2"],
            options={"expires": 3600},
        )
    )


def sends(broker: BrokerView) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for s in broker.sent():
        out.setdefault(s.args[0], []).append(s.sent_at.timestamp() - 3600)
    return {name: sorted(times) for name, times in out.items()}


def sent_after(broker: BrokerView, when: float) -> int:
    return sum(t > when for times in sends(broker).values() for t in times)


def assert_every_send_recorded(broker: BrokerView, sdk: RedBeatClient) -> None:
    """No more runs published than recorded in each entry's meta. A run sent twice is a run whose record a
    failover or an outage lost, after which beat found it due again: one task id more than records.
    (Fewer sends than records is the other side of at most once: a write whose answer was lost - a dropped
    connection, a WAIT that gave up while the write survived - is retried, finds its own record, and does
    not send.) A message published again from the outbox - the server went down after the broker took it
    and before its outbox field was removed - carries the same task id (at least once, README
    "Publishing"): repeats of one id count once.

    Gaps between sends prove nothing here: a tick stalled by retries records its runs at the time it
    started, so the next interval run may rightly follow the late one within milliseconds."""
    ids: dict[str, set[str]] = {}
    for s in broker.sent():
        ids.setdefault(s.args[0], set()).add(s.headers["id"])
    for name, runs in ids.items():
        recorded = sdk.get(name).total_run_count
        assert len(runs) <= recorded, f"{name}: {len(runs)} task ids sent, {recorded} recorded runs"


@pytest.fixture
def isolated_broker(broker_url):
    view = BrokerView(broker_url)
    view.clear()
    yield view
    view.close()


# -- Sentinel ---------------------------------------------------------------------------------------


def test_beats_ride_through_forced_failovers_without_sending_a_run_twice(broker_url, isolated_broker):
    """A leader and a standby through two SENTINEL FAILOVERs; then the leader stops and the standby takes
    the lock on the new master. `wait_for_replicas: 1` is what makes "no run sent twice" hold for sure
    (README, "Deployments"): without it a run recorded on the old master after the promotion is lost."""
    broker = isolated_broker
    with SentinelGroup() as group:
        info = group.info()
        sentinels = Sentinel([(s["host"], s["port"]) for s in info["sentinels"]], socket_timeout=5)
        sdk = RedBeatClient(sentinels.master_for(group.service_name, decode_responses=True, socket_timeout=5))
        save_live_entries(sdk)
        options = {
            "sentinels": [[s["host"], s["port"]] for s in info["sentinels"]],
            "service_name": group.service_name,
            "retry_period": 30,
            "wait_for_replicas": 1,
            "socket_timeout": 5,
        }
        leader = Beat(
            OURS, "redis-sentinel://", broker_url, lock_timeout=10, name="leader", redis_options=options
        )
        standby = None
        try:
            wait_until(lambda: sent_after(broker, 0) >= 3, 30, leader.log)
            standby = Beat(
                OURS, "redis-sentinel://", broker_url, lock_timeout=10, name="standby", redis_options=options
            )
            standby.wait_for_log("standing by")
            for _ in range(2):
                old = group.master.name
                assert group.failover()["master"]["name"] != old
                done = time.time()
                wait_until(lambda: sent_after(broker, done) >= 3, 30, leader.log)
            stopped = time.time()
            leader.stop()
            wait_until(lambda: sent_after(broker, stopped) >= 3, 30, standby.log)
            standby.stop()
            assert_every_send_recorded(broker, sdk)
            assert "lost the lock" not in leader.log() and "took the lock" in standby.log()
            assert not any(
                s.origin_pid == standby.pid for s in broker.sent() if s.sent_at.timestamp() - 3600 < stopped
            )
        finally:
            leader.stop()
            if standby:
                standby.stop()


# -- TLS and ACL users ------------------------------------------------------------------------------


def test_tls_with_an_acl_user_runs_every_operation(tls, make_app, make_scheduler, clock, broker):
    info = tls.info()
    admin = redis.Redis.from_url(info["admin_url"], ssl_ca_certs=info["ca_file"], decode_responses=True)
    admin.flushall()
    sdk = RedBeatClient.from_url(info["url"], ssl_ca_certs=info["ca_file"], clock=clock)
    sdk.save(Entry("secure", "tasks.tls", Interval(1)))
    clock.advance(1)
    beat = make_scheduler(
        make_app(
            redbeat_redis_url=info["url"],
            redbeat_redis_use_ssl={"ssl_ca_certs": info["ca_file"]},
            beat_schedule={"static": {"task": "tasks.static", "schedule": 1.0}},
        )
    )
    beat.tick()
    clock.advance(1)
    beat.tick()
    assert (
        sorted(broker.tasks()) == ["tasks.static", "tasks.tls", "tasks.tls"] and beat.stats.redis_errors == 0
    )
    beat.close()
    assert admin.exists("redbeat::lock") == 0  # released under the ACL user too
    admin.close()


@pytest.mark.parametrize("problem", ["wrong password", "untrusted certificate", "no CA given"])
def test_tls_misconfiguration_is_a_clear_error_at_once(problem, tls, make_app, make_scheduler, clock, errors):
    info = tls.info()
    url, ssl_options = info["url"], {"ssl_ca_certs": info["ca_file"]}
    if problem == "wrong password":
        url = tls.url_for(tls.user, "not-the-password")
    elif problem == "untrusted certificate":
        ssl_options = {"ssl_ca_certs": info["untrusted_ca_file"]}
    else:
        ssl_options = {}  # the system's CAs
    beat = make_scheduler(
        make_app(
            redbeat_redis_url=url,
            redbeat_redis_use_ssl=ssl_options or True,
            redbeat_redis_options={"retry_period": -1},
        )
    )  # would retry a passing error forever
    outcome: list = []
    ticking = threading.Thread(target=lambda: outcome.append(beat.tick()), daemon=True)
    ticking.start()
    ticking.join(20)
    assert outcome, "the tick hangs: it retries a configuration error"
    assert outcome == [5.0]  # beat lives on and looks again later (the password may be fixed meanwhile)
    (record,) = errors()
    expected = "AuthenticationError" if problem == "wrong password" else "CERTIFICATE_VERIFY_FAILED"
    assert expected in record.getMessage()


# -- outages -----------------------------------------------------------------------------------------


def ride_out_outages(
    broker_url: str, broker: BrokerView, outages: list[float], redis_options: dict, caplog_text=None
) -> tuple[Beat, list]:
    """A real beat on a server that goes down for each of `outages` seconds (SHUTDOWN SAVE, then started
    again on its port with its data: a restart of a server with persistence)."""
    with Single() as single:
        sdk = RedBeatClient.from_url(single.url)
        save_live_entries(sdk)
        beat = Beat(OURS, single.url, broker_url, lock_timeout=10, name="beat", redis_options=redis_options)
        try:
            wait_until(lambda: sent_after(broker, 0) >= 3, 30, beat.log)
            for seconds in outages:
                single.server.stop(save=True)
                time.sleep(seconds)
                single.server.start()
                back = time.time()
                wait_until(lambda: sent_after(broker, back) >= 3, seconds + 40, beat.log)
            assert beat.alive, beat.log()
            beat.stop()
            assert_every_send_recorded(broker, sdk)
            return beat, sends(broker)
        finally:
            beat.stop()


def test_beat_rides_out_a_restart_and_a_3s_outage_with_retries(broker_url, isolated_broker):
    beat, _ = ride_out_outages(broker_url, isolated_broker, [0, 3], {"retry_period": 20})
    log = beat.log()
    assert "retrying in 1 s" in log and "retrying in 2 s" in log  # back-off, logged
    assert "Traceback" not in log and "lost the lock" not in log


@pytest.mark.slow
@pytest.mark.parametrize("retry_period", [60, None], ids=["retry_period=60", "no retry_period"])
def test_beat_rides_out_a_30s_outage(retry_period, broker_url, isolated_broker):
    options = {} if retry_period is None else {"retry_period": retry_period}
    beat, _ = ride_out_outages(broker_url, isolated_broker, [30], options)
    log = beat.log()
    if retry_period is None:  # each tick fails at once; beat logs once and looks again every few seconds
        assert "Redis failed" in log and "Redis is reachable again" in log
    else:
        assert "retrying in 16 s" in log
    assert "Traceback" not in log
