"""`redbeat doctor`: what is wrong with a schedule in Redis, key by key. Reads only, through the SDK's store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..client import RedBeatClient
from ..codec import decode_entry
from ..errors import CorruptEntry, RedBeatConnectionError, RedBeatError, ValidationError
from ..score import score_for


@dataclass(frozen=True)
class Finding:
    check: str
    key: str
    detail: str
    problem: bool = True  # False: worth knowing, not a failure


def eviction(client: RedBeatClient) -> Iterator[Finding]:
    """RedBeat's keys are the only copy of the schedule: an allkeys-* policy with a limit can evict them."""
    try:
        config = client.store.config("maxmemory*")
    except RedBeatConnectionError:
        raise
    except RedBeatError as exc:
        yield Finding(
            "eviction", "-", f"cannot read CONFIG ({exc}); check maxmemory-policy by hand", problem=False
        )
        return
    policy = str(config.get("maxmemory-policy", ""))
    try:
        limit = int(config.get("maxmemory") or 0)
    except ValueError:
        limit = 0
    if limit and policy.startswith("allkeys"):
        yield Finding(
            "eviction", "-", f"maxmemory-policy {policy} with maxmemory {limit}: entries can be evicted"
        )


def cluster_slots(client: RedBeatClient) -> Iterator[Finding]:
    if client.store.cluster_enabled() and client.keys.hash_tag() is None:
        yield Finding(
            "cluster", client.keys.prefix, "prefix without a {hash tag}: entry and schedule keys span slots"
        )


def entries(client: RedBeatClient) -> Iterator[Finding]:
    """Members without a hash, corrupt entries, negative or late scores."""
    now = client.now()
    for key, raw_def, raw_meta, score in client.store.walk(client.batch_size):
        try:
            name = client.keys.name_of(key)
        except ValueError as exc:
            yield Finding("corrupt", key, str(exc))
            continue
        if not raw_def:
            yield Finding("missing-hash", key, "schedule member without an entry hash (evicted or deleted)")
            continue
        try:
            entry = decode_entry(key, name, raw_def, raw_meta, score)
        except CorruptEntry as exc:
            yield Finding("corrupt", key, exc.reason)
            continue
        if score is None:  # removed from the schedule since the page was read
            continue
        try:
            true = score_for(
                entry.schedule.to_wire(now, client.timezone), entry.last_run_at, now, client.timezone
            )
        except ValidationError as exc:  # a next run no date holds: a beat fails computing it
            yield Finding("corrupt", key, str(exc))
            continue
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


def orphans(client: RedBeatClient) -> Iterator[Finding]:
    """Entry hashes the schedule does not list: beat never looks at them."""
    for key in client.store.unscheduled_entries():
        yield Finding("orphan-hash", key, "entry hash missing from the schedule: it never runs")


def diagnose(client: RedBeatClient) -> list[Finding]:
    return [*eviction(client), *cluster_slots(client), *entries(client), *orphans(client)]
