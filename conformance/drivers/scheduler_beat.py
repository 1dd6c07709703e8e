"""Conformance driver for this project's beat, `redbeat_scheduler.RedBeatScheduler`, as the beat that
fires what the writers stored.

`tick` runs one `RedBeatScheduler.tick()` with `Celery.now` frozen at the request's `now` and
`send_task` replaced by a recorder of what would be published. No lock (`redbeat_lock_key=None`) and
no default entries (`result_expires=None`), so the scheduler touches only the vector's keys.
"""

from __future__ import annotations

import json
from importlib.metadata import version

from celery import Celery

from redbeat_scheduler import RedBeatScheduler
from redbeat_sdk import codec

from harness import Failure, parse_instant, serve

CLOCK = {"now": None}
Celery.now = lambda self: CLOCK["now"].astimezone(self.timezone)


def _wire(value):
    """Task data as JSON, datetimes in the wire's `__type__` form."""
    return json.loads(codec.encode_definition(value))


class SchedulerBeat:
    def __init__(self) -> None:
        self.redis_url = ""
        self.scheduler: RedBeatScheduler | None = None
        self.sent: list[dict] = []

    def handlers(self) -> dict:
        return {"start": self.start, "configure": self.configure, "tick": self.tick, "stop": self.stop}

    def start(self, request: dict) -> dict:
        self.configure(request)
        return {
            "implementation": {
                "name": "scheduler",
                "language": "python",
                "version": version("redbeat-scheduler"),
                "dependencies": {
                    "redbeat-sdk": version("redbeat-sdk"),
                    "celery": version("celery"),
                    "redis": version("redis"),
                },
            }
        }

    def configure(self, request: dict) -> dict:
        self.redis_url = request.get("redis_url", self.redis_url)
        if self.scheduler is not None:
            self.scheduler.close()
        app = Celery("conformance-scheduler", set_as_current=False)
        app.conf.update(
            broker_url="memory://",
            redbeat_redis_url=self.redis_url,
            redbeat_key_prefix=request["key_prefix"],
            timezone=request["timezone"],
            redbeat_lock_key=None,
            result_expires=None,
            beat_schedule={},
        )
        app.send_task = self.record
        self.scheduler = RedBeatScheduler(app=app)
        return {}

    def record(self, name, args=None, kwargs=None, **options):
        options.pop("producer", None)
        options.pop("headers", None)  # celery's own celery_beat_task header, not the entry's
        options.pop("task_id", None)  # the run's task id, which the scheduler picks (its outbox's key)
        self.sent.append({"task": name, "args": list(args or []), "kwargs": kwargs or {}, "options": options})

    def tick(self, request: dict) -> dict:
        self.sent = []
        self.scheduler.tick()
        return {"sent": _wire(self.sent)}

    def stop(self, request: dict) -> dict:
        if self.scheduler is not None:
            self.scheduler.close()
        return {}


def main() -> None:
    driver = SchedulerBeat()

    def timed(handler):
        def run(request):
            CLOCK["now"] = parse_instant(request["now"])
            return handler(request)

        return run

    serve(
        {op: timed(h) for op, h in driver.handlers().items()},
        lambda exc: Failure("internal", f"beat raised {type(exc).__name__}: {exc}"),
    )


if __name__ == "__main__":
    main()
