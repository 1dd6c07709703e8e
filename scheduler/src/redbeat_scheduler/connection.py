"""A redis-py client for the configured URL: plain, TLS, unix socket, Sentinel or Cluster.

The URL scheme picks the kind of client, as upstream does: `redis://`, `unix://` and `rediss://` (TLS)
go to `Redis.from_url`; `redis-sentinel://` asks the sentinels listed in `redbeat_redis_options` for the
master; `redis-cluster://` (or `cluster: True` in the options) builds a `RedisCluster`. Beyond upstream,
Celery's broker spellings `sentinel://` and `redis+sentinel://` are accepted too, and the sentinels may
be listed in the URL itself (`sentinel://h1:26379;sentinel://h2:26379/0`) when the options give none.
Every client decodes responses to `str`.
"""
from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.sentinel import Sentinel

from .settings import RedBeatSettings, SettingsError

SENTINEL_SCHEMES = ("redis-sentinel", "sentinel", "redis+sentinel")
CLUSTER_SCHEMES = ("redis-cluster",)


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def ssl_options(use_ssl: Any) -> dict:
    """TLS client options: certificates are required unless the settings say otherwise."""
    options: dict = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    if isinstance(use_ssl, dict):
        options.update(use_ssl)
    return options


def make_client(settings: RedBeatSettings):
    scheme = scheme_of(settings.redis_url)
    if scheme in SENTINEL_SCHEMES:
        return _sentinel_master(settings)
    if scheme in CLUSTER_SCHEMES or settings.redis_options.get("cluster"):
        return _cluster(settings, scheme)
    options = dict(settings.client_options)
    if scheme == "rediss":
        options = {**ssl_options(settings.use_ssl), **options}
    return redis.Redis.from_url(settings.redis_url, decode_responses=True, **options)


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
        raise SettingsError("redbeat_redis_options.sentinels", "Sentinel URL without sentinels: list them in "
                            "redbeat_redis_options['sentinels'] as [(host, port), ...]")
    return hosts


def _sentinel_master(settings: RedBeatSettings):
    options = settings.redis_options
    # With several URLs joined by ';', credentials and db come from the first one.
    first = urlsplit(settings.redis_url.split(";", 1)[0])
    db_path = first.path.strip("/")
    db = int(db_path) if db_path.isdigit() else int(options.get("db") or 0)
    connection_kwargs: dict = {
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
    sentinel = Sentinel(_sentinel_hosts(settings), sentinel_kwargs=options.get("sentinel_kwargs"),
                        **connection_kwargs)
    # The master client's pool asks the sentinels again on every reconnect, so it follows failovers.
    return sentinel.master_for(options.get("service_name") or "master", db=db)


def _cluster(settings: RedBeatSettings, scheme: str):
    check_cluster_prefix(settings)
    options = dict(settings.client_options)
    if scheme in CLUSTER_SCHEMES:
        nodes = settings.redis_options.get("startup_nodes") or [{"host": "localhost", "port": 30001}]
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
        raise SettingsError("redbeat_key_prefix", f"{prefix!r} has no hash tag; Redis Cluster needs one "
                            "(for example '{redbeat}:') so that all RedBeat keys share a slot")
