"""Conformance driver for upstream celery-redbeat (2.4.2, with celery 5.7.0) as writer and reader.

Wire objects become upstream objects through upstream's own JSON decoder, and back through its
encoder, so the driver adds no format logic. Writes use the entry API the way upstream's users do:
`save()` (keeping the stored last run, as upstream's own `update_from_dict` does), and
`from_key()` + change + `save()` for enable/disable. Upstream has no run_now or preview.
"""

from __future__ import annotations

import json

from celery import Celery
from harness import CLIENT_OPS, CLOCK, Driver, Failure, Unsupported, serve, upstream_connection
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedulers import RedBeatSchedulerEntry, ensure_conf, get_redis

CLOCK.freeze_celery()  # everything in celery and redbeat reads time through Celery.now


class Upstream(Driver):
    ops = CLIENT_OPS
    name = "upstream"
    distribution = "celery-redbeat"
    dependencies = ("celery", "redis")

    def __init__(self) -> None:
        super().__init__()
        self.app: Celery | None = None

    def connect(self, key_prefix: str, timezone: str) -> None:
        # A fresh app per configuration: redbeat caches its config and client on the app.
        self.app = Celery("conformance", set_as_current=True)
        self.app.conf.update(
            broker_url="memory://",
            **upstream_connection(self.redis_url),
            redbeat_key_prefix=key_prefix,
            timezone=timezone,
            redbeat_lock_key=None,
            result_expires=None,
        )
        ensure_conf(self.app)  # from_key/generate_key need app.redbeat_conf before any entry exists

    def key(self, name: str) -> str:
        return RedBeatSchedulerEntry.generate_key(self.app, name)

    def load(self, name: str) -> RedBeatSchedulerEntry:
        key = self.key(name)
        try:
            return RedBeatSchedulerEntry.from_key(key, app=self.app)
        except KeyError as exc:
            if exc.args == (key,):
                raise Failure("not_found", f"no entry {name!r}") from None
            raise Failure("corrupt", f"{type(exc).__name__}: {exc}") from exc

    def save(self, request: dict) -> dict:
        try:
            fields = json.loads(json.dumps(request["entry"]), cls=RedBeatJSONDecoder)
            entry = RedBeatSchedulerEntry(app=self.app, **fields)
        except Exception as exc:  # upstream's constructors are its only validation
            raise Failure("validation", f"{type(exc).__name__}: {exc}") from exc
        try:
            stored = RedBeatSchedulerEntry.from_key(entry.key, app=self.app)
        except KeyError:
            stored = None
        if stored is not None:  # update_from_dict's way: a new definition keeps the stored run
            entry.last_run_at = stored.last_run_at
        entry.save()
        return {}

    def get(self, request: dict) -> dict:
        return {"entry": read_entry(self.load(request["name"]))}

    def list(self, request: dict) -> dict:
        # Upstream's documented listing recipe: ZRANGE the schedule, then from_key each member.
        entries, errors = [], []
        for key in get_redis(self.app).zrange(self.app.redbeat_conf.schedule_key, 0, -1):
            if isinstance(key, bytes):  # upstream's `cluster: True` client does not decode responses
                key = key.decode()
            try:
                entries.append(read_entry(RedBeatSchedulerEntry.from_key(key, app=self.app)))
            except KeyError as exc:
                if exc.args != (key,):
                    errors.append(
                        {"key": key, "error": {"type": "corrupt", "path": None, "reason": repr(exc)}}
                    )
                    continue
                errors.append(
                    {"key": key, "error": {"type": "not_found", "path": None, "reason": "no definition"}}
                )
            except Exception as exc:
                errors.append({"key": key, "error": {"type": "corrupt", "path": None, "reason": str(exc)}})
        return {"entries": entries, "errors": errors}

    def delete(self, request: dict) -> dict:
        RedBeatSchedulerEntry(name=request["name"], app=self.app).delete()
        return {}

    def enable(self, request: dict) -> dict:
        return self.set_enabled(request["name"], True)

    def disable(self, request: dict) -> dict:
        return self.set_enabled(request["name"], False)

    def run_now(self, request: dict) -> dict:
        raise Unsupported("celery-redbeat has no run-now operation")

    def next_runs(self, request: dict) -> dict:
        raise Unsupported("celery-redbeat has no next-run preview")

    def set_enabled(self, name: str, enabled: bool) -> dict:
        entry = self.load(name)
        entry.enabled = enabled
        entry.save()
        return {}


def read_entry(entry: RedBeatSchedulerEntry) -> dict:
    body = {
        "name": entry.name,
        "task": entry.task,
        "args": entry.args,
        "kwargs": entry.kwargs,
        "options": entry.options,
        "schedule": entry.schedule,
        "enabled": bool(entry.enabled),
        "last_run_at": entry.last_run_at,
        "total_run_count": entry.total_run_count,
    }
    return json.loads(json.dumps(body, cls=RedBeatJSONEncoder))


def classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, (ValueError, TypeError, AttributeError, LookupError)):
        return Failure("corrupt", f"{type(exc).__name__}: {exc}")
    return None


if __name__ == "__main__":
    serve(Upstream().handlers(), classify)
