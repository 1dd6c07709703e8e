"""The `redbeat_*` settings, read from a Celery app's configuration the way upstream RedBeat reads them.

Upstream looks each setting up in lowercase and then in uppercase (`redbeat_key_prefix`, then
`REDBEAT_KEY_PREFIX`), and a setting that is *present* keeps its value even when that value is falsy:
`redbeat_lock_key = None` turns the lock off, it does not fall back to the default. Absent settings fall
back to the defaults below, and the connection settings fall back to the broker's (deprecated upstream
since 2.4.2, kept here so that an upstream configuration works unchanged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "redbeat:"
DEFAULT_MAX_INTERVAL = 300.0
DEFAULT_METRICS_ADDR = "127.0.0.1"
# The lease this scheduler takes the lock for: a SIGKILLed leader is replaced within it. Upstream's lock
# timeout (5 x max_interval, 25 minutes by default) is the time a schedule stops after a crash (#85, #100).
DEFAULT_LOCK_LEASE = 10.0
# Runs kept per entry in its history list (redbeat_history_length; schema/README.md, "Extensions": about
# 2.7 KB per entry at 10).
DEFAULT_HISTORY_LENGTH = 10
# How recorded runs reach the broker (dispatch.py): "auto" picks the fastest way that loses no run,
# "pipeline" never queues them inside the record script, "celery" publishes each through Celery.
PUBLISH_MODES = ("auto", "pipeline", "celery")
# Most runs the outbox holds (recorded, not yet confirmed by the broker) before beat stops recording.
DEFAULT_OUTBOX_LIMIT = 10_000

# Keys of `redbeat_redis_options` that configure RedBeat itself; every other key goes to redis-py.
CONSUMED_OPTIONS = (
    "retry_period",
    "cluster",
    "sentinels",
    "service_name",
    "sentinel_kwargs",
    "startup_nodes",
    # this scheduler's own (connection.py)
    "sentinel_check_interval",
    "wait_for_replicas",
    "wait_for_replicas_timeout",
)

_MISSING = object()


class SettingsError(ValueError):
    """A `redbeat_*` setting with a value the scheduler cannot use; names the setting."""

    def __init__(self, setting: str, reason: str):
        self.setting = setting
        self.reason = reason
        super().__init__(f"{setting}: {reason}")


def lookup(conf: Mapping[str, Any], name: str, default: Any = _MISSING) -> Any:
    """The value of setting `name` (lowercase first, then uppercase); `default` when neither is present."""
    for key in (name, name.upper()):
        if key in conf:
            return conf[key]
    return default


def is_set(conf: Mapping[str, Any], name: str) -> bool:
    return lookup(conf, name) is not _MISSING


def lock_key_for(prefix: str, configured: Any) -> str | None:
    """The lock key: `P:lock` by default; a configured key gets P in front unless it already starts with P."""
    if configured is _MISSING:
        return prefix + ":lock"
    if not configured:
        return None  # upstream: a falsy lock key means "no lock"
    key = str(configured)
    return key if key.startswith(prefix) else prefix + key


def _seconds(setting: str, value: Any, *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise SettingsError(setting, f"expected a number of seconds, got {value!r}") from None
    if value < 0:
        raise SettingsError(setting, f"must not be negative, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RedBeatSettings:
    redis_url: str
    key_prefix: str = DEFAULT_KEY_PREFIX
    lock_key: str | None = DEFAULT_KEY_PREFIX + ":lock"
    # The TTL this scheduler sets on the lock at each take and extend (its lease, seconds).
    lock_timeout: float = DEFAULT_LOCK_LEASE
    # Where lock_timeout came from: "redbeat_lock_lease", "redbeat_lock_timeout" or "default".
    lock_timeout_source: str = "default"
    max_interval: float = DEFAULT_MAX_INTERVAL
    # Options handed to the redis-py client constructor (only when given explicitly, as upstream does).
    client_options: dict[str, Any] = field(default_factory=dict)
    # The whole options dict, consumed keys included (Sentinel and Cluster read from it).
    redis_options: dict[str, Any] = field(default_factory=dict)
    retry_period: float | None = None  # None: no retries; -1: retry forever
    use_ssl: Any = None  # dict of ssl_* options, or a truthy non-dict for cert-required defaults
    # Runs of crontab and rrule entries later than this many seconds are skipped and counted.
    starting_deadline: float | None = None
    # Prometheus metrics over HTTP on this port (0: any free port); None: off.
    metrics_port: int | None = None
    metrics_addr: str = DEFAULT_METRICS_ADDR
    publish: str = "auto"
    outbox_limit: int = DEFAULT_OUTBOX_LIMIT
    # Runs kept per entry in its history list (the extension profile); 0: no history.
    history_length: int = DEFAULT_HISTORY_LENGTH

    @property
    def sentinels(self) -> list[tuple[str, int]] | None:
        sentinels: list[tuple[str, int]] | None = self.redis_options.get("sentinels")
        return sentinels

    @property
    def redacted_url(self) -> str:
        """The URL with any password replaced, for banners and logs."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.redis_url)
        if parts.password is None:
            return self.redis_url
        user = parts.username or ""
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))

    @classmethod
    def from_app(
        cls,
        app: Celery,
        *,
        max_interval: float | None = None,
        lock_key: Any = _MISSING,
        lock_timeout: float | None = None,
        lock_lease: float | None = None,
    ) -> RedBeatSettings:
        """Read the settings of `app`; keyword arguments (the scheduler constructor's) win over the config."""
        conf = app.conf
        max_interval = float(max_interval or conf.get("beat_max_loop_interval") or DEFAULT_MAX_INTERVAL)

        url = lookup(conf, "redbeat_redis_url", None)
        if url is None:
            url = conf.get("broker_url")
            if url:
                logger.warning(
                    "redbeat_redis_url is not set; using broker_url %s. Set redbeat_redis_url: "
                    "upstream RedBeat drops this fallback in 2.5.0.",
                    _scheme_only(url),
                )
        if not url:
            raise SettingsError("redbeat_redis_url", "no Redis URL: set redbeat_redis_url (or broker_url)")

        explicit_options = lookup(conf, "redbeat_redis_options", None)
        options = (
            explicit_options if explicit_options is not None else (conf.get("broker_transport_options") or {})
        )
        if not isinstance(options, Mapping):
            raise SettingsError("redbeat_redis_options", f"expected a dict, got {type(options).__name__}")
        options = dict(options)
        # Only explicitly given options reach redis-py; inherited broker options hold kombu settings
        # (visibility_timeout...) that redis-py refuses (upstream #319).
        client_options = (
            {k: v for k, v in options.items() if k not in CONSUMED_OPTIONS}
            if explicit_options is not None
            else {}
        )
        raw_retry = options.get("retry_period")
        retry_period = -1.0 if raw_retry == -1 else _seconds("redbeat_redis_options.retry_period", raw_retry)

        use_ssl = lookup(conf, "redbeat_redis_use_ssl", None)
        if use_ssl is None:
            use_ssl = conf.get("broker_use_ssl")

        prefix = lookup(conf, "redbeat_key_prefix", DEFAULT_KEY_PREFIX)
        if prefix is None:
            prefix = ""
        prefix = str(prefix)

        if lock_key is _MISSING:
            lock_key = lookup(conf, "redbeat_lock_key")
        lock = lock_key_for(prefix, lock_key)

        lock_timeout, lock_source = _lease(conf, lock_lease, lock_timeout)

        deadline = lookup(conf, "redbeat_starting_deadline", None)
        setting = "redbeat_starting_deadline"
        if deadline is None:
            deadline, setting = conf.get("beat_cron_starting_deadline"), "beat_cron_starting_deadline"
        deadline = _seconds(setting, deadline)

        metrics_port = _port("redbeat_metrics_port", lookup(conf, "redbeat_metrics_port", None))
        metrics_addr = lookup(conf, "redbeat_metrics_addr", None) or DEFAULT_METRICS_ADDR

        publish = lookup(conf, "redbeat_publish", None) or "auto"
        if publish not in PUBLISH_MODES:
            raise SettingsError(
                "redbeat_publish", f"expected one of {', '.join(map(repr, PUBLISH_MODES))}, got {publish!r}"
            )
        outbox_limit = _run_count(
            conf, "redbeat_outbox_limit", DEFAULT_OUTBOX_LIMIT, 1, "a positive number of runs"
        )
        history_length = _run_count(
            conf, "redbeat_history_length", DEFAULT_HISTORY_LENGTH, 0, "a number of runs (0 or more)"
        )

        return cls(
            redis_url=str(url),
            key_prefix=prefix,
            lock_key=lock,
            lock_timeout=lock_timeout,
            lock_timeout_source=lock_source,
            max_interval=max_interval,
            client_options=client_options,
            redis_options=options,
            retry_period=retry_period,
            use_ssl=use_ssl,
            starting_deadline=deadline,
            metrics_port=metrics_port,
            metrics_addr=str(metrics_addr),
            publish=str(publish),
            outbox_limit=outbox_limit,
            history_length=history_length,
        )


def _lease(conf: Mapping[str, Any], lease: Any, timeout: Any) -> tuple[float, str]:
    """(the TTL to set on the lock, the setting it came from).

    `redbeat_lock_lease` is this scheduler's own. `redbeat_lock_timeout` keeps upstream's meaning - the
    TTL a beat sets at each extension - so an explicit value is honoured here too; but its default,
    5 x max_interval, is not: an upstream beat extends only once per tick, up to max_interval apart, and
    needs that margin, while this one extends within a third of its lease whatever max_interval is.
    """
    for setting, value in (("redbeat_lock_lease", lease), ("redbeat_lock_timeout", timeout or None)):
        if value is None:
            value = lookup(conf, setting, None)
        if value is None:
            continue
        seconds = _seconds(setting, value)
        if seconds:
            return seconds, setting
        if setting == "redbeat_lock_lease":
            raise SettingsError(setting, f"must be a positive number of seconds, got {value!r}")
        # upstream treats a lock timeout of 0 as unset
    return DEFAULT_LOCK_LEASE, "default"


def _run_count(conf: Mapping[str, Any], setting: str, default: int, least: int, expected: str) -> int:
    """A number of runs, at least `least`: an int or a string of digits (an environment variable)."""
    value = lookup(conf, setting, None)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise SettingsError(setting, f"expected {expected}, got {value!r}")
    return value


def _port(setting: str, value: Any) -> int | None:
    """A TCP port from an int or a string of digits (environment-style settings); 0 picks a free one."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise SettingsError(setting, f"expected a TCP port number (0 for any free port), got {value!r}")
    return value


def _scheme_only(url: str) -> str:
    return url.split("://", 1)[0] + "://…" if "://" in url else "…"
