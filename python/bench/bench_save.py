"""`make bench` (Python SDK): save and save_many of the synchronous and the asyncio client, against
upstream's `RedBeatSchedulerEntry.save()` and a raw redis-py / redis.asyncio pipeline.

One Redis, one run, ratios printed (above 1x / 100%: the SDK is faster). Wall-clock numbers live here,
never in tests. Each figure is the best of 5 runs. Set BENCH_N to change the entry count (default 2000
for save, ten times that for save_many).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import redis
import redis.asyncio
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient
from redbeat_sdk.asyncio import AsyncRedBeatClient

N_SAVE = int(os.environ.get("BENCH_N", "2000"))
N_MANY = int(os.environ.get("BENCH_N_MANY", str(N_SAVE * 10)))
CONCURRENCY = 50  # coroutines saving at once, in the concurrent asyncio row
RUNS = 5  # rounds


def measure(runs: dict[str, Callable[[], Any]], loop: asyncio.AbstractEventLoop) -> dict[str, float]:
    """Seconds per benchmark, the best of RUNS rounds; each round runs every benchmark once, so a spell
    of load on the shared machine does not fall on one of them only. A benchmark returning a coroutine
    is run on `loop`."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(RUNS):
        for name, run in runs.items():
            start = time.perf_counter()
            done = run()
            if inspect.iscoroutine(done):
                loop.run_until_complete(done)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def entry(tag: str, i: int) -> Entry:
    return Entry(
        f"{tag}-{i}", "tasks.add", Interval(60), args=[i, "x"], kwargs={"k": i}, options={"queue": "q"}
    )


def raw_fields(i: int, now: datetime) -> tuple[str, str, str, int]:
    """What a hand-written producer writes for entry i: key, definition and meta (stdlib json), score."""
    definition = {
        "name": f"raw-{i}",
        "task": "tasks.add",
        "args": [i, "x"],
        "kwargs": {"k": i},
        "options": {"queue": "q"},
        "schedule": {"__type__": "interval", "every": 60.0, "relative": False},
        "enabled": True,
    }
    stamp = {"__type__": "datetime", "year": now.year, "month": now.month, "day": now.day, "hour": now.hour}
    stamp.update(minute=now.minute, second=now.second, microsecond=now.microsecond, timezone="UTC")
    return (
        f"redbeat:raw-{i}",
        json.dumps(definition),
        json.dumps({"last_run_at": stamp}),
        int(now.timestamp()) + 60,
    )


def queue_raw(pipe: Any, i: int, now: datetime) -> None:
    """HSET definition, HSETNX meta, ZADD: upstream's three commands, queued on a pipeline."""
    key, definition, meta, score = raw_fields(i, now)
    pipe.hset(key, "definition", definition)
    pipe.hsetnx(key, "meta", meta)
    pipe.zadd("redbeat::schedule", {key: score})


# -- synchronous ---------------------------------------------------------------------------------------


def upstream_saves(url: str, r: redis.Redis, n: int) -> Callable[[], None]:
    from celery import Celery
    from celery.schedules import schedule
    from redbeat.schedulers import RedBeatSchedulerEntry

    app = Celery("bench", broker="memory://", set_as_current=True)
    app.conf.update(redbeat_redis_url=url, result_expires=None)

    def run() -> None:
        r.flushall()
        for i in range(n):
            RedBeatSchedulerEntry(
                f"up-{i}",
                "tasks.add",
                schedule(60),
                args=[i, "x"],
                kwargs={"k": i},
                options={"queue": "q"},
                app=app,
            ).save()

    return run


def sdk_saves(client: RedBeatClient, r: redis.Redis, n: int) -> Callable[[], None]:
    """Built and saved one at a time, like the upstream loop (construction counted on both sides)."""

    def run() -> None:
        r.flushall()
        for i in range(n):
            client.save(entry("sdk", i))

    return run


def sdk_save_many(client: RedBeatClient, r: redis.Redis, n: int) -> Callable[[], None]:
    batch = [entry("many", i) for i in range(n)]

    def run() -> None:
        r.flushall()
        client.save_many(batch)

    return run


def raw_pipeline(r: redis.Redis, n: int, batch: int = 500) -> Callable[[], None]:
    now = datetime.now(timezone.utc)

    def run() -> None:
        r.flushall()
        for start in range(0, n, batch):
            pipe = r.pipeline(transaction=False)
            for i in range(start, min(n, start + batch)):
                queue_raw(pipe, i, now)
            pipe.execute()

    return run


# -- asyncio -------------------------------------------------------------------------------------------


def async_benchmarks(ar: redis.asyncio.Redis, r: redis.Redis) -> dict[str, Callable[[], Any]]:
    """The asyncio client: save one at a time, CONCURRENCY at once, save_many; raw redis.asyncio, upstream's
    three commands per entry: one transaction per entry (as upstream's save), and pipelined in batches."""
    client = AsyncRedBeatClient(ar)
    batch = [entry("amany", i) for i in range(N_MANY)]
    now = datetime.now(timezone.utc)

    async def saves() -> None:
        r.flushall()
        for i in range(N_SAVE):
            await client.save(entry("async", i))

    async def concurrent_saves() -> None:
        r.flushall()
        todo = iter(range(N_SAVE))

        async def worker() -> None:
            for i in todo:
                await client.save(entry("conc", i))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    async def save_many() -> None:
        r.flushall()
        await client.save_many(batch)

    async def raw_saves() -> None:
        r.flushall()
        for i in range(N_SAVE):
            async with ar.pipeline(transaction=True) as pipe:
                queue_raw(pipe, i, now)
                await pipe.execute()

    async def raw_pipelined(size: int = 500) -> None:
        r.flushall()
        for start in range(0, N_MANY, size):
            pipe = ar.pipeline(transaction=False)
            for i in range(start, min(N_MANY, start + size)):
                queue_raw(pipe, i, now)
            await pipe.execute()

    return {
        "async_save": saves,
        "async_save_concurrent": concurrent_saves,
        "async_save_many": save_many,
        "raw_async_save": raw_saves,
        "raw_async_pipeline": raw_pipelined,
    }


def main() -> None:
    url = os.environ.get("REDBEAT_REDIS_URL")
    server = None if url else Single().start()
    url = url or server.url
    try:
        r = redis.Redis.from_url(url, decode_responses=True)
        client = RedBeatClient(r)
        loop = asyncio.new_event_loop()
        ar = redis.asyncio.Redis.from_url(url, decode_responses=True)
        client.save(entry("warm-up", 0))  # the connection and the scripts, for both clients
        loop.run_until_complete(AsyncRedBeatClient(ar).save(entry("warm-up", 0)))
        t = measure(
            {
                "upstream_save": upstream_saves(url, r, N_SAVE),
                "save": sdk_saves(client, r, N_SAVE),
                "save_many": sdk_save_many(client, r, N_MANY),
                "raw_pipeline": raw_pipeline(r, N_MANY),
                **async_benchmarks(ar, r),
            },
            loop,
        )
        loop.run_until_complete(ar.aclose())
        loop.close()
        rows = [  # name, SDK seconds, baseline seconds, entries, target (a ratio)
            ("save (vs upstream save)", t["save"], t["upstream_save"], N_SAVE, 3.0),
            ("save_many (vs raw pipeline)", t["save_many"], t["raw_pipeline"], N_MANY, 0.8),
            ("async save (vs sync save)", t["async_save"], t["save"], N_SAVE, None),
            ("async save (vs raw asyncio MULTI)", t["async_save"], t["raw_async_save"], N_SAVE, None),
            (
                f"async save x{CONCURRENCY} (vs async save)",
                t["async_save_concurrent"],
                t["async_save"],
                N_SAVE,
                None,
            ),
            ("async save_many (vs sync)", t["async_save_many"], t["save_many"], N_MANY, None),
            ("async save_many (vs raw asyncio)", t["async_save_many"], t["raw_async_pipeline"], N_MANY, 0.9),
        ]
        print(f"{'benchmark':<40}{'sdk/s':>10}{'baseline/s':>12}{'ratio':>9}{'target':>9}")
        results = {}
        for name, sdk, base, n, target in rows:
            ratio = base / sdk
            goal = "" if target is None else f">= {target:.0%}" if target < 1 else f">= {target:g}x"
            shown = f"{ratio:.0%}" if target is not None and target < 1 else f"{ratio:.2f}x"
            print(f"{name:<40}{n / sdk:>10.0f}{n / base:>12.0f}{shown:>9}{goal:>9}")
            results[name] = {
                "sdk_per_s": n / sdk,
                "baseline_per_s": n / base,
                "ratio": ratio,
                "target": target,
            }
        print(json.dumps(results))
        r.flushall()
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
