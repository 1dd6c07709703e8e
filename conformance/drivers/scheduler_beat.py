"""Conformance driver for this project's beat, `redbeat_scheduler.RedBeatScheduler`, as the beat that
fires what the writers stored (beat.py: one tick per request, Celery's clock at its `now`)."""

from __future__ import annotations

import json

from beat import BeatDriver

from redbeat_scheduler import RedBeatScheduler
from redbeat_sdk import codec


class SchedulerBeat(BeatDriver):
    name = "scheduler"
    distribution = "redbeat-scheduler"
    dependencies = ("redbeat-sdk", "celery", "redis")
    scheduler_class = RedBeatScheduler

    def wire(self, sent: list[dict]) -> list[dict]:
        return json.loads(codec.encode_definition(sent))


if __name__ == "__main__":
    SchedulerBeat().serve()
