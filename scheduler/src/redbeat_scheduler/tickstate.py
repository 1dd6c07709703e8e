"""What a beat keeps between ticks and within one: its counters, the pass over the due members, and the
tick's clock reading."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from redbeat_sdk import codec

from . import decision as decisions
from .decision import whole_seconds


@dataclass
class Stats:
    """Counters since start; `scheduler.stats`."""

    ticks: int = 0
    sent: int = 0  # runs the broker took (or Celery published), by any of the ways below
    sent_atomic: int = 0  # queued by the record script itself
    sent_pipeline: int = 0  # published in a pipeline right after the record
    sent_celery: int = 0  # published through Celery's apply_async, one at a time
    outbox_republished: int = 0  # runs published again from the outbox
    publish_errors: int = 0  # publishes that failed (a run whose broker was away counts at each attempt)
    outbox_full: int = 0  # batches not recorded because the outbox had no room
    skipped_late: int = 0  # runs later than the starting deadline, not sent
    corrupt: int = 0  # unreadable entries found (each distinct stored value once)
    never_matching: int = 0  # rrules that provably never match, scored -1
    vanished: int = 0  # schedule members whose hash was gone
    healed: int = 0  # vanished static entries re-created from beat_schedule
    stale_decisions: int = 0  # runs not recorded because the entry changed under the decision
    lock_acquired: int = 0
    lock_lost: int = 0
    failovers: int = 0  # lock taken after standing by for another beat
    redis_errors: int = 0


@dataclass
class Pass:
    """Reading the due members batch by batch, over as many ticks as it takes.

    `counted` holds the members already read that stay where they are (kept in `waiting`): the next
    batch starts after them. Every other member read was moved out of the due range by the batch's
    own writes. A write that moves a member *within* the range (or finds a member changed) shuffles
    the order, and the pass starts over (members kept in memory are skipped cheaply).
    """

    size: int
    counted: set[str] = field(default_factory=set)
    restart: bool = False


class Tick:
    """What one tick shares between its batches: the clock reading, the run stamp, the encoded metas."""

    __slots__ = ("_metas", "_stamp", "now", "now_f", "now_ts", "started")

    def __init__(self, now: datetime):
        self.now = now
        self.now_f = now.timestamp()
        self.now_ts = whole_seconds(now)
        self.started = time.perf_counter()
        self._stamp: datetime | None = None
        self._metas: dict[int, str] = {}

    def meta(self, total: int) -> str:
        """The meta of a run at this tick: the same bytes for every entry with the same run count."""
        encoded = self._metas.get(total)
        if encoded is None:
            if self._stamp is None:
                self._stamp = decisions.run_stamp(self.now)
            encoded = self._metas[total] = codec.encode_meta(self._stamp, total)
        return encoded

    def elapsed(self) -> float:
        """Real seconds since the tick started."""
        return time.perf_counter() - self.started

    def sent_at(self) -> float:
        """Epoch seconds of a send now: the tick's clock plus the real time spent since it started."""
        return self.now_f + self.elapsed()
