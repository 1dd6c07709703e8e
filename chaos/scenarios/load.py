"""Load: a large schedule, clients re-saving entries at a steady rate, one beat ticking through it.

Every entry is an rrule firing every `period` seconds at a fixed offset (entry i at dtstart + i mod
period), so each message's due time is known from outside: the last occurrence at or before its publish
time. Lateness is publish time minus due time. Clients re-save random entries (new args, same schedule)
the whole time, so the beat keeps finding entries changed under it. The run is cut into windows; each
window's lateness percentiles and the beat's peak resident memory are printed, first to last: flat is
what is claimed.

Outcomes: no crash; every occurrence due in the measured span sent exactly once (none missed, none
doubled).
"""

from __future__ import annotations

import math
import random
import threading
import time
from datetime import datetime, timezone

from redbeat_sdk import Entry, RedBeatClient, RRule

from . import runs
from .outcome import Outcome
from .stage import EXPIRES, Stage, sent_at

WARM_UP = 10.0  # seconds after the first occurrences that are not measured


def _entry(i: int, base: int, period: int, version: int = 0) -> Entry:
    name = f"load{i:06d}"
    dtstart = datetime.fromtimestamp(base + i % period, timezone.utc)
    return Entry(
        name,
        "tasks.ping",
        RRule("SECONDLY", interval=period, dtstart=dtstart),
        args=[name, version],
        options={"expires": EXPIRES},
    )


class Resaver:
    """Clients writing `rate` entries per second (re-saves of random existing entries), in batches."""

    def __init__(self, url: str, entries: int, base: int, period: int, rate: int, seed: int):
        self.sdk = RedBeatClient.from_url(url, timezone="UTC", socket_timeout=10)
        self.entries, self.base, self.period, self.rate = entries, base, period, rate
        self.rng = random.Random(seed)
        self.written = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="resaver", daemon=True)

    def start(self) -> Resaver:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def _run(self) -> None:
        tick = 0.1
        batch = max(1, round(self.rate * tick))
        version = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            version += 1
            picks = [self.rng.randrange(self.entries) for _ in range(batch)]
            try:
                self.sdk.save_many(_entry(i, self.base, self.period, version) for i in dict.fromkeys(picks))
                self.written += len(dict.fromkeys(picks))
            except Exception:
                self.errors += 1
            next_at += tick
            time.sleep(max(0.0, next_at - time.monotonic()))

    def stop(self) -> float:
        """Stops; returns the rate achieved."""
        self._stop.set()
        self._thread.join(30)
        self.sdk.redis.close()
        return self.written / (time.monotonic() - self.started)


def run(
    entries: int = 100_000,
    writes_per_second: int = 1000,
    duration: float = 120.0,
    period: int = 200,
    windows: int = 4,
    seed: int | None = None,
    warm_up: float = WARM_UP,
) -> Outcome:
    seed = random.randrange(2**32) if seed is None else seed
    outcome = Outcome(
        "load",
        f"1 beat (default settings), {entries:,} entries (each every {period} s: {entries / period:,.0f} "
        f"runs/s), clients re-saving {writes_per_second:,} entries/s, {duration:g} s measured",
    )
    outcome.details.append(f"seed {seed} (which entries are re-saved)")
    with Stage(lease=None, max_interval=None) as stage:
        # the first occurrences come after the saving and the beat's start: no backlog to catch up on
        base = math.floor(time.time()) + 8 + math.ceil(entries / 2500)
        saving = time.monotonic()
        for start in range(0, entries, 5000):
            stage.sdk.save_many(_entry(i, base, period) for i in range(start, min(entries, start + 5000)))
        outcome.figures["saving the entries"] = f"{time.monotonic() - saving:.1f} s"
        beat = stage.beat()
        beat.wait_for_log("now the active beat", 60)
        resaver = Resaver(stage.url, entries, base, period, writes_per_second, seed).start()
        measured_from = max(time.time(), base) + warm_up
        end = measured_from + duration
        rss = [0] * windows
        while (now := time.time()) < end and beat.alive:
            if now >= measured_from:
                k = min(windows - 1, int((now - measured_from) / duration * windows))
                rss[k] = max(rss[k], beat.rss_bytes() or 0)
            time.sleep(0.5)
        rate = resaver.stop()
        time.sleep(2)  # the last runs of the span reach the broker
        crashed = stage.crashed()
        alive = beat.alive
        beat.stop()
        messages = stage.drain.sent()
    offset = {f"load{i:06d}": i % period for i in range(entries)}
    late_by_window: list[list[float]] = [[] for _ in range(windows)]
    seen: dict[tuple[str, float], int] = {}
    for m in messages:
        name, at = str(m.args[0]), sent_at(m)
        o = base + offset[name]
        due = o + period * math.floor((at - o) / period)
        seen[(name, due)] = seen.get((name, due), 0) + 1
        if measured_from <= due < end:
            k = min(windows - 1, int((due - measured_from) / duration * windows))
            late_by_window[k].append(at - due)
    doubled = sum(n - 1 for n in seen.values() if n > 1)
    expected = 0
    missed = 0
    for name, o in offset.items():
        due = base + o + period * math.ceil((measured_from - base - o) / period)
        while due < end - 5:
            expected += 1
            missed += (name, due) not in seen
            due += period
    outcome.check("no crash", alive and not crashed, ", ".join(crashed) or "the beat exited")
    outcome.check("no run sent twice", doubled == 0, f"{doubled} occurrences sent more than once")
    outcome.check("no run missed", missed == 0, f"{missed} of {expected} occurrences never sent")
    p99 = [runs.percentile(w, 99) * 1000 for w in late_by_window]
    p50 = [runs.percentile(w, 50) * 1000 for w in late_by_window]
    outcome.figures["runs due in the measured span"] = f"{expected:,} ({expected / duration:,.0f}/s)"
    outcome.figures["writes/s achieved"] = f"{rate:,.0f} (errors {resaver.errors})"
    outcome.figures["lateness p50 per window"] = " / ".join(f"{v:.1f}" for v in p50) + " ms"
    outcome.figures["lateness p99 per window"] = " / ".join(f"{v:.1f}" for v in p99) + " ms"
    outcome.figures["beat memory per window (peak RSS)"] = (
        " / ".join(f"{v / 2**20:.0f}" for v in rss) + " MiB"
    )
    outcome.figures["duplicates / missed"] = f"{doubled} / {missed}"
    return outcome
