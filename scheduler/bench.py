"""How much a tick costs: `make bench` (about 15 s).

On a private redis-server, with a frozen clock:
- fire: N entries all due in one tick (decide, fenced record, publish to a Redis broker);
- idle: a tick when none of N entries is due (the common case: one candidates query);
- decode: reading one entry's definition, first time (full validation) and cached (same bytes);
- the same fire and idle figures for upstream's scheduler, for comparison.
Prints one line per figure, and JSON with --json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime, timedelta, timezone

from celery import Celery

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule, codec
from redbeat_sdk.redis_server import RedisServer

from redbeat_scheduler import RedBeatScheduler

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def make_beat(url: str, clock, scheduler=RedBeatScheduler, **conf):
    app = Celery("bench", set_as_current=False)
    app.conf.update(redbeat_redis_url=url + "/0", broker_url=url + "/1", beat_max_loop_interval=60,
                    result_expires=None, timezone="UTC", **conf)
    app.now = clock
    return scheduler(app=app)


def upstream_tick_costs(url: str, n: int) -> tuple[float, float]:
    """Upstream's RedBeatScheduler on the same entries (lock off: its lock needs beat_init)."""
    from redbeat import RedBeatScheduler as Upstream

    now = [T0]
    clock = lambda: now[0]  # noqa: E731
    RedBeatClient.from_url(url + "/0", clock=clock).save_many(entries(n))
    beat = make_beat(url, clock, Upstream, redbeat_lock_key=None)
    now[0] = T0 + timedelta(minutes=10)
    started = time.perf_counter()
    beat.tick()
    fire = (time.perf_counter() - started) / n
    now[0] += timedelta(seconds=1)
    idle = []
    for _ in range(50):
        started = time.perf_counter()
        beat.tick()
        idle.append(time.perf_counter() - started)
    beat.close()
    return fire, statistics.median(idle)


def entries(n: int) -> list[Entry]:
    kinds = [Interval(10), Crontab(minute="*/10"), RRule("MINUTELY", interval=10, dtstart=T0)]
    return [Entry(f"bench-{i}", "bench.task", kinds[i % 3], args=[i], kwargs={"i": i}) for i in range(n)]


def bench(n: int) -> dict:
    results = {}
    with RedisServer() as server:
        url = f"redis://127.0.0.1:{server.port}"
        now = [T0]
        clock = lambda: now[0]  # noqa: E731
        sdk = RedBeatClient.from_url(url + "/0", clock=clock)
        sdk.save_many(entries(n))
        beat = make_beat(url, clock)
        beat.batch_size = n
        now[0] = T0 + timedelta(minutes=10)  # every entry due
        started = time.perf_counter()
        beat.tick()
        fire = time.perf_counter() - started
        assert beat.stats.sent == n, beat.stats
        results["fire_per_entry_ms"] = fire / n * 1000
        results["fire_entries_per_s"] = n / fire

        now[0] += timedelta(seconds=1)
        idle = []
        for _ in range(50):
            started = time.perf_counter()
            beat.tick()
            idle.append(time.perf_counter() - started)
        results["idle_tick_ms"] = statistics.median(idle) * 1000
        beat.close()

        raw = sdk.client if hasattr(sdk, "client") else None
        client = beat.client if raw is None else raw
        definition = client.hget("redbeat:bench-2", "definition")
        rounds = 300
        started = time.perf_counter()
        for _ in range(rounds):
            codec.decode_entry("redbeat:bench-2", "bench-2", definition, None)
        results["decode_rrule_uncached_us"] = (time.perf_counter() - started) / rounds * 1e6
        client.flushall()
        fire, idle = upstream_tick_costs(url, n)
        results["upstream_fire_per_entry_ms"] = fire * 1000
        results["upstream_idle_tick_ms"] = idle * 1000
    results["entries"] = n
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = bench(args.n)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"fire:   {results['entries']} due entries in one tick: {results['fire_per_entry_ms']:.3f} ms each "
          f"({results['fire_entries_per_s']:.0f} entries/s, publishing to a Redis broker)")
    print(f"idle:   a tick with nothing due among {results['entries']}: {results['idle_tick_ms']:.3f} ms")
    print(f"upstream 2.4.2 on the same entries: fire {results['upstream_fire_per_entry_ms']:.3f} ms each, "
          f"idle tick {results['upstream_idle_tick_ms']:.3f} ms")
    print(f"decode: one rrule definition, uncached: {results['decode_rrule_uncached_us']:.0f} us "
          "(the scheduler caches decoded definitions by their bytes)")


if __name__ == "__main__":
    main()
