"""Failover with default settings: ours against upstream 2.4.2, real `celery beat` processes, one Redis.

Two entries fire every second. Ours: a leader and a standby with default settings (no lock timeout, no
max interval set); the leader is killed with SIGKILL, a fresh standby is started, and so on for
`--kills` rounds, then the leader is stopped cleanly. A takeover is the time from the kill (or the stop)
to the standby's first message on the broker (publish times come from each message's `expires`).
Upstream with the same defaults would keep the schedule stopped until its lock expires and its standby
polls again: that bound (its lock's TTL as measured in Redis while it leads, plus its `max_interval`) is
what its standby waits at most; waiting it out would take half an hour, so it is printed, not awaited.

Prints a table and writes `build/bench-failover.json` (or `--json PATH`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import redis
from beatprocs import OURS, UPSTREAM, Beat, BrokerView, wait_until
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient
from redbeat_sdk.lock_token import parse_token

HERE = Path(__file__).resolve().parent

LOCK = "redbeat::lock"
UPSTREAM_MAX_INTERVAL = 300.0  # Celery's default


def first_send_after(broker: BrokerView, pid: int, since: float) -> float | None:
    times = [s.sent_at.timestamp() - 3600 for s in broker.sent() if s.origin_pid == pid]
    times = [t for t in times if t >= since - 1]
    return min(times) if times else None


def sends_by(broker: BrokerView, pid: int) -> int:
    return sum(1 for s in broker.sent() if s.origin_pid == pid)


def beat(scheduler: str, server: Single, name: str) -> Beat:
    return Beat(
        scheduler,
        server.url,
        server.url.rsplit("/", 1)[0] + "/1",
        lock_timeout=None,
        max_interval=None,
        name=name,
    )


def ours(server: Single, broker: BrokerView, client: redis.Redis, kills: int) -> dict:
    started = [beat(OURS, server, "leader")]
    leader = started[0]
    takeovers, lease_ttls = [], []
    try:
        wait_until(lambda: sends_by(broker, leader.pid) >= 2, 60, leader.log)
        for round_ in range(kills):
            standby = beat(OURS, server, f"standby-{round_}")
            started.append(standby)
            standby.wait_for_log("standing by", 60)
            lease_ttls.append(client.pttl(LOCK) / 1000)
            killed_at = leader.kill9()
            first = wait_until(lambda: first_send_after(broker, standby.pid, killed_at), 120, standby.log)
            takeovers.append(first - killed_at)
            leader = standby
        standby = beat(OURS, server, "standby-graceful")
        started.append(standby)
        standby.wait_for_log("standing by", 60)
        stopped_at = time.time()
        leader.stop()
        graceful = (
            wait_until(lambda: first_send_after(broker, standby.pid, stopped_at), 60, standby.log)
            - stopped_at
        )
    finally:
        for b in started:
            b.stop()
    return {
        "kills": kills,
        "takeover_s": [round(t, 3) for t in takeovers],
        "takeover_median_s": round(statistics.median(takeovers), 3),
        "takeover_max_s": round(max(takeovers), 3),
        "graceful_stop_takeover_s": round(graceful, 3),
        "lock_ttl_seen_s": max(lease_ttls),
    }


def upstream(server: Single, broker: BrokerView, client: redis.Redis) -> dict:
    leader = beat(UPSTREAM, server, "upstream")
    try:
        wait_until(lambda: sends_by(broker, leader.pid) >= 2, 60, leader.log)
        token = client.get(LOCK)
        ttl = client.pttl(LOCK) / 1000
    finally:
        leader.stop()
    assert token is not None and parse_token(token.decode()).kind == "celery-redbeat", token
    return {"lock_ttl_seen_s": round(ttl, 1), "takeover_bound_s": round(ttl + UPSTREAM_MAX_INTERVAL, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--json", default=str(HERE / "build" / "bench-failover.json"))
    args = parser.parse_args()
    with Single() as server:
        client = redis.Redis(port=server.port)
        broker = BrokerView(server.url.rsplit("/", 1)[0] + "/1")
        sdk = RedBeatClient.from_url(server.url, timezone="UTC")
        for name in ("every-1a", "every-1b"):
            sdk.save(Entry(name, "tasks.ping", Interval(1), args=[name], options={"expires": 3600}))
        results = {"upstream": upstream(server, broker, client)}
        client.delete(LOCK)
        results["ours"] = ours(server, broker, client, args.kills)
    o, u = results["ours"], results["upstream"]
    rows = [
        ("lock TTL while leading", f"{o['lock_ttl_seen_s']:.1f} s", f"{u['lock_ttl_seen_s']:.1f} s"),
        (
            "takeover after SIGKILL, median",
            f"{o['takeover_median_s']:.2f} s",
            f"≤ {u['takeover_bound_s']:.0f} s",
        ),
        ("takeover after SIGKILL, max", f"{o['takeover_max_s']:.2f} s", f"≤ {u['takeover_bound_s']:.0f} s"),
        (
            "takeover after a clean stop",
            f"{o['graceful_stop_takeover_s']:.2f} s",
            f"≤ {UPSTREAM_MAX_INTERVAL:.0f} s",
        ),
    ]
    results["ratio_kill_median"] = round(u["takeover_bound_s"] / o["takeover_median_s"], 1)
    print(
        f"failover with default settings ({o['kills']} kills; upstream's figures are its bound, not awaited)"
    )
    print(f"{'':34} {'ours':>12} {'upstream 2.4.2':>16}")
    for label, mine, theirs in rows:
        print(f"{label:34} {mine:>12} {theirs:>16}")
    print(f"upstream's bound / our median takeover: {results['ratio_kill_median']}x")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
