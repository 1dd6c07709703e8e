"""Bad arguments to the client and the preview are typed errors whose path names the argument, with the
reasons every client shares (schema/README.md, "Error paths of client arguments")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import T0, dump

from redbeat_sdk import (
    Crontab,
    Entry,
    Interval,
    InvalidUrlError,
    RedBeatClient,
    RedBeatError,
    RRule,
    ValidationError,
    codec,
    next_run,
)
from redbeat_sdk.asyncio import AsyncRedBeatClient
from redbeat_sdk.errors import CorruptEntry

UNKNOWN_ZONE = "unknown IANA time zone 'Nope/Zone'"
CLIENTS = [RedBeatClient, AsyncRedBeatClient]  # one constructor and from_url: both check the same way


def refused(call) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        call()
    assert isinstance(err.value, RedBeatError) and isinstance(err.value, ValueError)
    return err.value


# -- time zones --------------------------------------------------------------------------------------


@pytest.mark.parametrize("Client", CLIENTS)
def test_an_unknown_beat_timezone_is_refused_as_the_timezone_argument(r, redis_server, Client):
    for call in (
        lambda: Client(r, timezone="Nope/Zone"),
        lambda: Client.from_url(redis_server.url, timezone="Nope/Zone"),
    ):
        err = refused(call)
        assert (err.path, err.reason) == ("timezone", UNKNOWN_ZONE)
        assert str(err) == f"timezone: {UNKNOWN_ZONE}"
    assert refused(lambda: Client(r, timezone=5)).path == "timezone"


def test_an_unknown_preview_zone_is_refused_as_the_tz_argument(client):
    entry = client.save(Entry("job", "t", Crontab(minute=0)))
    for call in (
        lambda: entry.next_runs(3, tz="Nope/Zone"),
        lambda: Crontab(minute=0).next_runs(3, tz="Nope/Zone"),
        lambda: Interval(5).next_runs(3, tz="Nope/Zone"),
    ):
        err = refused(call)
        assert (err.path, err.reason) == ("tz", UNKNOWN_ZONE)
    assert refused(lambda: Interval(5).next_runs(3, tz=[])).path == "tz"


def test_a_zone_inside_data_keeps_its_data_path(client, r):
    stamp = {
        "__type__": "datetime",
        "year": 2025,
        "month": 1,
        "day": 1,
        "hour": 0,
        "minute": 0,
        "second": 0,
        "microsecond": 0,
        "timezone": "Nope/Zone",
    }
    r.hset(
        "redbeat:job",
        mapping={
            "definition": json.dumps({"name": "job", "task": "t", "schedule": 5}),
            "meta": json.dumps({"last_run_at": stamp}),
        },
    )
    with pytest.raises(CorruptEntry) as err:
        client.get("job")
    assert err.value.reason == f"meta.last_run_at.timezone: {UNKNOWN_ZONE}"
    definition = {"name": "job", "task": "t", "schedule": 5, "kwargs": {"when": stamp}}
    err = refused(lambda: codec.entry_from_wire(definition))
    assert (err.path, err.reason) == ("definition.kwargs.when.timezone", UNKNOWN_ZONE)


# -- save_many ---------------------------------------------------------------------------------------


def _good(i: int) -> Entry:
    return Entry(f"job-{i}", "t", Interval(60))


def test_save_many_names_the_index_of_the_failing_entry_and_writes_nothing(client, r):
    err = refused(
        lambda: client.save_many([_good(0), _good(1), _good(2), Entry(":schedule", "t", Interval(5))])
    )
    assert err.path == "[3].name" and "collide" in err.reason
    assert dump(r) == {}

    changed = Entry("changed", "t", Interval(5), kwargs={})
    changed.kwargs["when"] = object()  # task data mutated after the entry was validated
    err = refused(lambda: client.save_many([_good(0), _good(1), changed]))
    assert err.path == "[2].kwargs.when"
    assert dump(r) == {}

    err = refused(lambda: client.save_many([_good(0), {"name": "x"}]))
    assert (err.path, err.reason) == ("[1]", "must be an Entry, not dict")
    assert refused(lambda: client.save_many(None)).path == "entries"
    assert dump(r) == {}


def test_save_many_batches_are_all_validated_before_the_first_write(r, clock):
    client = RedBeatClient(r, clock=clock, batch_size=2)
    entries = [_good(i) for i in range(6)] + [Entry(":lock", "t", Interval(5))]
    assert refused(lambda: client.save_many(entries)).path == "[6].name"
    assert dump(r) == {}


def test_save_names_the_entry_paths_without_an_index(client):
    assert refused(lambda: client.save(Entry(":schedule", "t", Interval(5)))).path == "name"
    assert refused(lambda: client.save({"name": "x"})).path == "entry"


# -- URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://x", ["unsupported scheme 'http'", "'http://x'"]),
        ("HTTPS://user:secret@x:1/0", ["unsupported scheme 'https'", "user:***@"]),
        ("redis+sentinel://h:26379/mymaster", ["unsupported scheme 'redis+sentinel'", "master_for"]),
        ("localhost:6379", ["malformed URL 'localhost:6379' (no scheme://)"]),
        ("redis://h:port/0", ["malformed URL 'redis://h:port/0'"]),
        ("", ["must be a Redis URL string"]),
    ],
)
@pytest.mark.parametrize("Client", CLIENTS)
def test_from_url_refuses_what_it_cannot_connect_with(url, words, Client):
    err = refused(lambda: Client.from_url(url))
    assert isinstance(err, InvalidUrlError) and err.path == "url"
    for word in [*words, "redis://", "rediss://", "unix://", "redis-cluster://", "rediss-cluster://"]:
        assert word in err.reason, (word, err.reason)
    assert "secret" not in str(err)


@pytest.mark.parametrize("Client", CLIENTS)
def test_from_url_refuses_a_url_that_is_not_a_string(Client):
    err = refused(lambda: Client.from_url(None))
    assert isinstance(err, InvalidUrlError) and err.path == "url" and "NoneType" in err.reason


# -- run counts and other preview arguments ----------------------------------------------------------


def _previews(client):
    entry = client.save(Entry("job", "t", Interval(60)))
    wire = Interval(60).to_wire()
    return [
        entry.next_runs,
        Interval(60).next_runs,
        Crontab(minute=0).next_runs,
        RRule("DAILY", dtstart=T0).next_runs,
        lambda n: next_run.next_runs(wire, n, T0, T0, T0.tzinfo),
    ]


def test_a_negative_run_count_is_refused_at_every_next_runs_entry_point(client):
    for preview in _previews(client):
        err = refused(lambda: preview(-1))
        assert (err.path, err.reason) == ("n", "must be >= 0")
        assert preview(0) == []
        assert refused(lambda: preview(1.5)).path == "n"
        assert refused(lambda: preview(True)).path == "n"


def test_preview_instants_must_be_datetimes():
    assert refused(lambda: Interval(5).next_runs(2, after="2025-01-01")).path == "after"
    assert refused(lambda: Interval(5).next_runs(2, now=0)).path == "now"
    assert Interval(5).next_runs(1, after=T0) == [T0 + timedelta(seconds=5)]


@pytest.mark.parametrize("Client", CLIENTS)
def test_client_options_are_checked(r, Client):
    assert refused(lambda: Client(r, batch_size=0)).path == "batch_size"
    assert refused(lambda: Client(r, key_prefix=None)).path == "key_prefix"
    assert refused(lambda: Client(r, lock_key=5)).path == "lock_key"
    assert refused(lambda: Client(r, clock="now")).path == "clock"
