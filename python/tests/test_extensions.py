"""The extension profile in the SDK: stored in its own hash field, round trips, field paths, the rules
(zone, window, jitter, one-off) in scores and previews, the label index and the run history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from redbeat_sdk import CorruptEntry, Crontab, Entry, Interval, RRule, ValidationError
from redbeat_sdk.extensions import Extensions
from redbeat_sdk.history import encode_record
from redbeat_sdk.runs import jitter_offset
from redbeat_sdk.schedules import OneOff

SCHEMA = Path(__file__).resolve().parents[2] / "schema"
UTC = timezone.utc
NY = ZoneInfo("America/New_York")
EXT_SCHEMA = json.loads((SCHEMA / "extensions.schema.json").read_text())
WRITE_SCHEMA = json.loads((SCHEMA / "write.schema.json").read_text())


def stored(r, name: str) -> dict:
    return {k: json.loads(v) for k, v in r.hgetall(f"redbeat:{name}").items()}


def full(**fields) -> Extensions:
    base = dict(
        timezone="Europe/Berlin",
        start_at=datetime(2025, 1, 1, tzinfo=UTC),
        end_at=datetime(2026, 1, 1, tzinfo=UTC),
        jitter=timedelta(seconds=30),
        catch_up="skip",
        labels={"tenant": "acme", "team": "billing"},
        description="nightly invoices",
    )
    return Extensions(**{**base, **fields})


# -- storage: a field of its own, nothing new where upstream reads ---------------------------------------


def test_extensions_live_in_their_own_field_and_the_definition_stays_upstreams(client, r):
    client.save(Entry("x", "t", Crontab(minute=0, hour=3), extensions=full()))
    fields = stored(r, "x")
    assert set(fields) == {"definition", "meta", "extensions"}
    jsonschema.validate({"definition": fields["definition"], "meta": fields["meta"]}, WRITE_SCHEMA)
    jsonschema.validate(fields["extensions"], EXT_SCHEMA)
    assert fields["extensions"] == {
        "version": 1,
        "timezone": "Europe/Berlin",
        "start_at": "2025-01-01T00:00:00Z",
        "end_at": "2026-01-01T00:00:00Z",
        "jitter_ms": 30000,
        "catch_up": "skip",
        "labels": {"tenant": "acme", "team": "billing"},
        "description": "nightly invoices",
    }


def test_an_entry_without_extensions_has_no_field_and_a_resave_without_them_removes_it(client, r):
    client.save(Entry("x", "t", Interval(60)))
    assert not r.hexists("redbeat:x", "extensions")
    client.save(Entry("x", "t", Interval(60), extensions={"labels": {"a": "b"}}))
    assert r.hexists("redbeat:x", "extensions")
    client.save(Entry("x", "t", Interval(60)))
    assert not r.hexists("redbeat:x", "extensions")
    assert r.zrange("redbeat::labels", 0, -1) == []


@pytest.mark.parametrize(
    "extensions",
    [
        full(),
        Extensions(timezone="Asia/Tokyo"),
        Extensions(catch_up=300),
        Extensions(catch_up="once", description=""),
        Extensions(start_at=datetime(2030, 5, 1, 9, 30, 0, 250000, tzinfo=NY)),
        Extensions(labels={"empty": ""}),
    ],
)
def test_every_extension_round_trips(client, extensions):
    entry = Entry("x", "t", Crontab(minute=0), extensions=extensions)
    client.save(entry)
    assert client.get("x") == entry
    assert [e for e in client.list()] == [entry]


def test_a_one_off_is_an_rrule_of_one_run_upstream_fires_and_reads_back_as_one_off(client, r, clock):
    at = datetime(2025, 2, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    entry = Entry("once", "t", OneOff(at, delete_after_run=True))
    client.save(entry)
    fields = stored(r, "once")
    schedule = fields["definition"]["schedule"]
    assert schedule["__type__"] == "rrule" and schedule["count"] == 1
    assert schedule["dtstart"] == int(at.timestamp()) and schedule["dtstart_tz"] == 60.0
    assert fields["extensions"]["one_off"] == {"at": "2025-02-01T09:00:00+01:00", "delete_after_run": True}
    got = client.get("once")
    assert got == entry and isinstance(got.schedule, OneOff) and got.schedule.delete_after_run
    assert got.score == int(at.timestamp())
    assert got.next_runs(3) == [at]


def test_a_one_off_marker_beside_a_changed_schedule_is_ignored(client, r):
    client.save(Entry("once", "t", OneOff(datetime(2025, 2, 1, 9, tzinfo=UTC))))
    definition = stored(r, "once")["definition"]
    definition["schedule"]["byhour"] = [10]  # changed by a writer without the profile
    r.hset("redbeat:once", "definition", json.dumps(definition))
    assert isinstance(client.get("once").schedule, RRule)


def test_a_naive_one_off_time_is_taken_in_the_entrys_zone(client, r):
    entry = Entry("once", "t", OneOff(datetime(2025, 7, 1, 9)), extensions={"timezone": "America/New_York"})
    client.save(entry)
    assert stored(r, "once")["extensions"]["one_off"]["at"] == "2025-07-01T09:00:00-04:00"


# -- bad input: typed errors with the field path ----------------------------------------------------------


@pytest.mark.parametrize(
    ("extensions", "path", "reason"),
    [
        ({"timezone": "Nope/Zone"}, "extensions.timezone", "unknown IANA time zone 'Nope/Zone'"),
        ({"labels": {"a b": "x"}}, "extensions.labels", "key 'a b'"),
        ({"labels": {"tenant": "a/b"}}, "extensions.labels.tenant", "'a/b'"),
        ({"labels": {str(i): "x" for i in range(65)}}, "extensions.labels", "at most 64"),
        ({"jitter": 0}, "extensions.jitter", "above 0"),
        ({"jitter": timedelta(days=2)}, "extensions.jitter", "at most"),
        ({"jitter": 0.0005}, "extensions.jitter", "whole milliseconds"),
        ({"catch_up": "later"}, "extensions.catch_up", "'once', 'skip' or seconds"),
        ({"catch_up": 0}, "extensions.catch_up", "'once', 'skip' or seconds"),
        ({"catch_up": 40_000_000}, "extensions.catch_up", "at most 31536000"),
        ({"description": "x" * 1001}, "extensions.description", "at most 1000"),
        ({"start_at": "2025-01-01"}, "extensions.start_at", "must be a datetime"),
        (
            {"start_at": datetime(2025, 2, 1, tzinfo=UTC), "end_at": datetime(2025, 1, 1, tzinfo=UTC)},
            "extensions.end_at",
            "before start_at",
        ),
        ({"colour": "red"}, "extensions.colour", "unknown extension"),
    ],
)
def test_bad_extensions_name_their_field(extensions, path, reason):
    with pytest.raises(ValidationError) as err:
        Entry("x", "t", Interval(5), extensions=extensions)
    assert err.value.path == path and reason in err.value.reason, err.value


def test_a_one_off_time_must_be_a_whole_second():
    with pytest.raises(ValidationError) as err:
        OneOff(datetime(2025, 1, 1, 0, 0, 0, 5, tzinfo=UTC))
    assert err.value.path == "at"


@pytest.mark.parametrize("name", [":labels", ":history:x"])
def test_names_that_collide_with_the_profiles_keys_are_refused(client, r, name):
    with pytest.raises(ValidationError) as err:
        client.save(Entry(name, "t", Interval(5)))
    assert err.value.path == "name"
    assert r.keys("*") == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "extensions: invalid JSON"),
        ('{"version": 2}', "extensions.version"),
        ('{"version": 1, "timezone": "Nope/Zone"}', "extensions.timezone: unknown IANA time zone"),
        ('{"version": 1, "jitter_ms": "30"}', "extensions.jitter_ms"),
        ('{"version": 1, "surprise": 1}', "extensions.surprise"),
    ],
)
def test_a_corrupt_extensions_field_makes_a_corrupt_entry(client, r, raw, reason):
    client.save(Entry("x", "t", Interval(5)))
    r.hset("redbeat:x", "extensions", raw)
    with pytest.raises(CorruptEntry) as err:
        client.get("x")
    assert reason in err.value.reason
    problems: list[CorruptEntry] = []
    assert list(client.list(on_error=problems.append)) == [] and problems[0].key == "redbeat:x"


# -- the rules in scores and previews ---------------------------------------------------------------------


def test_a_zoned_crontab_runs_by_its_zones_wall_clock_across_dst(client, clock):
    clock.now = datetime(2025, 3, 7, 12, tzinfo=UTC)
    client.save(Entry("x", "t", Crontab(minute=0, hour=9), extensions={"timezone": "America/New_York"}))
    entry = client.get("x")
    runs = entry.next_runs(4)
    # 09:00 in New York on both sides of 9 March 2025 (spring forward): 14:00Z, then 13:00Z
    assert [r.astimezone(UTC).hour for r in runs] == [14, 14, 13, 13]
    assert entry.score == int(runs[0].timestamp())


def test_a_zoned_rrule_keeps_its_wall_time_across_dst_which_upstreams_fixed_offset_does_not(client, clock):
    clock.now = datetime(2025, 3, 7, 12, tzinfo=UTC)
    rule = RRule("DAILY", dtstart=datetime(2025, 3, 1, 9, tzinfo=NY), byminute=[0], bysecond=[0])
    client.save(Entry("zoned", "t", rule, extensions={"timezone": "America/New_York"}))
    client.save(Entry("plain", "t", rule))
    zoned = [r.astimezone(NY).hour for r in client.get("zoned").next_runs(4)]
    plain = [r.astimezone(NY).hour for r in client.get("plain").next_runs(4)]
    assert zoned == [9, 9, 9, 9]
    assert plain == [9, 9, 10, 10]  # the stored offset (-05:00) is kept in summer: upstream's drift


def test_the_window_bounds_the_score_and_the_runs(client, clock):
    clock.now = datetime(2025, 1, 15, 12, tzinfo=UTC)
    start = datetime(2025, 2, 1, 12, 30, tzinfo=UTC)
    end = datetime(2025, 2, 3, 12, 0, tzinfo=UTC)
    client.save(
        Entry("daily", "t", Crontab(minute=0, hour=12), extensions={"start_at": start, "end_at": end})
    )
    client.save(Entry("every", "t", Interval(3600), extensions={"start_at": start, "end_at": end}))
    daily = client.get("daily")
    assert daily.score == int(datetime(2025, 2, 2, 12, tzinfo=UTC).timestamp())  # 1 Feb 12:00 is before start
    assert daily.next_runs(5) == [datetime(2025, 2, 2, 12, tzinfo=UTC), datetime(2025, 2, 3, 12, tzinfo=UTC)]
    every = client.get("every")
    assert every.score == int(start.timestamp())  # an interval starts with the window
    clock.now = datetime(2025, 3, 1, tzinfo=UTC)
    client.save(Entry("over", "t", Interval(60), extensions={"end_at": end}))
    assert client.get("over").score == -1  # after the window: never again, so upstream never loads it


def test_jitter_delays_each_run_by_the_profiles_offset_and_never_advances_it(client, clock):
    clock.now = datetime(2025, 1, 15, 12, tzinfo=UTC)
    client.save(Entry("j", "t", Crontab(minute="*/10"), extensions={"jitter": 120}))
    entry = client.get("j")
    runs = entry.next_runs(20)
    slots = [datetime(2025, 1, 15, 12, 10, tzinfo=UTC) + timedelta(minutes=10 * i) for i in range(20)]
    offsets = [run - slot for run, slot in zip(runs, slots, strict=True)]
    assert all(timedelta(0) <= o < timedelta(seconds=120) for o in offsets)
    assert len(set(offsets)) > 15  # spread, not one delay for all
    assert offsets == [jitter_offset("j", slot, 120_000) for slot in slots]
    assert entry.score == int(runs[0].timestamp())


def test_jitter_offset_follows_the_written_algorithm():
    # schema/README.md, Jitter: SHA-256 of b"demo\n1736942400000", first 8 bytes big-endian, * 60000 >> 64
    nominal = datetime(2025, 1, 15, 12, tzinfo=UTC)
    import hashlib

    h = int.from_bytes(hashlib.sha256(b"demo\n1736942400000").digest()[:8], "big")
    assert jitter_offset("demo", nominal, 60_000) == timedelta(milliseconds=h * 60_000 // 2**64)
    assert jitter_offset("demo", nominal, 60_000) == timedelta(milliseconds=5_057)  # pinned


# -- labels -----------------------------------------------------------------------------------------------


def test_listing_by_label_uses_the_index_and_follows_resaves_and_deletes(client, r):
    for i in range(6):
        client.save(
            Entry(f"e{i}", "t", Interval(60 + i), extensions={"labels": {"tenant": "acme" if i % 2 else "b"}})
        )
    assert [e.name for e in client.list(labels={"tenant": "acme"})] == ["e1", "e3", "e5"]
    client.save(Entry("e3", "t", Interval(63), extensions={"labels": {"tenant": "b", "x": "1"}}))
    client.delete("e5")
    assert [e.name for e in client.list(labels={"tenant": "acme"})] == ["e1"]
    assert [e.name for e in client.list(labels={"tenant": "b", "x": "1"})] == ["e3"]
    assert [e.name for e in client.list(labels={"tenant": "nobody"})] == []
    members = r.zrange("redbeat::labels", 0, -1)
    assert sorted(members) == [
        "tenant=acme\nredbeat:e1",
        "tenant=b\nredbeat:e0",
        "tenant=b\nredbeat:e2",
        "tenant=b\nredbeat:e3",
        "tenant=b\nredbeat:e4",
        "x=1\nredbeat:e3",
    ]


def test_a_stale_index_member_is_not_listed(client, r):
    client.save(Entry("a", "t", Interval(60), extensions={"labels": {"tenant": "acme"}}))
    r.hdel("redbeat:a", "extensions")  # changed without the profile: the index still lists it
    assert list(client.list(labels={"tenant": "acme"})) == []


def test_a_bad_label_filter_names_its_field(client):
    with pytest.raises(ValidationError) as err:
        list(client.list(labels={"tenant": "a b"}))
    assert err.value.path == "labels.tenant"


def test_a_label_value_that_is_a_prefix_of_another_does_not_match_it(client):
    client.save(Entry("a", "t", Interval(60), extensions={"labels": {"t": "ac"}}))
    client.save(Entry("b", "t", Interval(60), extensions={"labels": {"t": "acme"}}))
    assert [e.name for e in client.list(labels={"t": "ac"})] == ["a"]


# -- history ----------------------------------------------------------------------------------------------


def test_history_reads_the_records_newest_first_and_goes_with_the_entry(client, r):
    client.save(Entry("h", "t", Interval(60)))
    due = datetime(2025, 1, 15, 12, 1, tzinfo=UTC)
    for i in range(3):
        r.lpush(
            "redbeat::history:h",
            encode_record(
                due + timedelta(minutes=i), due + timedelta(minutes=i, seconds=0.25), f"id{i}", "b"
            ),
        )
    records = client.history("h")
    assert [x.task_id for x in records] == ["id2", "id1", "id0"]
    assert records[0].lateness == timedelta(milliseconds=250) and records[0].beat == "b"
    assert [x.task_id for x in client.history("h", limit=1)] == ["id2"]
    client.delete("h")
    assert r.keys("*") == []
    assert client.history("h") == []


def test_a_corrupt_history_record_names_the_history_key(client, r):
    r.lpush("redbeat::history:h", '{"due": 5}')
    with pytest.raises(CorruptEntry) as err:
        client.history("h")
    assert err.value.key == "redbeat::history:h"


# -- the profile's examples (schema/examples/extensions) --------------------------------------------------

EXAMPLES = SCHEMA / "examples" / "extensions"


def _examples(folder: str) -> list:
    files = sorted((EXAMPLES / folder).glob("*.json"))
    assert files, folder
    return [pytest.param(json.loads(f.read_text()), id=f.stem) for f in files]


@pytest.mark.parametrize("example", _examples("valid"))
def test_valid_examples_are_read_and_written_back_the_same(example, client, r):
    fields = example["hash"]
    jsonschema.validate(fields["extensions"], EXT_SCHEMA)
    jsonschema.validate({"definition": fields["definition"], "meta": fields["meta"]}, WRITE_SCHEMA)
    name = fields["definition"]["name"]
    r.hset(f"redbeat:{name}", mapping={k: json.dumps(v) for k, v in fields.items()})
    entry = client.get(name)
    assert isinstance(entry.schedule, OneOff) == ("one_off" in fields["extensions"])
    r.flushall()
    client.save(entry)
    assert stored(r, name)["extensions"] == fields["extensions"]
    assert stored(r, name)["definition"] == fields["definition"]


@pytest.mark.parametrize("example", _examples("invalid"))
def test_invalid_examples_are_refused_by_the_schema_and_the_reader(example, client, r):
    assert not jsonschema.Draft202012Validator(EXT_SCHEMA).is_valid(example["extensions"])
    client.save(Entry("x", "t", Interval(5)))
    r.hset("redbeat:x", "extensions", json.dumps(example["extensions"]))
    with pytest.raises(CorruptEntry):
        client.get("x")


async def test_the_asyncio_client_lists_by_label_and_reads_history_as_the_sync_one_does(
    redis_server, client, r
):
    from redbeat_sdk.asyncio import AsyncRedBeatClient

    for i in range(4):
        client.save(Entry(f"e{i}", "t", Interval(60 + i), extensions={"labels": {"even": str(i % 2 == 0)}}))
    due = datetime(2025, 1, 15, 12, 1, tzinfo=UTC)
    r.lpush("redbeat::history:e0", encode_record(due, due, "id0", "b"))
    async with AsyncRedBeatClient.from_url(redis_server.url, clock=client.clock) as aclient:
        got = [e async for e in aclient.list(labels={"even": "True"})]
        assert got == list(client.list(labels={"even": "True"})) and [e.name for e in got] == ["e0", "e2"]
        assert await aclient.history("e0") == client.history("e0") != []
        with pytest.raises(ValidationError) as err:
            [e async for e in aclient.list(labels={"even": "a b"})]
        assert err.value.path == "labels.even"
