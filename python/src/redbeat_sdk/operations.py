"""The client's operations without I/O: each is a generator (a flow) that yields the commands of one
round trip, is sent their replies and returns its result (flow.py). `store.Store.drive` runs a flow with
redis-py, `asyncio.store.AsyncStore.drive` the same flows with redis.asyncio, so every rule (what is
compared, what is kept, when to retry) is written once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from . import codec, protocol
from .datetimes import UTC, aware, epoch_seconds
from .entry import Entry
from .errors import ConflictError, CorruptEntry, EntryNotFound, ValidationError, VersionConflict
from .flow import Flow
from .keys import KeyLayout
from .next_run import never_matches
from .protocol import Stored
from .runs import Rules
from .score import score_for
from .validation import check_json_value

log = logging.getLogger("redbeat_sdk")

# How often a write that checks what it read is tried before ConflictError (the same in every client).
MAX_ATTEMPTS = 10
# How many entries share one call of the save script: its cost per call is paid once per group.
SAVE_GROUP = 64


# -- reads ------------------------------------------------------------------------------------------------


def load(keys: KeyLayout, key: str) -> Flow[Stored]:
    """One entry as stored (its fields None when there is no hash)."""
    (reply,) = yield [protocol.load(keys, [key])]
    return protocol.loaded([key], reply)[0]


def get(keys: KeyLayout, name: str, tz: tzinfo, clock: Callable[[], datetime]) -> Flow[Entry]:
    """The entry with its run state; EntryNotFound when there is no definition."""
    key = keys.entry(name)
    stored: Stored = yield from load(keys, key)
    if not stored.definition:
        raise EntryNotFound(name, key)
    return read(stored, name, tz, clock)


def version_of(definition: str | bytes | None) -> str | None:
    """The version of a stored definition: a digest of its bytes (None when there is none). Any change
    of the definition (an edit, enable, disable) changes it; a run (meta, score) does not."""
    if not definition:
        return None
    data = definition.encode() if isinstance(definition, str) else definition
    return hashlib.sha256(data).hexdigest()[:20]


def read(stored: Stored, name: str, tz: tzinfo, clock: Callable[[], datetime]) -> Entry:
    """The entry a stored hash holds (CorruptEntry when upstream would crash on it or drop it)."""
    entry = codec.decode_entry(
        stored.key, name, stored.definition, stored.meta, stored.score, stored.extensions
    )
    return entry.with_state(
        entry.last_run_at, entry.total_run_count, entry.score, tz, clock, version_of(stored.definition)
    )


def listed(
    stored: Stored,
    keys: KeyLayout,
    tz: tzinfo,
    clock: Callable[[], datetime],
    report: Callable[[CorruptEntry], None],
) -> Entry | None:
    """A schedule member as `list` yields it, or None when it is corrupt or missing (passed to `report`)."""
    try:
        return read(stored, keys.name_of(stored.key), tz, clock)
    except (CorruptEntry, ValueError) as problem:
        report(problem if isinstance(problem, CorruptEntry) else CorruptEntry(stored.key, str(problem)))
        return None


def load_page(keys: KeyLayout, start: int, count: int) -> Flow[list[Stored]]:
    """Up to `count` schedule members from rank `start`, each with its hash and score; [] past the end.
    A member outside the prefix (not an entry of ours) comes without fields: on Cluster it would sit
    in another slot."""
    (reply,) = yield [protocol.page(keys, start, count)]
    return (yield from _load_members(keys, protocol.members(reply)))


def counted_page(
    keys: KeyLayout, start: int, count: int, reverse: bool = False
) -> Flow[tuple[int, list[Stored]]]:
    """The schedule's size and one page of it (as `load_page`; highest score first with `reverse`):
    two round trips whatever the schedule's size, the way a dashboard pages through it."""
    reply, total = yield [protocol.page(keys, start, count, reverse), protocol.size(keys)]
    return int(total), (yield from _load_members(keys, protocol.members(reply)))


def size(keys: KeyLayout) -> Flow[int]:
    """How many members the schedule has."""
    (reply,) = yield [protocol.size(keys)]
    return int(reply)


def _load_members(keys: KeyLayout, members: list[str]) -> Flow[list[Stored]]:
    own = [key for key in members if key.startswith(keys.prefix)]
    rows = {}
    if own:
        (reply,) = yield [protocol.load(keys, own)]
        rows = {row.key: row for row in protocol.loaded(own, reply)}
    return [rows.get(key) or Stored(key, None, None) for key in members]


def load_keys(keys: KeyLayout, entry_keys: list[str], batch: int) -> Flow[list[Stored]]:
    """The entries under `entry_keys` as stored, `batch` per script call, in one round trip."""
    chunks = [entry_keys[i : i + batch] for i in range(0, len(entry_keys), batch)]
    if not chunks:
        return []
    replies = yield [protocol.load(keys, chunk) for chunk in chunks]
    return [
        row for chunk, reply in zip(chunks, replies, strict=True) for row in protocol.loaded(chunk, reply)
    ]


class Pages:
    """The whole schedule, a flow a page (`load_page`): iterate, and run each flow before taking the next,
    which starts where that one ended; the last is the first to come back empty."""

    def __init__(self, keys: KeyLayout, count: int):
        self.keys, self.count = keys, count
        self.start, self.ended = 0, False

    def __iter__(self) -> Iterator[Flow[list[Stored]]]:
        while not self.ended:
            yield self._page()

    def _page(self) -> Flow[list[Stored]]:
        rows = yield from load_page(self.keys, self.start, self.count)
        self.start += len(rows)
        self.ended = not rows
        return rows


def entries(page: Flow[list[Stored]], read: Callable[[Stored], Entry | None]) -> Flow[list[Entry]]:
    """A page's entries as `list` yields them: each row `read`, those it leaves out (None) skipped."""
    rows = yield from page
    return [entry for entry in map(read, rows) if entry is not None]


# -- save -------------------------------------------------------------------------------------------------


class SaveCall:
    """What all entries of one save call share: the time, the first-save meta and first-save scores."""

    def __init__(self, now: datetime, tz: tzinfo, clock: Callable[[], datetime], run_state: bool = False):
        self.now = now
        self.tz = tz
        self.clock = clock  # given to the entries returned
        # a first save writes each entry's own run state (an import), not {"last_run_at": now}
        self.run_state = run_state
        self.first_meta = codec.encode_meta(now.astimezone(UTC))
        self._first_scores: dict[Any, int] = {}

    def first_score(self, schedule: Any, wire: dict[str, Any], rules: Rules) -> int:
        if not rules.plain:  # its own zone, window or jitter: scored on its own
            return score_for(wire, self.now, self.now, self.tz, rules)
        # many entries of one call usually share a schedule: score each distinct one once
        try:
            return self._first_scores[schedule]
        except KeyError:
            score = self._first_scores[schedule] = score_for(wire, self.now, self.now, self.tz)
            return score
        except TypeError:  # list-valued fields: not hashable
            return score_for(wire, self.now, self.now, self.tz)


class Pending:
    """One entry on its way into Redis: encoded once, scored again only if its stored meta changes."""

    __slots__ = (
        "call",
        "definition",
        "entry",
        "expected",
        "extensions",
        "first_meta",
        "first_score",
        "key",
        "rules",
        "schedule",
        "score",
    )

    def __init__(self, call: SaveCall, keys: KeyLayout, entry: Entry):
        keys.check_name(entry.name)
        wire = codec.definition_wire(entry, call.now, call.tz)
        never = never_matches(wire["schedule"]) if wire["schedule"]["__type__"] == "rrule" else None
        if never:  # a beat would search it up to year 9999 (next_run.never_matches)
            raise ValidationError(f"schedule.{never[0]}", never[1])
        try:  # entries were validated when built; only task data mutated since then can fail here
            self.definition = codec.encode_definition(wire)
        except (TypeError, ValueError) as exc:
            for name in ("args", "kwargs", "options"):  # name the value that changed
                check_json_value(getattr(entry, name), name)
            raise ValidationError("definition", str(exc)) from None
        self.extensions = codec.encode_extensions(entry, call.tz)
        self.rules = entry.rules(call.tz)
        self.entry = entry
        self.key = keys.entry(entry.name)
        self.schedule = wire["schedule"]
        self.call = call
        if call.run_state:
            last = _run_state_time(entry.last_run_at, call.tz)
            count = entry.total_run_count
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValidationError("total_run_count", f"must be an integer >= 0, not {count!r}")
            self.first_meta = codec.encode_meta(last, count or None)
            self.first_score = score_for(self.schedule, last, call.now, call.tz, self.rules)
        else:
            self.first_meta = call.first_meta
            self.first_score = call.first_score(entry.schedule, self.schedule, self.rules)
        # the stored meta this entry was scored from (bytes when not UTF-8); None: a first save
        self.expected: str | bytes | None = None
        self.score = self.first_score

    def args(self) -> protocol.Save:
        return protocol.Save(
            self.key,
            self.definition,
            self.first_meta,
            self.first_score,
            self.expected,
            self.score,
            self.extensions,
        )

    def rescore(self, stored_meta: str | bytes) -> None:
        self.expected = stored_meta
        try:
            last, _ = codec.decode_meta(self.key, stored_meta)
        except CorruptEntry as exc:
            # like upstream's HSETNX the stored meta stays; due now lets beat deal with it
            log.warning("re-saving %s over unreadable meta (%s): scored now", self.key, exc.reason)
            last = None
        self.score = score_for(self.schedule, last, self.call.now, self.call.tz, self.rules)

    def saved(self) -> Entry:
        """The entry as saved, with the run state it has in Redis now."""
        call = self.call
        if self.expected is None:
            if call.run_state:
                entry = self.entry
                return entry.with_state(
                    entry.last_run_at, entry.total_run_count, self.score, call.tz, call.clock, self.version
                )
            return self.entry.with_state(call.now, 0, self.score, call.tz, call.clock, self.version)
        try:
            last, total = codec.decode_meta(self.key, self.expected)
        except CorruptEntry:
            last, total = None, 0
        return self.entry.with_state(last, total, self.score, call.tz, call.clock, self.version)

    @property
    def version(self) -> str | None:
        return version_of(self.definition)


def _run_state_time(value: Any, tz: tzinfo) -> datetime | None:
    """An entry's own last_run_at for an import's first save: aware (naive is in the beat's zone), UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError("last_run_at", f"must be a datetime or None, not {value!r}")
    return aware(value, tz).astimezone(UTC)


def save(
    keys: KeyLayout, call: SaveCall, entries: list[Entry], batch_size: int, indexed: bool = False
) -> Flow[list[Entry]]:
    """Save every entry, `batch_size` per round trip, and return them with their run state. Every entry
    is encoded before anything is sent (ValidationError, its path starting with the entry's index when
    `indexed`). An entry whose stored meta is not the one it was scored from is scored from the stored
    one and sent again (ConflictError after MAX_ATTEMPTS)."""
    pending = []
    for index, entry in enumerate(entries):
        try:
            pending.append(Pending(call, keys, entry))
        except ValidationError as exc:
            raise (exc.at(f"[{index}]") if indexed else exc) from None
    for start in range(0, len(pending), batch_size):
        todo = pending[start : start + batch_size]
        for _ in range(MAX_ATTEMPTS):
            groups = [todo[i : i + SAVE_GROUP] for i in range(0, len(todo), SAVE_GROUP)]
            replies = yield [protocol.save(keys, [p.args() for p in group]) for group in groups]
            conflicts = []
            results = (meta for reply in replies for meta in protocol.saved(reply))
            for p, stored_meta in zip(todo, results, strict=True):
                if stored_meta is not None:
                    p.rescore(stored_meta)
                    conflicts.append(p)
            todo = conflicts
            if not todo:
                break
        if todo:
            raise ConflictError(todo[0].key)
    return [p.saved() for p in pending]


def save_if(keys: KeyLayout, call: SaveCall, entry: Entry, version: str | None) -> Flow[Entry]:
    """Save one entry only while its stored definition has `version` (None: only while there is no
    entry), compared and written in one step (lua/update.lua compares the definition and meta read);
    VersionConflict otherwise, with nothing written. The run state is kept as `save` keeps it: a run
    recorded meanwhile changes only the meta, so the entry is scored from the new meta and sent again."""
    pending = Pending(call, keys, entry)
    stored: Stored = yield from load(keys, pending.key)
    for _ in range(MAX_ATTEMPTS):
        found = version_of(stored.definition)
        if found != version:
            raise VersionConflict(pending.key, version, found)
        first_meta = None
        if stored.meta is None:  # a first save: the first-save meta, scored from it
            pending.expected, pending.score, first_meta = None, pending.first_score, call.first_meta
        else:
            pending.rescore(stored.meta)
        extensions = pending.extensions or protocol.NO_EXTENSIONS
        update = protocol.update(keys, stored, pending.definition, first_meta, pending.score, extensions)
        (reply,) = yield [update]
        now = protocol.updated(stored, reply)
        if now is None:
            return pending.saved()
        stored = now
    raise ConflictError(pending.key)


# -- compare-and-write: enable, disable, run_now ----------------------------------------------------------


class Change(NamedTuple):
    """What to write over an entry as read: a new definition, meta or score (None: leave it)."""

    definition: str | None = None
    meta: str | None = None
    score: int | None = None


def change(keys: KeyLayout, name: str, compute: Callable[[Stored], Change]) -> Flow[None]:
    """Read the entry, compute the change from it and write it if the entry still holds what was read;
    else compute it again from what it holds now. EntryNotFound when there is no definition."""
    key = keys.entry(name)
    stored: Stored = yield from load(keys, key)
    for _ in range(MAX_ATTEMPTS):
        if not stored.definition:
            raise EntryNotFound(name, key)
        c = compute(stored)
        (reply,) = yield [protocol.update(keys, stored, c.definition, c.meta, c.score)]
        now = protocol.updated(stored, reply)
        if now is None:
            return
        stored = now
    raise ConflictError(key)


def enabled_change(name: str, enabled: bool, now: datetime, tz: tzinfo) -> Callable[[Stored], Change]:
    """`enabled` set in the stored definition, every other byte kept; enabling also scores the entry
    from its stored last run."""

    def compute(stored: Stored) -> Change:
        assert stored.definition is not None
        try:
            definition = json.loads(stored.definition)
        except (ValueError, RecursionError) as exc:
            raise CorruptEntry(stored.key, f"definition: invalid JSON ({exc})") from None
        if not isinstance(definition, dict):
            raise CorruptEntry(stored.key, "definition is not a JSON object")
        definition["enabled"] = enabled  # edit the stored JSON in place
        score = None
        if enabled:
            entry = codec.decode_entry(
                stored.key, name, stored.definition, stored.meta, None, stored.extensions
            )
            score = score_for(entry.schedule_wire(now, tz), entry.last_run_at, now, tz, entry.rules(tz))
        return Change(definition=json.dumps(definition), score=score)

    return compute


def run_now_change(now: datetime) -> Callable[[Stored], Change]:
    """meta last_run_at null (the run count kept), score now: the next tick runs it."""

    def compute(stored: Stored) -> Change:
        return Change(meta=codec.encode_meta(None, _stored_run_count(stored.meta)), score=epoch_seconds(now))

    return compute


def _stored_run_count(raw_meta: str | bytes | None) -> int | None:
    """The stored total_run_count, or None when meta has none (it stays absent) or is unreadable."""
    try:
        meta = json.loads(raw_meta) if raw_meta else None
    except (ValueError, RecursionError):
        return None
    count = meta.get("total_run_count") if isinstance(meta, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


# -- delete -----------------------------------------------------------------------------------------------


def fields(key: str) -> Flow[dict[str, str]]:
    """Every field of an entry hash as stored, for people to read ({} when there is no hash)."""
    (reply,) = yield [protocol.fields(key)]
    return protocol.field_map(reply)


def delete(keys: KeyLayout, key: str) -> Flow[bool]:
    (reply,) = yield [protocol.delete(keys, key)]
    return protocol.deleted(reply)


# -- extensions: labels and history ------------------------------------------------------------------------


def labelled_keys(keys: KeyLayout, labels: Mapping[str, str | None]) -> Flow[set[str]]:
    """The entry keys the label index lists under every one of `labels` (None: the label with any value),
    in one round trip. The index can list an entry whose labels changed without it (a writer without the
    profile): readers check the labels of what they load."""
    pairs = sorted(labels.items())
    replies = yield [protocol.labelled(keys, k, v) for k, v in pairs]
    found = [set(protocol.label_members(reply)) for reply in replies]
    return set.intersection(*found) if found else set()


def labelled(keys: KeyLayout, labels: Mapping[str, str | None], batch: int) -> Flow[list[Stored]]:
    """The entries the label index lists under every one of `labels`, as stored, in schedule order (by
    score, then key): two round trips. Members the schedule no longer holds and hashes without a
    definition are left out; whether each still carries the labels is for the reader to check."""
    found = sorted((yield from labelled_keys(keys, labels)))
    rows = yield from load_keys(keys, found, batch)
    return sorted((r for r in rows if r.score is not None and r.definition), key=lambda r: (r.score, r.key))


def any_labelled(keys: KeyLayout) -> Flow[bool]:
    """Whether any entry is in the label index (carries labels)."""
    (reply,) = yield [protocol.any_labelled(keys)]
    return bool(reply)


def history(keys: KeyLayout, name: str, limit: int) -> Flow[list[Any]]:
    """The entry's history records as stored (JSON text, newest first)."""
    keys.check_name(name)
    (reply,) = yield [protocol.history(keys, name, limit)]
    return [protocol.field(item) for item in reply]
