"""Conformance driver for upstream's scheduler, `redbeat.RedBeatScheduler` (celery-redbeat 2.4.2,
celery 5.7.0), as the beat that fires what the writers stored (beat.py: one tick per request, Celery's
clock at its `now`)."""

from __future__ import annotations

import json
from typing import Any

from beat import BeatDriver
from harness import upstream_connection
from redbeat import RedBeatScheduler
from redbeat.decoder import RedBeatJSONEncoder


class UpstreamBeat(BeatDriver):
    name = "upstream-beat"
    distribution = "celery-redbeat"
    scheduler_class = RedBeatScheduler

    def connection(self, redis_url: str) -> dict[str, Any]:
        return upstream_connection(redis_url)

    def wire(self, sent: list[dict]) -> list[dict]:
        return json.loads(json.dumps(sent, cls=RedBeatJSONEncoder))


if __name__ == "__main__":
    UpstreamBeat().serve()
