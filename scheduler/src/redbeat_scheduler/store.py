"""Every Redis round trip the scheduler makes, each one retried per `retry_period` and fenced by the lock.

Reads are plain commands; every write is one Lua script that first checks the lock token, so a scheduler
that is no longer the leader cannot change anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .lock import FencedLock
from .retry import Retrying
from .scripts import Scripts

# Script results (see lua/advance.lua and friends).
WRITTEN = 1
LOCK_NOT_HELD = 0
HASH_GONE = -1
META_CHANGED = -2
HASH_BACK = 2


@dataclass(frozen=True)
class RawEntry:
    """An entry hash as stored: the two fields, undecoded. `exists` is False when the hash is gone."""
    key: str
    definition: str | None
    meta: str | None
    exists: bool = True

    @property
    def fingerprint(self) -> tuple:
        return self.definition, self.meta


@dataclass(frozen=True)
class Candidates:
    due: list[tuple[str, float]]  # (member, score) with 0 <= score <= now, in score order
    more_due: bool          # the batch was cut short; more members are due
    next_score: float | None  # the first score after now, if any


class Store:
    def __init__(self, client, layout, lock: FencedLock, retrying: Retrying, scripts: Scripts):
        self.client = client
        self.layout = layout  # redbeat_sdk.KeyLayout
        self.lock = lock
        self.retrying = retrying
        self.scripts = scripts

    # reads

    def candidates(self, now_ts: int, batch: int) -> Candidates:
        schedule = self.layout.schedule

        def run():
            pipe = self.client.pipeline(transaction=True)
            pipe.zrangebyscore(schedule, 0, now_ts, start=0, num=batch + 1, withscores=True)
            pipe.zrangebyscore(schedule, f"({now_ts}", "+inf", start=0, num=1, withscores=True)
            return pipe.execute()

        due, upcoming = self.retrying(run, "loading the schedule")
        return Candidates(due=due[:batch], more_due=len(due) > batch,
                          next_score=upcoming[0][1] if upcoming else None)

    def load(self, keys: Sequence[str]) -> list[RawEntry]:
        if not keys:
            return []

        def run():
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.hmget(key, "definition", "meta")
            return pipe.execute()

        rows = self.retrying(run, "loading entries")
        entries = [RawEntry(key, definition, meta) for key, (definition, meta) in zip(keys, rows)]
        empty = [e.key for e in entries if e.definition is None and e.meta is None]
        if empty:  # a hash with neither field does not exist; tell those apart from odd hashes
            exists = self.retrying(lambda: self._exists_each(empty), "loading entries")
            gone = {key for key, flag in zip(empty, exists) if not flag}
            entries = [RawEntry(e.key, e.definition, e.meta, e.key not in gone) for e in entries]
        return entries

    def _exists_each(self, keys):
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.exists(key)
        return pipe.execute()

    def statics(self) -> set[str]:
        return set(self.retrying(lambda: self.client.smembers(self.layout.statics), "reading statics"))

    # fenced writes

    def advance(self, raw: RawEntry, meta: str, score: int) -> int:
        fence_key, token = self.lock.fence()
        args = [token, meta, score, raw.key, "1" if raw.meta is not None else "0", raw.meta or ""]
        return self.retrying(lambda: self.scripts.advance(
            keys=[fence_key, self.layout.schedule, raw.key], args=args), "recording a run")

    def rescore(self, scores: Iterable[tuple[str, int]]) -> int:
        """Move existing members to new scores; -1 when the lock is not held."""
        fence_key, token = self.lock.fence()
        args: list = [token]
        for key, score in scores:
            args += [score, key]
        if len(args) == 1:
            return 0
        return self.retrying(lambda: self.scripts.rescore(
            keys=[fence_key, self.layout.schedule], args=args), "re-scoring entries")

    def drop_vanished(self, key: str) -> int:
        fence_key, token = self.lock.fence()
        return self.retrying(lambda: self.scripts.drop_vanished(
            keys=[fence_key, self.layout.schedule, key], args=[token]), "dropping a vanished entry")

    def sync_static(self, name: str, definition: str, fresh_meta: str, fresh_score: int,
                    raw: RawEntry, kept_score: int, replace_meta: bool, record: bool) -> int:
        fence_key, token = self.lock.fence()
        key = self.layout.entry(name)
        args = [token, name, definition, fresh_meta, fresh_score, "1" if raw.meta is not None else "0",
                raw.meta or "", kept_score, "1" if replace_meta else "0",
                "1" if record else "0"]
        return self.retrying(lambda: self.scripts.sync_static(
            keys=[fence_key, self.layout.schedule, key, self.layout.statics], args=args),
            "syncing beat_schedule")

    def remove_static(self, name: str) -> int:
        fence_key, token = self.lock.fence()
        return self.retrying(lambda: self.scripts.remove_static(
            keys=[fence_key, self.layout.schedule, self.layout.entry(name), self.layout.statics],
            args=[token, name]), "removing a former beat_schedule entry")
