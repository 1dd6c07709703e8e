"""`redbeat doctor`: what is wrong with a schedule in Redis, key by key. Reads only, through the SDK's store,
unless `--fix` is given: then it removes the left-overs of entries deleted without the extension profile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ..client import RedBeatClient
from ..codec import decode_entry
from ..errors import CorruptEntry, RedBeatConnectionError, RedBeatError, ValidationError
from ..lock_token import parse_token
from ..operations import load_keys
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


@dataclass
class Seen:
    """What the walk over the entries noticed for the later checks."""

    extended: int = 0  # entries with extensions


def entries(client: RedBeatClient, seen: Seen | None = None) -> Iterator[Finding]:
    """Members without a hash, corrupt entries, negative or late scores."""
    seen = Seen() if seen is None else seen
    now = client.now()
    tz = client.timezone
    for stored in client.store.walk(client.batch_size):
        key, score = stored.key, stored.score
        try:
            name = client.keys.name_of(key)
        except ValueError as exc:
            yield Finding("corrupt", key, str(exc))
            continue
        if not stored.definition:
            yield Finding("missing-hash", key, "schedule member without an entry hash (evicted or deleted)")
            continue
        try:
            entry = decode_entry(key, name, stored.definition, stored.meta, score, stored.extensions)
        except CorruptEntry as exc:
            yield Finding("corrupt", key, exc.reason)
            continue
        if stored.extensions is not None:
            seen.extended += 1
        if score is None:  # removed from the schedule since the page was read
            continue
        try:
            true = score_for(entry.schedule_wire(now, tz), entry.last_run_at, now, tz, entry.rules(tz))
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


def upstream_beat(client: RedBeatClient, seen: Seen) -> Iterator[Finding]:
    """Entries with extensions under a lock held by upstream's beat: it fires them by their plain
    definition, ignoring zone, window, jitter, catch-up and delete-after-run, and keeps no history."""
    token, _ = client.store.lock()
    if token is None or not seen.extended:
        return
    holder = parse_token(token)
    if holder.kind == "celery-redbeat":
        yield Finding(
            "upstream-beat",
            client.keys.lock,
            f"{holder.describe()} holds the lock: the extensions of {seen.extended} entries are ignored "
            "(it fires them by their plain definition and keeps no history)",
        )


def leftovers(client: RedBeatClient, fix: bool = False) -> Iterator[Finding]:
    """What a delete without the extension profile (upstream's) leaves: history lists and label index
    members of entries that are gone, or whose labels changed. With `fix`, each is removed (atomically
    checked again: lua/drop_leftovers.lua)."""
    keys = client.keys
    for history in client.store.history_keys():
        name = history[len(keys.history("")) :]
        entry_key = keys.entry(name)
        if client.store.run([("HEXISTS", entry_key, "definition")])[0]:
            continue
        if fix and client.store.drop_leftovers(entry_key, True, []):
            yield Finding("leftover-history", history, "history of a deleted entry: removed", problem=False)
        elif not fix:
            yield Finding("leftover-history", history, "history of a deleted entry (redbeat doctor --fix)")
    for page in client.store.label_members(client.batch_size):
        by_entry: dict[str, list[str]] = {}
        for member in page:
            by_entry.setdefault(member.partition("\n")[2], []).append(member)
        rows = client.store.drive(load_keys(keys, list(by_entry), client.batch_size))
        for row in rows:
            carried = _labels_of(row.extensions)
            stale = [m for m in by_entry[row.key] if m.partition("\n")[0] not in carried]
            if not stale:
                continue
            if fix:
                removed = client.store.drop_leftovers(row.key, False, stale)
                yield Finding(
                    "stale-label", row.key, f"{removed} label index member(s) removed", problem=False
                )
            else:
                labels = ", ".join(m.partition("\n")[0] for m in stale)
                yield Finding(
                    "stale-label", row.key, f"label index lists {labels}, the entry does not carry it (--fix)"
                )


def _labels_of(raw: str | bytes | None) -> set[str]:
    """The 'key=value' labels an extensions field carries (none when absent or unreadable)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return set()
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, dict):
        return set()
    return {f"{k}={v}" for k, v in labels.items() if isinstance(v, str)}


def diagnose(client: RedBeatClient, fix: bool = False) -> list[Finding]:
    seen = Seen()
    return [
        *eviction(client),
        *cluster_slots(client),
        *entries(client, seen),
        *orphans(client),
        *upstream_beat(client, seen),
        *leftovers(client, fix),
    ]
