"""End to end on a real Redis broker: this scheduler against upstream 2.4.2, and against the raw limit.

N entries (20,000 by default) all overdue, stored as the SDK writes them (bench.py's mix of schedules),
the broker being the schedule's Redis server and db (upstream's default: `redbeat_redis_url` falls back to
`broker_url`); beat's app registers the task, as `celery -A proj beat` does. Each scheduler runs in this
process with Celery's real clock and the lock on:

- the timed window starts with its first tick and ends when the last message is in the queue (ours ticks
  until it has published N - it streams batches; upstream's one tick publishes them all);
- first message: from the start of the first tick to the first message queued (Celery's
  `after_task_publish`, which both fire once a message is in the queue);
- then a real `celery worker` (tools/beatprocs/beatproj.py, solo pool) drains the queue, and counts each
  execution: every task must have run exactly once, one per entry.

The limit: the same N messages (read back from the queue ours filled) LPUSHed by redis-py in pipelines
of 1,000, one LPUSH per message. Where ours spends its time is printed per phase (µs per entry).

Prints a table of ratios and writes `build/bench-e2e.json` (or `--json PATH`).
"""

from __future__ import annotations

import argparse
import base64
import functools
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import redis
from beatprocs import Worker, wait_until
from bench import redis_cpu, report, store_all_due
from celery import Celery, signals
from topologies import Single

HERE = Path(__file__).resolve().parent

# beatproj's task: counts each execution in delivery:executed / delivery:runs
TASK = "tasks.record"
QUEUE = "celery"
PIPELINE = 1000


def make_app(url: str) -> Celery:
    app = Celery("bench-e2e", set_as_current=False)
    app.conf.update(
        broker_url=url,
        redbeat_redis_url=url,
        result_expires=None,
        timezone="UTC",
        beat_max_loop_interval=300,
    )

    def record(*args: Any, **kwargs: Any) -> None:  # what beat knows of the worker's task
        return None

    app.task(name=TASK, shared=False)(record)
    app.finalize(auto=True)
    return app


def ours(app: Celery) -> tuple[Any, Callable[[int], None]]:
    from redbeat_scheduler import RedBeatScheduler

    scheduler = RedBeatScheduler(app=app)

    def run(n: int) -> None:
        while scheduler.stats.sent < n:
            scheduler.tick()

    return scheduler, run


def upstream(app: Celery) -> tuple[Any, Callable[[int], None]]:
    from redbeat.schedulers import RedBeatScheduler as Upstream
    from redbeat.schedulers import acquire_distributed_beat_lock

    scheduler = Upstream(app=app)
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))  # what beat_init does

    def run(n: int) -> None:
        scheduler.tick()  # loads every due entry, then publishes them all

    return scheduler, run


class Phases:
    """Wall time in the methods of one tick's phases (ours), wrapped while the bench runs."""

    WRAPPED = (
        ("redbeat_scheduler.store", "Store", "lock_and_candidates", "read due members (+ lock)"),
        ("redbeat_scheduler.store", "Store", "candidates", "read due members (+ lock)"),
        ("redbeat_scheduler.store", "Store", "load", "load entries"),
        ("redbeat_scheduler.batch", "Decider", "decide", "decide"),
        ("redbeat_scheduler.dispatch", "Dispatcher", "plan", "build messages (Celery's steps)"),
        ("redbeat_scheduler.dispatch", "Dispatcher", "record", "record + queue (one script)"),
        ("redbeat_scheduler.dispatch", "Dispatcher", "send", "after_task_publish, counters"),
    )

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._originals: list = []

    def __enter__(self) -> Phases:
        import importlib

        for module, cls_name, method, label in self.WRAPPED:
            cls = getattr(importlib.import_module(module), cls_name)
            original = getattr(cls, method)
            self._originals.append((cls, method, original))
            setattr(cls, method, self._timed(original, label))
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, method, original in self._originals:
            setattr(cls, method, original)

    def _timed(self, function: Callable, label: str) -> Callable:
        seconds = self.seconds

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started

        return timed


def one_side(who: str, url: str, client: redis.Redis, n: int) -> tuple[dict, list[bytes]]:
    store_all_due(client, n, task=TASK)
    app = make_app(url)
    scheduler, run = (ours if who == "ours" else upstream)(app)
    scheduler.producer  # noqa: B018  (Celery's producer, connected before the timed window, for both)
    first: list[float] = []

    def on_queued(**kwargs: Any) -> None:
        if not first:
            first.append(time.perf_counter())

    signals.after_task_publish.connect(on_queued, weak=False)
    phases = Phases() if who == "ours" else None
    gc.collect()
    gc.freeze()
    try:
        if phases is not None:
            phases.__enter__()
        cpu, redis_before, started = time.process_time(), redis_cpu(client), time.perf_counter()
        run(n)
        wall = time.perf_counter() - started
        cpu, redis_used = time.process_time() - cpu, redis_cpu(client) - redis_before
    finally:
        if phases is not None:
            phases.__exit__()
        gc.unfreeze()
        signals.after_task_publish.disconnect(on_queued)
        scheduler.close()
        app.close()
    payloads = client.lrange(QUEUE, 0, -1)
    queued = len(payloads)
    check_queued(who, payloads, n)
    print(f"  {who}: {n:,} queued in {wall:.2f} s; draining with a worker", file=sys.stderr)
    drained = drain(url, client, n)
    out = {
        "queued": queued,
        "seconds": wall,
        "per_second": n / wall,
        "first_message_ms": (first[0] - started) * 1000,
        "cpu_us_per_entry": cpu / n * 1e6,
        "redis_cpu_us_per_entry": redis_used / n * 1e6,
        "worker_drain_seconds": drained,
    }
    if phases is not None:
        out["phases_us_per_entry"] = {label: s / n * 1e6 for label, s in phases.seconds.items()}
    return out, payloads if who == "ours" else []


def check_queued(who: str, payloads: list[bytes], n: int) -> None:
    """One message per entry, and nothing else."""
    per_entry: dict[object, int] = {}
    for payload in payloads:
        message = json.loads(payload)
        body = json.loads(base64.b64decode(message["body"]))
        key = body[0][0] if message["headers"].get("task") == TASK and body[0] else None
        per_entry[key] = per_entry.get(key, 0) + 1
    foreign = per_entry.pop(None, 0)
    doubled = {key: count for key, count in per_entry.items() if count > 1}
    assert not foreign, f"{who}: {foreign} messages in the queue are not this bench's (another process?)"
    assert not doubled and len(per_entry) == n, (
        f"{who}: {len(per_entry)} of {n} entries queued, doubled {doubled}"
    )


def drain(url: str, client: redis.Redis, n: int) -> float:
    """A real worker runs every message; each must have run exactly once, one per entry."""
    started = time.perf_counter()
    worker = Worker(url, url, name="bench-worker")
    try:
        wait_until(
            lambda: client.llen(QUEUE) == 0 and client.hlen("delivery:executed") >= n, 900, worker.log, 0.2
        )
    finally:
        worker.stop()
    seconds = time.perf_counter() - started
    executed = client.hvals("delivery:executed")
    per_entry = client.hvals("delivery:runs")
    assert len(executed) == n and {int(c) for c in executed} == {1}, "a task did not run exactly once"
    assert len(per_entry) == n and {int(c) for c in per_entry} == {1}, "an entry did not run exactly once"
    return seconds


def raw_limit(client: redis.Redis, payloads: list[bytes]) -> dict:
    """The same messages, LPUSHed in pipelines of 1,000: what the broker takes at best from one client."""
    client.delete("raw")
    started = time.perf_counter()
    for at in range(0, len(payloads), PIPELINE):
        pipe = client.pipeline(transaction=False)
        for payload in payloads[at : at + PIPELINE]:
            pipe.lpush("raw", payload)
        pipe.execute()
    seconds = time.perf_counter() - started
    assert client.llen("raw") == len(payloads)
    client.delete("raw")
    return {"seconds": seconds, "per_second": len(payloads) / seconds}


def run(n: int) -> dict:
    with Single() as server:
        url = f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis(port=server.port)
        results: dict = {"entries": n}
        print(f"end to end, {n:,} due, Redis broker", file=sys.stderr)
        results["ours"], payloads = one_side("ours", url, client, n)
        results["limit"] = raw_limit(client, payloads)
        results["upstream"], _ = one_side("upstream", url, client, n)
        client.close()
    return results


def table(results: dict) -> str:
    n = results["entries"]
    o, u, limit = results["ours"], results["upstream"], results["limit"]
    rows = [
        ("metric", "ours", "upstream 2.4.2", "ours better by", "target"),
        (
            f"end to end, {n:,} due, queued per second",
            f"{o['per_second']:,.0f} /s",
            f"{u['per_second']:,.0f} /s",
            f"{o['per_second'] / u['per_second']:,.1f}x",
            ">= 10x",
        ),
        (
            "first message queued after the tick starts",
            f"{o['first_message_ms']:,.1f} ms",
            f"{u['first_message_ms']:,.1f} ms",
            f"{u['first_message_ms'] / o['first_message_ms']:,.0f}x",
            "<= 50 ms",
        ),
        (
            "CPU per entry (beat + Redis)",
            f"{o['cpu_us_per_entry'] + o['redis_cpu_us_per_entry']:,.0f} us",
            f"{u['cpu_us_per_entry'] + u['redis_cpu_us_per_entry']:,.0f} us",
            f"{(u['cpu_us_per_entry'] + u['redis_cpu_us_per_entry']) / (o['cpu_us_per_entry'] + o['redis_cpu_us_per_entry']):,.1f}x",
            "",
        ),
        (
            "raw pipelined LPUSH of the same messages",
            f"{o['per_second'] / limit['per_second']:,.2f}x of it",
            f"{u['per_second'] / limit['per_second']:,.3f}x of it",
            f"{limit['per_second']:,.0f} /s",
            "",
        ),
        (
            "worker drain (every task ran exactly once)",
            f"{o['worker_drain_seconds']:,.1f} s",
            f"{u['worker_drain_seconds']:,.1f} s",
            "",
            "",
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        "  ".join(
            cell.ljust(w) if i in (0, 4) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    phases = o.get("phases_us_per_entry") or {}
    if phases:
        lines.append("")
        lines.append("where ours spends a dispatched entry's time (wall, us):")
        for label, us in phases.items():
            lines.append(f"  {label:<34} {us:7.1f}")
        lines.append(f"  {'(total window)':<34} {o['seconds'] / n * 1e6:7.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--json", default=str(HERE / "build" / "bench-e2e.json"))
    args = parser.parse_args()
    results = run(args.entries)
    report(results, args.json, table(results))


if __name__ == "__main__":
    main()
