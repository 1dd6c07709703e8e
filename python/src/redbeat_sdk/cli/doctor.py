"""`redbeat doctor`: what is wrong with a schedule in Redis, key by key. Reads only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import redis

from ..client import RedBeatClient
from ..codec import decode_entry
from ..errors import CorruptEntry
from ..schedules import score_for

BATCH = 500


@dataclass(frozen=True)
class Finding:
    check: str
    key: str
    detail: str
    problem: bool = True  # False: worth knowing, not a failure


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def eviction(r: redis.Redis) -> Iterator[Finding]:
    """RedBeat's keys are the only copy of the schedule: an allkeys-* policy with a limit can evict them."""
    try:
        config = r.config_get("maxmemory*")
    except redis.exceptions.ResponseError as exc:
        yield Finding(
            "eviction", "-", f"cannot read CONFIG ({exc}); check maxmemory-policy by hand", problem=False
        )
        return
    policy = str(config.get("maxmemory-policy", ""))
    try:
        limit = int(config.get("maxmemory", 0))
    except ValueError:
        limit = 0
    if limit and policy.startswith("allkeys"):
        yield Finding(
            "eviction", "-", f"maxmemory-policy {policy} with maxmemory {limit}: entries can be evicted"
        )


def cluster_slots(r: redis.Redis, client: RedBeatClient) -> Iterator[Finding]:
    try:
        enabled = r.info("cluster").get("cluster_enabled")
    except redis.exceptions.ResponseError:
        return
    if enabled and client.keys.hash_tag() is None:
        yield Finding(
            "cluster", client.keys.prefix, "prefix without a {hash tag}: entry and schedule keys span slots"
        )


def entries(r: redis.Redis, client: RedBeatClient) -> Iterator[Finding]:
    """Members without a hash, corrupt entries, negative or late scores."""
    now = client.now()
    start = 0
    while True:
        members = r.zrange(client.keys.schedule, start, start + BATCH - 1, withscores=True)
        if not members:
            return
        pipe = r.pipeline(transaction=False)
        for key, _ in members:
            pipe.hmget(key, "definition", "meta")
        for (key, score), (raw_def, raw_meta) in zip(members, pipe.execute()):
            if not raw_def:
                yield Finding(
                    "missing-hash", key, "schedule member without an entry hash (evicted or deleted)"
                )
                continue
            try:
                entry = decode_entry(key, client.keys.name_of(key), raw_def, raw_meta, score)
            except (CorruptEntry, ValueError) as exc:
                yield Finding("corrupt", key, getattr(exc, "reason", str(exc)))
                continue
            true = score_for(
                entry.schedule.to_wire(now, client.timezone), entry.last_run_at, now, client.timezone
            )
            if true >= 0 and int(score) > max(true, int(now.timestamp())) + 1:
                yield Finding(
                    "late-score", key, f"score {int(score)} is after the next run {true}: the run is delayed"
                )
            elif score < 0 <= true:
                yield Finding(
                    "dead-score",
                    key,
                    f"score {int(score)} is never loaded, but the entry runs again at {true}",
                )
        start += len(members)


def orphans(r: redis.Redis, client: RedBeatClient) -> Iterator[Finding]:
    """Entry hashes the schedule does not list: beat never looks at them."""
    special = {client.keys.schedule, client.keys.statics, client.keys.lock, client.keys.outbox}
    for key in r.scan_iter(match=_glob_escape(client.keys.prefix) + "*", count=1000, _type="HASH"):
        if key in special or r.zscore(client.keys.schedule, key) is not None:
            continue
        if r.hexists(key, "definition"):
            yield Finding("orphan-hash", key, "entry hash missing from the schedule: it never runs")


def diagnose(client: RedBeatClient) -> list[Finding]:
    r = client.redis
    return [*eviction(r), *cluster_slots(r, client), *entries(r, client), *orphans(r, client)]
