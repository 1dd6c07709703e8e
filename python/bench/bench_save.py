"""`make bench` (Python SDK): save and save_many against upstream and a raw redis-py pipeline.

One Redis, one run, ratios printed. Wall-clock numbers live here, never in tests.
Set BENCH_N to change the entry count (default 2000 for save, 20000 for save_many).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone

import redis
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient

N_SAVE = int(os.environ.get("BENCH_N", "2000"))
N_MANY = int(os.environ.get("BENCH_N_MANY", str(N_SAVE * 10)))


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def entries(n: int, tag: str) -> list[Entry]:
    return [
        Entry(f"{tag}-{i}", "tasks.add", Interval(60), args=[i, "x"], kwargs={"k": i}, options={"queue": "q"})
        for i in range(n)
    ]


def upstream_saves(url: str, r: redis.Redis, n: int) -> float:
    from celery import Celery
    from celery.schedules import schedule
    from redbeat.schedulers import RedBeatSchedulerEntry

    app = Celery("bench", broker="memory://", set_as_current=True)
    app.conf.update(redbeat_redis_url=url, result_expires=None)

    def run():
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

    return best_of(3, run)


def sdk_saves(client: RedBeatClient, r: redis.Redis, n: int) -> float:
    """Built and saved one at a time, like the upstream loop (construction counted on both sides)."""

    def run():
        r.flushall()
        for i in range(n):
            client.save(
                Entry(
                    f"sdk-{i}",
                    "tasks.add",
                    Interval(60),
                    args=[i, "x"],
                    kwargs={"k": i},
                    options={"queue": "q"},
                )
            )

    return best_of(3, run)


def sdk_save_many(client: RedBeatClient, r: redis.Redis, n: int) -> float:
    batch = entries(n, "many")

    def run():
        r.flushall()
        client.save_many(batch)

    return best_of(3, run)


def raw_pipeline(r: redis.Redis, n: int, batch: int = 500) -> float:
    """What a hand-written producer sends: HSET definition, HSETNX meta, ZADD, stdlib json, pipelined."""
    now = datetime.now(timezone.utc)
    meta = {
        "last_run_at": {
            "__type__": "datetime",
            "year": now.year,
            "month": now.month,
            "day": now.day,
            "hour": now.hour,
            "minute": now.minute,
            "second": now.second,
            "microsecond": now.microsecond,
            "timezone": "UTC",
        }
    }
    score = int(now.timestamp()) + 60

    def run():
        r.flushall()
        for start in range(0, n, batch):
            pipe = r.pipeline(transaction=False)
            for i in range(start, min(n, start + batch)):
                key = f"redbeat:raw-{i}"
                definition = {
                    "name": f"raw-{i}",
                    "task": "tasks.add",
                    "args": [i, "x"],
                    "kwargs": {"k": i},
                    "options": {"queue": "q"},
                    "schedule": {"__type__": "interval", "every": 60.0, "relative": False},
                    "enabled": True,
                }
                pipe.hset(key, "definition", json.dumps(definition))
                pipe.hsetnx(key, "meta", json.dumps(meta))
                pipe.zadd("redbeat::schedule", {key: score})
            pipe.execute()

    return best_of(3, run)


def main() -> None:
    url = os.environ.get("REDBEAT_REDIS_URL")
    server = None if url else Single().start()
    url = url or server.url
    try:
        r = redis.Redis.from_url(url, decode_responses=True)
        client = RedBeatClient(r)
        up = upstream_saves(url, r, N_SAVE)
        ours = sdk_saves(client, r, N_SAVE)
        many = sdk_save_many(client, r, N_MANY)
        raw = raw_pipeline(r, N_MANY)
        results = {
            "save_per_s": {"sdk": N_SAVE / ours, "upstream": N_SAVE / up, "ratio": up / ours, "target": 3.0},
            "save_many_per_s": {
                "sdk": N_MANY / many,
                "raw_pipeline": N_MANY / raw,
                "ratio": raw / many,
                "target": 0.8,
            },
        }
        print(f"{'benchmark':<28}{'sdk/s':>12}{'baseline/s':>14}{'ratio':>9}{'target':>9}")
        print(
            f"{'save (vs upstream save)':<28}{N_SAVE / ours:>12.0f}{N_SAVE / up:>14.0f}{up / ours:>8.2f}x{'>= 3x':>9}"
        )
        print(
            f"{'save_many (vs raw pipeline)':<28}{N_MANY / many:>12.0f}{N_MANY / raw:>14.0f}{raw / many:>8.0%} {'>= 80%':>8}"
        )
        print(json.dumps(results))
        r.flushall()
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
