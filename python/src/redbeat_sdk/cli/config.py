"""Where the CLI finds its schedule: flags, environment, or a Celery app's redbeat_* settings."""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from ..keys import DEFAULT_PREFIX


@dataclass
class Target:
    url: str
    prefix: str = DEFAULT_PREFIX
    timezone: str = "UTC"
    lock_key: str | None = None


def from_celery_app(spec: str) -> Target:
    """`module:attribute` (or `module`, looking for `app`/`celery`): the settings its beat would use."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attr) if attr else getattr(module, "app", None) or getattr(module, "celery")
    conf = app.conf

    def first(*names: str):
        for name in names:
            if name in conf and conf[name] is not None:
                return conf[name]
        return None

    url = first("redbeat_redis_url", "REDBEAT_REDIS_URL") or conf.broker_url
    prefix = first("redbeat_key_prefix", "REDBEAT_KEY_PREFIX") or DEFAULT_PREFIX
    timezone = str(conf.timezone or "UTC")
    return Target(url=url, prefix=prefix, timezone=timezone, lock_key=first("redbeat_lock_key", "REDBEAT_LOCK_KEY"))


def resolve(url: str | None, prefix: str | None, timezone: str | None, app: str | None) -> Target:
    target = from_celery_app(app) if app else Target(url=os.environ.get("REDBEAT_REDIS_URL", ""))
    if url:
        target.url = url
    if prefix is not None:
        target.prefix = prefix
    elif not app and os.environ.get("REDBEAT_KEY_PREFIX"):
        target.prefix = os.environ["REDBEAT_KEY_PREFIX"]
    if timezone:
        target.timezone = timezone
    elif not app and os.environ.get("REDBEAT_TIMEZONE"):
        target.timezone = os.environ["REDBEAT_TIMEZONE"]
    if not target.url:
        raise SystemExit("redbeat: no Redis URL: pass --url, set REDBEAT_REDIS_URL or give --app")
    return target
