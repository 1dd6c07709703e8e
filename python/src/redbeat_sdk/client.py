"""RedBeatClient: every read and write of a RedBeat schedule, synchronously. Its calls are checked and
turned into sans-I/O flows by `core.ClientCore` (shared with the asyncio client) and run by the store
(store.py, redis-py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType

from . import store
from .core import ClientCore, OnError
from .entry import Entry


class RedBeatClient(ClientCore[store.Store]):
    """Reads and writes RedBeat entries in one Redis with redis-py. The constructor and `from_url` (with
    their arguments) are `ClientCore`'s, shared with `redbeat_sdk.asyncio.AsyncRedBeatClient`."""

    _store_type = store.Store

    # -- writes ---------------------------------------------------------------------------------------

    def save(self, entry: Entry) -> Entry:
        """Upsert atomically: the definition always, meta and score as described in schema/README.md."""
        return self.store.drive(self._save_one(entry))

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

    def list(self, on_error: OnError | None = None) -> Iterator[Entry]:
        """Every entry in schedule order, walking the schedule sorted set in batches (never KEYS).
        A corrupt or missing hash is passed to `on_error` (default: logged) and skipped."""
        for page in self._pages(on_error):
            yield from self.store.drive(page)

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
