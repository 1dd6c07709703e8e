"""Where the CLI finds its schedule: flags, then a Celery app's settings (--app), then the environment.

Each value remembers where it came from, so that an error names the flag, variable or setting to fix.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..keys import DEFAULT_PREFIX
from .failures import BadValue

ENV = {"url": "REDBEAT_REDIS_URL", "prefix": "REDBEAT_KEY_PREFIX", "timezone": "REDBEAT_TIMEZONE"}
DEFAULTS = {"prefix": DEFAULT_PREFIX, "timezone": "UTC", "lock_key": None}


@dataclass
class Target:
    url: str
    prefix: str = DEFAULT_PREFIX
    timezone: str = "UTC"
    lock_key: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # value -> "--url", "$REDBEAT_TIMEZONE", ...


def import_app(spec: str, flag: str = "--app") -> Any:
    """`module:attribute`, or `module` holding `app` or `celery`, imported with the working directory
    on sys.path as `celery -A` does, so `redbeat --app proj` works from the project's folder. `flag`
    names the option in messages."""
    module_name, _, attr = spec.partition(":")
    where = f"{flag} {spec!r}"
    if not module_name:
        raise BadValue(f"{where}: give module:attribute, such as proj.celery:app")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise BadValue(
            f"{where}: cannot import {module_name!r}: {exc} (run from the project's folder or set PYTHONPATH)"
        ) from None
    except Exception as exc:  # the user's module failed while importing
        raise BadValue(f"{where}: importing {module_name!r} failed: {type(exc).__name__}: {exc}") from None
    names = [attr] if attr else ["app", "celery"]
    found = next((getattr(module, name) for name in names if hasattr(module, name)), None)
    if found is None:
        raise BadValue(f"{where}: module {module_name!r} has no attribute {' or '.join(map(repr, names))}")
    if not hasattr(found, "conf"):
        raise BadValue(f"{where}: {type(found).__name__} object is not a Celery app (it has no .conf)")
    return found


def from_celery_app(spec: str) -> dict[str, tuple[Any, str]]:
    """The settings its beat would use, each with a label for messages."""
    app = import_app(spec)
    try:
        conf = app.conf

        def first(*names: str) -> tuple[Any, str] | None:
            for name in names:
                if name in conf and conf[name] is not None:
                    return conf[name], f"--app {spec} ({name})"
            return None

        found = {
            "url": first("redbeat_redis_url", "REDBEAT_REDIS_URL", "broker_url"),
            "prefix": first("redbeat_key_prefix", "REDBEAT_KEY_PREFIX"),
            "timezone": first("timezone"),
            "lock_key": first("redbeat_lock_key", "REDBEAT_LOCK_KEY"),
        }
    except Exception as exc:  # Celery loads its configuration lazily: a broken config module fails here
        raise BadValue(
            f"--app {spec!r}: reading its configuration failed: {type(exc).__name__}: {exc}"
        ) from None
    # with an app, its beat's defaults apply rather than the environment's
    return {
        name: value if value is not None else (DEFAULTS[name], f"--app {spec} (default)")
        for name, value in found.items()
        if value is not None or name != "url"
    }


def resolve(
    flags: Mapping[str, str | None], app: str | None, environ: Mapping[str, str] = os.environ
) -> Target:
    """Flags win, then the app's settings, then the environment, then the defaults."""
    chosen: dict[str, tuple[Any, str]] = {
        name: (value, f"{name} default") for name, value in DEFAULTS.items()
    }
    for name, variable in ENV.items():
        if environ.get(variable):
            chosen[name] = (environ[variable], f"${variable}")
    if app:
        chosen.update(from_celery_app(app))
    for name, value in flags.items():
        if value is not None and value != "":
            chosen[name] = (value, f"--{name}")
    if "url" not in chosen:
        raise BadValue("no Redis URL: pass --url, set REDBEAT_REDIS_URL, or give --app with a broker_url")
    values = {name: str(value) if value is not None else None for name, (value, _) in chosen.items()}
    return Target(
        url=str(values["url"]),  # present: checked above
        prefix=str(values["prefix"]),  # these two have defaults
        timezone=str(values["timezone"]),
        lock_key=values["lock_key"],
        sources={name: label for name, (_, label) in chosen.items()},
    )
