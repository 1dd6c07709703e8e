"""Prometheus metrics of one scheduler, served over HTTP when `redbeat_metrics_port` is set.

`prometheus-client` is an optional dependency (`pip install "redbeat-scheduler[metrics]"`). Counters and
gauges are read from the scheduler when Prometheus scrapes (`scheduler.stats` and its state), so the tick
pays nothing for them; only the two histograms are observed as the beat runs. Each scheduler has its own
registry, so two schedulers in one process (tests) do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client.metrics_core import Metric

    from .scheduler import RedBeatScheduler

logger = logging.getLogger(__name__)

PREFIX = "redbeat_"

# How late a run is sent after its due time, and how long a tick takes, in seconds.
LATENESS_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
TICK_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# (metric name, Stats field, help); exposed as counters named <name>_total.
COUNTERS = (
    ("tasks_sent", "sent", "Runs recorded and taken by the broker (any way)."),
    ("tasks_queued_atomically", "sent_atomic", "Runs queued by the record script itself (same Redis)."),
    ("tasks_sent_pipelined", "sent_pipeline", "Runs published in one pipeline right after their record."),
    ("tasks_sent_by_celery", "sent_celery", "Runs published through Celery's apply_async, one at a time."),
    ("outbox_republished", "outbox_republished", "Runs published again from the outbox (same task id)."),
    (
        "publish_errors",
        "publish_errors",
        "Publishes that failed: broker away (the run waits in the outbox) or refused for good (dropped).",
    ),
    ("outbox_full", "outbox_full", "Batches not recorded because the outbox had no room."),
    ("runs_skipped_late", "skipped_late", "Calendar runs later than the starting deadline, skipped."),
    ("corrupt_entries_found", "corrupt", "Unreadable entries found (each distinct stored value once)."),
    ("never_matching_entries", "never_matching", "rrules that provably never match, scored -1."),
    ("vanished_entries", "vanished", "Schedule members whose hash was gone."),
    (
        "stale_decisions",
        "stale_decisions",
        "Runs not recorded because the entry changed while being decided.",
    ),
    ("lock_acquired", "lock_acquired", "Times this beat took the lock."),
    ("lock_lost", "lock_lost", "Times this beat found it no longer held the lock."),
    (
        "failovers",
        "failovers",
        "Times this beat took the lock over from another beat it had been standing by for.",
    ),
    ("redis_errors", "redis_errors", "Ticks that failed on a Redis error."),
    ("ticks", "ticks", "Ticks run (leader and standby)."),
)


class NoMetrics:
    """Metrics turned off: every observation is a no-op."""

    port: int | None = None
    enabled = False

    def start(self) -> None:
        pass

    def observe_tick(self, seconds: float) -> None:
        pass

    def observe_lateness(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class PrometheusMetrics(NoMetrics):
    enabled = True

    def __init__(self, scheduler: RedBeatScheduler, port: int, addr: str) -> None:
        from prometheus_client import CollectorRegistry, Histogram

        self.scheduler = scheduler
        self.requested_port = port
        self.addr = addr
        self.port: int | None = None
        self.registry = CollectorRegistry()
        self.registry.register(_StateCollector(scheduler))
        self._tick = Histogram(
            PREFIX + "tick_duration_seconds",
            "Time one tick takes (real time).",
            buckets=TICK_BUCKETS,
            registry=self.registry,
        )
        self._lateness = Histogram(
            PREFIX + "lateness_seconds",
            "How long after its due time a run was sent (runs of entries that ran "
            "before; a first run has no due time).",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self._server: WSGIServer | None = None

    def observe_tick(self, seconds: float) -> None:
        self._tick.observe(seconds)

    def observe_lateness(self, seconds: float) -> None:
        self._lateness.observe(seconds)

    def start(self) -> None:
        if self._server is not None:
            return
        from prometheus_client import start_http_server

        server, _ = start_http_server(self.requested_port, addr=self.addr, registry=self.registry)
        self._server = server
        self.port = server.server_address[1]
        logger.info("beat: metrics on http://%s:%d/metrics", self.addr, self.port)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _StateCollector:
    """Counters and gauges read from the scheduler at scrape time."""

    def __init__(self, scheduler: RedBeatScheduler) -> None:
        self.scheduler = scheduler

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        scheduler = self.scheduler
        stats = scheduler.stats
        for name, field, help_text in COUNTERS:
            counter = CounterMetricFamily(PREFIX + name, help_text)
            counter.add_metric([], getattr(stats, field))
            yield counter
        gauges = (
            (
                "lock_held",
                "1 while this beat holds the lock (is the active beat), else 0.",
                1 if scheduler.leading else 0,
            ),
            (
                "due_entries",
                "Schedule members due and not yet handled at the last read (backlog).",
                scheduler.due_backlog,
            ),
            (
                "corrupt_entries",
                "Unreadable entries currently skipped (left in Redis).",
                scheduler.quarantined,
            ),
            (
                "outbox_runs",
                "Runs recorded and not yet confirmed by the broker, at the last look at the outbox.",
                scheduler.outbox_size,
            ),
        )
        for name, help_text, value in gauges:
            gauge = GaugeMetricFamily(PREFIX + name, help_text)
            gauge.add_metric([], value)
            yield gauge


def metrics_for(scheduler: RedBeatScheduler, port: int | None, addr: str) -> NoMetrics:
    """Prometheus metrics when a port is configured (0: any free port), else no-ops."""
    if port is None:
        return NoMetrics()
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        logger.error(
            "beat: redbeat_metrics_port is set but prometheus-client is not installed "
            '(pip install "redbeat-scheduler[metrics]"); no metrics'
        )
        return NoMetrics()
    return PrometheusMetrics(scheduler, port, addr)
