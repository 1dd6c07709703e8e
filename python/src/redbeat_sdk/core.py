"""What `RedBeatClient` and `AsyncRedBeatClient` are apart from I/O, written once: the constructor and
`from_url` with their argument checks, and each public call checked and turned into a flow (operations.py).
A client only runs those flows through its store: `store.Store` with redis-py, `asyncio.store.AsyncStore`
with redis.asyncio. A new call is a flow method here plus a one-line method in each client."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any, Generic, TypeVar, cast

from . import arguments, operations
from .datetimes import UTC, as_tzinfo, aware
from .entry import Entry
from .errors import CorruptEntry, RedBeatError, ValidationError
from .flow import Flow
from .history import HistoryRecord, decode_record
from .keys import DEFAULT_PREFIX, KeyLayout
from .protocol import Stored
from .redispy import Connected

log = logging.getLogger("redbeat_sdk")

Clock = Callable[[], datetime]
OnError = Callable[[CorruptEntry], None]
S = TypeVar("S")  # the store: what runs the flows
C = TypeVar("C", bound="ClientCore[Any]")


def _system_clock() -> datetime:
    return datetime.now(UTC)


def _log_skipped(problem: CorruptEntry) -> None:
    log.warning("skipping %s", problem)


class ClientCore(Generic[S]):
    """Reads and writes RedBeat entries in one Redis.

    `redis_client` is a redis-py client of the client's kind (a `Redis`, a Sentinel `master_for(...)`
    client, or a `RedisCluster` with a hash-tagged prefix); `timezone` is the Celery `timezone` of the beat
    that runs the entries (crontab is evaluated in it); `clock` returns "now" (aware) and is frozen by
    tests and the conformance suite; `batch_size` entries go in one round trip of `save_many` and `list`.
    """

    _store_type: type[Connected]  # the client's store: store.Store or asyncio.store.AsyncStore

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
        if self._store_type.is_cluster(redis_client):
            self.keys.require_single_slot()
        self.store = cast(S, self._store_type(redis_client, self.keys))
        self._owns_redis = False  # True when from_url made the redis-py client: closing closes it

    @classmethod
    def from_url(
        cls: type[C],
        url: str,
        key_prefix: str = DEFAULT_PREFIX,
        timezone: str | tzinfo = "UTC",
        clock: Clock | None = None,
        lock_key: str | None = None,
        **redis_options: Any,
    ) -> C:
        """A client on `url` (redis://, rediss://, unix://); extra options go to redis-py.

        `redis-cluster://host:port` (or `rediss-cluster://` for TLS) names one node of a Redis Cluster;
        the key prefix must then carry a hash tag, such as `{redbeat}:`. For Sentinel, pass
        `Sentinel(...).master_for(name)` to the constructor. Any other URL is an InvalidUrlError
        (a ValidationError with path `url`) naming the scheme and the accepted ones."""
        redis_client = cls._store_type.connect(url, **redis_options)
        try:
            client = cls(
                redis_client, key_prefix=key_prefix, timezone=timezone, clock=clock, lock_key=lock_key
            )
        except RedBeatError:  # an untagged prefix on a cluster: do not leave its connections behind
            cls._store_type.abandon(redis_client)
            raise
        client._owns_redis = True
        return client

    def now(self) -> datetime:
        return aware(self.clock())

    # -- each call as a flow -----------------------------------------------------------------------------

    def _save_flow(
        self, entries: list[Entry], indexed: bool = False, run_state: bool = False
    ) -> Flow[list[Entry]]:
        call = operations.SaveCall(self.now(), self.timezone, self.clock, run_state)
        batch = self.batch_size if indexed else 1
        return operations.save(self.keys, call, entries, batch, indexed=indexed)

    def _save_one(self, entry: Entry, if_version: str | None = None) -> Flow[Entry]:
        entry = arguments.entry(entry)
        if if_version is not None:
            version = arguments.optional_str(if_version, "if_version")
            return (yield from self._save_if(entry, version))
        saved = yield from self._save_flow([entry])
        return saved[0]

    def _save_if(self, entry: Entry, version: str | None) -> Flow[Entry]:
        """`save(entry, if_version=version)`, and `create` with None (only while there is no entry)."""
        call = operations.SaveCall(self.now(), self.timezone, self.clock)
        return operations.save_if(self.keys, call, entry, version)

    def _create(self, entry: Entry) -> Flow[Entry]:
        return self._save_if(arguments.entry(entry), None)

    def _save_many(self, entries: Iterable[Entry], run_state: bool = False) -> Flow[list[Entry]]:
        if not isinstance(run_state, bool):
            raise ValidationError("run_state", f"must be true or false, not {run_state!r}")
        return self._save_flow(arguments.entries(entries), indexed=True, run_state=run_state)

    def _delete(self, name: str) -> Flow[bool]:
        return operations.delete(self.keys, self.keys.entry(name))

    def _set_enabled(self, name: str, enabled: bool) -> Flow[None]:
        return operations.change(
            self.keys, name, operations.enabled_change(name, enabled, self.now(), self.timezone)
        )

    def _run_now(self, name: str) -> Flow[None]:
        return operations.change(self.keys, name, operations.run_now_change(self.now()))

    def _get(self, name: str) -> Flow[Entry]:
        return operations.get(self.keys, name, self.timezone, self.clock)

    def _pages(self, on_error: OnError | None) -> Iterator[Flow[list[Entry]]]:
        """`list`, a flow a page: run each before taking the next."""
        report = on_error or _log_skipped

        def read(stored: Stored) -> Entry | None:
            return operations.listed(stored, self.keys, self.timezone, self.clock, report)

        return (operations.entries(page, read) for page in operations.Pages(self.keys, self.batch_size))

    def _labelled(self, labels: Any, on_error: OnError | None) -> Flow[list[Entry]]:
        """`list(labels=...)`: the entries the label index lists under every label, in schedule order.
        An index member whose entry is gone, out of the schedule or no longer so labelled is left out."""
        wanted = arguments.labels(labels)
        report = on_error or _log_skipped
        rows = yield from operations.labelled(self.keys, wanted, self.batch_size)
        out = []
        for stored in rows:
            entry = operations.listed(stored, self.keys, self.timezone, self.clock, report)
            if entry is not None and wanted.items() <= entry.extensions.labels.items():
                out.append(entry)
        return out

    def _history(self, name: str, limit: int | None) -> Flow[list[HistoryRecord]]:
        count = -1 if limit is None else arguments.positive_int(limit, "limit")
        raws = yield from operations.history(self.keys, name, count)
        key = self.keys.history(name)
        return [decode_record(key, raw) for raw in raws]
