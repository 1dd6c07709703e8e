"""`make demo`: the main job on an embedded default.

Without REDBEAT_REDIS_URL it starts its own redis-server on a free loopback port. Part 1 writes sample
entries with the SDK, reads them back, shows their next runs and the raw Redis data. Part 2 runs the
reference beat (`redbeat_scheduler`) and a Celery worker on that Redis for a bounded time, with tasks
visibly firing (scheduler/demo_job.py), while `redbeat web` serves the dashboard of that schedule on
127.0.0.1 (its address is printed; the demo reads two of its pages once the beat runs). Then everything
exits.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
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


DEMO_JOB_PREFIX = "demo:"  # the key prefix of scheduler/demo_job.py's app
PEEK_AFTER = 6.0  # seconds into part 2: the beat has taken its lock and sent tasks


@contextlib.contextmanager
def dashboard(url: str, prefix: str) -> Iterator[str | None]:
    """`redbeat web` on a free loopback port for as long as the block runs; its address, or None when it
    could not start (the demo goes on without it)."""
    redbeat = Path(sys.executable).with_name("redbeat")
    cmd = [str(redbeat), "--url", url, "--prefix", prefix, "--timezone", "UTC", "web", "--port", "0"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: list[str] = []
    announced = threading.Event()

    def pump() -> None:  # the announce line, then its request log, drained
        for line in process.stdout:
            match = re.search(r"serving (http://\S+/)", line)
            if match and not found:
                found.append(match.group(1))
                announced.set()
            elif not found and "error" in line:
                print(f"dashboard: {line.strip()}", flush=True)
        announced.set()

    threading.Thread(target=pump, daemon=True).start()
    announced.wait(30)
    address = found[0] if found else None
    print(f"\ndashboard: {address or 'not started'} (redbeat web, until the demo ends)", flush=True)
    try:
        yield address
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def peek(address: str) -> None:
    """Read the dashboard as a browser would, once the beat runs, and say what it shows."""
    time.sleep(PEEK_AFTER)
    try:
        with urllib.request.urlopen(address + "entries", timeout=10) as reply:
            entries = reply.read().decode()
        with urllib.request.urlopen(address + "beat", timeout=10) as reply:
            beat = reply.read().decode()
    except OSError as exc:
        print(f"  dashboard: could not be read: {exc}", flush=True)
        return
    total = re.search(r'id="total">(\d+) in the schedule', entries)
    holder = re.search(r"held</span> by ([^<]+)\.", beat)
    print(
        f"  dashboard: {address}entries lists {total.group(1) if total else '?'} entries; "
        f"{address}beat: lock {'held by ' + holder.group(1) if holder else 'free'}",
        flush=True,
    )


def fire_with_dashboard(url: str) -> int:
    with dashboard(url, DEMO_JOB_PREFIX) as address:
        if address:
            threading.Thread(target=peek, args=(address,), daemon=True).start()
        return fire(url)


def main() -> int:
    url = os.environ.get("REDBEAT_REDIS_URL")
    if url:
        run(url)
        return fire_with_dashboard(url)
    with Single() as server:
        print(f"no REDBEAT_REDIS_URL: started redis-server on {server.url}")
        run(server.url)
        return fire_with_dashboard(server.url)


if __name__ == "__main__":
    sys.exit(main())
