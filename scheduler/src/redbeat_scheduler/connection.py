"""A redis-py client for the configured URL: plain, TLS, unix socket, Sentinel or Cluster.

The URL scheme picks the kind of client, as upstream does: `redis://`, `unix://` and `rediss://` (TLS)
go to `Redis.from_url`; `redis-sentinel://` asks the sentinels listed in `redbeat_redis_options` for the
master; `redis-cluster://` (or `cluster: True` in the options) builds a `RedisCluster`. Beyond upstream,
Celery's broker spellings `sentinel://` and `redis+sentinel://` are accepted too, and the sentinels may
be listed in the URL itself (`sentinel://h1:26379;sentinel://h2:26379/0`) when the options give none.
Every client decodes responses to `str`.

Two options go beyond upstream, both for a master with replicas (see README, "Deployments"):
- a Sentinel client asks the sentinels for the master at most every `sentinel_check_interval` seconds
  (default 0.5) before a command and drops its connections when the answer changed, so that after a
  failover it stops writing to the old master within that time (redis-py alone keeps its pooled
  connections to the old master until that one turns into a replica and answers READONLY);
- `wait_for_replicas: N` makes every script the scheduler runs (the lock and every fenced write) wait
  until N replicas have it (`WAIT`, at most `wait_for_replicas_timeout` seconds, default 1), and fail
  as a connection error otherwise. A run is then only sent once a replica holds its record, so a
  failover cannot lose the record of a run that was sent and make beat send it again.
"""

from __future__ import annotations

import contextlib
import ssl
import time
from typing import Any, TypeAlias
from urllib.parse import unquote, urlsplit

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool

from .settings import RedBeatSettings, SettingsError

# what make_client returns: a client of one node (a Sentinel's master too) or of a cluster
Client: TypeAlias = redis.Redis | RedisCluster

SENTINEL_SCHEMES = ("redis-sentinel", "sentinel", "redis+sentinel")
CLUSTER_SCHEMES = ("redis-cluster",)


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def ssl_options(use_ssl: Any) -> dict[str, Any]:
    """TLS client options: certificates are required unless the settings say otherwise."""
    options: dict[str, Any] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    if isinstance(use_ssl, dict):
        options.update(use_ssl)
    return options


def make_client(settings: RedBeatSettings) -> Client:
    scheme = scheme_of(settings.redis_url)
    if scheme in SENTINEL_SCHEMES:
        return _sentinel_master(settings)
    if scheme in CLUSTER_SCHEMES or settings.redis_options.get("cluster"):
        return _cluster(settings, scheme)
    options = dict(settings.client_options)
    if scheme == "rediss":
        options = {**ssl_options(settings.use_ssl), **options}
    return _client_class(settings).from_url(settings.redis_url, decode_responses=True, **options)


class ReplicationNotConfirmed(RedisConnectionError):
    """A write was not acknowledged by `wait_for_replicas` replicas in time: it may not survive a failover."""


class _WaitingForReplicas(redis.Redis):
    """A client whose scripts return only once `wait_replicas` replicas hold their writes."""

    wait_replicas = 0
    wait_timeout_ms = 1000

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:
        pipe = self.pipeline(transaction=False)  # one connection: WAIT covers this very write
        pipe.evalsha(sha, numkeys, *keys_and_args)
        pipe.wait(self.wait_replicas, self.wait_timeout_ms)
        result, acknowledged = pipe.execute()
        if acknowledged < self.wait_replicas:
            raise ReplicationNotConfirmed(
                f"{acknowledged} of {self.wait_replicas} replicas acknowledged a write "
                f"within {self.wait_timeout_ms} ms"
            )
        return result


def _client_class(settings: RedBeatSettings) -> type[redis.Redis]:
    replicas = settings.redis_options.get("wait_for_replicas")
    if not replicas:
        return redis.Redis
    timeout = float(settings.redis_options.get("wait_for_replicas_timeout") or 1.0)
    return type(
        "RedisWaitingForReplicas",
        (_WaitingForReplicas,),
        {"wait_replicas": int(replicas), "wait_timeout_ms": max(1, int(timeout * 1000))},
    )


class _FollowingSentinelPool(SentinelConnectionPool):
    """Asks the sentinels for the master before handing out a connection (at most every `check_interval`
    seconds); on a new answer the idle connections are dropped and reconnect to the new master."""

    check_interval = 0.5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        self._checked_at = float("-inf")

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if self.master_address is not None and now - self._checked_at >= self.check_interval:
            self._checked_at = now
            # MasterNotFoundError: the sentinels are away, not necessarily the master: carry on
            with contextlib.suppress(MasterNotFoundError):
                self.get_master_address()  # type: ignore[no-untyped-call]
        return super().get_connection(*args, **kwargs)


def _sentinel_hosts(settings: RedBeatSettings) -> list[tuple[str, int]]:
    listed = settings.sentinels
    if listed:
        return [(str(host), int(port)) for host, port in listed]
    hosts = []
    for part in settings.redis_url.split(";"):
        parsed = urlsplit(part.strip())
        if parsed.hostname:
            hosts.append((parsed.hostname, parsed.port or 26379))
    if not hosts:
        raise SettingsError(
            "redbeat_redis_options.sentinels",
            "Sentinel URL without sentinels: list them in "
            "redbeat_redis_options['sentinels'] as [(host, port), ...]",
        )
    return hosts


def _sentinel_master(settings: RedBeatSettings) -> redis.Redis:
    options = settings.redis_options
    # With several URLs joined by ';', credentials and db come from the first one.
    first = urlsplit(settings.redis_url.split(";", 1)[0])
    db_path = first.path.strip("/")
    db = int(db_path) if db_path.isdigit() else int(options.get("db") or 0)
    connection_kwargs: dict[str, Any] = {
        "socket_timeout": options.get("socket_timeout"),
        "password": unquote(first.password) if first.password else options.get("password"),
        "db": db,
        "decode_responses": True,
    }
    username = unquote(first.username) if first.username else options.get("username")
    if username:
        connection_kwargs["username"] = username
    if options.get("credential_provider"):
        connection_kwargs["credential_provider"] = options["credential_provider"]
    if isinstance(settings.use_ssl, dict):
        connection_kwargs.update(ssl=True, **settings.use_ssl)
    sentinel = Sentinel(
        _sentinel_hosts(settings), sentinel_kwargs=options.get("sentinel_kwargs"), **connection_kwargs
    )
    interval = options.get("sentinel_check_interval")
    pool = type(
        "FollowingSentinelPool",
        (_FollowingSentinelPool,),
        {"check_interval": 0.5 if interval is None else float(interval)},
    )
    master: redis.Redis = sentinel.master_for(
        options.get("service_name") or "master",
        db=db,
        redis_class=_client_class(settings),
        connection_pool_class=pool,
    )
    return master


def _cluster(settings: RedBeatSettings, scheme: str) -> RedisCluster:
    check_cluster_prefix(settings)
    options = dict(settings.client_options)
    if scheme in CLUSTER_SCHEMES:
        # upstream reads only `startup_nodes` (default localhost:30001); nodes named in the URL
        # (`redis-cluster://h1:p1,h2:p2`) are used too, with the URL's user and password
        parsed = urlsplit(settings.redis_url)
        netloc = parsed.netloc.rpartition("@")[2]
        in_url = [
            {"host": host, "port": port or 6379}
            for host, _, port in (
                part.rpartition(":") if ":" in part else (part, "", "") for part in netloc.split(",") if part
            )
        ]
        nodes = (
            settings.redis_options.get("startup_nodes") or in_url or [{"host": "localhost", "port": 30001}]
        )
        if parsed.username and "username" not in options:
            options["username"] = unquote(parsed.username)
        if parsed.password and "password" not in options:
            options["password"] = unquote(parsed.password)
        startup = [ClusterNode(str(node["host"]), int(node["port"])) for node in nodes]
        return RedisCluster(startup_nodes=startup, decode_responses=True, **options)
    if scheme == "rediss":
        options = {**ssl_options(settings.use_ssl), **options}
    return RedisCluster.from_url(settings.redis_url, decode_responses=True, **options)


def check_cluster_prefix(settings: RedBeatSettings) -> None:
    """Refuse a cluster setup whose keys could land in different slots.

    The fenced writes touch the lock, the schedule and an entry key in one Lua call, which Redis Cluster
    only allows within one slot: the prefix must carry a hash tag (`{redbeat}:`), so that every key built
    from it hashes on the tag alone. The lock key always starts with the prefix (see settings), so it
    shares the slot too.
    """
    prefix = settings.key_prefix
    start = prefix.find("{")
    end = prefix.find("}", start + 1) if start >= 0 else -1
    if start < 0 or end <= start + 1:
        raise SettingsError(
            "redbeat_key_prefix",
            f"{prefix!r} has no hash tag; Redis Cluster needs one "
            "(for example '{redbeat}:') so that all RedBeat keys share a slot",
        )
