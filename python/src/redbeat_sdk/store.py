"""The synchronous store: sends what the flows yield with redis-py. asyncio/store.py is the same with
redis.asyncio and `await`; what both share about redis-py (errors, replies, URLs) is in redispy.py, and
every rule about what to send and how to read the replies in `protocol`, `operations` and `flow`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import redis
import redis.exceptions
from redis.cluster import RedisCluster

from . import operations, protocol, redispy
from .flow import NOSCRIPT, Flow, Run, one_batch
from .redispy import redis_errors, replies
from .scripts import DROP_LEFTOVERS, Command

T = TypeVar("T")


class Store(redispy.Connected):
    """The synchronous store (redis-py): runs flows, and the reads of the CLI."""

    plain, cluster = redis.Redis, RedisCluster

    def drive(self, flow: Flow[T]) -> T:
        """Run an operation: each batch of commands it yields in one round trip, its replies sent back."""
        run = Run(flow)
        while not run.done:
            run.send(self._send(run.commands))
        return run.result

    def _send(self, commands: Sequence[Command]) -> list[Any]:
        with redis_errors():
            if len(commands) > 1:
                return replies(redispy.pipeline(self.client, commands).execute(raise_on_error=False))
            try:  # one command (a save, a get): no pipeline, whose upkeep is a good part of a save's time
                return [self.client.execute_command(*commands[0], **redispy.options(commands[0]))]
            except redis.exceptions.NoScriptError:
                return [NOSCRIPT]

    def run(self, commands: list[Command]) -> list[Any]:
        """The replies of `commands`, sent in one round trip."""
        return self.drive(one_batch(commands))

    # -- reads the client and the CLI share -----------------------------------------------------------

    def walk(self, batch: int) -> Iterator[protocol.Stored]:
        """Every member of the schedule with its hash and score, in schedule order, `batch` per page."""
        for page in operations.Pages(self.keys, batch):
            yield from self.drive(page)

    def lock(self) -> tuple[str | None, int]:
        """The lock's token (None when free) and its time to live in ms (negative: none)."""
        token, ttl_ms = self.run(protocol.lock(self.keys))
        return protocol.text(token), int(ttl_ms)

    def statics(self) -> set[str]:
        """The names in the schedule's statics set (the static entries a beat syncs and deletes)."""
        return {protocol.text(name) for name in self.run([("SMEMBERS", self.keys.statics)])[0]}

    def config(self, pattern: str) -> dict[str, Any]:
        """CONFIG GET `pattern` (a RedBeatError where the server refuses CONFIG: managed services)."""
        with redis_errors():
            return dict(self.client.config_get(pattern))

    def cluster_enabled(self) -> bool:
        with redis_errors():
            try:
                return bool(self.client.info("cluster").get("cluster_enabled"))
            except redis.exceptions.ResponseError:
                return False

    def unscheduled_entries(self) -> Iterator[str]:
        """Entry hashes under the prefix (a definition, not the schedule's own keys) that the schedule
        does not list: SCAN, so it is slow on a large database, but never blocks it."""
        own = {self.keys.schedule, self.keys.statics, self.keys.lock, self.keys.outbox, self.keys.labels}
        with redis_errors():
            for key in self.client.scan_iter(
                match=_glob_escape(self.keys.prefix) + "*", count=1000, _type="HASH"
            ):
                key = protocol.text(key)
                if key in own:
                    continue
                score, has_definition = self.run(
                    [("ZSCORE", self.keys.schedule, key), ("HEXISTS", key, "definition")]
                )
                if score is None and has_definition:
                    yield key

    # -- the extension profile's keys (doctor) -----------------------------------------------------------

    def history_keys(self) -> Iterator[str]:
        """Every history list under the prefix (SCAN)."""
        with redis_errors():
            pattern = _glob_escape(self.keys.history("")) + "*"
            for key in self.client.scan_iter(match=pattern, count=1000, _type="LIST"):
                yield protocol.text(key)

    def label_members(self, batch: int) -> Iterator[list[str]]:
        """The label index's members, `batch` at a time."""
        start = 0
        while page := self.run([("ZRANGE", self.keys.labels, start, start + batch - 1)])[0]:
            yield [protocol.text(member) for member in page]
            start += len(page)

    def drop_leftovers(self, entry_key: str, history: bool, members: Sequence[str]) -> int:
        """Remove the entry's history (if `history` and the entry has no definition) and those of its label
        index members its extensions do not carry (lua/drop_leftovers.lua): how many were removed."""
        name = self.keys.name_of(entry_key)
        keys = [self.keys.lock, self.keys.labels, entry_key, self.keys.history(name)]
        args = [protocol.UNFENCED, "1" if history else "", *members]
        return int(self.run([DROP_LEFTOVERS.call(keys, args)])[0])


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
