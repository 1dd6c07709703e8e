"""Pauses: the leader is frozen with SIGSTOP (a stopped VM, a long GC pause) for longer than its lease,
so that a standby takes over, and then resumed with SIGCONT.

Outcomes: a standby takes over during every pause; the resumed beat finds the lock lost and stands by
(it records nothing more: its writes are fenced by the lock token); no run is sent twice. A batch the
beat had recorded just before it froze may still go out when it resumes (README, "Lock and failover"):
those late messages - at most one per entry, from the resumed beat - are counted, and are distinct runs.
"""

from __future__ import annotations

import random
import time

from beatprocs import wait_until

from . import runs
from .outcome import Outcome
from .stage import Stage, as_sends, sent_at


def run(
    pauses: int = 10, entries: int = 40, beats: int = 2, lease: float = 3.0, seed: int | None = None
) -> Outcome:
    seed = random.randrange(2**32) if seed is None else seed
    rng = random.Random(seed)
    outcome = Outcome(
        "pauses",
        f"{beats} beats, {entries} entries every 1 s, lease {lease:g} s, "
        f"{pauses} SIGSTOPs of the leader for lease + 2 s, then SIGCONT",
    )
    outcome.details.append(f"seed {seed} (pause timing)")
    takeovers: list[float] = []
    stood_by = 0
    late = []  # messages of a resumed beat: runs it recorded before it froze
    overlate: list[
        object
    ] = []  # more than one late message for an entry, or one after the beat found its lock lost
    with Stage(lease=lease) as stage:
        names = stage.save_every_second(entries)
        for _ in range(beats):
            stage.beat()
        for _ in range(pauses):
            leader = stage.leader(lease + 30)
            stage.standing_by([b for b in stage.alive() if b is not leader])
            took = time.time()
            wait_until(lambda: stage.sends_after(took, pid=leader.pid), 30, stage.logs)
            time.sleep(rng.random())
            lost_before = leader.log().count("lost the lock")
            paused_at = leader.pause()
            first = wait_until(
                lambda: stage.first_send_after(paused_at, exclude=leader.pid), lease + 60, stage.logs
            )
            takeovers.append(first - paused_at)
            time.sleep(max(0.0, paused_at + lease + 2 - time.time()))
            resumed_at = leader.resume()
            try:
                wait_until(lambda: leader.log().count("lost the lock") > lost_before, 30)
                stood_by += 1
            except AssertionError:
                pass
            time.sleep(2)  # whatever it would still send, it has sent by now
            mine = stage.sends_after(resumed_at, pid=leader.pid)
            per_entry: dict[str, int] = {}
            for m in mine:
                per_entry[str(m.args[0])] = per_entry.get(str(m.args[0]), 0) + 1
            late += mine
            if any(n > 1 for n in per_entry.values()) or any(sent_at(m) > resumed_at + 1.5 for m in mine):
                overlate += mine
            if stage.holder_pid() == leader.pid:
                overlate.append(mine[0] if mine else None)
        crashed, _, sends, recorded = stage.finish(names)
    allowed = frozenset(as_sends([m for m in late if m is not None]))
    doubles = runs.doubled(sends, 1.0, allowed=allowed)
    extra = runs.over_sent(sends, recorded)
    outcome.check("takeover during every pause", len(takeovers) == pauses)
    outcome.check(
        "resumed beat stands by, records nothing",
        stood_by == pauses and not overlate,
        f"{stood_by}/{pauses} stood by; {len(overlate)} messages beyond one pre-pause batch",
    )
    outcome.check(
        "no run sent twice",
        not doubles and not extra,
        f"{len(doubles)} runs sent by two beats {doubles[:3]}, extra messages {extra}",
    )
    outcome.check("no crash", not crashed, ", ".join(crashed))
    outcome.figures["duplicates"] = str(len(doubles) + sum(extra.values()))
    outcome.figures["takeover after the freeze, median / max"] = (
        f"{runs.median(takeovers):.2f} s / {max(takeovers):.2f} s"
    )
    outcome.figures["late messages (recorded before a freeze)"] = str(len(late))
    return outcome
