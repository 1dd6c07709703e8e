"""RedBeatClient: every read and write of a RedBeat schedule. The operations are sans-I/O flows
(operations.py) that the store (store.py, the only module talking to Redis) runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

from . import arguments, operations, store
from .datetimes import UTC, as_tzinfo, aware
from .entry import Entry
from .errors import CorruptEntry, RedBeatError, ValidationError
from .keys import DEFAULT_PREFIX, KeyLayout
from .protocol import Stored

log = logging.getLogger("redbeat_sdk")

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


class RedBeatClient:
    """Reads and writes RedBeat entries in one Redis.

    `timezone` is the Celery `timezone` of the beat that runs the entries (crontab is evaluated in it);
    `clock` returns "now" (aware) and is frozen by tests and the conformance suite.
    """

    def __init__(
        self,
        redis_client: Any,
        key_prefix: str = DEFAULT_PREFIX,
        timezone: str | tzinfo = "UTC",
        clock: Clock | None = None,
        lock_key: str | None = None,
        batch_size: int = 500,
    ):
        if not isinstance(key_prefix, str):
            raise ValidationError("key_prefix", f"must be a string, not {key_prefix!r}")
        self.redis = redis_client
        self.keys = KeyLayout(key_prefix, arguments.optional_str(lock_key, "lock_key"))
        self.timezone = as_tzinfo(timezone, "timezone")
        self.clock = arguments.optional_callable(clock, "clock") or _system_clock
        self.batch_size = arguments.positive_int(batch_size, "batch_size")
        if store.is_cluster(redis_client):
            self.keys.require_single_slot()
        self.store = store.Store(redis_client, self.keys)

    @classmethod
    def from_url(
        cls,
        url: str,
        key_prefix: str = DEFAULT_PREFIX,
        timezone: str | tzinfo = "UTC",
        clock: Clock | None = None,
        lock_key: str | None = None,
        **redis_options: Any,
    ) -> RedBeatClient:
        """A client on `url` (redis://, rediss://, unix://); extra options go to redis-py.

        `redis-cluster://host:port` (or `rediss-cluster://` for TLS) names one node of a Redis Cluster;
        the key prefix must then carry a hash tag, such as `{redbeat}:`. For Sentinel, pass
        `Sentinel(...).master_for(name)` to the constructor. Any other URL is an InvalidUrlError
        (a ValidationError with path `url`) naming the scheme and the accepted ones."""
        client = store.connect(url, **redis_options)
        try:
            return cls(client, key_prefix=key_prefix, timezone=timezone, clock=clock, lock_key=lock_key)
        except RedBeatError:  # an untagged prefix on a cluster: do not leave its connections behind
            client.close()
            raise

    def now(self) -> datetime:
        return aware(self.clock())

    # -- writes ---------------------------------------------------------------------------------------

    def save(self, entry: Entry) -> Entry:
        """Upsert atomically: the definition always, meta and score as described in schema/README.md."""
        return self.store.drive(operations.save(self.keys, self._save_call(), [arguments.entry(entry)], 1))[0]

    def save_many(self, entries: Iterable[Entry], *, run_state: bool = False) -> list[Entry]:
        """Save many entries, pipelined in batches; each entry is atomic. Every entry is validated and
        encoded before anything is sent, so one bad entry writes nothing; its ValidationError path starts
        with its index in `entries` (`[3].name`).

        `run_state=True` (an import from another scheduler): an entry saved for the first time gets the
        run state it carries, `last_run_at` (None: never ran, due at once) and `total_run_count`, scored
        from it; an entry already in Redis keeps its stored run state either way."""
        if not isinstance(run_state, bool):
            raise ValidationError("run_state", f"must be true or false, not {run_state!r}")
        flow = operations.save(
            self.keys, self._save_call(run_state), arguments.entries(entries), self.batch_size, indexed=True
        )
        return self.store.drive(flow)

    def _save_call(self, run_state: bool = False) -> operations.SaveCall:
        return operations.SaveCall(self.now(), self.timezone, self.clock, run_state)

    def delete(self, name: str) -> bool:
        """Remove the entry's hash and its schedule member together; False when neither existed."""
        return self.store.drive(operations.delete(self.keys, self.keys.entry(name)))

    def disable(self, name: str) -> None:
        """Set `enabled` to false; nothing else changes."""
        self._change(name, operations.enabled_change(name, False, self.now(), self.timezone))

    def enable(self, name: str) -> None:
        """Set `enabled` to true and score the entry from its stored last run."""
        self._change(name, operations.enabled_change(name, True, self.now(), self.timezone))

    def run_now(self, name: str) -> None:
        """Make the entry due at the next tick: meta last_run_at null (run count kept), score now."""
        self._change(name, operations.run_now_change(self.now()))

    def _change(self, name: str, compute: Callable[[Stored], operations.Change]) -> None:
        self.store.drive(operations.change(self.keys, name, compute))

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, name: str) -> Entry:
        """The entry with its run state; EntryNotFound when there is no definition."""
        return self.store.drive(operations.get(self.keys, name, self.timezone, self.clock))

    def list(self, on_error: Callable[[CorruptEntry], None] | None = None) -> Iterator[Entry]:
        """Every entry in schedule order, walking the schedule sorted set in batches (never KEYS).
        A corrupt or missing hash is passed to `on_error` (default: logged) and skipped."""
        report = on_error or (lambda problem: log.warning("skipping %s", problem))
        for stored in self.store.walk(self.batch_size):
            entry = operations.listed(stored, self.keys, self.timezone, self.clock, report)
            if entry is not None:
                yield entry
