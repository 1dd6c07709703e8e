"""The SDK on the deployments users grow into: Redis Cluster, Sentinel with a forced failover, TLS with an
ACL user, and a server that goes away and comes back (tools/topologies starts each on loopback)."""

from __future__ import annotations

import threading

import pytest
import redis
from conftest import dump
from redis.sentinel import Sentinel
from topologies import Cluster, SentinelGroup, Single, TlsServer

from redbeat_sdk import (
    ClusterConfigError,
    Crontab,
    Entry,
    Interval,
    RedBeatClient,
    RedBeatConnectionError,
    RedBeatError,
)

TAGGED = "{redbeat}:"


@pytest.fixture(scope="module")
def cluster():
    with Cluster() as topology:
        yield topology


@pytest.fixture(scope="module")
def sentinel_group():
    with SentinelGroup() as topology:
        yield topology


@pytest.fixture(scope="module")
def tls():
    with TlsServer() as topology:
        yield topology


def every_operation(client: RedBeatClient, r) -> None:
    """Each public operation, including the paths that only run on a conflict or after SCRIPT FLUSH."""
    client.batch_size = 2  # several pipelined batches
    client.save(Entry("a", "tasks.a", Interval(60), args=[1]))
    client.save_many([Entry(f"m{i}", "tasks.m", Crontab(minute=str(i))) for i in range(5)])
    r.hset(
        client.keys.entry("a"), "meta", '{"last_run_at": null, "total_run_count": 3}'
    )  # beat ran it meanwhile
    client.save(Entry("a", "tasks.a", Interval(30), args=[2]))  # re-save: scored from the stored meta
    client.save_many(
        [Entry("m0", "tasks.m", Crontab(minute="7")), Entry("m1", "tasks.m", Crontab(minute="8"))]
    )
    client.disable("m2")
    client.enable("m2")
    client.run_now("m3")
    assert client.get("a").total_run_count == 3
    assert sorted(e.name for e in client.list()) == ["a", "m0", "m1", "m2", "m3", "m4"]
    assert client.delete("m4") and not client.delete("m4")
    r.script_flush()  # every node: the scripts are loaded again where needed
    client.save(Entry("b", "tasks.b", Interval(5)))
    r.script_flush()
    client.save_many([Entry("c", "tasks.c", Interval(5)), Entry("d", "tasks.d", Interval(5))])


def test_cluster_refuses_a_prefix_without_hash_tag(cluster):
    client = cluster.client()
    for prefix in ("redbeat:", "{redbeat:", "{}redbeat:"):
        with pytest.raises(ClusterConfigError, match="hash tag"):
            RedBeatClient(client, key_prefix=prefix)
    with pytest.raises(ClusterConfigError, match=r"\{redbeat\}:"):
        RedBeatClient.from_url(f"redis-cluster://127.0.0.1:{cluster.startup_nodes[1]['port']}")
    client.close()


def test_cluster_every_operation_in_one_slot_writes_what_a_single_server_holds(cluster, r, clock):
    rc = cluster.client()
    rc.flushall()
    every_operation(
        RedBeatClient.from_url(
            f"redis-cluster://{cluster.info()['addrs'][2]}", key_prefix=TAGGED, clock=clock
        ),
        rc,
    )
    holders = []
    for node in cluster.nodes.values():
        with node.client() as direct:
            keys = direct.keys("*")
            if keys:
                holders.append(node.name)
                assert {direct.cluster("KEYSLOT", key) for key in keys} == {rc.keyslot(TAGGED)}
                on_cluster = dump(direct)
    assert len(holders) == 1
    every_operation(
        RedBeatClient(r, key_prefix=TAGGED, clock=clock), r
    )  # the same calls, the same frozen time
    assert on_cluster == dump(r)
    rc.close()


def test_sentinel_client_follows_a_forced_failover(sentinel_group, clock):
    sentinels = Sentinel(
        [(s["host"], s["port"]) for s in sentinel_group.info()["sentinels"]], socket_timeout=5
    )
    master = sentinels.master_for(sentinel_group.service_name, decode_responses=True, socket_timeout=5)
    client = RedBeatClient(master, clock=clock)
    client.save_many([Entry("before", "tasks.b", Interval(60)), Entry("kept", "tasks.k", Interval(60))])
    # replication is asynchronous: writes the replica has not received are lost by a failover (documented);
    # this test is about following the new master, so wait until the replica has them
    assert master.execute_command("WAIT", 1, 5000) >= 1
    old = sentinel_group.master
    info = sentinel_group.failover()
    assert info["master"]["name"] != old.name
    # the first command on the old connection meets a read-only replica; redis-py asks the sentinels again
    client.save(Entry("after", "tasks.a", Interval(60)))
    client.disable("kept")
    assert sorted(e.name for e in client.list()) == ["after", "before", "kept"]
    with sentinel_group.master.client() as new_master:
        assert new_master.hexists("redbeat:after", "definition")
    master.close()


def test_tls_with_an_acl_user(tls, clock):
    info = tls.info()
    client = RedBeatClient.from_url(info["url"], ssl_ca_certs=info["ca_file"], clock=clock)
    every_operation(client, redis.Redis.from_url(info["admin_url"], ssl_ca_certs=info["ca_file"]))
    assert client.get("a").task == "tasks.a"


def _fails_fast(call, timeout: float = 20) -> BaseException:
    """The exception `call` raises, failing the test if it neither raises nor returns in time (a hang)."""
    outcome: list = []

    def run():
        try:
            call()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert outcome, f"no answer within {timeout}s: the client hangs"
    assert outcome[0] is not None, "expected an error"
    return outcome[0]


def test_tls_wrong_password_untrusted_certificate_and_missing_login_are_clear_errors(tls, clock):
    info = tls.info()
    ca = info["ca_file"]
    wrong_password = RedBeatClient.from_url(
        tls.url_for(tls.user, "not-the-password"), ssl_ca_certs=ca, clock=clock
    )
    error = _fails_fast(lambda: wrong_password.get("a"))
    assert isinstance(error, RedBeatConnectionError) and "refused the login" in str(error)
    for untrusting in (dict(ssl_ca_certs=info["untrusted_ca_file"]), {}):  # another CA; the system's CAs
        client = RedBeatClient.from_url(info["url"], clock=clock, **untrusting)
        error = _fails_fast(lambda: client.get("a"))
        assert isinstance(error, RedBeatConnectionError) and "certificate is not trusted" in str(error)
    anonymous = RedBeatClient.from_url(f"rediss://127.0.0.1:{info['port']}/0", ssl_ca_certs=ca, clock=clock)
    assert isinstance(_fails_fast(lambda: anonymous.get("a")), RedBeatConnectionError)
    plain = RedBeatClient.from_url(info["url"].replace("rediss://", "redis://"), clock=clock)
    assert isinstance(_fails_fast(lambda: plain.get("a")), RedBeatConnectionError)
    outside_grant = RedBeatClient.from_url(info["url"], ssl_ca_certs=ca, key_prefix="other:", clock=clock)
    error = _fails_fast(lambda: outside_grant.save(Entry("x", "t", Interval(5))))
    assert isinstance(error, RedBeatError) and "ACL" in str(error)


def test_outage_raises_connection_errors_and_the_same_client_works_after_it(clock):
    with Single() as single:
        client = RedBeatClient.from_url(single.url, clock=clock)
        client.save(Entry("job", "tasks.j", Interval(60)))
        single.server.stop(save=True)  # a restart of a server with persistence: the data comes back
        for call in (
            lambda: client.get("job"),
            lambda: client.save(Entry("job", "t", Interval(5))),
            lambda: client.save_many([Entry("x", "t", Interval(5))]),
            lambda: list(client.list()),
            lambda: client.run_now("job"),
            lambda: client.delete("job"),
        ):
            error = _fails_fast(call)
            assert isinstance(error, RedBeatConnectionError) and "unreachable" in str(error)
        single.server.start()
        assert client.get("job").task == "tasks.j"
        client.save(Entry("after", "tasks.a", Interval(5)))

        timing_out = RedBeatClient.from_url(single.url, clock=clock, socket_timeout=0.5)
        single.server.pause()  # a black hole: connections open, nothing answers
        try:
            error = _fails_fast(lambda: timing_out.get("job"))
            assert isinstance(error, RedBeatConnectionError) and "Timeout" in str(error)
        finally:
            single.server.resume()
        assert sorted(e.name for e in timing_out.list()) == ["after", "job"]
