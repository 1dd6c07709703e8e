"""Redis restart: the schedule's Redis is shut down with its data saved (SHUTDOWN SAVE), kept down, and
started again on its port, while two beats (`retry_period` set) and a client writing new entries run.

Outcomes: no beat crashes; the schedule resumes; no run is sent twice; every entry the client had
acknowledged is there afterwards, once. The resumption delay is printed beside the retry back-off step
the beats were in when Redis came back (the beat logs each step: "retrying in N s").
"""

from __future__ import annotations

import re
import time

from beatprocs import wait_until

from . import runs
from .outcome import Outcome
from .stage import Stage
from .writer import Writer

RETRY_PERIOD = 120
_STEP = re.compile(r"retrying in (\d+) s")


def run(outage: float = 30.0, entries: int = 40, beats: int = 2, lease: float = 3.0) -> Outcome:
    outcome = Outcome(
        "Redis restart",
        f"{beats} beats (retry_period {RETRY_PERIOD} s), {entries} entries every 1 s, a client writing "
        f"20 entries/s; Redis down {outage:g} s with its data saved",
    )
    with Stage(lease=lease, redis_options={"retry_period": RETRY_PERIOD}) as stage:
        names = stage.save_every_second(entries)
        for _ in range(beats):
            stage.beat()
        writer = Writer(stage.url).start()
        try:
            started = time.time()
            wait_until(lambda: len(stage.sends_after(started)) >= 2 * entries, 60, stage.logs)
            logs_before = {b.pid: len(b.log()) for b in stage.beats}
            stage.schedule_redis.server.stop(save=True)
            down_at = time.time()
            time.sleep(outage)
            stage.schedule_redis.server.start()
            back = time.time()
            logs_at_back = {b.pid: len(b.log()) for b in stage.beats}
            first = wait_until(lambda: stage.first_send_after(back), RETRY_PERIOD, stage.logs)
            resumed = first - back
            wait_until(lambda: len(stage.sends_after(first)) >= 3 * entries, 60, stage.logs)
        finally:
            writer.stop()
        # the back-off step each beat was waiting out when Redis came back: its last one logged before
        steps = [
            int([0, *_STEP.findall(b.log()[logs_before.get(b.pid, 0) : logs_at_back.get(b.pid, 0)])][-1])
            for b in stage.beats
        ]
        crashed, alive, sends, recorded = stage.finish(names)
        missing = writer.missing()
        stored = writer.stored()
        writer.close()
    extra = runs.over_sent(sends, recorded)
    doubles = runs.doubled(sends, 1.0)
    outcome.check("no crash", alive and not crashed, ", ".join(crashed) or "a beat exited")
    outcome.check("resumed", resumed >= 0)
    outcome.check(
        "no run sent twice",
        not extra and not doubles,
        f"extra messages {extra}; {len(doubles)} runs sent by two beats {doubles[:3]}",
    )
    outcome.check(
        "no write lost or doubled",
        not missing and stored == len(writer.acknowledged),
        f"{len(missing)} acknowledged entries missing {missing[:3]}; {stored} stored of "
        f"{len(writer.acknowledged)} acknowledged",
    )
    step = max(steps, default=0)
    outcome.figures["Redis down"] = f"{back - down_at:.1f} s"
    outcome.figures["resumed after Redis was back"] = f"{resumed:.2f} s (back-off step then: ≤ {step} s)"
    outcome.figures["duplicates"] = str(sum(extra.values()) + len(doubles))
    outcome.figures["client writes acknowledged / lost"] = f"{len(writer.acknowledged):,} / {len(missing)}"
    outcome.figures["recorded, never sent (reply lost in the shutdown)"] = str(runs.unsent(sends, recorded))
    return outcome
