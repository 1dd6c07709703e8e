"""The whole job in one run: sample entries saved with the SDK, our beat and a Celery worker on one Redis,
tasks visibly firing for a bounded time, then a clean exit.

    python demo_job.py [--redis-url redis://127.0.0.1:6379/0] [--seconds 20]

Without --redis-url a private redis-server is started on a free loopback port and stopped at the end.
The schedule lives in the URL's database; the broker uses the next database number. Exits non-zero if
no task ran.

This module is also the Celery project the beat and the worker load (`celery -A demo_job`).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from celery import Celery

HERE = Path(__file__).resolve().parent

app = Celery("demo_job")
app.conf.update(
    broker_url=os.environ.get("DEMO_BROKER_URL", "redis://127.0.0.1:6379/1"),
    redbeat_redis_url=os.environ.get("DEMO_REDIS_URL", "redis://127.0.0.1:6379/0"),
    redbeat_key_prefix="demo:",
    redbeat_lock_timeout=5,
    beat_max_loop_interval=1,
    timezone="UTC",
    result_expires=None,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={  # a static entry, synced into Redis by the beat that holds the lock
        "static-heartbeat": {"task": "demo.report", "schedule": 4.0, "args": ["static-heartbeat"]},
    },
)


@app.task(name="demo.report")
def report(source: str, *args):
    stamp = datetime.now(timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    print(f"DEMO-RAN {stamp} {source} {' '.join(map(str, args))}".rstrip(), flush=True)
    return source


def save_samples(redis_url: str) -> None:
    from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule

    client = RedBeatClient.from_url(redis_url, key_prefix="demo:", timezone="UTC")
    client.save_many(
        [
            Entry("every-2s", "demo.report", Interval(2), args=["every-2s"]),
            Entry("every-3s", "demo.report", Interval(3), args=["every-3s", "with", "args"]),
            Entry("rrule-every-5s", "demo.report", RRule("SECONDLY", interval=5), args=["rrule-every-5s"]),
            Entry("each-minute", "demo.report", Crontab(minute="*"), args=["each-minute"]),
            Entry("switched-off", "demo.report", Interval(1), args=["switched-off"], enabled=False),
        ]
    )
    client.run_now("each-minute")  # fire once at start instead of waiting for the minute
    for entry in client.list():
        state = "disabled" if not entry.enabled else f"next run {entry.score}"
        print(f"saved {entry.name:<16} {type(entry.schedule).__name__:<9} {state}")


def next_db(url: str) -> str:
    match = re.match(r"^(.*?)(?:/(\d+))?$", url)
    base, db = match.group(1), int(match.group(2) or 0)
    return f"{base}/{db + 1}"


def run(redis_url: str, seconds: float) -> int:
    env = dict(
        os.environ,
        DEMO_REDIS_URL=redis_url,
        DEMO_BROKER_URL=next_db(redis_url),
        PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    )
    save_samples(redis_url)

    def start(*argv: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "demo_job", *argv],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    quiet = ("--without-gossip", "--without-mingle", "--without-heartbeat")  # no cluster chatter
    worker = start("worker", "-P", "solo", "-l", "warning", *quiet)
    beat = start("beat", "-S", "redbeat_scheduler.RedBeatScheduler", "-l", "info", "-s", os.devnull)
    ran: list[str] = []
    sent = [0]

    def pump(process, label, on_line):
        for line in process.stdout:
            on_line(line.rstrip())

    def worker_line(line):
        if "DEMO-RAN" in line:
            ran.append(line.split("DEMO-RAN", 1)[1].strip())
            print("  worker ran:", ran[-1], flush=True)
        elif "ERROR" in line or "Traceback" in line:
            print("  worker:", line, flush=True)

    def beat_line(line):
        if "Sending due task" in line:
            sent[0] += 1
        if any(word in line for word in ("took the lock", "synced", "ERROR", "WARNING", "Traceback")):
            print("  beat:", line.split("] ", 1)[-1].removeprefix("beat: "), flush=True)

    threads = [
        threading.Thread(target=pump, args=(worker, "worker", worker_line), daemon=True),
        threading.Thread(target=pump, args=(beat, "beat", beat_line), daemon=True),
    ]
    for t in threads:
        t.start()
    print(f"running beat and worker for {seconds:g} s ...", flush=True)
    try:
        time.sleep(seconds)
    finally:
        for process in (beat, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (beat, worker):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for t in threads:
            t.join(2)
    sources = sorted({line.split()[1] for line in ran if len(line.split()) > 1})
    print(f"beat sent {sent[0]} tasks; the worker ran {len(ran)}: {', '.join(sources)}")
    if "switched-off" in sources:
        print("FAIL: a disabled entry ran")
        return 1
    if not ran:
        print("FAIL: no task ran")
        return 1
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDBEAT_DEMO_REDIS_URL"),
        help="Redis for the schedule (db N) and the broker (db N+1); default: a private server",
    )
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args(argv)
    if args.redis_url:
        return run(args.redis_url, args.seconds)
    from topologies import Single

    with Single() as server:
        print(f"started a private redis-server on 127.0.0.1:{server.port}")
        return run(f"redis://127.0.0.1:{server.port}/0", args.seconds)


if __name__ == "__main__":
    sys.exit(main())
