"""Fixtures: one real redis-server per session (flushed per test) and a frozen clock."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from redbeat_sdk import RedBeatClient

pytest_plugins = ("topologies.fixtures",)  # redis_server (one per session) and r (emptied per test)

ROOT = Path(__file__).resolve().parents[2]
# Upstream's raw Redis records, owned by the repository (conformance/upstream/README.md says where they come from).
UPSTREAM_VECTORS = ROOT / "conformance" / "upstream" / "upstream-vectors.json"
UTC = ZoneInfo("UTC")
T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)  # the frozen clock of the upstream vectors


def wire_t0(**changes: int) -> dict:
    """T0 (with `changes` to its fields) in the JSON form upstream stores a UTC datetime in."""
    fields = dict(year=2025, month=1, day=15, hour=12, minute=0, second=0, microsecond=0) | changes
    return {"__type__": "datetime", **fields, "timezone": "UTC"}


class FrozenClock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def client(r, clock):
    return RedBeatClient(r, clock=clock)


@pytest.fixture(scope="session")
def upstream_vectors() -> dict[str, dict]:
    if not UPSTREAM_VECTORS.exists():
        pytest.fail(f"upstream vectors missing: {UPSTREAM_VECTORS} (regenerate them: make upstream-dumps)")
    return {record["case"]: record for record in json.loads(UPSTREAM_VECTORS.read_text(encoding="utf-8"))}


def dump(r: redis.Redis) -> dict:
    """Every key with its value: hashes as dicts, zsets as {member: score}."""
    out = {}
    for key in sorted(r.keys("*")):
        kind = r.type(key)
        if kind == "hash":
            out[key] = r.hgetall(key)
        elif kind == "zset":
            out[key] = dict(r.zrange(key, 0, -1, withscores=True))
        elif kind == "set":
            out[key] = sorted(r.smembers(key))
        else:
            out[key] = r.get(key)
    return out


@contextlib.contextmanager
def sent_commands(r: redis.Redis) -> Iterator[list[str]]:
    """The name of every command Redis received from a client during the block, those its scripts ran
    aside (MONITOR): what a call sends, seen from Redis, not from inside the client under test."""
    sent: list[str] = []
    kwargs = r.connection_pool.connection_kwargs
    watcher = redis.Redis(host=kwargs["host"], port=kwargs["port"])  # not one of r's connections
    try:
        with watcher.monitor() as watching:
            yield sent
            marker = f"end-{id(sent)}"
            r.echo(marker)
            while (command := watching.next_command())["command"] != f"ECHO {marker}":
                if command["client_type"] != "lua":
                    sent.append(command["command"].split(" ", 1)[0].upper())
    finally:
        watcher.close()
