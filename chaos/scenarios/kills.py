"""Leader kills: three beats; again and again the leader - the pid its lock token names - is killed with
SIGKILL and a fresh beat is started in its place.

Failover is the time from the kill to the first message published by another beat. Between kills the
harness waits a random part of a second (seeded), so kills land at every point of the leader's tick.
Outcomes: every kill is followed by a takeover, no run is sent twice (runs.py), no beat crashes; a kill
may lose the runs the leader recorded and had not sent yet (at most once), which is counted.
"""

from __future__ import annotations

import random
import time

from beatprocs import wait_until

from . import runs
from .outcome import Outcome
from .stage import Stage


def run(
    kills: int = 100, entries: int = 40, beats: int = 3, lease: float = 3.0, seed: int | None = None
) -> Outcome:
    seed = random.randrange(2**32) if seed is None else seed
    rng = random.Random(seed)
    outcome = Outcome(
        "leader kills",
        f"{beats} beats, {entries} entries every 1 s, lease {lease:g} s, {kills} SIGKILLs of the leader",
    )
    outcome.details.append(f"seed {seed} (kill timing)")
    takeovers: list[float] = []
    with Stage(lease=lease) as stage:
        names = stage.save_every_second(entries)
        for _ in range(beats):
            stage.beat()
        started = time.time()
        leader = stage.leader(60)
        wait_until(lambda: stage.sends_after(started, pid=leader.pid), 30, stage.logs)
        for _ in range(kills):
            leader = stage.leader(lease + 30)
            standbys = [b for b in stage.alive() if b is not leader]
            stage.standing_by(standbys)
            took = time.time()
            wait_until(lambda: stage.sends_after(took, pid=leader.pid), 30, stage.logs)  # it leads: it sends
            time.sleep(rng.random())
            killed_at = leader.kill9()
            stage.beat()  # a fresh one in its place
            first = wait_until(
                lambda: stage.first_send_after(killed_at, exclude=leader.pid), lease + 60, stage.logs
            )
            takeovers.append(first - killed_at)
        ended = time.time()
        crashed, _, sends, recorded = stage.finish(names)
    doubles = runs.doubled(sends, 1.0)
    extra = runs.over_sent(sends, recorded)
    gaps = runs.longest_gaps(sends, names, started + 5, ended)  # from the first leader's steady state
    outcome.check("failover after every kill", len(takeovers) == kills)
    outcome.check(
        "no run sent twice",
        not doubles and not extra,
        f"{len(doubles)} runs sent by two beats {doubles[:3]}, extra messages {extra}",
    )
    outcome.check("no crash", not crashed, ", ".join(crashed))
    outcome.figures["messages"] = f"{len(sends):,}"
    outcome.figures["duplicates"] = str(len(doubles) + sum(extra.values()))
    outcome.figures["failover median"] = f"{runs.median(takeovers):.2f} s"
    outcome.figures["failover max"] = f"{max(takeovers):.2f} s"
    outcome.figures["longest gap per entry (median / max)"] = (
        f"{runs.median(list(gaps.values())):.2f} s / {max(gaps.values()):.2f} s"
    )
    outcome.figures["recorded, never sent (killed mid-batch)"] = str(runs.unsent(sends, recorded))
    return outcome
