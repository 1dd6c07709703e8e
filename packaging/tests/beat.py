"""A real `celery beat -S redbeat_scheduler.RedBeatScheduler` with a Redis broker: the Celery project it
runs in, and the wait for the tasks it sends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import redis

QUEUE = "celery"  # Celery's default queue: kombu's Redis transport keeps its messages in this list
TASK = "proj.heartbeat"

PROJ = '''\
"""`celery -A proj`: a Celery app whose broker and RedBeat schedule are the test Redis."""
from celery import Celery

app = Celery("proj", broker={url!r})
app.conf.update(
    redbeat_redis_url={url!r},
    beat_max_loop_interval=1,  # look at the schedule every second
    beat_schedule={{"heartbeat": {{"task": {task!r}, "schedule": 1.0}}}},
)


@app.task
def heartbeat():
    return "ok"
'''


def write_project(where: Path, url: str) -> Path:
    (where / "proj.py").write_text(PROJ.format(url=url, task=TASK))
    return where


def sent_tasks(r: redis.Redis) -> list[str]:
    """The task names of the messages waiting in the broker's default queue."""
    return [json.loads(m)["headers"]["task"] for m in r.lrange(QUEUE, 0, -1)]


def run_until_sent(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    r: redis.Redis,
    count: int,
    deadline: float = 240,
    while_running=None,
) -> list[str]:
    """Start `cmd` (a beat, or a shell block that ends in one) and wait until the broker holds `count` task
    messages; then stop its whole process group. `while_running(r)` runs before the stop (the lock is
    released on a clean shutdown). An exit or the deadline (it covers a pip install first) fails it."""
    log = cwd / "beat.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        end = time.monotonic() + deadline
        while r.llen(QUEUE) < count:
            if proc.poll() is not None:
                raise AssertionError(
                    f"`{' '.join(cmd)}` exited {proc.returncode} before sending {count} tasks:\n"
                    f"{log.read_text()}"
                )
            if time.monotonic() > end:
                raise AssertionError(
                    f"no {count} tasks from `{' '.join(cmd)}` within {deadline} s:\n{log.read_text()}"
                )
            time.sleep(0.2)
        if while_running:
            while_running(r)
        return sent_tasks(r)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to our own process group (start_new_session: the shell, pip, celery), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.2)  # the group may outlive its leader for a moment
