"""The only module of the SDK that talks to Redis (redis-py, synchronously).

It sends the commands `protocol` builds, in one round trip per batch, loads a script Redis does not know
yet (first use, restart, flush) and turns redis-py's errors into the SDK's. What to send and how to read
the replies lives in `protocol` and `operations`; an asyncio store is this module with `await`.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import redis
import redis.exceptions
from redis.client import NEVER_DECODE

from . import operations, protocol, urls
from .errors import RedBeatConnectionError, RedBeatError
from .keys import KeyLayout
from .scripts import BY_SHA, LOAD, Command

T = TypeVar("T")


@contextlib.contextmanager
def redis_errors() -> Iterator[None]:
    """redis-py's exceptions as the SDK's: RedBeatConnectionError when Redis cannot be reached or used,
    RedBeatError when it refuses a command."""
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise RedBeatConnectionError(_connection_problem(exc)) from exc
    except redis.exceptions.NoPermissionError as exc:
        raise RedBeatError(f"Redis refused the command (ACL): {exc}") from exc
    except redis.exceptions.RedisError as exc:
        raise RedBeatError(f"Redis refused the command: {exc}") from exc


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


def connect(url: str, **options: Any) -> Any:
    """A redis-py client for `url`: redis://, rediss://, unix://, or redis-cluster:// (rediss-cluster://)
    naming one node of a Redis Cluster. A URL redis-py refuses is an InvalidUrlError."""
    options.setdefault("decode_responses", True)
    scheme = urls.scheme_of(url)
    try:
        if scheme in urls.CLUSTER_SCHEMES:
            from redis.cluster import RedisCluster

            base = "rediss" if scheme.startswith("rediss") else "redis"
            return RedisCluster.from_url(f"{base}://{url.partition('://')[2]}", **options)
        return redis.Redis.from_url(url, **options)
    except ValueError as exc:  # redis-py's refusal of a port, database or query option
        raise urls.refused(url, exc) from None


def is_cluster(client: Any) -> bool:
    try:
        from redis.cluster import RedisCluster
    except ImportError:  # pragma: no cover - redis-py without cluster support
        return False
    return isinstance(client, RedisCluster)


class Store:
    """One schedule's keys on one redis-py client (standalone, Sentinel master or Cluster)."""

    def __init__(self, client: Any, keys: KeyLayout):
        self.client = client
        self.keys = keys

    def run(self, commands: Sequence[Command]) -> list[Any]:
        """The replies of `commands`, sent in one round trip (a pipeline, not a transaction: each script
        is atomic on its own)."""
        with redis_errors():
            replies = self._send(commands)
            missing = {
                c[1]
                for c, r in zip(commands, replies, strict=True)
                if isinstance(r, redis.exceptions.NoScriptError)
            }
            if missing:
                for sha in missing:
                    self.client.script_load(BY_SHA[sha].source)
                replies = self._send(commands)
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
        return replies

    def _send(self, commands: Sequence[Command]) -> list[Any]:
        # execute_command, not pipe.evalsha: redis-py's cluster pipeline blocks the evalsha method, yet
        # routes the command itself by its keys (one slot under a hash-tagged prefix)
        pipe = self.client.pipeline(transaction=False)
        for command in commands:
            if command[:2] == ("EVALSHA", LOAD.sha):
                # entry fields undecoded whatever the client decodes: one that is not UTF-8 is then one
                # corrupt entry (protocol.field), not a UnicodeDecodeError that ends the whole read
                pipe.execute_command(*command, **{NEVER_DECODE: True})
            else:
                pipe.execute_command(*command)
        replies: list[Any] = pipe.execute(raise_on_error=False)
        return replies

    def drive(self, flow: operations.Flow[T]) -> T:
        """Run an operation: send each batch of commands it yields and give it the replies."""
        try:
            commands = next(flow)
            while True:
                commands = flow.send(self.run(commands))
        except StopIteration as done:
            result: T = done.value
            return result

    # -- reads the client and the CLI share -----------------------------------------------------------

    def walk(self, batch: int) -> Iterator[protocol.Stored]:
        """Every member of the schedule with its hash and score, in schedule order, `batch` per page."""
        start = 0
        while rows := self.drive(operations.load_page(self.keys, start, batch)):
            yield from rows
            start += len(rows)

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
        own = {self.keys.schedule, self.keys.statics, self.keys.lock}
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


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
