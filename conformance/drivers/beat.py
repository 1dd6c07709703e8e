"""What the two beat drivers share (`upstream_beat.py`, `scheduler_beat.py`): a beat behind the protocol.

`configure` builds a Celery app on the vector's prefix and beat timezone, with no lock
(`redbeat_lock_key=None`) and no default entries (`result_expires=None`), so the scheduler touches only
the vector's keys; `tick` runs one `tick()` with Celery's clock frozen at the request's `now` and
`send_task` replaced by a recorder of what would be published. A beat driver names its implementation
and fills in the two things the beats differ in: the connection settings and how task data becomes JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from harness import CLOCK, Driver, Failure, serve


class BeatDriver(Driver):
    ops = ("start", "configure", "tick", "stop")
    dependencies: tuple[str, ...] = ("celery", "redis")
    scheduler_class: Callable[..., Any]

    def __init__(self) -> None:
        super().__init__()
        CLOCK.freeze_celery()
        self.scheduler: Any = None
        self.sent: list[dict] = []

    # -- the hooks --------------------------------------------------------------------------------

    def connection(self, redis_url: str) -> dict[str, Any]:
        """The app settings that point the beat at `redis_url`."""
        return {"redbeat_redis_url": redis_url}

    def wire(self, sent: list[dict]) -> list[dict]:
        """What was sent, as JSON with datetimes in the wire's `__type__` form."""
        raise NotImplementedError

    # -- the protocol -----------------------------------------------------------------------------

    def connect(self, key_prefix: str, timezone: str) -> None:
        self.stop({})
        app = Celery(f"conformance-{self.name}", set_as_current=True)
        app.conf.update(
            broker_url="memory://",
            **self.connection(self.redis_url),
            redbeat_key_prefix=key_prefix,
            timezone=timezone,
            redbeat_lock_key=None,
            result_expires=None,
            beat_schedule={},
        )
        app.send_task = self.record
        self.scheduler = self.scheduler_class(app=app)

    def record(self, name: str, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        options.pop("producer", None)
        options.pop("headers", None)  # celery's own celery_beat_task header, not the entry's
        options.pop("task_id", None)  # the run's task id, which our scheduler picks (its outbox field)
        self.sent.append({"task": name, "args": list(args or []), "kwargs": kwargs or {}, "options": options})

    def tick(self, request: dict) -> dict:
        self.sent = []
        self.scheduler.tick()
        return {"sent": self.wire(self.sent)}

    def stop(self, request: dict) -> dict:
        if self.scheduler is not None:
            self.scheduler.close()
            self.scheduler = None
        return {}

    def serve(self) -> None:
        serve(self.handlers(), lambda exc: Failure("internal", f"beat raised {type(exc).__name__}: {exc}"))
