"""Drive upstream celery-redbeat 2.4.2 (test-only dependency) with a frozen Celery clock."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace

from celery import Celery
from redbeat import RedBeatScheduler
from redbeat.decoder import RedBeatJSONEncoder
from redbeat.schedulers import RedBeatSchedulerEntry


class UpstreamBeat:
    """An upstream app + scheduler on one Redis; `now` is what Celery.now() returns."""

    def __init__(
        self,
        url: str,
        prefix: str = "redbeat:",
        timezone: str = "UTC",
        now: datetime | None = None,
        lock: bool = False,
    ):
        self.now = now
        self.sent: list[SimpleNamespace] = []
        self.app = Celery("upstream-compat", broker="memory://", set_as_current=True)
        self.app.conf.update(
            redbeat_redis_url=url,
            redbeat_key_prefix=prefix,
            timezone=timezone,
            result_expires=None,
            beat_max_loop_interval=300,
            enable_utc=True,
        )
        if not lock:
            self.app.conf.redbeat_lock_key = None
        self.app.send_task = self._send_task
        self._scheduler: RedBeatScheduler | None = None

    def _send_task(self, name, args=None, kwargs=None, **options):
        self.sent.append(SimpleNamespace(task=name, args=args, kwargs=kwargs, options=options, at=self.now))
        return SimpleNamespace(id=f"fake-{len(self.sent)}")

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        original = Celery.now
        Celery.now = lambda app: self.now.astimezone(app.timezone)
        try:
            yield
        finally:
            Celery.now = original

    def load(self, key: str) -> RedBeatSchedulerEntry:
        with self.frozen():
            return RedBeatSchedulerEntry.from_key(key, app=self.app)

    def save(self, *args, **kwargs) -> RedBeatSchedulerEntry:
        with self.frozen():
            return RedBeatSchedulerEntry(*args, app=self.app, **kwargs).save()

    def tick(self, now: datetime) -> float:
        self.now = now
        with self.frozen():
            if self._scheduler is None:
                self._scheduler = RedBeatScheduler(app=self.app)
            return self._scheduler.tick()


def upstream_wire(value) -> object:
    """A value as upstream's encoder writes it, decoded back to plain JSON."""
    return json.loads(json.dumps(value, cls=RedBeatJSONEncoder))
