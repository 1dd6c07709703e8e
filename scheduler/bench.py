"""This scheduler against upstream's `redbeat.RedBeatScheduler` 2.4.2, in one run on one private Redis.

`make bench` (quick, a few minutes) and `make bench-full` (1M entries, longer runs). Both schedulers run
in this process with Celery's real clock, the lock on, and publishing stubbed the same way
(`app.send_task` replaced by a recorder), so what is measured is the scheduler, not a broker:

- tick: the cost of one tick (wall time, median) with 10 due entries among N stored;
- dispatch: every one of N entries overdue (5,000 and 30,000; 100,000 too in bench-full), until all are
  sent: entries per second, and the CPU time per sent entry of this process plus Redis's (`INFO cpu`);
  two rounds each, in turns, the faster one counted.
  With `send_task` replaced, ours publishes each run through Celery's `apply_async` (its per-message
  way, outbox included); `bench_e2e.py` measures the real thing, a Redis broker;
- first send: with 100,000 entries overdue, from the start of a fresh scheduler's first tick to its
  first publish;
- lateness: 1,000 entries each every second (`Interval(1)`), their due times spread evenly over the
  second (a steady 1,000 runs/s), for some seconds. A run's lateness is its send time minus its due
  time, the due time being one period after the entry's previous send (both schedulers stamp a run
  at its send, to within the tick), or the stored due time for its first run;
- startup: with 100,000 entries stored and 10 `beat_schedule` entries, from constructing the scheduler
  to the end of its first tick (upstream: constructor, lock, first tick);
- memory: Redis `used_memory` per stored entry, as our SDK writes it and as upstream's entry.save() does.

Entries are a mix of 10 schedules (intervals, crontabs, rrules), each with its own name and arguments.
Prints a table (ratios: how many times better ours is) and writes the numbers as JSON to
`build/bench.json` (or `--json PATH`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import redis
from celery import Celery
from topologies import Single

from redbeat_scheduler import RedBeatScheduler
from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule, codec
from redbeat_sdk.datetimes import epoch_seconds

UTC = timezone.utc
PREFIX = "redbeat:"
SCHEDULE_KEY = PREFIX + ":schedule"

QUICK = dict(
    tick_sizes=(1_000, 10_000, 100_000),
    tick_rounds=15,
    dispatch=(5_000, 30_000),
    first_send=100_000,
    lateness_seconds=10,
    startup_rounds=3,
    memory=10_000,
)
FULL = dict(
    tick_sizes=(1_000, 10_000, 100_000, 1_000_000),
    tick_rounds=40,
    dispatch=(5_000, 30_000, 100_000),
    first_send=100_000,
    lateness_seconds=20,
    startup_rounds=5,
    memory=50_000,
)


class FirstSend(BaseException):
    """Raised by the recorder to stop a tick at its first publish (neither scheduler catches it)."""


class Recorder:
    """`app.send_task` for both schedulers: notes each publish (monotonic time, first argument)."""

    def __init__(self):
        self.times: list[float] = []
        self.args: list = []
        self.stop_at_first = False

    def __call__(self, name, args=None, kwargs=None, **options):
        self.times.append(time.perf_counter())
        self.args.append(args[0] if args else None)
        if self.stop_at_first:
            raise FirstSend()


# ------------------------------------------------------------------------------------------------
# data


def mix(now: datetime, idle: bool) -> list:
    """Ten schedules. `idle`: none of them comes due within the next hours after a run now (for tick costs;
    rrules start in the past, since upstream never fires a never-run rrule before its dtstart)."""
    if idle:
        hour = (now.hour + 8) % 24
        return [
            Interval(3600 * 6),
            Interval(86400),
            Crontab(minute=0, hour=hour),
            Interval(3600 * 12),
            Crontab(minute=30, hour=hour, day_of_week="mon-fri"),
            RRule("DAILY", dtstart=now - timedelta(hours=16)),
            Interval(3600 * 8),
            Crontab(minute=15, hour=(hour + 2) % 24),
            Interval(86400 * 7),
            RRule("WEEKLY", dtstart=now - timedelta(days=6, hours=15)),
        ]
    start = now - timedelta(days=3)
    return [
        Interval(60),
        Interval(300),
        Crontab(minute="*/5"),
        Crontab(minute=0, hour="*/2"),
        Interval(3600),
        Crontab(minute=30, hour=2),
        RRule("HOURLY", dtstart=start),
        Interval(600),
        Crontab(minute="*/15", day_of_week="mon-fri"),
        RRule("DAILY", dtstart=start, byhour=[3]),
    ]


def store_entries(
    client: redis.Redis,
    first: int,
    count: int,
    schedules: list,
    last_run_at,
    score_of,
    now: datetime,
    name: str = "bench",
    prefix: str = PREFIX,
    task: str = "bench.task",
) -> None:
    """Write entries as the SDK writes them (its codec, the same bytes), pipelined for speed.
    `last_run_at(i)` and `score_of(i)` give each entry's stored run state and score."""
    templates = [codec.definition_wire(Entry("t", task, s), now, UTC) for s in schedules]
    pipe = client.pipeline(transaction=False)
    for i in range(first, first + count):
        wire = dict(templates[i % len(templates)], name=f"{name}-{i}", args=[i], kwargs={"i": i})
        key = f"{prefix}{name}-{i}"
        pipe.hset(
            key,
            mapping={
                "definition": codec.encode_definition(wire),
                "meta": codec.encode_meta(last_run_at(i), 1),
            },
        )
        pipe.zadd(prefix + ":schedule", {key: score_of(i)})
        if len(pipe) >= 2000:
            pipe.execute()
    pipe.execute()


# ------------------------------------------------------------------------------------------------
# the two schedulers


def make_app(url: str, recorder: Recorder, **conf) -> Celery:
    app = Celery("bench", set_as_current=False)
    app.conf.update(
        redbeat_redis_url=url,
        broker_url="memory://",
        result_expires=None,
        timezone="UTC",
        beat_max_loop_interval=300,
        **conf,
    )
    app.send_task = recorder
    app.finalize(auto=True)  # Celery's one-time setup, not the scheduler's: done before any timing
    return app


def ours(url: str, recorder: Recorder, **conf) -> RedBeatScheduler:
    scheduler = RedBeatScheduler(app=make_app(url, recorder, **conf))
    scheduler.producer  # noqa: B018  (Celery's producer, created once; as warm for both)
    return scheduler


def upstream(url: str, recorder: Recorder, **conf):
    from redbeat.schedulers import RedBeatScheduler as Upstream
    from redbeat.schedulers import acquire_distributed_beat_lock

    scheduler = Upstream(app=make_app(url, recorder, **conf))
    scheduler.producer  # noqa: B018
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))  # what beat_init does
    return scheduler


MAKERS = {"ours": ours, "upstream": upstream}


def drain(scheduler, recorder: Recorder, expected: int, limit: float = 600.0) -> None:
    """Tick until `expected` sends (ours returns 0 while due entries remain; upstream sends all at once)."""
    deadline = time.monotonic() + limit
    while len(recorder.times) < expected and time.monotonic() < deadline:
        scheduler.tick()


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


# ------------------------------------------------------------------------------------------------
# scenarios


def tick_costs(url: str, client: redis.Redis, sizes, rounds: int, startup_rounds: int) -> tuple[dict, dict]:
    """Tick cost with 10 due among N (for each N), and startup at 100,000 stored. The two schedulers
    keep their entries under two prefixes and tick in turns, so that both see the same machine load."""
    client.flushall()
    now = datetime.now(UTC)
    schedules = mix(now, idle=True)
    prefixes = {"ours": PREFIX, "upstream": "up:"}
    sdks = {who: RedBeatClient(client, key_prefix=prefix) for who, prefix in prefixes.items()}
    stored = 0
    costs: dict = {}
    for n in sizes:
        for prefix in prefixes.values():
            store_entries(
                client,
                stored,
                n - stored,
                schedules,
                lambda i: now,
                lambda i: epoch_seconds(now) + 6 * 3600,
                now,
                prefix=prefix,
            )
        stored = n
        recorders = {who: Recorder() for who in MAKERS}
        schedulers = {
            who: make(url, recorders[who], redbeat_key_prefix=prefixes[who]) for who, make in MAKERS.items()
        }
        for scheduler in schedulers.values():
            scheduler.tick()  # takes the lock, loads the scripts
        gc.collect()
        gc.freeze()  # what exists now is never collected: no full collection inside a timed tick
        times: dict = {who: [] for who in MAKERS}
        for r in range(rounds):
            for who in ("ours", "upstream") if r % 2 else ("upstream", "ours"):
                for i in random.sample(range(n), 10):
                    sdks[who].run_now(f"bench-{i}")
                started = time.perf_counter()
                schedulers[who].tick()
                times[who].append(time.perf_counter() - started)
        gc.unfreeze()
        for who, scheduler in schedulers.items():
            scheduler.close()
            assert len(recorders[who].times) == 10 * rounds, (who, len(recorders[who].times))
        costs[n] = {who: statistics.median(t) * 1000 for who, t in times.items()}
        print(
            f"  tick with 10 due among {n:>9,}: ours {costs[n]['ours']:.2f} ms, "
            f"upstream {costs[n]['upstream']:.2f} ms",
            file=sys.stderr,
        )
    startup = startup_costs(url, client, prefixes, startup_rounds)
    return costs, startup


def startup_costs(url: str, client: redis.Redis, prefixes: dict, rounds: int) -> dict:
    """From constructing the scheduler to the end of its first tick, 100,000 entries stored (the rest
    of a larger set is taken out of the schedule) and 10 beat_schedule entries."""
    statics = {f"static-{i}": {"task": "bench.static", "schedule": 3600.0 + i} for i in range(10)}
    out: dict = {}
    for who, make in MAKERS.items():
        schedule = prefixes[who] + ":schedule"
        client.zremrangebyrank(schedule, 100_000, -1)
        times = []
        for _ in range(rounds):
            gc.collect()
            started = time.perf_counter()
            scheduler = make(url, Recorder(), beat_schedule=statics, redbeat_key_prefix=prefixes[who])
            scheduler.tick()
            times.append(time.perf_counter() - started)
            scheduler.close()
        out[who] = statistics.median(times) * 1000
        out["entries"] = client.zcard(schedule)
    return out


def store_all_due(client: redis.Redis, n: int, task: str = "bench.task") -> None:
    """An empty Redis, then `n` entries of the mix, every one overdue (last run two days ago)."""
    client.flushall()
    now = datetime.now(UTC)
    store_entries(
        client,
        0,
        n,
        mix(now, idle=False),
        lambda i: now - timedelta(days=2),
        lambda i: epoch_seconds(now) - 86400,
        now,
        task=task,
    )


def dispatch(url: str, client: redis.Redis, n: int, rounds: int = 2) -> dict:
    """Each scheduler `rounds` times, in turns (ours, upstream, ours, ...), the fastest round of each
    counted: on a shared machine a burst of someone else's load then hits one round, not one side."""
    out: dict = {}
    for _ in range(rounds):
        for who, make in MAKERS.items():
            store_all_due(client, n)
            recorder = Recorder()
            scheduler = make(url, recorder)
            gc.collect()
            gc.freeze()  # the bench's own objects are not the scheduler's garbage to collect
            cpu, redis_before, started = time.process_time(), redis_cpu(client), time.perf_counter()
            drain(scheduler, recorder, n)
            wall = time.perf_counter() - started
            cpu, redis_used = time.process_time() - cpu, redis_cpu(client) - redis_before
            gc.unfreeze()
            scheduler.close()
            sent = len(recorder.times)
            print(f"  dispatch {who}: {sent:,} in {wall:.2f} s", file=sys.stderr)
            if who in out and out[who]["seconds"] <= wall:
                continue
            out[who] = {
                "sent": sent,
                "seconds": wall,
                "per_second": sent / wall,
                "cpu_us_per_entry": cpu / sent * 1e6,
                "redis_cpu_us_per_entry": redis_used / sent * 1e6,
            }
    return out


def first_send(url: str, client: redis.Redis, n: int) -> dict:
    out = {}
    for who, make in MAKERS.items():
        store_all_due(client, n)
        recorder = Recorder()
        recorder.stop_at_first = True
        scheduler = make(url, recorder)
        gc.collect()
        started = time.perf_counter()
        with contextlib.suppress(FirstSend):
            scheduler.tick()
        out[who] = (recorder.times[0] - started) * 1000
        scheduler.close()
        print(f"  first send with {n:,} due, {who}: {out[who]:.1f} ms", file=sys.stderr)
    return out


def lateness(url: str, client: redis.Redis, seconds: float, count: int = 1000) -> dict:
    out = {}
    for who, make in MAKERS.items():
        client.flushall()
        recorder = Recorder()
        scheduler = make(url, recorder)
        start = datetime.now(UTC) + timedelta(seconds=1.5)
        first_due = {i: start + timedelta(seconds=i / count) for i in range(count)}
        store_entries(
            client,
            0,
            count,
            [Interval(1)],
            lambda i: first_due[i] - timedelta(seconds=1),
            lambda i: epoch_seconds(first_due[i]),
            start,
            name="every-second",
        )
        wall0 = time.time() - time.perf_counter()  # perf_counter -> epoch seconds
        end = time.monotonic() + 1.5 + seconds
        while time.monotonic() < end:
            sleep = scheduler.tick()
            if sleep and sleep > 0:
                time.sleep(min(sleep, max(0.0, end - time.monotonic())))
        scheduler.close()
        previous: dict = {}
        late = []
        for at, i in zip(recorder.times, recorder.args, strict=True):
            sent = wall0 + at
            due = previous[i] + 1.0 if i in previous else first_due[i].timestamp()
            late.append(sent - due)
            previous[i] = sent
        late.sort()
        out[who] = {
            "runs": len(late),
            "runs_per_second": len(late) / seconds,
            "p50_ms": _quantile(late, 0.50) * 1000,
            "p99_ms": _quantile(late, 0.99) * 1000,
        }
        print(
            f"  lateness {who}: {len(late):,} runs, p50 {out[who]['p50_ms']:.1f} ms, "
            f"p99 {out[who]['p99_ms']:.1f} ms",
            file=sys.stderr,
        )
    return out


def memory(url: str, client: redis.Redis, n: int) -> dict:
    from redbeat.decoder import RedBeatJSONDecoder
    from redbeat.schedulers import RedBeatSchedulerEntry

    out = {}
    client.flushall()
    base = client.info("memory")["used_memory"]
    now = datetime.now(UTC)
    six = mix(now, idle=False)[:6]
    store_entries(client, 0, n, six, lambda i: now, lambda i: epoch_seconds(now) + 60, now)
    out["ours"] = (client.info("memory")["used_memory"] - base) / n
    client.flushall()
    base = client.info("memory")["used_memory"]
    app = make_app(url, Recorder())
    # The same six schedules as ours above, as upstream's decoder builds them from their wire form.
    kinds = [json.loads(json.dumps(kind.to_wire(now)), cls=RedBeatJSONDecoder) for kind in six]
    for i in range(n):
        RedBeatSchedulerEntry(
            f"bench-{i}", "bench.task", kinds[i % len(kinds)], args=[i], kwargs={"i": i}, app=app
        ).save()
    out["upstream"] = (client.info("memory")["used_memory"] - base) / n
    return out


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# ------------------------------------------------------------------------------------------------
# report


def report(results: dict, json_path: str, text: str) -> None:
    """Write `results` to `json_path` and print their table (`text`), as every bench here ends."""
    path = Path(json_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(text)
    print(f"\n(ratios: how many times better ours is; numbers in {path})")


def run(config: dict, only: set | None = None) -> dict:
    results: dict = {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}}
    wanted = lambda part: only is None or part in only  # noqa: E731
    with Single() as server:
        url = f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis(port=server.port, decode_responses=True)
        if wanted("tick"):
            print("tick cost and startup", file=sys.stderr)
            results["tick_ms"], results["startup_ms"] = tick_costs(
                url, client, config["tick_sizes"], config["tick_rounds"], config["startup_rounds"]
            )
        if wanted("dispatch"):
            print("dispatch", file=sys.stderr)
            results["dispatch"] = {n: dispatch(url, client, n) for n in config["dispatch"]}
        if wanted("first"):
            print("first send", file=sys.stderr)
            results["first_send_ms"] = first_send(url, client, config["first_send"])
        if wanted("lateness"):
            print("lateness", file=sys.stderr)
            results["lateness"] = lateness(url, client, config["lateness_seconds"])
        if wanted("memory"):
            print("memory", file=sys.stderr)
            results["memory_bytes_per_entry"] = memory(url, client, config["memory"])
        client.close()
    return results


def table(results: dict) -> str:
    rows = []

    def row(what, ours, theirs, unit, better, target=""):
        ratio = (theirs / ours if better == "lower" else ours / theirs) if ours and theirs else float("nan")
        rows.append((what, f"{ours:,.2f} {unit}", f"{theirs:,.2f} {unit}", f"{ratio:,.1f}x", target))

    for n, cost in results["tick_ms"].items():
        row(
            f"tick, 10 due among {int(n):,}",
            cost["ours"],
            cost["upstream"],
            "ms",
            "lower",
            ">= 6x, flat in N",
        )
    for n, d in results["dispatch"].items():
        row(
            f"dispatch (publish stubbed), {int(n):,} all due",
            d["ours"]["per_second"],
            d["upstream"]["per_second"],
            "/s",
            "higher",
            ">= 12x",
        )
    d = results["dispatch"][max(results["dispatch"], key=int)]
    cpu = {who: d[who]["cpu_us_per_entry"] + d[who]["redis_cpu_us_per_entry"] for who in d}
    row(
        f"CPU per dispatched entry (beat + Redis), {d['ours']['sent']:,} due",
        cpu["ours"],
        cpu["upstream"],
        "us",
        "lower",
        "~80 us",
    )
    f = results["first_send_ms"]
    row(
        f"first send, {results['config']['first_send']:,} due",
        f["ours"],
        f["upstream"],
        "ms",
        "lower",
        "<= 50 ms",
    )
    late = results["lateness"]
    row("lateness p50, 1,000 runs/s", late["ours"]["p50_ms"], late["upstream"]["p50_ms"], "ms", "lower")
    row(
        "lateness p99, 1,000 runs/s",
        late["ours"]["p99_ms"],
        late["upstream"]["p99_ms"],
        "ms",
        "lower",
        "<= 10 ms",
    )
    s = results["startup_ms"]
    row(f"startup, {s['entries']:,} stored", s["ours"], s["upstream"], "ms", "lower", "no slower")
    m = results["memory_bytes_per_entry"]
    row("Redis memory per entry", m["ours"], m["upstream"], "B", "lower", "")
    widths = [max(len(str(r[i])) for r in [*rows, HEADER]) for i in range(5)]
    lines = [
        "  ".join(
            str(cell).ljust(w) if i == 0 or i == 4 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [HEADER, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


HEADER = ("metric", "ours", "upstream 2.4.2", "ours better by", "target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1M entries and longer runs (bench-full)")
    parser.add_argument("--json", default=str(Path(__file__).parent / "build" / "bench.json"))
    parser.add_argument("--only", help="comma-separated parts: tick, dispatch, first, lateness, memory")
    args = parser.parse_args()
    results = run(FULL if args.full else QUICK, set(args.only.split(",")) if args.only else None)
    if args.only:
        print(json.dumps(results, indent=2))
        return
    report(results, args.json, table(results))


if __name__ == "__main__":
    main()
