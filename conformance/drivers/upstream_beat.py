"""Conformance driver for upstream's scheduler, `redbeat.RedBeatScheduler` (celery-redbeat 2.4.2,
celery 5.7.0), as the beat that fires what the writers stored.

`tick` runs one `RedBeatScheduler.tick()` with `Celery.now` frozen at the request's `now` and
`send_task` stubbed to record what would be published. No lock (`redbeat_lock_key=None`) and no
default entries (`result_expires=None`), so the scheduler touches only the vector's keys.
"""

from __future__ import annotations

import json
from importlib.metadata import version

from celery import Celery
from harness import Failure, parse_instant, serve, upstream_connection
from redbeat import RedBeatScheduler
from redbeat.decoder import RedBeatJSONEncoder

CLOCK = {"now": None}
Celery.now = lambda self: CLOCK["now"].astimezone(self.timezone)


class UpstreamBeat:
    def __init__(self) -> None:
        self.redis_url = ""
        self.scheduler: RedBeatScheduler | None = None
        self.sent: list[dict] = []

    def handlers(self) -> dict:
        return {
            "start": self.start,
            "configure": self.configure,
            "tick": self.tick,
            "stop": lambda request: {},
        }

    def start(self, request: dict) -> dict:
        self.configure(request)
        return {
            "implementation": {
                "name": "upstream-beat",
                "language": "python",
                "version": version("celery-redbeat"),
                "dependencies": {"celery": version("celery"), "redis": version("redis")},
            }
        }

    def configure(self, request: dict) -> dict:
        self.redis_url = request.get("redis_url", self.redis_url)
        app = Celery("conformance-beat", set_as_current=True)
        app.conf.update(
            broker_url="memory://",
            **upstream_connection(self.redis_url),
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
        self.sent.append({"task": name, "args": list(args or []), "kwargs": kwargs or {}, "options": options})

    def tick(self, request: dict) -> dict:
        self.sent = []
        self.scheduler.tick()
        return {"sent": json.loads(json.dumps(self.sent, cls=RedBeatJSONEncoder))}


def main() -> None:
    driver = UpstreamBeat()

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
