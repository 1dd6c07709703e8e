"""Conditional writes: `save(entry, if_version=...)` and `create(entry)`, compared and written in one step
(lua/update.lua), against a real Redis. The dashboard's edit and add forms rely on them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from redbeat_sdk import (
    ConflictError,
    Crontab,
    Entry,
    Interval,
    ValidationError,
    VersionConflict,
    operations,
)
from redbeat_sdk.codec import encode_meta

KEY = "redbeat:job"


def job(**changes) -> Entry:
    fields = {"name": "job", "task": "app.job", "schedule": Interval(60)} | changes
    return Entry(**fields)


def test_reads_and_saves_carry_the_version_of_the_stored_definition(client, r):
    saved = client.save(job())
    got = client.get("job")
    assert saved.version and got.version == saved.version == operations.version_of(r.hget(KEY, "definition"))
    assert [e.version for e in client.list()] == [saved.version]
    client.save(job(task="app.other"))
    assert client.get("job").version != saved.version


def test_a_run_leaves_the_version_alone(client, r, clock):
    version = client.save(job()).version
    r.hset(KEY, "meta", encode_meta(clock.advance(60), 1))
    assert client.get("job").version == version


def test_save_if_version_writes_and_keeps_the_run_state(client, r, clock):
    version = client.save(job()).version
    ran = clock.advance(60)
    r.hset(KEY, "meta", encode_meta(ran, 3))
    clock.advance(5)
    saved = client.save(job(schedule=Interval(300)), if_version=version)
    assert json.loads(r.hget(KEY, "definition"))["schedule"]["every"] == 300
    assert json.loads(r.hget(KEY, "meta"))["total_run_count"] == 3  # the run state is kept
    assert r.zscore("redbeat::schedule", KEY) == int((ran + timedelta(seconds=300)).timestamp())
    assert saved.version == client.get("job").version != version
    assert (saved.total_run_count, saved.last_run_at) == (3, ran)


@pytest.mark.parametrize("change", ["edit", "disable", "delete"])
def test_save_if_an_older_version_writes_nothing(client, r, change):
    version = client.save(job()).version
    if change == "edit":
        client.save(job(task="app.edited"))
    elif change == "disable":
        client.disable("job")
    else:
        client.delete("job")
    before = r.hgetall(KEY), r.zscore("redbeat::schedule", KEY)
    with pytest.raises(VersionConflict) as caught:
        client.save(job(schedule=Crontab(minute=5)), if_version=version)
    assert (r.hgetall(KEY), r.zscore("redbeat::schedule", KEY)) == before
    err = caught.value
    assert isinstance(err, ConflictError) and err.expected == version and err.key == KEY
    if change == "delete":
        assert err.found is None and "deleted since it was read" in str(err)
    else:
        assert err.found == operations.version_of(before[0]["definition"])
        assert "changed since it was read" in str(err)


def test_create_writes_a_new_entry_and_refuses_an_existing_one(client, r, clock):
    created = client.create(job())
    assert created.total_run_count == 0 and created.version == client.get("job").version
    assert json.loads(r.hget(KEY, "meta")) == json.loads(encode_meta(clock.now))
    client.save(job(name="twin"))  # scored as a plain first save is
    assert r.zscore("redbeat::schedule", KEY) == r.zscore("redbeat::schedule", "redbeat:twin")
    before = r.hgetall(KEY)
    with pytest.raises(VersionConflict, match="already exists") as caught:
        client.create(job(task="app.other"))
    assert caught.value.expected is None and caught.value.found == created.version
    assert r.hgetall(KEY) == before


def test_if_version_must_be_a_string(client):
    with pytest.raises(ValidationError) as caught:
        client.save(job(), if_version=3)
    assert caught.value.path == "if_version"


def _step(client, flow, between=None):
    """Drive a flow by hand, calling `between()` after the first round trip (the read)."""
    commands = next(flow)
    replies = client.store.run(commands)
    if between:
        between()
    try:
        while True:
            commands = flow.send(replies)
            replies = client.store.run(commands)
    except StopIteration as done:
        return done.value


def test_a_run_recorded_between_the_read_and_the_write_is_kept(client, r, clock):
    version = client.save(job()).version
    ran = clock.advance(60)
    flow = client._save_if(job(task="app.v2"), version)
    saved = _step(client, flow, lambda: r.hset(KEY, "meta", encode_meta(ran, 7)))
    assert json.loads(r.hget(KEY, "definition"))["task"] == "app.v2"
    assert json.loads(r.hget(KEY, "meta"))["total_run_count"] == 7
    assert saved.total_run_count == 7
    assert r.zscore("redbeat::schedule", KEY) == int((ran + timedelta(seconds=60)).timestamp())


def test_an_edit_between_the_read_and_the_write_wins_and_the_late_one_is_refused(client, r):
    version = client.save(job()).version
    flow = client._save_if(job(task="app.late"), version)
    with pytest.raises(VersionConflict):
        _step(client, flow, lambda: client.save(job(task="app.first")))
    assert json.loads(r.hget(KEY, "definition"))["task"] == "app.first"


def test_conditional_writes_carry_the_extensions_and_their_labels(client, r):
    """create and save(if_version=...) write the extensions field and move the label index with it, as save
    does; an entry saved without extensions loses the field and its index members."""
    created = client.create(job(extensions={"labels": {"tenant": "acme"}, "timezone": "Europe/Paris"}))
    assert json.loads(r.hget(KEY, "extensions"))["labels"] == {"tenant": "acme"}
    assert [e.name for e in client.list(labels={"tenant": "acme"})] == ["job"]
    moved = client.save(job(extensions={"labels": {"tenant": "b"}}), if_version=created.version)
    assert r.zrange("redbeat::labels", 0, -1) == ["tenant=b\nredbeat:job"]
    assert client.get("job").extensions.timezone is None
    client.save(job(), if_version=moved.version)
    assert r.hget(KEY, "extensions") is None and r.zcard("redbeat::labels") == 0
