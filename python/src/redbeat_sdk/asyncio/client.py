"""AsyncRedBeatClient: `RedBeatClient`'s calls with `await`, on redis.asyncio. Both are `core.ClientCore`:
the same constructor, checks and flows; only the store running the flows differs (asyncio/store.py)."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType

from ..core import ClientCore, OnError
from ..entry import Entry
from ..history import HistoryRecord
from . import store


class AsyncRedBeatClient(ClientCore[store.AsyncStore]):
    """`RedBeatClient` for asyncio: the same constructor, `from_url` (no I/O until the first call), models,
    validation and errors; every call is awaited, `list` is an async iterator. Give the constructor a
    redis.asyncio client (`Redis`, a Sentinel `master_for(...)` client, `RedisCluster`)."""

    _store_type = store.AsyncStore

    # -- writes: RedBeatClient's, awaited ---------------------------------------------------------------

    async def save(self, entry: Entry, *, if_version: str | None = None) -> Entry:
        """Upsert atomically; with `if_version`, only over that stored definition (`RedBeatClient.save`)."""
        return await self.store.drive(self._save_one(entry, if_version))

    async def create(self, entry: Entry) -> Entry:
        """Save an entry only if none of that name exists (`RedBeatClient.create`)."""
        return await self.store.drive(self._create(entry))

    async def save_many(self, entries: Iterable[Entry], *, run_state: bool = False) -> list[Entry]:
        """Save many entries, pipelined in batches, each atomic, all validated first; `run_state` as in
        `RedBeatClient.save_many`."""
        return await self.store.drive(self._save_many(entries, run_state))

    async def delete(self, name: str) -> bool:
        """Remove the entry's hash and schedule member together; False when neither existed."""
        return await self.store.drive(self._delete(name))

    async def disable(self, name: str) -> None:
        """Set `enabled` to false; nothing else changes."""
        await self.store.drive(self._set_enabled(name, False))

    async def enable(self, name: str) -> None:
        """Set `enabled` to true and score the entry from its stored last run."""
        await self.store.drive(self._set_enabled(name, True))

    async def run_now(self, name: str) -> None:
        """Make the entry due at the next tick (`RedBeatClient.run_now`)."""
        await self.store.drive(self._run_now(name))

    # -- reads ----------------------------------------------------------------------------------------

    async def get(self, name: str) -> Entry:
        """The entry with its run state; EntryNotFound when there is no definition."""
        return await self.store.drive(self._get(name))

    async def list(
        self, on_error: OnError | None = None, labels: Mapping[str, str] | None = None
    ) -> AsyncIterator[Entry]:
        """Every entry in schedule order, a page a round trip: `async for entry in client.list()`. A corrupt
        or missing hash is passed to `on_error` (default: logged) and skipped. `labels`: only the entries
        with every one of these labels, through the label index (`RedBeatClient.list`)."""
        if labels is not None:
            for entry in await self.store.drive(self._labelled(labels, on_error)):
                yield entry
            return
        for page in self._pages(on_error):
            for entry in await self.store.drive(page):
                yield entry

    async def history(self, name: str, limit: int | None = None) -> builtins.list[HistoryRecord]:
        """The entry's recent runs, newest first (`RedBeatClient.history`)."""
        return await self.store.drive(self._history(name, limit))

    # -- the connection -------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the redis.asyncio client `from_url` made (one passed to the constructor is the caller's)."""
        if self._owns_redis:
            await self.redis.aclose()

    async def __aenter__(self) -> AsyncRedBeatClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()
