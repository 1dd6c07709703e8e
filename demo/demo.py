"""`make demo`: the main job on an embedded default.

Without REDBEAT_REDIS_URL it starts its own redis-server on a free loopback port. Part 1 writes sample
entries with the SDK, reads them back, shows their next runs and the raw Redis data. Part 2 runs the
reference beat (`redbeat_scheduler`) and a Celery worker on that Redis for a bounded time, with tasks
visibly firing (scheduler/demo_job.py), then everything exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from topologies import Single

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule

PREFIX = os.environ.get("REDBEAT_DEMO_PREFIX", "redbeat-demo:")
TIMEZONE = os.environ.get("REDBEAT_TIMEZONE", "Europe/London")


def sample_entries(now: datetime) -> list[Entry]:
    return [
        Entry("heartbeat", "demo.tasks.ping", Interval(10), kwargs={"source": "demo"}),
        Entry(
            "business-hours report",
            "demo.tasks.report",
            Crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"),
            options={"queue": "reports"},
        ),
        Entry("nightly: backup ✓", "demo.tasks.backup", Crontab(minute=30, hour=2)),
        Entry(
            "first monday",
            "demo.tasks.invoice",
            Crontab(minute=0, hour=9, day_of_month="1-7", day_of_week="mon"),
        ),
        Entry("three times", "demo.tasks.once", RRule("MINUTELY", interval=5, dtstart=now, count=3)),
        Entry("paused", "demo.tasks.never", Interval(timedelta(hours=1)), enabled=False),
    ]


def show(client: RedBeatClient) -> None:
    now = client.now()
    print(f"{'name':<24} {'task':<20} {'enabled':<8} {'next runs (' + TIMEZONE + ')'}")
    for entry in client.list():
        runs = entry.next_runs(3, tz=client.timezone, now=now)
        when = ", ".join(r.astimezone(client.timezone).strftime("%a %d %b %H:%M:%S") for r in runs) or "-"
        print(f"{entry.name:<24} {entry.task:<20} {entry.enabled!s:<8} {when}")
    key = client.keys.entry("heartbeat")
    print(f"\nraw Redis hash {key!r}:")
    for field, value in sorted(client.redis.hgetall(key).items()):
        print(f"  {field}: {value}")
    print(f"score in {client.keys.schedule!r}: {int(client.redis.zscore(client.keys.schedule, key))}")


def run(url: str) -> None:
    """Part 1: the SDK writes, reads and previews entries."""
    client = RedBeatClient.from_url(url, key_prefix=PREFIX, timezone=TIMEZONE)
    try:
        client.save_many(sample_entries(client.now()))
        print(f"saved {len(sample_entries(client.now()))} entries under prefix {PREFIX!r} on {url}\n")
        show(client)
        client.run_now("heartbeat")
        client.disable("nightly: backup ✓")
        print("\nafter run_now('heartbeat') and disable('nightly: backup ✓'):")
        for entry in client.list():
            print(
                f"  {entry.name:<24} enabled={entry.enabled!s:<5} score={entry.score} last_run_at={entry.last_run_at}"
            )
    finally:
        for entry in sample_entries(client.now()):
            client.delete(entry.name)


def fire(url: str) -> int:
    """Part 2: our beat and a worker on the same Redis, tasks firing for a bounded time."""
    seconds = os.environ.get("REDBEAT_DEMO_SECONDS", "15")
    print(f"\n--- part 2: redbeat_scheduler beat + a Celery worker for {seconds} s ---", flush=True)
    job = Path(__file__).resolve().parents[1] / "scheduler" / "demo_job.py"
    return subprocess.call(
        [sys.executable, str(job), "--redis-url", url, "--seconds", seconds], cwd=job.parent
    )


def main() -> int:
    url = os.environ.get("REDBEAT_REDIS_URL")
    if url:
        run(url)
        return fire(url)
    with Single() as server:
        print(f"no REDBEAT_REDIS_URL: started redis-server on {server.url}")
        run(server.url)
        return fire(server.url)


if __name__ == "__main__":
    sys.exit(main())
