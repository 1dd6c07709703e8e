"""RedBeatClient: every read and write of a RedBeat schedule in Redis goes through here."""

from __future__ import annotations

import contextlib
import json
import logging
import ssl
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

import redis
import redis.exceptions
from redis.client import NEVER_DECODE

from . import arguments, codec, scripts, urls
from .datetimes import UTC, as_tzinfo, aware, epoch_seconds
from .entry import Entry
from .errors import CorruptEntry, EntryNotFound, RedBeatConnectionError, RedBeatError, ValidationError
from .keys import DEFAULT_PREFIX, KeyLayout
from .schedules import score_for
from .validation import check_json_value

log = logging.getLogger("redbeat_sdk")

Clock = Callable[[], datetime]
_MAX_SAVE_ROUNDS = 10


def _system_clock() -> datetime:
    return datetime.now(UTC)


def _text(value: Any) -> Any:
    return value.decode("utf-8") if isinstance(value, bytes) else value


@contextlib.contextmanager
def _redis_errors() -> Iterator[None]:
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise RedBeatConnectionError(_connection_problem(exc)) from exc
    except redis.exceptions.NoPermissionError as exc:
        raise RedBeatError(f"Redis refused the command (ACL): {exc}") from exc


def _connection_problem(exc: Exception) -> str:
    """What went wrong, in words that point at the fix: a refused login and an untrusted certificate
    are configuration errors that retrying will not cure, unlike an unreachable server."""
    if isinstance(exc, redis.exceptions.AuthenticationError):
        return f"Redis refused the login (check the user and password in the URL): {exc}"
    if isinstance(exc.__context__, ssl.SSLCertVerificationError):
        return f"Redis's TLS certificate is not trusted (check ssl_ca_certs): {exc}"
    if isinstance(exc.__context__, ssl.SSLError):
        return f"TLS with Redis failed: {exc}"
    return f"Redis is unreachable: {exc}"


class _SaveCall:
    """What all entries of one save call share: the time, the first-save meta and first-save scores."""

    def __init__(self, client: RedBeatClient):
        self.client = client
        self.now = client.now()
        self.new_meta = codec.encode_meta(self.now.astimezone(UTC))
        self._first_scores: dict[Any, int] = {}

    def first_score(self, schedule: Any, wire: dict[str, Any]) -> int:
        # many entries of one call usually share a schedule: score each distinct one once
        try:
            return self._first_scores[schedule]
        except KeyError:
            score = self._first_scores[schedule] = score_for(wire, self.now, self.now, self.client.timezone)
            return score
        except TypeError:  # list-valued fields: not hashable
            return score_for(wire, self.now, self.now, self.client.timezone)


class _Pending:
    """One entry on its way into Redis: encoded once, scored again only if its stored meta changes."""

    __slots__ = ("definition", "entry", "expected", "key", "new_meta", "new_score", "schedule", "score")

    def __init__(self, call: _SaveCall, entry: Entry):
        client = call.client
        client.keys.check_name(entry.name)
        wire = codec.definition_wire(entry, call.now, client.timezone)
        try:  # entries were validated when built; only task data mutated since then can fail here
            self.definition = codec.encode_definition(wire)
        except (TypeError, ValueError) as exc:
            for name in ("args", "kwargs", "options"):  # name the value that changed
                check_json_value(getattr(entry, name), name)
            raise ValidationError("definition", str(exc)) from None
        self.entry = entry
        self.key = client.keys.entry(entry.name)
        self.schedule = wire["schedule"]
        self.new_meta = call.new_meta
        self.new_score = call.first_score(entry.schedule, self.schedule)
        self.expected: str | None = None
        self.score = self.new_score

    def args(self) -> list[str | int]:
        flag = "0" if self.expected is None else "1"
        return [self.definition, self.new_meta, self.new_score, flag, self.expected or "", self.score]

    def rescore(self, client: RedBeatClient, stored_meta: str, now: datetime) -> None:
        self.expected = stored_meta
        try:
            last, _ = codec.decode_meta(self.key, stored_meta)
        except CorruptEntry as exc:
            # like upstream's HSETNX the stored meta stays; due now lets beat deal with it
            log.warning("re-saving %s over unreadable meta (%s): scored now", self.key, exc.reason)
            last = None
        self.score = score_for(self.schedule, last, now, client.timezone)


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
        if _is_cluster(redis_client):
            self.keys.require_single_slot()
        self._save_sha = scripts.sha1(scripts.SAVE)

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
        redis_options.setdefault("decode_responses", True)
        scheme = urls.scheme_of(url)
        client: redis.Redis | RedisCluster
        try:
            if scheme in urls.CLUSTER_SCHEMES:
                from redis.cluster import RedisCluster

                base = "rediss" if scheme.startswith("rediss") else "redis"
                client = RedisCluster.from_url(f"{base}://{url.partition('://')[2]}", **redis_options)
            else:
                client = redis.Redis.from_url(url, **redis_options)
        except ValueError as exc:  # redis-py's refusal of a port, database or query option
            raise urls.refused(url, exc) from None
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
        if not isinstance(entry, Entry):
            raise ValidationError("entry", f"must be an Entry, not {type(entry).__name__}")
        call = _SaveCall(self)
        now = call.now
        p = _Pending(call, entry)
        with _redis_errors():
            for _ in range(_MAX_SAVE_ROUNDS):
                result = self._run_save(p)
                if result == 1:
                    return self._saved(p, now)
                p.rescore(self, _text(result[0]), now)
        raise RedBeatError(f"gave up saving {p.key}: its meta kept changing")

    def _run_save(self, p: _Pending) -> Any:
        """EVALSHA, loading the script once when Redis does not know it (first use, restart, flush)."""
        try:
            return self.redis.evalsha(self._save_sha, 2, p.key, self.keys.schedule, *p.args())
        except redis.exceptions.NoScriptError:
            self.redis.script_load(scripts.SAVE)
            return self.redis.evalsha(self._save_sha, 2, p.key, self.keys.schedule, *p.args())

    def save_many(self, entries: Iterable[Entry]) -> list[Entry]:
        """Save many entries, pipelined in batches; each entry is atomic. Every entry is validated and
        encoded before anything is sent, so one bad entry writes nothing; its ValidationError path starts
        with its index in `entries` (`[3].name`)."""
        if isinstance(entries, (str, bytes, dict)) or not hasattr(entries, "__iter__"):
            raise ValidationError("entries", f"must be an iterable of Entry, not {type(entries).__name__}")
        call = _SaveCall(self)
        now = call.now
        pending = []
        for index, entry in enumerate(entries):
            try:
                if not isinstance(entry, Entry):
                    raise ValidationError("", f"must be an Entry, not {type(entry).__name__}")
                pending.append(_Pending(call, entry))
            except ValidationError as exc:
                raise exc.at(f"[{index}]") from None
        with _redis_errors():
            for start in range(0, len(pending), self.batch_size):
                self._save_batch(pending[start : start + self.batch_size], now)
        return [self._saved(p, now) for p in pending]

    def _save_batch(self, batch: list[_Pending], now: datetime) -> None:
        todo = batch
        for _ in range(_MAX_SAVE_ROUNDS):
            pipe = self.redis.pipeline(transaction=False)
            for p in todo:
                # execute_command, not pipe.evalsha: redis-py's cluster pipeline blocks the evalsha
                # method, yet routes the command itself by its keys (one slot under a hash-tagged prefix)
                pipe.execute_command("EVALSHA", self._save_sha, 2, p.key, self.keys.schedule, *p.args())
            try:
                results = pipe.execute()
            except redis.exceptions.NoScriptError:
                self.redis.script_load(scripts.SAVE)
                continue
            conflicts = []
            for p, result in zip(todo, results, strict=True):
                if result != 1:  # the stored meta: score from it and try again
                    p.rescore(self, _text(result[0]), now)
                    conflicts.append(p)
            if not conflicts:
                return
            todo = conflicts
        raise RedBeatError(f"gave up saving {[p.key for p in todo]}: their meta kept changing")

    def _saved(self, p: _Pending, now: datetime) -> Entry:
        last, total = (None, 0) if p.expected is None else _meta_or_nothing(p.key, p.expected)
        last = now if p.expected is None else last
        return p.entry.with_state(last, total, p.score, self.timezone, self.clock)

    def delete(self, name: str) -> bool:
        """Remove the entry's hash and its schedule member together; False when neither existed."""
        key = self.keys.entry(name)
        with _redis_errors():
            pipe = self.redis.pipeline(transaction=True)
            pipe.zrem(self.keys.schedule, key)
            pipe.delete(key)
            removed, deleted = pipe.execute()
        return bool(removed or deleted)

    def disable(self, name: str) -> None:
        """Set `enabled` to false; nothing else changes."""
        self._edit_definition(name, enabled=False)

    def enable(self, name: str) -> None:
        """Set `enabled` to true and score the entry from its stored last run."""
        self._edit_definition(name, enabled=True)

    def _edit_definition(self, name: str, enabled: bool) -> None:
        key = self.keys.entry(name)

        def edit(pipe: Any) -> None:
            raw_def, raw_meta = (_text(v) for v in pipe.hmget(key, "definition", "meta"))
            if not raw_def:
                raise EntryNotFound(name, key)
            try:
                definition = json.loads(raw_def)
            except ValueError as exc:
                raise CorruptEntry(key, f"definition: invalid JSON ({exc})") from None
            if not isinstance(definition, dict):
                raise CorruptEntry(key, "definition is not a JSON object")
            definition["enabled"] = enabled  # edit the stored JSON in place: every other byte stays
            score = None
            if enabled:
                now = self.now()
                entry = codec.decode_entry(key, name, raw_def, raw_meta)
                score = score_for(
                    entry.schedule.to_wire(now, self.timezone), entry.last_run_at, now, self.timezone
                )
            pipe.multi()
            pipe.hset(key, "definition", json.dumps(definition))
            if score is not None:
                pipe.zadd(self.keys.schedule, {key: score})

        with _redis_errors():
            self.redis.transaction(edit, key)

    def run_now(self, name: str) -> None:
        """Make the entry due at the next tick: meta last_run_at null (run count kept), score now."""
        key = self.keys.entry(name)
        now = self.now()

        def mark(pipe: Any) -> None:
            raw_def, raw_meta = (_text(v) for v in pipe.hmget(key, "definition", "meta"))
            if not raw_def:
                raise EntryNotFound(name, key)
            total = _stored_run_count(raw_meta)
            pipe.multi()
            pipe.hset(key, "meta", codec.encode_meta(None, total))
            pipe.zadd(self.keys.schedule, {key: epoch_seconds(now)})

        with _redis_errors():
            self.redis.transaction(mark, key)

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, name: str) -> Entry:
        """The entry with its run state; EntryNotFound when there is no definition."""
        key = self.keys.entry(name)
        with _redis_errors():
            # not MULTI: EXEC would decode the replies whatever each command asks (list reads alike)
            pipe = self.redis.pipeline(transaction=False)
            _hmget_raw(pipe, key)
            pipe.zscore(self.keys.schedule, key)
            (raw_def, raw_meta), score = pipe.execute()
        if not raw_def:
            raise EntryNotFound(name, key)
        return self._read(key, name, raw_def, raw_meta, score)

    def _read(
        self, key: str, name: str, raw_def: bytes | None, raw_meta: bytes | None, score: float | None
    ) -> Entry:
        entry = codec.decode_entry(key, name, raw_def, raw_meta, score)
        return entry.with_state(
            entry.last_run_at, entry.total_run_count, entry.score, self.timezone, self.clock
        )

    def list(self, on_error: Callable[[CorruptEntry], None] | None = None) -> Iterator[Entry]:
        """Every entry in schedule order, walking the schedule sorted set in batches (never KEYS).
        A corrupt or missing hash is passed to `on_error` (default: logged) and skipped."""
        report = on_error or (lambda problem: log.warning("skipping %s", problem))
        start = 0
        while True:
            with _redis_errors():
                members = self.redis.zrange(
                    self.keys.schedule, start, start + self.batch_size - 1, withscores=True
                )
                if not members:
                    return
                pipe = self.redis.pipeline(transaction=False)
                for key, _ in members:
                    _hmget_raw(pipe, key)
                rows = pipe.execute()
            for (key, score), (raw_def, raw_meta) in zip(members, rows, strict=True):
                key = _text(key)
                try:
                    yield self._read(key, self.keys.name_of(key), raw_def, raw_meta, score)
                except (CorruptEntry, ValueError) as problem:
                    report(problem if isinstance(problem, CorruptEntry) else CorruptEntry(key, str(problem)))
            start += len(members)


def _hmget_raw(pipe: Any, key: str) -> None:
    """HMGET of the two fields, not decoded whatever the client's `decode_responses`: a field that is
    not UTF-8 is then one corrupt entry (codec.field_text), not an error that ends the whole read."""
    pipe.execute_command("HMGET", key, "definition", "meta", **{NEVER_DECODE: True})


def _stored_run_count(raw_meta: str | None) -> int | None:
    """The stored total_run_count, or None when meta has none (it stays absent)."""
    try:
        meta = json.loads(raw_meta) if raw_meta else None
    except ValueError:
        return None
    count = meta.get("total_run_count") if isinstance(meta, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _meta_or_nothing(key: str, raw_meta: str) -> tuple[datetime | None, int]:
    try:
        return codec.decode_meta(key, raw_meta)
    except CorruptEntry:
        return None, 0


def _is_cluster(client: Any) -> bool:
    try:
        from redis.cluster import RedisCluster
    except ImportError:  # pragma: no cover - redis-py without cluster support
        return False
    return isinstance(client, RedisCluster)
