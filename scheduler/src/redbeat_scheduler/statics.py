"""Static entries: Celery's `beat_schedule` (plus Celery's default entries) written into Redis.

Only the lock holder syncs, and it does so each time it takes the lock (upstream syncs at every start,
standbys included, and can clobber the leader's state: #198). For every configured entry the
definition is written, the stored run state is kept and the score is recomputed from it, so a restart
neither re-runs nor delays anything (#151). Names that left the configuration are deleted. Beyond
upstream, a stored `enabled: false` survives the sync unless the configuration sets `enabled` itself,
so a static entry disabled through the API stays disabled across restarts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from redbeat_sdk import codec
from redbeat_sdk.beat_schedule import static_entry
from redbeat_sdk.entry import Entry
from redbeat_sdk.errors import CorruptEntry, RedBeatError
from redbeat_sdk.score import score_for

from .store import LOCK_NOT_HELD, META_CHANGED, RawEntry, Store

logger = logging.getLogger(__name__)


class LockLost(Exception):
    """A fenced write found that this scheduler no longer holds the lock; nothing was written."""


@dataclass
class StaticConfig:
    """The configured static entries, converted once; entries that cannot be stored are logged once."""

    entries: dict[str, tuple[Entry, bool]] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, specs: Mapping[str, Any]) -> StaticConfig:
        config = cls()
        for name, spec in specs.items():
            try:
                config.entries[str(name)] = static_entry(str(name), spec)
            except (RedBeatError, TypeError, ValueError, KeyError, AttributeError) as exc:
                config.rejected[str(name)] = str(exc)
                logger.error(
                    "beat_schedule entry %r cannot be stored in RedBeat and is skipped: %s", name, exc
                )
        return config


def _stored_enabled(raw: RawEntry) -> bool | None:
    if not raw.definition:
        return None
    try:
        value = json.loads(raw.definition).get("enabled", True)
    except (ValueError, AttributeError, RecursionError):
        return None
    return bool(value)


def sync_statics(
    store: Store,
    config: StaticConfig,
    now: datetime,
    tz: tzinfo,
    configured_names: set[str],
    attempts: int = 3,
    keep_lock: Callable[[], None] = lambda: None,
) -> int:
    """Write every configured entry and delete the statics that left `configured_names`.

    `configured_names` are the names from `beat_schedule` (Celery's default entries are stored too, but
    upstream does not record them among the statics). Returns the number of entries written; raises
    LockLost as soon as a write finds the lock gone. `keep_lock` is called between writes, so that a
    large `beat_schedule` does not outlast the lease.
    """
    for name in sorted(store.statics() - configured_names - set(config.rejected)):
        keep_lock()
        if store.remove_static(name) == LOCK_NOT_HELD:
            raise LockLost()
        logger.info("beat_schedule entry %r was removed from the configuration; deleted it", name)
    return write_statics(store, config, now, tz, configured_names, attempts, keep_lock)


def write_statics(
    store: Store,
    config: StaticConfig,
    now: datetime,
    tz: tzinfo,
    configured_names: set[str],
    attempts: int = 3,
    keep_lock: Callable[[], None] = lambda: None,
) -> int:
    """Write the entries of `config` (definition, kept or fresh meta, score); see sync_statics."""
    layout = store.layout
    written = 0
    pending = dict(config.entries)
    for _ in range(attempts):
        if not pending:
            break
        raws = store.load([layout.entry(name) for name in pending])
        retry = {}
        for (name, (entry, sets_enabled)), raw in zip(pending.items(), raws, strict=True):
            if not sets_enabled:
                stored = _stored_enabled(raw)
                if stored is False:
                    entry = dataclasses.replace(entry, enabled=False)
            wire = codec.definition_wire(entry, now, tz)
            replace_meta = False
            try:
                last, _ = codec.decode_meta(raw.key, raw.meta)
            except CorruptEntry as exc:
                logger.error(
                    "static entry %s had unreadable meta (%s); replaced it with a fresh one",
                    raw.key,
                    exc.reason,
                )
                last, replace_meta = None, True
            rules = entry.rules(tz)
            kept_score = score_for(wire["schedule"], last, now, tz, rules)
            keep_lock()
            result = store.sync_static(
                name,
                codec.encode_definition(wire),
                codec.encode_meta(now),
                score_for(wire["schedule"], now, now, tz, rules),
                raw,
                kept_score,
                replace_meta,
                name in configured_names,
                codec.encode_extensions(entry, tz),
            )
            if result == LOCK_NOT_HELD:
                raise LockLost()
            if result == META_CHANGED:
                retry[name] = pending[name]
            else:
                written += 1
        pending = retry
    for name in pending:
        logger.warning("static entry %r kept changing while being synced; left as it is", name)
    return written
