"""Every Redis round trip the scheduler makes, each one retried per `retry_period` and fenced by the lock.

Reads are read-only scripts or plain commands; every write is one Lua script that first checks the lock
token, so a scheduler that is no longer the leader cannot change anything. The tick's reads and writes
are per batch: one script reads a batch of due members, one loads their hashes, one records every
decision about them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from redbeat_sdk import KeyLayout
from redbeat_sdk.protocol import NO_EXTENSIONS, as_read, field

from .connection import Client
from .link import Command
from .lock import FencedLock, LockState
from .retry import RETRYABLE, Retrying
from .scripts import Scripts

# Results of the fenced scripts (see lua/record.lua and friends at the repository root).
WRITTEN = 1
LOCK_NOT_HELD = 0
HASH_GONE = -1
META_CHANGED = -2  # the entry changed since it was read (its meta, or for a run also its definition)
DELETED = -3  # hash and schedule member both gone: deleted by a client since it was read
HASH_BACK = 2


class RawEntry(NamedTuple):
    """An entry hash as stored: its fields, JSON not yet decoded. A field that is not UTF-8 stays bytes
    (the reader reports the entry). `exists` is False when the hash is gone; `extensions` is the
    extension profile's field (None: absent)."""

    key: str
    definition: str | bytes | None
    meta: str | bytes | None
    exists: bool = True
    extensions: str | bytes | None = None

    @property
    def fingerprint(self) -> tuple[str | bytes | None, ...]:
        return self.definition, self.meta, self.extensions


@dataclass(frozen=True)
class Candidates:
    due: list[tuple[str, float]]  # (member, score) with 0 <= score <= now, in schedule order, from the offset
    more_due: bool  # the batch was cut short; more members are due after it
    next_score: float | None  # the first score after now, if any
    backlog: int  # members due in all (0 <= score <= now), this batch included; without
    # counting, those read (a lower bound)


class Run(NamedTuple):
    """A decision to record: a run ('F': new meta, compared with what was read) or a new score ('R').
    `delete`: a one-off to delete in the same step (extension profile)."""

    kind: str
    raw: RawEntry
    score: int
    meta: str = ""
    delete: bool = False


class Push(NamedTuple):
    """How a run recorded reaches the broker: its outbox field (the caller publishes it and removes the
    field), or commands the record script runs itself (('L', list, payload) LPUSH, ('E', list, ms)
    PEXPIRE, the keys as the broker knows them): queued if and only if recorded."""

    outbox_field: str = ""
    commands: Sequence[tuple[str, str, str]] = ()


class History(NamedTuple):
    """What the record script appends to the history lists: each run's record by its index among the
    decisions, and how many records a list keeps (0: none)."""

    records: Mapping[int, str]
    length: int


_NO_HISTORY = History({}, 0)


class Recorded(NamedTuple):
    results: list[int]  # one per decision
    outbox_size: int  # runs in the outbox after the script


class OutboxFull(Exception):
    """The record script found no room in the outbox for the batch's runs: nothing was written."""

    def __init__(self, size: int):
        super().__init__(f"the outbox holds {size} runs")
        self.size = size


class PushRefused(Exception):
    """The record script found a broker list it could not push to (its type, the ACL): nothing written."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


_NO_PUSH = Push()


class Store:
    def __init__(
        self, client: Client, layout: KeyLayout, lock: FencedLock, retrying: Retrying, scripts: Scripts
    ) -> None:
        self.client = client
        self.layout = layout  # redbeat_sdk.KeyLayout
        self.lock = lock
        self.retrying = retrying
        self.scripts = scripts
        self.count_backlog = True  # also count every due member (for the metrics' backlog gauge)

    # reads

    def candidates(self, now_ts: int, batch: int, offset: int = 0) -> Candidates:
        """Up to `batch` due members from `offset` on (members before it are known to the caller)."""
        commands = self._candidate_commands(now_ts, batch, offset)
        replies = self.retrying(lambda: self.scripts.link.run_many(commands), "loading the schedule")
        return self._candidates(replies, batch)

    def lock_and_candidates(self, now_ts: int, batch: int, offset: int = 0) -> tuple[LockState, Candidates]:
        """Acquire or extend the lock and read a batch of due members, in one round trip. The batch is
        only to be used if the lock is held."""
        acquire = self.lock.acquire_call()
        commands = self._candidate_commands(now_ts, batch, offset)
        if acquire is not None:
            commands.insert(0, acquire)
        replies = self.retrying(lambda: self.scripts.link.run_many(commands), "loading the schedule")
        state = self.lock.state(replies.pop(0) if acquire is not None else None)
        return state, self._candidates(replies, batch)

    def _candidate_commands(self, now_ts: int, batch: int, offset: int) -> list[Command]:
        """The due members from `offset` (one more than `batch`, to know whether more are due), the first
        score after now (to sleep exactly until it) and how many members are due in all (the backlog).
        Plain reads: a script would cost Redis several times more."""
        schedule = self.layout.schedule
        commands: list[Command] = [
            ("ZRANGEBYSCORE", schedule, 0, now_ts, "WITHSCORES", "LIMIT", offset, batch + 1),
            ("ZRANGEBYSCORE", schedule, f"({now_ts}", "+inf", "WITHSCORES", "LIMIT", 0, 1),
        ]
        if self.count_backlog:
            commands.append(("ZCOUNT", schedule, 0, now_ts))
        return commands

    @staticmethod
    def _candidates(replies: list[Any], batch: int) -> Candidates:
        due, later = replies[0], replies[1]
        if due and isinstance(due[0], (list, tuple)):  # a client that pairs them already (Cluster, RESP3)
            pairs = [(member, float(score)) for member, score in due]
        else:
            pairs = [(due[i], float(due[i + 1])) for i in range(0, len(due), 2)]
        if later and isinstance(later[0], (list, tuple)):
            later = later[0]
        return Candidates(
            due=pairs[:batch],
            more_due=len(pairs) > batch,
            next_score=float(later[1]) if later else None,
            backlog=int(replies[2]) if len(replies) > 2 else len(pairs),
        )

    def load(self, keys: Sequence[str]) -> list[RawEntry]:
        if not keys:
            return []
        keys = list(keys)
        fence_key, _ = self.lock.fence()
        flat = [
            field(v)  # not UTF-8: kept as bytes, the reader reports the entry
            for v in self.retrying(
                lambda: self.scripts.load(
                    keys=[fence_key, self.layout.schedule, *keys], args=["extensions"], raw=True
                ),
                "loading entries",
            )
        ]
        entries = [
            RawEntry(key, flat[4 * i], flat[4 * i + 1], True, flat[4 * i + 3]) for i, key in enumerate(keys)
        ]
        empty = [e.key for e in entries if e.definition is None and e.meta is None and e.extensions is None]
        if empty:  # a hash with none of the fields does not exist; tell those apart from odd hashes
            exists = self.retrying(lambda: self._exists_each(empty), "loading entries")
            gone = {key for key, flag in zip(empty, exists, strict=True) if not flag}
            entries = [e._replace(exists=e.key not in gone) for e in entries]
        return entries

    def _exists_each(self, keys: list[str]) -> list[int]:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.exists(key)
        replies: list[int] = pipe.execute()
        return replies

    def statics(self) -> set[str]:
        members = self.retrying(lambda: self.client.smembers(self.layout.statics), "reading statics")
        return cast("set[str]", members)  # the client decodes responses

    # fenced writes

    def record(
        self,
        runs: Sequence[Run],
        pushes: Mapping[int, Push] | None = None,
        outbox_limit: int = 0,
        history: History | None = None,
    ) -> Recorded | None:
        """Record a batch of decisions in one fenced script, each run with its `pushes[index]` (none: the
        run is recorded only). Returns one result per decision (WRITTEN, HASH_GONE, META_CHANGED or DELETED
        for a run; 1 or 0 for a new score) and the outbox's size, or None when the lock is not held.
        Raises OutboxFull when the outbox has no room for `outbox_limit`, PushRefused when a list cannot be
        pushed to; nothing is written then."""
        if not runs:
            return Recorded([], 0)
        keys, args = self._record_call(runs, pushes or {}, outbox_limit, history or _NO_HISTORY)
        reply = self.retrying(lambda: self.scripts.record(keys=keys, args=args), "recording runs")
        return self._recorded(reply, keys)

    def _record_call(
        self, runs: Sequence[Run], pushes: Mapping[int, Push], outbox_limit: int, history: History
    ) -> tuple[list[str], list[Any]]:
        fence_key, token = self.lock.fence()
        layout = self.layout
        keys = [fence_key, layout.schedule, layout.outbox, layout.labels]
        keys += [run.raw.key for run in runs]
        lists: dict[str, int] = {}
        args: list[Any] = [token, outbox_limit, len(runs)]
        for index, run in enumerate(runs):
            if run.kind != "F":
                args += ("R", run.score)
                continue
            definition, meta = run.raw.definition, run.raw.meta
            if isinstance(definition, bytes) or isinstance(meta, bytes):  # only readable entries run
                raise TypeError(f"{run.raw.key}: a run of an entry that is not UTF-8")
            push = pushes.get(index) or _NO_PUSH
            args += (
                "F",
                run.score,
                run.meta,
                definition,
                "" if meta is None else "=" + meta,
                push.outbox_field,
                len(push.commands),
            )
            for op, key, value in push.commands:
                at = lists.get(key)
                if at is None:
                    keys.append(key)
                    at = lists[key] = len(keys)  # a KEYS index (from 1)
                args += (op, at, value)
            extensions = run.raw.extensions
            if isinstance(extensions, bytes):  # only readable entries run
                raise TypeError(f"{run.raw.key}: a run of an entry that is not UTF-8")
            record = history.records.get(index)
            if (record is not None and history.length) or run.delete:
                keys.append(layout.history(layout.name_of(run.raw.key)))
                at = len(keys)
            else:
                at = 0
            args += (
                "" if extensions is None else "=" + extensions,
                at,
                record or "",
                history.length,
                "1" if run.delete else "",
            )
        return keys, args

    @staticmethod
    def _recorded(reply: Any, keys: list[str]) -> Recorded | None:
        status = reply[0]
        if status == LOCK_NOT_HELD:
            return None
        if status == 2:
            raise OutboxFull(int(reply[1]))
        if status == 3:
            raise PushRefused(keys[int(reply[1]) - 1], str(reply[2]))
        return Recorded(list(reply[2:]), int(reply[1]))

    # the outbox (see dispatch.py)

    def outbox_scan(self, count: int) -> list[tuple[str, str]]:
        """Up to about `count` (field, definition) pairs of the outbox."""
        outbox = self.layout.outbox
        reply = self.retrying(
            lambda: self.scripts.link.run(("HSCAN", outbox, 0, "COUNT", count)), "reading the outbox"
        )
        found = reply[1]
        if isinstance(found, dict):  # a client that parses HSCAN itself (Cluster)
            return list(found.items())
        return [(found[i], found[i + 1]) for i in range(0, len(found), 2)]

    def outbox_done(self, fields: Sequence[str]) -> int:
        """Remove runs the broker has (or that cannot ever be published); returns the outbox's size."""
        if not fields:
            return self.outbox_size()
        outbox = self.layout.outbox
        replies = self.retrying(
            lambda: self.scripts.link.run_many([("HDEL", outbox, *fields), ("HLEN", outbox)]),
            "removing published runs from the outbox",
        )
        return int(replies[1])

    def outbox_done_later(self, fields: Sequence[str], on_size: Callable[[int], None]) -> None:
        """`outbox_done` without waiting for Redis's reply: the removal is sent now (Redis runs it on
        arrival) and `on_size` gets the outbox's size with the next round trip."""
        outbox = self.layout.outbox

        def replies(found: list[Any]) -> None:
            if isinstance(found[-1], int):
                on_size(found[-1])

        try:
            self.scripts.link.post([("HDEL", outbox, *fields), ("HLEN", outbox)], replies)
        except RETRYABLE:
            on_size(self.outbox_done(fields))

    def outbox_size(self) -> int:
        return int(
            self.retrying(lambda: self.scripts.link.run(("HLEN", self.layout.outbox)), "reading the outbox")
        )

    def drop_vanished(self, key: str) -> int:
        fence_key, token = self.lock.fence()
        result: int = self.retrying(
            lambda: self.scripts.drop_vanished(keys=[fence_key, self.layout.schedule, key], args=[token]),
            "dropping a vanished entry",
        )
        return result

    def sync_static(
        self,
        name: str,
        definition: str,
        fresh_meta: str,
        fresh_score: int,
        raw: RawEntry,
        kept_score: int,
        replace_meta: bool,
        record: bool,
        extensions: str | None = None,
    ) -> int:
        """Save one static entry (lua/save.lua, fenced): WRITTEN, LOCK_NOT_HELD, or META_CHANGED when its
        meta is no longer the one read (nothing written). `extensions`: the configured extensions field
        (None: the entry has none, a stored one is removed)."""
        fence_key, token = self.lock.fence()
        args = [
            token,
            definition,
            fresh_meta,
            fresh_score,
            as_read(raw.meta),  # bytes when not UTF-8: compared byte for byte all the same
            kept_score,
            "1" if replace_meta else "",
            name if record else "",
            extensions or NO_EXTENSIONS,
        ]
        layout = self.layout
        keys = [fence_key, layout.schedule, layout.statics, layout.labels, layout.entry(name)]
        result = self.retrying(lambda: self.scripts.save(keys=keys, args=args), "syncing beat_schedule")
        if result == LOCK_NOT_HELD:
            return LOCK_NOT_HELD
        return WRITTEN if result[0] == WRITTEN else META_CHANGED

    def remove_static(self, name: str) -> int:
        """Delete a former static entry and its name among the statics (lua/delete.lua, fenced):
        LOCK_NOT_HELD, else WRITTEN."""
        fence_key, token = self.lock.fence()
        result = self.retrying(
            lambda: self.scripts.delete(
                keys=[
                    fence_key,
                    self.layout.schedule,
                    self.layout.statics,
                    self.layout.entry(name),
                    self.layout.labels,
                    self.layout.history(name),
                ],
                args=[token, name],
            ),
            "removing a former beat_schedule entry",
        )
        return LOCK_NOT_HELD if result == LOCK_NOT_HELD else WRITTEN
