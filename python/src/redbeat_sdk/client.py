"""RedBeatClient: every read and write of a RedBeat schedule, synchronously. Its calls are checked and
turned into sans-I/O flows by `core.ClientCore` (shared with the asyncio client) and run by the store
(store.py, redis-py)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType

from . import store
from .core import ClientCore, OnError
from .entry import Entry
from .history import HistoryRecord


class RedBeatClient(ClientCore[store.Store]):
    """Reads and writes RedBeat entries in one Redis with redis-py. The constructor and `from_url` (with
    their arguments) are `ClientCore`'s, shared with `redbeat_sdk.asyncio.AsyncRedBeatClient`."""

    _store_type = store.Store

    # -- writes ---------------------------------------------------------------------------------------

    def save(self, entry: Entry, *, if_version: str | None = None) -> Entry:
        """Upsert atomically: the definition always, meta and score as described in schema/README.md.

        With `if_version` (the `version` of an entry read earlier) it is written only while the stored
        definition is still that one, compared and written in one step: VersionConflict otherwise (the
        entry was edited, enabled, disabled or deleted since), with nothing written. The returned
        entry's `version` is the new one."""
        return self.store.drive(self._save_one(entry, if_version))

    def create(self, entry: Entry) -> Entry:
        """Save an entry only if none of that name exists (compared and written in one step):
        VersionConflict otherwise, with nothing written."""
        return self.store.drive(self._create(entry))

    def save_many(self, entries: Iterable[Entry], *, run_state: bool = False) -> list[Entry]:
        """Save many entries, pipelined in batches; each entry is atomic. Every entry is validated and
        encoded before anything is sent, so one bad entry writes nothing; its ValidationError path starts
        with its index in `entries` (`[3].name`).

        `run_state=True` (an import from another scheduler): an entry saved for the first time gets the
        run state it carries, `last_run_at` (None: never ran, due at once) and `total_run_count`, scored
        from it; an entry already in Redis keeps its stored run state either way."""
        return self.store.drive(self._save_many(entries, run_state))

    def delete(self, name: str) -> bool:
        """Remove the entry's hash and its schedule member together; False when neither existed."""
        return self.store.drive(self._delete(name))

    def disable(self, name: str) -> None:
        """Set `enabled` to false; nothing else changes."""
        self.store.drive(self._set_enabled(name, False))

    def enable(self, name: str) -> None:
        """Set `enabled` to true and score the entry from its stored last run."""
        self.store.drive(self._set_enabled(name, True))

    def run_now(self, name: str) -> None:
        """Make the entry due at the next tick: meta last_run_at null (run count kept), score now."""
        self.store.drive(self._run_now(name))

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, name: str) -> Entry:
        """The entry with its run state; EntryNotFound when there is no definition."""
        return self.store.drive(self._get(name))

    def list(
        self, on_error: OnError | None = None, labels: Mapping[str, str] | None = None
    ) -> Iterator[Entry]:
        """Every entry in schedule order, walking the schedule sorted set in batches (never KEYS).
        A corrupt or missing hash is passed to `on_error` (default: logged) and skipped.

        `labels`: only the entries carrying every one of these labels, found through the label index
        (one round trip for the index, then only those entries are loaded)."""
        if labels is not None:
            yield from self.store.drive(self._labelled(labels, on_error))
            return
        for page in self._pages(on_error):
            yield from self.store.drive(page)

    def history(self, name: str, limit: int | None = None) -> builtins.list[HistoryRecord]:
        """The entry's recent runs, newest first, as redbeat-scheduler recorded them (at most `limit`;
        the scheduler keeps `redbeat_history_length` per entry). [] when there are none. A record that
        cannot be read raises CorruptEntry naming the history key."""
        return self.store.drive(self._history(name, limit))

    # -- the connection -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the redis-py client `from_url` made (one passed to the constructor is the caller's)."""
        if self._owns_redis:
            self.redis.close()

    def __enter__(self) -> RedBeatClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
