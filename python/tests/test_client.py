"""RedBeatClient against a real Redis, with a frozen clock: write semantics, reads, atomicity."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import redis
from conftest import T0, dump, sent_commands, wire_t0

from redbeat_sdk import (
    ConflictError,
    CorruptEntry,
    Crontab,
    Entry,
    EntryNotFound,
    Interval,
    RedBeatClient,
    RedBeatConnectionError,
    RRule,
    ValidationError,
)
from redbeat_sdk.datetimes import UTC, decode_datetime, encode_datetime, epoch_seconds
from redbeat_sdk.scripts import CLIENT_SCRIPTS

T0_TS = epoch_seconds(T0)


def meta_of(r, key="redbeat:job"):
    return json.loads(r.hget(key, "meta"))


def test_first_save_writes_definition_meta_now_and_score(client, r):
    saved = client.save(Entry("job", "tasks.add", Interval(5), args=[1, 2]))
    assert meta_of(r) == {"last_run_at": wire_t0()}
    assert r.zscore("redbeat::schedule", "redbeat:job") == T0_TS + 5
    assert (saved.last_run_at, saved.total_run_count, saved.score) == (T0, 0, T0_TS + 5)


def test_resave_keeps_meta_and_scores_from_the_stored_last_run(client, r, clock):
    client.save(Entry("job", "tasks.add", Interval(60)))
    ran = {
        "last_run_at": wire_t0(second=30),
        "total_run_count": 4,
    }
    r.hset("redbeat:job", "meta", json.dumps(ran))
    clock.advance(45)  # an edit 15 s after the last run must not push the next run out to now + period
    saved = client.save(Entry("job", "tasks.other", Interval(120)))
    assert meta_of(r) == ran
    assert json.loads(r.hget("redbeat:job", "definition"))["task"] == "tasks.other"
    assert r.zscore("redbeat::schedule", "redbeat:job") == T0_TS + 30 + 120
    assert (saved.total_run_count, saved.score) == (4, T0_TS + 150)


def test_resave_of_a_never_run_entry_is_due_now(client, r, clock):
    client.save(Entry("job", "t", Interval(60)))
    client.run_now("job")
    clock.advance(10)
    client.save(Entry("job", "t", Interval(60)))
    assert r.zscore("redbeat::schedule", "redbeat:job") == T0_TS + 10


def test_definition_only_hash_from_an_external_writer_gets_meta_on_save(client, r):
    r.hset("redbeat:job", "definition", json.dumps({"name": "job", "task": "t", "schedule": 5}))
    client.save(Entry("job", "t", Interval(5)))
    assert decode_datetime(meta_of(r)["last_run_at"]) == T0


def test_disable_changes_only_enabled(client, r, clock):
    client.save(Entry("job", "tasks.add", Interval(5), kwargs={"x": "é"}))
    before = dump(r)
    clock.advance(100)
    client.disable("job")
    after = dump(r)
    definition = json.loads(after["redbeat:job"]["definition"])
    assert definition["enabled"] is False
    definition["enabled"] = True
    assert json.dumps(definition) == before["redbeat:job"]["definition"]
    assert after["redbeat:job"]["meta"] == before["redbeat:job"]["meta"]
    assert after["redbeat::schedule"] == before["redbeat::schedule"]


def test_disable_keeps_external_number_forms(client, r):
    raw = '{"name": "job", "task": "t", "schedule": {"__type__": "interval", "every": 5, "relative": false}}'
    r.hset("redbeat:job", "definition", raw)
    client.disable("job")
    assert r.hget("redbeat:job", "definition") == raw[:-1] + ', "enabled": false}'


def test_enable_rescores_from_stored_meta(client, r, clock):
    client.save(Entry("job", "t", Interval(300), enabled=False))
    clock.advance(1000)
    client.enable("job")
    assert json.loads(r.hget("redbeat:job", "definition"))["enabled"] is True
    assert r.zscore("redbeat::schedule", "redbeat:job") == T0_TS + 300  # overdue: due at once
    assert client.get("job").enabled is True


def test_run_now_clears_last_run_keeps_count_and_scores_now(client, r, clock):
    client.save(Entry("job", "t", Interval(3600)))
    r.hset("redbeat:job", "meta", json.dumps({"last_run_at": None, "total_run_count": 7}))
    clock.advance(5)
    client.run_now("job")
    assert meta_of(r) == {"last_run_at": None, "total_run_count": 7}
    assert r.zscore("redbeat::schedule", "redbeat:job") == T0_TS + 5
    entry = client.get("job")
    assert entry.last_run_at is None and entry.total_run_count == 7


@pytest.mark.parametrize("op", ["enable", "disable", "run_now", "get"])
def test_operations_on_a_missing_entry_raise_not_found(client, op):
    with pytest.raises(EntryNotFound) as err:
        getattr(client, op)("nope")
    assert err.value.key == "redbeat:nope"
    assert isinstance(err.value, KeyError)


def test_delete_removes_hash_and_member(client, r):
    client.save(Entry("job", "t", Interval(5)))
    client.save(Entry("other", "t", Interval(5)))
    assert client.delete("job") is True
    assert client.delete("job") is False
    assert set(dump(r)) == {"redbeat:other", "redbeat::schedule"}
    assert r.zrange("redbeat::schedule", 0, -1) == ["redbeat:other"]


def test_get_returns_fields_and_run_state(client, r):
    entry = Entry(
        "job",
        "t",
        Crontab(minute=[0, 30], hour=9),
        args=[1, "x"],
        kwargs={"when": datetime(2025, 1, 1, tzinfo=UTC)},
        options={"queue": "q"},
        enabled=False,
    )
    client.save(entry)
    got = client.get("job")
    assert got == entry
    assert got.kwargs["when"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert got.last_run_at == T0 and got.total_run_count == 0
    assert got.score == int(r.zscore("redbeat::schedule", "redbeat:job"))


def test_list_walks_the_schedule_in_score_order_and_reports_problems(client, r):
    client.batch_size = 2  # several batches
    for i, every in enumerate([50, 10, 30, 20, 40]):
        client.save(Entry(f"e{i}", "t", Interval(every)))
    r.zadd("redbeat::schedule", {"redbeat:gone": 1})  # member without a hash (evicted)
    r.hset("redbeat:bad", "definition", "{not json")
    r.zadd("redbeat::schedule", {"redbeat:bad": 2})
    r.hset(
        "redbeat:unknown",
        mapping={"definition": json.dumps({"task": "t", "schedule": 5, "description": "x"})},
    )
    r.zadd("redbeat::schedule", {"redbeat:unknown": 3})
    problems = []
    names = [e.name for e in client.list(on_error=problems.append)]
    assert names == ["e1", "e3", "e2", "e4", "e0"]
    assert sorted(p.key for p in problems) == ["redbeat:bad", "redbeat:gone", "redbeat:unknown"]
    assert all(isinstance(p, CorruptEntry) and p.reason for p in problems)
    assert "description" in next(p for p in problems if p.key == "redbeat:unknown").reason


def test_get_of_a_corrupt_entry_raises_corrupt_entry_naming_the_field(client, r):
    r.hset(
        "redbeat:job",
        mapping={
            "definition": json.dumps({"task": "t", "schedule": 5}),
            "meta": json.dumps({"last_run_at": None, "paused": True}),
        },
    )
    with pytest.raises(CorruptEntry, match=r"meta\.paused"):
        client.get("job")


@pytest.mark.parametrize("decode", [True, False], ids=["decoding client", "bytes client"])
def test_fields_not_utf8_or_nested_too_deep_are_corrupt_entries(decode, client, r, clock):
    """Whatever the client decodes, a bad field is one CorruptEntry naming it; the rest is read."""
    client.save(Entry("ok", "t", Interval(5), args=["x"]))
    definition, meta = r.hget("redbeat:ok", "definition"), r.hget("redbeat:ok", "meta")

    def nested(depth: int, name: str) -> str:
        return definition.replace('["x"]', "[" * depth + "]" * depth).replace('"ok"', json.dumps(name))

    stored = {
        "bad-def": (definition.encode().replace(b'"x"', b'"x\xff"'), meta),
        "bad-meta": (definition, meta.encode().replace(b'"UTC"', b'"U\xc3\x28"')),
        "deep": (nested(129, "deep"), meta),
        "deep-ok": (nested(127, "deep-ok"), meta),  # with the definition's own object: 128 levels
        "deeper": (nested(100_000, "deeper"), meta),  # past Python's own recursion limit
    }
    for name, (d, m) in stored.items():
        r.hset(f"redbeat:{name}", mapping={"definition": d, "meta": m})
        r.zadd("redbeat::schedule", {f"redbeat:{name}": 1})
    reader = RedBeatClient(
        redis.Redis(port=r.connection_pool.connection_kwargs["port"], decode_responses=decode)
    )
    seen: dict[str, str] = {}
    for entry in reader.list(on_error=lambda p: seen.__setitem__(p.key[8:], p.reason)):
        seen[entry.name] = "read"
    assert seen == {
        "ok": "read",
        "deep-ok": "read",
        "bad-def": "definition: not valid UTF-8",
        "bad-meta": "meta: not valid UTF-8",
        "deep": "definition: JSON nested deeper than 128 levels",
        "deeper": "definition: JSON nested deeper than 128 levels",
    }
    with pytest.raises(CorruptEntry, match="definition: not valid UTF-8"):
        reader.get("bad-def")
    reader.redis.close()


def test_invalid_entry_in_save_many_writes_nothing(client, r):
    good = Entry("good", "t", Interval(5))
    with pytest.raises(ValidationError):
        client.save_many([good, Entry(":schedule", "t", Interval(5))])
    assert dump(r) == {}


@pytest.mark.parametrize("name", [":schedule", ":statics", ":lock"])
def test_names_colliding_with_the_schedules_own_keys_are_refused(client, name):
    with pytest.raises(ValidationError) as err:
        client.save(Entry(name, "t", Interval(5)))
    assert err.value.path == "name"


def test_configured_lock_key_is_protected_too(r, clock):
    client = RedBeatClient(r, key_prefix="custom", lock_key="mylock", clock=clock)
    assert client.keys.lock == "custommylock"
    with pytest.raises(ValidationError):
        client.save(Entry("mylock", "t", Interval(5)))


def test_save_many_pipelines_batches_and_mixes_new_and_existing(client, r, clock):
    client.batch_size = 3
    client.save(Entry("e1", "t", Interval(100)))
    clock.advance(10)
    saved = client.save_many([Entry(f"e{i}", "t", Interval(100)) for i in range(8)])
    assert r.zscore("redbeat::schedule", "redbeat:e1") == T0_TS + 100  # kept its meta
    assert r.zscore("redbeat::schedule", "redbeat:e5") == T0_TS + 110
    assert [s.name for s in saved] == [f"e{i}" for i in range(8)]
    assert r.zcard("redbeat::schedule") == 8


def test_custom_and_hash_tagged_prefixes_and_odd_names(r, clock):
    for prefix in ["custom", "{rb}:", "a:b:"]:
        client = RedBeatClient(r, key_prefix=prefix, clock=clock)
        for name in ["with space", "co:lon", "ünï/códe ✓"]:
            client.save(Entry(name, "t", Interval(5)))
            assert client.get(name).name == name
            assert r.zscore(prefix + ":schedule", prefix + name) == T0_TS + 5
        assert sorted(e.name for e in client.list()) == sorted(["with space", "co:lon", "ünï/códe ✓"])


def test_a_bytes_mode_redis_client_works_too(redis_server, clock):
    client = RedBeatClient(redis.Redis.from_url(redis_server.url), clock=clock)
    client.save(Entry("job", "t", Interval(5)))
    assert client.get("job").name == "job"
    assert [e.name for e in client.list()] == ["job"]
    client.disable("job")
    client.run_now("job")
    assert client.delete("job")


def test_from_url_and_timezone_string(redis_server, clock):
    client = RedBeatClient.from_url(redis_server.url, timezone="America/New_York", clock=clock)
    client.save(Entry("job", "t", Interval(5)))
    assert client.get("job").score == T0_TS + 5


def test_a_redis_outage_raises_a_connection_error(clock):
    from topologies import free_port

    client = RedBeatClient.from_url(
        f"redis://127.0.0.1:{free_port()}/0", clock=clock, socket_connect_timeout=0.5
    )
    for call in (
        lambda: client.save(Entry("job", "t", Interval(5))),
        lambda: client.get("job"),
        lambda: list(client.list()),
        lambda: client.delete("job"),
        lambda: client.disable("job"),
    ):
        with pytest.raises(RedBeatConnectionError):
            call()


def test_rrule_without_occurrences_left_scores_minus_one(client, r):
    client.save(Entry("once", "t", RRule("MINUTELY", dtstart=T0 - timedelta(hours=1), count=1)))
    assert r.zscore("redbeat::schedule", "redbeat:once") == -1


def test_run_now_on_a_never_run_entry_leaves_run_count_absent(client, r):
    client.save(Entry("job", "t", Interval(60)))
    client.run_now("job")
    assert meta_of(r) == {"last_run_at": None}


def test_enable_of_a_definition_that_is_not_json_raises_corrupt_entry(client, r):
    r.hset("redbeat:job", "definition", "{oops")
    with pytest.raises(CorruptEntry, match="invalid JSON"):
        client.enable("job")


def test_save_reloads_its_script_after_a_script_flush(client, r):
    client.save(Entry("a", "t", Interval(5)))
    r.script_flush()
    client.save(Entry("b", "t", Interval(5)))
    r.script_flush()
    client.save_many([Entry("c", "t", Interval(5)), Entry("a", "t", Interval(9))])
    assert r.zcard("redbeat::schedule") == 3


def test_a_save_is_one_command_once_its_script_is_loaded_and_a_resave_over_a_run_two(client, r):
    """No read before the write: a first save is one EVALSHA, seen from Redis. An entry
    beat has run is scored from its stored meta, which only the client can decode (Lua moves strings):
    the script hands it back instead of writing, and the entry goes again, scored from it."""
    client.save(Entry("job", "t", Interval(60)))  # loads the script (EVALSHA, NOSCRIPT, EVAL)
    ran = T0 - timedelta(seconds=10)
    r.hset("redbeat:job", "meta", json.dumps({"last_run_at": encode_datetime(ran), "total_run_count": 3}))
    with sent_commands(r) as first:
        client.save(Entry("new", "t", Interval(60)))
    with sent_commands(r) as again:
        saved = client.save(Entry("job", "t", Interval(30)))
    with sent_commands(r) as many:
        client.save_many([Entry(f"m{i}", "t", Interval(60)) for i in range(100)])
    assert first == ["EVALSHA"] and again == ["EVALSHA", "EVALSHA"]
    assert (saved.last_run_at, saved.total_run_count) == (ran, 3)
    assert r.zscore("redbeat::schedule", "redbeat:job") == saved.score == epoch_seconds(ran) + 30
    assert many == ["EVALSHA", "EVALSHA"]  # 64 entries a call


class BusyBeat(redis.Redis):
    """A client before whose every round trip (one command, or a pipeline) a beat records a run of
    redbeat:job (a new meta) through another connection."""

    runs = 0
    beat: redis.Redis

    def _beat_runs(self):
        self.runs += 1
        self.beat.hset("redbeat:job", "meta", json.dumps({"last_run_at": None, "total_run_count": self.runs}))

    def execute_command(self, *args, **options):
        self._beat_runs()
        return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        self._beat_runs()
        return super().pipeline(transaction, shard_hint)


@pytest.mark.parametrize("operation", ["run_now", "enable", "disable"])
def test_an_entry_changing_before_every_attempt_is_a_conflict_and_the_last_attempt_writes_nothing(
    client, r, redis_server, clock, operation
):
    client.save(Entry("job", "t", Interval(60), enabled=operation != "enable"))
    definition = r.hget("redbeat:job", "definition")
    for script in CLIENT_SCRIPTS:  # no NOSCRIPT round trip to count
        r.script_load(script.source)
    busy = BusyBeat.from_url(redis_server.url, decode_responses=True)
    busy.beat = r
    with pytest.raises(ConflictError) as caught:
        getattr(RedBeatClient(busy, clock=clock), operation)("job")
    assert caught.value.key == "redbeat:job"
    assert busy.runs == 1 + 10  # the read, then ten attempts
    assert r.hget("redbeat:job", "definition") == definition
    assert meta_of(r) == {"last_run_at": None, "total_run_count": 11}
