"""AsyncRedBeatClient against a real Redis: the synchronous client's results and Redis state, its errors,
100 coroutines on one client, and cancellation that leaves every entry whole or absent."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from datetime import timedelta

import pytest
import redis
import redis.asyncio
from conftest import T0, FrozenClock, dump, sent_commands
from scripted import every_operation, run, run_async

from redbeat_sdk import (
    ClusterConfigError,
    ConflictError,
    CorruptEntry,
    Entry,
    EntryNotFound,
    Interval,
    RedBeatClient,
    RedBeatConnectionError,
    ValidationError,
)
from redbeat_sdk.asyncio import AsyncRedBeatClient
from redbeat_sdk.datetimes import epoch_seconds
from redbeat_sdk.score import score_for
from redbeat_sdk.scripts import CLIENT_SCRIPTS

T0_TS = epoch_seconds(T0)


@pytest.fixture
async def aclient(redis_server, r, clock):
    async with AsyncRedBeatClient.from_url(redis_server.url, clock=clock) as client:
        yield client


def meta_of(r, key):
    return json.loads(r.hget(key, "meta"))


# -- the same calls, the same results, the same Redis state ------------------------------------------


async def test_every_call_returns_and_writes_what_the_sync_client_does(redis_server, r, clock):
    async with AsyncRedBeatClient.from_url(redis_server.url, clock=clock) as client:
        results = await run_async(every_operation(client, r))
    written = dump(r)
    r.flushall()
    assert results == run(every_operation(RedBeatClient(r, clock=FrozenClock()), r))
    assert written == dump(r) and len(written) == 9  # eight entries and the schedule


def test_every_public_call_of_the_sync_client_is_on_the_asyncio_client_with_the_same_parameters():
    """A call added to RedBeatClient (history, ...) is missing here until AsyncRedBeatClient has it too."""
    renamed = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
    calls = [n for n in vars(RedBeatClient) if callable(getattr(RedBeatClient, n)) and n != "_store_type"]
    assert {"save", "save_many", "get", "list", "enable", "disable", "run_now", "delete"} <= set(calls)
    for name in calls:
        sync, other = getattr(RedBeatClient, name), getattr(AsyncRedBeatClient, renamed.get(name, name))
        assert inspect.signature(other).parameters.keys() == inspect.signature(sync).parameters.keys(), name
        if name == "list":
            assert inspect.isasyncgenfunction(other)
        else:
            assert inspect.iscoroutinefunction(other), name


async def test_a_redis_asyncio_client_in_bytes_mode_works_too(redis_server, r, clock):
    client = AsyncRedBeatClient(redis.asyncio.Redis.from_url(redis_server.url), clock=clock)
    saved = await client.save(Entry("job", "t", Interval(5)))
    assert (saved.last_run_at, saved.score) == (T0, T0_TS + 5)
    assert await client.get("job") == saved and [e.name async for e in client.list()] == ["job"]
    await client.run_now("job")
    assert await client.delete("job")
    await client.redis.aclose()


async def test_a_save_sends_what_the_sync_client_sends(aclient, r, clock):
    """One EVALSHA for a first save, two for a re-save over a beat's run (tests/test_client.py)."""
    await aclient.save(Entry("job", "t", Interval(60)))  # loads the script
    r.hset("redbeat:job", "meta", json.dumps({"last_run_at": None, "total_run_count": 3}))
    with sent_commands(r) as first:
        await aclient.save(Entry("new", "t", Interval(60)))
    with sent_commands(r) as again:
        await aclient.save(Entry("job", "t", Interval(30)))
    with sent_commands(r) as many:
        await aclient.save_many([Entry(f"m{i}", "t", Interval(60)) for i in range(100)])
    assert (first, again, many) == (["EVALSHA"], ["EVALSHA", "EVALSHA"], ["EVALSHA", "EVALSHA"])


# -- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["enable", "disable", "run_now", "get"])
async def test_operations_on_a_missing_entry_raise_not_found(aclient, op):
    with pytest.raises(EntryNotFound) as err:
        await getattr(aclient, op)("nope")
    assert err.value.key == "redbeat:nope"


async def test_bad_entries_are_refused_with_their_paths_and_nothing_is_written(aclient, r):
    with pytest.raises(ValidationError) as err:
        await aclient.save_many([Entry("ok", "t", Interval(5)), Entry(":schedule", "t", Interval(5))])
    assert err.value.path == "[1].name"
    with pytest.raises(ValidationError) as err:
        await aclient.save_many([Entry("ok", "t", Interval(5)), "not an entry"])
    assert err.value.path == "[1]"
    with pytest.raises(ValidationError) as err:
        await aclient.save({"name": "x"})
    assert err.value.path == "entry"
    assert dump(r) == {}


async def test_list_reports_corrupt_entries_and_skips_them(aclient, r, caplog):
    aclient.batch_size = 2
    for i, every in enumerate([50, 10, 30]):
        await aclient.save(Entry(f"e{i}", "t", Interval(every)))
    r.zadd("redbeat::schedule", {"redbeat:gone": 1})
    r.hset("redbeat:bad", "definition", "{not json")
    r.zadd("redbeat::schedule", {"redbeat:bad": 2})
    problems: list[CorruptEntry] = []
    assert [e.name async for e in aclient.list(on_error=problems.append)] == ["e1", "e2", "e0"]
    assert sorted(p.key for p in problems) == ["redbeat:bad", "redbeat:gone"]
    with caplog.at_level(logging.WARNING, logger="redbeat_sdk"):
        assert len([e async for e in aclient.list()]) == 3
    assert "redbeat:bad" in caplog.text
    with pytest.raises(CorruptEntry, match="invalid JSON"):
        await aclient.get("bad")


@pytest.mark.parametrize("decode", [True, False], ids=["decoding client", "bytes client"])
async def test_a_field_not_utf8_is_one_corrupt_entry(decode, redis_server, r, clock):
    """As with the sync client: whatever the redis.asyncio client decodes, LOAD's replies come back
    undecoded, on its first use (EVAL) as after (EVALSHA)."""
    RedBeatClient(r, clock=clock).save(Entry("ok", "t", Interval(5)))
    definition = r.hget("redbeat:ok", "definition")
    r.hset("redbeat:bad", "definition", definition.encode().replace(b'"ok"', b'"b\xffd"'))
    r.zadd("redbeat::schedule", {"redbeat:bad": 1})
    r.script_flush()
    async with AsyncRedBeatClient(
        redis.asyncio.Redis.from_url(redis_server.url, decode_responses=decode), clock=clock
    ) as client:
        for _ in range(2):  # EVAL, then EVALSHA
            problems: list[CorruptEntry] = []
            assert [e.name async for e in client.list(on_error=problems.append)] == ["ok"]
            assert [(p.key, p.reason) for p in problems] == [("redbeat:bad", "definition: not valid UTF-8")]
            with pytest.raises(CorruptEntry, match="definition: not valid UTF-8"):
                await client.get("bad")
        await client.redis.aclose()


class BusyBeat(redis.asyncio.Redis):
    """A client before whose every round trip a beat records a run of redbeat:job (a new meta)."""

    runs = 0
    beat: redis.Redis

    def pipeline(self, transaction=True, shard_hint=None):
        self.runs += 1
        self.beat.hset("redbeat:job", "meta", json.dumps({"last_run_at": None, "total_run_count": self.runs}))
        return super().pipeline(transaction, shard_hint)


@pytest.mark.parametrize("operation", ["run_now", "enable", "disable"])
async def test_an_entry_changing_before_every_attempt_is_a_conflict_that_writes_nothing(
    r, redis_server, clock, operation
):
    RedBeatClient(r, clock=clock).save(Entry("job", "t", Interval(60), enabled=operation != "enable"))
    definition = r.hget("redbeat:job", "definition")
    for script in CLIENT_SCRIPTS:
        r.script_load(script.source)
    busy = BusyBeat.from_url(redis_server.url, decode_responses=True)
    busy.beat = r
    with pytest.raises(ConflictError) as caught:
        await getattr(AsyncRedBeatClient(busy, clock=clock), operation)("job")
    assert caught.value.key == "redbeat:job" and busy.runs == 1 + 10  # the read, then ten attempts
    assert r.hget("redbeat:job", "definition") == definition
    assert meta_of(r, "redbeat:job") == {"last_run_at": None, "total_run_count": 11}
    await busy.aclose()


async def test_an_unreachable_redis_is_a_connection_error_on_every_call(clock):
    from topologies import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    async with AsyncRedBeatClient.from_url(url, clock=clock, socket_connect_timeout=0.5) as client:
        for call in (
            client.save(Entry("job", "t", Interval(5))),
            client.save_many([Entry("job", "t", Interval(5))]),
            client.get("job"),
            client.delete("job"),
            client.disable("job"),
            client.run_now("job"),
            anext(client.list()),
        ):
            with pytest.raises(RedBeatConnectionError, match="unreachable"):
                await call


# -- construction and closing -------------------------------------------------------------------------


def test_from_url_takes_every_url_form_without_connecting():
    kinds = {
        "redis://127.0.0.1:1/2": "Connection",
        "rediss://127.0.0.1:1/0": "SSLConnection",
        "unix:///tmp/nowhere.sock": "UnixDomainSocketConnection",
    }
    for url, kind in kinds.items():
        client = AsyncRedBeatClient.from_url(url)
        assert isinstance(client.redis, redis.asyncio.Redis)
        assert client.redis.connection_pool.connection_class.__name__ == kind
    tagged = AsyncRedBeatClient.from_url("rediss-cluster://127.0.0.1:1", key_prefix="{rb}:")
    assert isinstance(tagged.redis, redis.asyncio.RedisCluster)
    for url in ("redis-cluster://127.0.0.1:1", "rediss-cluster://127.0.0.1:1"):
        with pytest.raises(ClusterConfigError, match="hash tag"):
            AsyncRedBeatClient.from_url(url)


async def test_aclose_closes_what_from_url_opened_and_nothing_else(redis_server, r, clock):
    def connections() -> int:
        return len([c for c in r.client_list() if c["cmd"] != "client|list"])

    async with AsyncRedBeatClient.from_url(redis_server.url, clock=clock) as client:
        await client.save(Entry("job", "t", Interval(5)))
        assert connections() == 1
    assert connections() == 0
    own = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
    async with AsyncRedBeatClient(own, clock=clock) as client:
        await client.get("job")
    assert await own.exists("redbeat:job") == 1  # still open: the caller's to close
    await own.aclose()


# -- 100 coroutines on one client ---------------------------------------------------------------------


async def own_entry(client, i: int) -> None:
    """Save entry own-i, then disable it, run it now, or disable and enable it again."""
    name = f"own-{i}"
    await client.save(Entry(name, "tasks.own", Interval(60 + i), args=[i]))
    if i % 3 == 0:
        await client.disable(name)
    elif i % 3 == 1:
        await client.run_now(name)
    else:
        await client.disable(name)
        await client.enable(name)


async def test_100_coroutines_each_on_its_own_entry_end_as_the_calls_made_one_by_one(aclient, r, clock):
    await asyncio.gather(*(own_entry(aclient, i) for i in range(100)))
    got = {e.name: e async for e in aclient.list()}
    assert len(got) == 100
    assert all(got[f"own-{i}"].args == [i] and got[f"own-{i}"].enabled == (i % 3 != 0) for i in range(100))
    concurrently = dump(r)
    r.flushall()
    one_by_one = RedBeatClient(r, clock=clock)
    for i in range(100):
        await own_entry(_Awaitable(one_by_one), i)
    assert concurrently == dump(r)


class _Awaitable:
    """A synchronous client whose calls can be awaited: runs `own_entry` one call after the other."""

    def __init__(self, client: RedBeatClient):
        self.client = client

    def __getattr__(self, name: str):
        method = getattr(self.client, name)

        async def call(*args):
            return method(*args)

        return call


async def test_100_coroutines_saving_and_toggling_shared_entries_lose_no_update(aclient, r, clock):
    """Four entries, each run by a beat (run count 42, last run 30 s ago), then 25 coroutines each on
    every one of them: saves (new args), run_now, disable, enable, all at once. Each call either writes
    or raises ConflictError (nothing written); whatever the order, every entry ends in a state some order
    of the writes gives: its run count kept, its score the one its stored definition and meta give (an
    update computed from a stale read would leave another), its definition one of those saved."""
    ran = {
        "last_run_at": {
            "__type__": "datetime",
            **dict(year=2025, month=1, day=15, hour=11, minute=59, second=30, microsecond=0),
            "timezone": "UTC",
        },
        "total_run_count": 42,
    }
    for k in range(4):
        await aclient.save(Entry(f"shared-{k}", "tasks.shared", Interval(60), args=[-1]))
        r.hset(f"redbeat:shared-{k}", "meta", json.dumps(ran))

    async def contend(i: int) -> str:
        name, op = f"shared-{i % 4}", (i // 4) % 4
        try:
            if op == 0:
                await aclient.save(Entry(name, "tasks.shared", Interval(60), args=[i]))
            elif op == 1:
                await aclient.run_now(name)
            else:
                await (aclient.disable if op == 2 else aclient.enable)(name)
        except ConflictError:
            return "conflict"
        return "written"

    outcomes = await asyncio.gather(*(contend(i) for i in range(100)))
    assert outcomes.count("written") > 50, outcomes
    for k in range(4):
        key = f"redbeat:shared-{k}"
        definition, meta = json.loads(r.hget(key, "definition")), meta_of(r, key)
        assert meta["total_run_count"] == 42
        assert definition["args"] == [-1] or definition["args"][0] % 4 == k
        entry = await aclient.get(f"shared-{k}")
        expected = score_for(Interval(60).to_wire(), entry.last_run_at, T0, T0.tzinfo)
        assert r.zscore("redbeat::schedule", key) == entry.score == expected
        if entry.last_run_at is not None:  # no run_now landed: the beat's run stands
            assert entry.last_run_at == T0 - timedelta(seconds=30)


# -- cancellation -------------------------------------------------------------------------------------


async def in_flight(r) -> None:
    """Wait until Redis holds a command of the client under test, blocked by CLIENT PAUSE."""
    for _ in range(500):
        if any("b" in c["flags"] and c["cmd"].startswith("eval") for c in r.client_list()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no command of the client reached Redis")


async def cancel(task: asyncio.Task) -> None:
    """Cancel `task`, in flight on a paused server, and wait until it ends cancelled. On Python < 3.12 a
    cancel can be lost once: redis.asyncio writes through asyncio.wait_for, which swallows a cancel that
    lands just as the write completes (cpython gh-86296); the call then waits for its replies, and the
    next cancel ends it."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.05)
    assert task.cancelled()


def whole_or_absent(r) -> set[str]:
    """The entries Redis holds, each checked whole: definition, meta and its schedule member."""
    held = {key for key in r.keys("redbeat:*") if key != "redbeat::schedule"}
    for key in held:
        assert (
            set(r.hgetall(key)) == {"definition", "meta"} and r.zscore("redbeat::schedule", key) is not None
        )
    assert set(r.zrange("redbeat::schedule", 0, -1)) == held
    return held


@pytest.mark.parametrize("call", ["save", "save_many"])
async def test_a_call_cancelled_in_flight_writes_nothing(aclient, r, call):
    entries = [Entry(f"e{i}", "t", Interval(5), args=[i]) for i in range(300)]
    r.execute_command("CLIENT", "PAUSE", 30000, "WRITE")
    try:
        pending = asyncio.create_task(
            aclient.save(entries[0]) if call == "save" else aclient.save_many(entries)
        )
        await in_flight(r)
        await cancel(pending)
    finally:
        r.execute_command("CLIENT", "UNPAUSE")
    assert whole_or_absent(r) == set()
    assert (await aclient.save(Entry("after", "t", Interval(5)))).name == "after"  # the client goes on
    assert whole_or_absent(r) == {"redbeat:after"}


class PausedAfterFirstBatch(redis.asyncio.Redis):
    """Redis pauses its writes before this client's second round trip."""

    pipelines = 0
    admin: redis.Redis

    def pipeline(self, transaction=True, shard_hint=None):
        self.pipelines += 1
        if self.pipelines == 2:
            self.admin.execute_command("CLIENT", "PAUSE", 30000, "WRITE")
        return super().pipeline(transaction, shard_hint)


async def test_save_many_cancelled_between_batches_keeps_every_entry_whole(redis_server, r, clock):
    paused = PausedAfterFirstBatch.from_url(redis_server.url, decode_responses=True)
    paused.admin = r
    client = AsyncRedBeatClient(paused, clock=clock, batch_size=100)
    try:
        pending = asyncio.create_task(
            client.save_many([Entry(f"e{i}", "t", Interval(5)) for i in range(300)])
        )
        await in_flight(r)
        await cancel(pending)
    finally:
        r.execute_command("CLIENT", "UNPAUSE")
    assert whole_or_absent(r) == {f"redbeat:e{i}" for i in range(100)}  # the first batch, not the second
    assert await client.get("e5") == await client.get("e5")
    assert [e.name async for e in client.list()][:2] == ["e0", "e1"]
    await paused.aclose()
