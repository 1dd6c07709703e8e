"""`make bench` (Python SDK): listing by label through the label index at 100k entries, against a full
walk of the schedule filtered in Python (what finding a tenant's entries costs without the index).

One Redis, one run, wall-clock figures and ratios printed; never asserted in tests.
BENCH_LABELS_N changes the entry count (default 100000); 1000 tenants, so one tenant has N/1000 entries.
"""

from __future__ import annotations

import os
import time

import redis
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient

N = int(os.environ.get("BENCH_LABELS_N", "100000"))
TENANTS = 1000


def best_of(runs: int, fn) -> tuple[float, int]:
    best, found = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        found = fn()
        best = min(best, time.perf_counter() - start)
    return best, found


def main() -> None:
    with Single() as server:
        r = redis.Redis.from_url(server.url, decode_responses=True)
        client = RedBeatClient(r, batch_size=1000)
        start = time.perf_counter()
        client.save_many(
            Entry(
                f"job-{i}",
                "tasks.sync",
                Interval(300 + i % 600),
                extensions={
                    "labels": {"tenant": f"t{i % TENANTS}", "tier": "gold" if i % 10 == 0 else "std"}
                },
            )
            for i in range(N)
        )
        saved = time.perf_counter() - start
        index_bytes = r.memory_usage("redbeat::labels") or 0

        def indexed() -> int:
            return sum(1 for _ in client.list(labels={"tenant": "t7"}))

        def broad() -> int:
            return sum(1 for _ in client.list(labels={"tier": "gold"}))

        def walked() -> int:
            return sum(1 for e in client.list() if e.extensions.labels.get("tenant") == "t7")

        one, found_one = best_of(5, indexed)
        wide, found_wide = best_of(3, broad)
        full, found_full = best_of(1, walked)
        assert found_one == found_full == N // TENANTS, (found_one, found_full)
        print(f"label index, {N} entries, {TENANTS} tenants (saved with labels in {saved:.1f} s)")
        print(f"  index key: {index_bytes / 1e6:.1f} MB ({index_bytes / N / 2:.0f} B per label)")
        print(f"  list(labels={{'tenant': 't7'}}): {found_one} entries in {one * 1000:.1f} ms")
        print(f"  list(labels={{'tier': 'gold'}}): {found_wide} entries in {wide * 1000:.0f} ms")
        print(f"  full walk filtered in Python: {found_full} entries in {full:.2f} s")
        print(f"  ratio walk / index (one tenant): {full / one:.0f}x")


if __name__ == "__main__":
    main()
