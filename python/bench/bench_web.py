"""`make bench` (dashboard): one page of the entries table at 100,000 entries, server-side.

The default view (by next run) pages straight from the schedule sorted set, so its cost is one page's,
whatever the schedule's size; a filtered view scans up to --scan-limit entries. Printed: the listing alone
(in-process, best of 5) and whole requests to a `redbeat web` process (its own per-request log figure,
which includes rendering, and the round trip). Wall-clock figures live here, never in tests.
Set BENCH_WEB_N to change the entry count.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from topologies import Single

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule
from redbeat_sdk.web.listing import Query, Reader

N = int(os.environ.get("BENCH_WEB_N", "100000"))
REDBEAT = Path(sys.executable).with_name("redbeat")


def entries(n: int):
    for i in range(n):
        if i % 3 == 0:
            schedule = Interval(60 + i % 3600)
        elif i % 3 == 1:
            schedule = Crontab(minute=i % 60, hour=i % 24)
        else:
            schedule = RRule("DAILY", byhour=[i % 24], byminute=[0], bysecond=[0])
        yield Entry(f"job-{i:06d}", f"app.tasks.t{i % 50}", schedule, args=[i], kwargs={"k": i % 7})


def best_ms(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def served(url: str, paths: list[str], rounds: int = 5) -> list[tuple[str, float, float]]:
    """Per path: the server's own time (its request log, rendering included) and the round trip, medians."""
    process = subprocess.Popen(
        [str(REDBEAT), "--url", url, "web", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in process.stdout:
            lines.append(line)
            if "serving http" in line:
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    ready.wait(60)
    base = re.search(r"serving (http://\S+/)", "".join(lines)).group(1)
    out = []
    try:
        for path in paths:
            trips = []
            for _ in range(rounds):
                start = time.perf_counter()
                with urllib.request.urlopen(base + path.lstrip("/"), timeout=120) as reply:
                    reply.read()
                trips.append((time.perf_counter() - start) * 1000)
            time.sleep(0.2)  # let the log lines arrive
            logged = [
                float(m.group(1))
                for line in lines
                if (m := re.search(rf" GET {re.escape(path)} 200 (\d+)ms", line))
            ]
            out.append((path, statistics.median(logged[-rounds:]), statistics.median(trips)))
    finally:
        process.terminate()
        process.wait(10)
    return out


def main() -> None:
    with Single() as server:
        client = RedBeatClient.from_url(server.url, timezone="Europe/Berlin")
        start = time.perf_counter()
        batch = []
        for entry in entries(N):
            batch.append(entry)
            if len(batch) == 5000:
                client.save_many(batch)
                batch = []
        client.save_many(batch)
        print(f"dashboard at {N} entries (saved in {time.perf_counter() - start:.1f} s), page size 50")
        pages = -(-N // 50)
        reader = Reader(client, scan_limit=10_000)
        full = Reader(client, scan_limit=N)
        print("listing, in-process (best of 5):")
        for label, fn in (
            ("default view, page 1", lambda: reader.listing(Query())),
            (f"default view, page {pages // 2}", lambda: reader.listing(Query(page=pages // 2))),
            (f"default view, page {pages} (last)", lambda: reader.listing(Query(page=pages))),
            ("default view, latest first", lambda: reader.listing(Query(desc=True))),
            ("search, scan limit 10,000", lambda: reader.listing(Query(q="job-0999"))),
            (f"search, scan limit {N:,} (all)", lambda: full.listing(Query(q="job-0999"))),
        ):
            runs = 5 if "all" not in label else 2
            print(f"  {label:<36} {best_ms(runs, fn):8.1f} ms")
        print("whole requests to `redbeat web` (median of 5: server-side | round trip):")
        paths = [
            "/entries",
            f"/entries?page={pages // 2}",
            "/entries?q=job-0999",
            f"/entry?name=job-{N // 2:06d}",
        ]
        for path, server_ms, trip_ms in served(server.url, paths):
            print(f"  GET {path:<32} {server_ms:8.0f} ms | {trip_ms:6.0f} ms")


if __name__ == "__main__":
    main()
