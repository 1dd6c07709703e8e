"""Broker outage: the broker (a Redis of its own) refuses connections for a while - shut down with its
data saved, started again on its port - while two beats keep recording runs.

Outcomes: no beat crashes; the beats publish again once the broker is back; no run is sent twice; and
every run recorded during the outage is delivered once afterwards: the beats record runs with an outbox
field while the broker refuses them, and the leader publishes them (same task ids) once it is back
(scheduler/README.md, Publishing).
"""

from __future__ import annotations

import time

from beatprocs import wait_until

from . import runs
from .outcome import Outcome
from .stage import Stage


def run(outage: float = 30.0, entries: int = 5, beats: int = 2, lease: float = 3.0) -> Outcome:
    outcome = Outcome(
        "broker outage",
        f"{beats} beats, {entries} entries every 1 s, lease {lease:g} s; broker refusing connections "
        f"for {outage:g} s",
    )
    with Stage(lease=lease) as stage:
        names = stage.save_every_second(entries)
        for _ in range(beats):
            stage.beat()
        started = time.time()
        wait_until(lambda: len(stage.sends_after(started)) >= 2 * entries, 60, stage.logs)
        recorded_before = sum(stage.recorded(names).values())
        stage.broker_redis.server.stop(save=True)
        down_at = time.time()
        time.sleep(outage)
        recorded_in_outage = sum(stage.recorded(names).values()) - recorded_before
        stage.broker_redis.server.start()
        back = time.time()
        first = wait_until(lambda: stage.first_send_after(back), 120, stage.logs)
        # time for an outbox to drain what piled up: as long as the outage, at least 5 s
        time.sleep(max(5.0, outage))
        crashed, alive, sends, recorded = stage.finish(names)
    extra = runs.over_sent(sends, recorded)
    doubles = runs.doubled(sends, 1.0)
    lost = runs.unsent(sends, recorded)
    in_outage = [s for s in sends if down_at <= s.at]
    outcome.check("no crash", alive and not crashed, ", ".join(crashed) or "a beat exited")
    outcome.check("publishing resumed", first >= back)
    outcome.check(
        "no run sent twice",
        not extra and not doubles,
        f"extra messages {extra}; {len(doubles)} runs sent by two beats {doubles[:3]}",
    )
    outcome.check(
        "every recorded run delivered",
        lost == 0,
        f"{lost} of {sum(recorded.values())} recorded runs never reached the broker",
    )
    outcome.figures["broker down"] = f"{back - down_at:.1f} s"
    outcome.figures["runs recorded / delivered / lost"] = (
        f"{sum(recorded.values()):,} / {len(sends):,} / {lost:,}"
    )
    outcome.figures["runs recorded during the outage"] = f"{recorded_in_outage:,}"
    outcome.figures["published after the broker was back, first after"] = f"{first - back:.2f} s"
    outcome.figures["messages published since the outage began"] = f"{len(in_outage):,}"
    outcome.figures["duplicates"] = str(sum(extra.values()) + len(doubles))
    return outcome
