"""What the two stores share about redis-py: `store.py` uses it synchronously, `asyncio/store.py` through
redis.asyncio, and both get the same exception classes, replies and URL forms. Only these three modules
import redis-py."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any, ClassVar

import redis.exceptions
from redis.client import NEVER_DECODE

from . import urls
from .errors import RedBeatConnectionError, RedBeatError
from .flow import NOSCRIPT
from .keys import KeyLayout
from .scripts import LOAD, Command


class _RedisErrors:
    """See `redis_errors` (a class, not @contextmanager: it wraps every round trip, and costs less)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, trace: Any) -> None:
        if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            raise RedBeatConnectionError(_connection_problem(exc)) from exc
        if isinstance(exc, redis.exceptions.NoPermissionError):
            raise RedBeatError(f"Redis refused the command (ACL): {exc}") from exc
        if isinstance(exc, redis.exceptions.RedisError):
            raise RedBeatError(f"Redis refused the command: {exc}") from exc


_REDIS_ERRORS = _RedisErrors()


def redis_errors() -> _RedisErrors:
    """`with redis_errors():` turns redis-py's exceptions into the SDK's: RedBeatConnectionError when Redis
    cannot be reached or used, RedBeatError when it refuses a command."""
    return _REDIS_ERRORS


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


def pipeline(client: Any, commands: Sequence[Command]) -> Any:
    """A pipeline of `commands` (not a transaction: each script is atomic on its own), to execute."""
    pipe = client.pipeline(transaction=False)
    for command in commands:
        # execute_command, not pipe.evalsha: redis-py's cluster pipeline blocks the evalsha method, yet
        # routes the command itself by its keys (one slot under a hash-tagged prefix)
        pipe.execute_command(*command, **options(command))
    return pipe


_UNDECODED = {NEVER_DECODE: True}
_LOADS = {("EVALSHA", LOAD.sha), ("EVAL", LOAD.source)}  # the first use of a script is its EVAL


def options(command: Command) -> dict[str, Any]:
    """redis-py's options for sending `command`: a LOAD's entry fields come back undecoded whatever the
    client decodes, so a field that is not UTF-8 is one corrupt entry (protocol.field), not a
    UnicodeDecodeError that ends the whole read."""
    return _UNDECODED if command[:2] in _LOADS else {}


def replies(raw: list[Any]) -> list[Any]:
    """A pipeline's replies (executed with raise_on_error=False) as a flow takes them: NOSCRIPT as the
    marker `flow.NOSCRIPT` (the flow sends that script again), any other error reply raised (inside
    `redis_errors`, which makes it the SDK's)."""
    for i, reply in enumerate(raw):
        if isinstance(reply, redis.exceptions.NoScriptError):
            raw[i] = NOSCRIPT
        elif isinstance(reply, Exception):
            raise reply
    return raw


class Connected:
    """One schedule's keys on one redis-py client (standalone, Sentinel master or Cluster): what both stores
    share. A store names its redis-py classes (`plain`, `cluster`) and runs the flows."""

    plain: ClassVar[Any]  # redis.Redis, or redis.asyncio.Redis
    cluster: ClassVar[Any]  # their RedisCluster

    def __init__(self, client: Any, keys: KeyLayout):
        self.client = client
        self.keys = keys

    @classmethod
    def connect(cls, url: str, **options: Any) -> Any:
        """A client for `url`: redis://, rediss://, unix://, or redis-cluster:// (rediss-cluster://) naming
        one node of a Redis Cluster; `options` go to redis-py. A URL redis-py refuses is an InvalidUrlError."""
        options.setdefault("decode_responses", True)
        scheme = urls.scheme_of(url)
        try:
            if scheme in urls.CLUSTER_SCHEMES:
                base = "rediss" if scheme.startswith("rediss") else "redis"
                return cls.cluster.from_url(f"{base}://{url.partition('://')[2]}", **options)
            return cls.plain.from_url(url, **options)
        except ValueError as exc:  # redis-py's refusal of a port, database or query option
            raise urls.refused(url, exc) from None

    @classmethod
    def is_cluster(cls, client: Any) -> bool:
        return isinstance(client, cls.cluster)

    @staticmethod
    def abandon(client: Any) -> None:
        """Close a client `connect` made that will not be used."""
        client.close()
