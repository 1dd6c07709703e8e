"""Sending the runs a batch recorded, through Celery's own `Scheduler.apply_async` (any broker).

Only runs already recorded under the lock come here, so a run is sent at most once. They are sent even
if the lock is found lost meanwhile (no other beat will send them), and a stop signal that lands while
they are being sent lets the rest of them go out first, unless the broker fails.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from .statics import LockLost
from .tickstate import Tick

if TYPE_CHECKING:
    from .decision import Fire
    from .reading import Loaded
    from .scheduler import RedBeatScheduler

logger = logging.getLogger(__name__)


class Sending(NamedTuple):
    """A run handed to Celery's `Scheduler.apply_async` (which reads task, args, kwargs and options):
    the fields of a Celery `ScheduleEntry` that a run has, without building one per send."""

    name: str
    task: str
    args: list[Any] | None
    kwargs: dict[str, Any]
    options: dict[str, Any]
    last_run_at: datetime
    total_run_count: int
    schedule: None = None


class Dispatcher:
    def __init__(self, scheduler: RedBeatScheduler) -> None:
        self.scheduler = scheduler  # its apply_entry, producer, lock, stats and metrics

    def send(self, runs: list[tuple[Loaded, Fire]], tick: Tick) -> None:
        """Send (entry, verdict) runs in order, keeping the lock extended between them; raises LockLost
        afterwards if it was found lost, and a stop signal once the rest went out."""
        scheduler = self.scheduler
        lock = scheduler.lock
        lock_enabled, keep_every = lock.enabled, lock.timeout / 3
        observe = scheduler.metrics.observe_lateness if scheduler.metrics.enabled else None
        producer, stats = scheduler.producer, scheduler.stats
        lost = False
        stopping: BaseException | None = None  # SIGTERM/SIGINT arrived while these were being sent
        for entry, verdict in runs:
            if stopping is not None:
                errors = stats.publish_errors
                self._apply(entry, tick, producer)
                if stats.publish_errors > errors:
                    break  # the broker fails: do not hold up the stop any longer
                continue
            if lock_enabled and not lost and time.monotonic() - scheduler._extended_at > keep_every:
                try:
                    scheduler._keep_lock()
                except LockLost:
                    lost = True
            try:
                self._apply(entry, tick, producer)
            except (SystemExit, KeyboardInterrupt) as exc:
                # Celery's SIGTERM handler: it has closed the scheduler (the lock is released) and stops
                # beat. This run may have gone out: it is not sent again.
                stopping = exc
                logger.info("beat: stopping; sending the other runs this batch recorded first")
                continue
            if observe is not None and verdict.due is not None:
                observe(max(0.0, tick.sent_at() - verdict.due.timestamp()))
        if stopping is not None:
            raise stopping
        if lost:
            raise LockLost()

    def _apply(self, entry: Loaded, tick: Tick, producer: Any) -> None:
        self.scheduler.apply_entry(
            Sending(
                entry.name,
                entry.task,
                entry.args,
                entry.kwargs,
                entry.options,
                tick.now,
                entry.total_run_count + 1,
            ),
            producer=producer,
        )
