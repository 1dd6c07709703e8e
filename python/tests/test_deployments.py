"""The SDK on the deployments users grow into: Redis Cluster, Sentinel with a forced failover, TLS with an
ACL user, and a server that goes away and comes back (tools/topologies starts each on loopback)."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis
import redis.asyncio
from conftest import dump
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.sentinel import Sentinel
from scripted import every_operation, run, run_async
from topologies import Cluster, SentinelGroup, Single, TlsServer

from redbeat_sdk import (
    ClusterConfigError,
    Entry,
    Interval,
    RedBeatClient,
    RedBeatConnectionError,
    RedBeatError,
)
from redbeat_sdk.asyncio import AsyncRedBeatClient

TAGGED = "{redbeat}:"
KINDS = ["sync", "asyncio"]
CLIENTS = {"sync": RedBeatClient, "asyncio": AsyncRedBeatClient}


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


def test_cluster_refuses_a_prefix_without_hash_tag(cluster):
    client = cluster.client()
    node = cluster.startup_nodes[1]
    not_connected = redis.asyncio.RedisCluster(host=node["host"], port=node["port"])
    for prefix in ("redbeat:", "{redbeat:", "{}redbeat:"):
        for Client, redis_client in ((RedBeatClient, client), (AsyncRedBeatClient, not_connected)):
            with pytest.raises(ClusterConfigError, match="hash tag"):
                Client(redis_client, key_prefix=prefix)
    for Client in CLIENTS.values():
        with pytest.raises(ClusterConfigError, match=r"\{redbeat\}:"):
            Client.from_url(f"redis-cluster://127.0.0.1:{node['port']}")
    client.close()


def one_slot_dump(cluster, rc) -> dict:
    """Every key of the cluster, checked to sit on one node, in the slot of the tagged prefix."""
    holders = {}
    for node in cluster.nodes.values():
        with node.client() as direct:
            keys = direct.keys("*")
            if keys:
                assert {direct.cluster("KEYSLOT", key) for key in keys} == {rc.keyslot(TAGGED)}
                holders[node.name] = dump(direct)
    assert len(holders) == 1
    return next(iter(holders.values()))


@pytest.mark.parametrize("kind", KINDS)
async def test_cluster_every_operation_in_one_slot_writes_what_a_single_server_holds(cluster, r, clock, kind):
    rc = cluster.client()
    rc.flushall()
    url = f"redis-cluster://{cluster.info()['addrs'][2]}"
    if kind == "sync":
        run(every_operation(RedBeatClient.from_url(url, key_prefix=TAGGED, clock=clock), rc))
    else:
        async with AsyncRedBeatClient.from_url(url, key_prefix=TAGGED, clock=clock) as client:
            await run_async(every_operation(client, rc))
    on_cluster = one_slot_dump(cluster, rc)
    run(every_operation(RedBeatClient(r, key_prefix=TAGGED, clock=clock), r))  # the same calls and time
    assert on_cluster == dump(r)
    rc.close()


def test_sentinel_client_follows_a_forced_failover(sentinel_group, clock):
    sentinels = Sentinel(
        [(s["host"], s["port"]) for s in sentinel_group.info()["sentinels"]], socket_timeout=5
    )
    master = sentinels.master_for(sentinel_group.service_name, decode_responses=True, socket_timeout=5)
    master.flushall()
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


async def test_asyncio_sentinel_client_follows_a_forced_failover(sentinel_group, clock):
    sentinels = AsyncSentinel(
        [(s["host"], s["port"]) for s in sentinel_group.info()["sentinels"]], socket_timeout=5
    )
    master = sentinels.master_for(sentinel_group.service_name, decode_responses=True, socket_timeout=5)
    await master.flushall()
    client = AsyncRedBeatClient(master, clock=clock)
    await client.save_many([Entry("before", "tasks.b", Interval(60)), Entry("kept", "tasks.k", Interval(60))])
    assert await master.execute_command("WAIT", 1, 5000) >= 1  # as above: the replica has them
    old = sentinel_group.master
    info = await asyncio.to_thread(sentinel_group.failover)
    assert info["master"]["name"] != old.name
    await client.save(Entry("after", "tasks.a", Interval(60)))
    await client.disable("kept")
    assert sorted([e.name async for e in client.list()]) == ["after", "before", "kept"]
    with sentinel_group.master.client() as new_master:
        assert new_master.hexists("redbeat:after", "definition")
    await master.aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_tls_with_an_acl_user(tls, clock, kind):
    info = tls.info()
    admin = redis.Redis.from_url(info["admin_url"], ssl_ca_certs=info["ca_file"])
    admin.flushall()
    client = CLIENTS[kind].from_url(info["url"], ssl_ca_certs=info["ca_file"], clock=clock)
    if kind == "sync":
        run(every_operation(client, admin))
    else:
        await run_async(every_operation(client, admin))
    assert (await result(client.get("a"))).task == "tasks.a"


async def result(call: Any) -> Any:
    """A client call's result: awaited from an asyncio client, `list` gathered into a list."""
    if inspect.isasyncgen(call):
        return [e async for e in call]
    if inspect.isgenerator(call):
        return list(call)
    return await call if inspect.isawaitable(call) else call


async def failure(kind: str, call: Callable[[], Any], timeout: float = 20) -> BaseException:
    """The exception a client call raises, failing the test if it neither raises nor returns in time (a
    hang): a synchronous call runs in a thread of its own, an asyncio one is awaited."""
    if kind == "sync":
        outcome: list = []

        def run():
            try:
                called = call()
                if inspect.isgenerator(called):
                    list(called)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout)
        assert outcome, f"no answer within {timeout}s: the client hangs"
        assert outcome[0] is not None, "expected an error"
        return outcome[0]
    try:
        await asyncio.wait_for(result(call()), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"no answer within {timeout}s: the client hangs")
    except Exception as exc:
        return exc
    pytest.fail("expected an error")


@pytest.mark.parametrize("kind", KINDS)
async def test_tls_wrong_password_untrusted_certificate_and_missing_login_are_clear_errors(tls, clock, kind):
    info = tls.info()
    ca = info["ca_file"]
    Client = CLIENTS[kind]
    wrong_password = Client.from_url(tls.url_for(tls.user, "not-the-password"), ssl_ca_certs=ca, clock=clock)
    error = await failure(kind, lambda: wrong_password.get("a"))
    assert isinstance(error, RedBeatConnectionError) and "refused the login" in str(error)
    for untrusting in (dict(ssl_ca_certs=info["untrusted_ca_file"]), {}):  # another CA; the system's CAs
        client = Client.from_url(info["url"], clock=clock, **untrusting)
        error = await failure(kind, lambda: client.get("a"))
        assert isinstance(error, RedBeatConnectionError) and "certificate is not trusted" in str(error)
    anonymous = Client.from_url(f"rediss://127.0.0.1:{info['port']}/0", ssl_ca_certs=ca, clock=clock)
    assert isinstance(await failure(kind, lambda: anonymous.get("a")), RedBeatConnectionError)
    plain = Client.from_url(info["url"].replace("rediss://", "redis://"), clock=clock)
    assert isinstance(await failure(kind, lambda: plain.get("a")), RedBeatConnectionError)
    outside_grant = Client.from_url(info["url"], ssl_ca_certs=ca, key_prefix="other:", clock=clock)
    error = await failure(kind, lambda: outside_grant.save(Entry("x", "t", Interval(5))))
    assert isinstance(error, RedBeatError) and "ACL" in str(error)


@pytest.mark.parametrize("kind", KINDS)
async def test_outage_raises_connection_errors_and_the_same_client_works_after_it(clock, kind):
    Client = CLIENTS[kind]
    with Single() as single:
        client = Client.from_url(single.url, clock=clock)
        await result(client.save(Entry("job", "tasks.j", Interval(60))))
        single.server.stop(save=True)  # a restart of a server with persistence: the data comes back
        for call in (
            lambda: client.get("job"),
            lambda: client.save(Entry("job", "t", Interval(5))),
            lambda: client.save_many([Entry("x", "t", Interval(5))]),
            lambda: client.list(),
            lambda: client.run_now("job"),
            lambda: client.delete("job"),
        ):
            error = await failure(kind, call)
            assert isinstance(error, RedBeatConnectionError) and "unreachable" in str(error)
        single.server.start()
        assert (await result(client.get("job"))).task == "tasks.j"
        await result(client.save(Entry("after", "tasks.a", Interval(5))))

        timing_out = Client.from_url(single.url, clock=clock, socket_timeout=0.5)
        single.server.pause()  # a black hole: connections open, nothing answers
        try:
            error = await failure(kind, lambda: timing_out.get("job"))
            assert isinstance(error, RedBeatConnectionError) and "Timeout" in str(error)
        finally:
            single.server.resume()
        assert sorted(e.name for e in await result(timing_out.list())) == ["after", "job"]
