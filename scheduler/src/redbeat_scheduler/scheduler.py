"""`RedBeatScheduler`: a Celery beat scheduler over the RedBeat keys, for `celery beat -S`.

One tick:
1. take or extend the lock; a standby returns at once, asking to be woken when the holder's lock would
   expire (so failover takes the lock timeout plus a tick, not plus `max_interval`);
2. on taking the lock, sync `beat_schedule` into Redis (only the holder writes it);
3. send the entries kept in memory (`waiting`) whose due time has come;
4. read the next batch of due members (`ZRANGEBYSCORE … LIMIT`), load their hashes in one round trip,
   decide each one (`decision.decide`), record every decision of the batch in one fenced script, and
   only then publish the recorded runs through Celery (`apply_entry`): a beat that lost the lock neither
   writes nor sends, and a run is sent at most once;
5. return 0 while due members remain unread (Celery's loop ticks again at once), else the time until
   the earliest of: the next score, the next due time seen, `max_interval`, measured after the tick's
   own work.

A backlog is therefore streamed: the first batch is small, so the first send of a 100,000-entry backlog
happens within milliseconds, and later batches grow to `batch_size`. Unreadable entries are logged once,
re-scored `max_interval` ahead and left in Redis; one bad entry never stops the others. The clock is
`app.now()` throughout.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from celery.beat import ScheduleEntry, Scheduler
from redis.exceptions import RedisError

from redbeat_sdk.keys import KeyLayout

from .batch import Batch, Decider
from .coexist import guard_upstream_receiver
from .connection import Client, make_client
from .dispatch import Dispatcher, Outgoing, Planned
from .lock import FencedLock, HolderWatch
from .metrics import metrics_for
from .retry import Retrying
from .scripts import Scripts
from .settings import _MISSING, RedBeatSettings
from .statics import LockLost, StaticConfig, sync_statics, write_statics
from .stopping import stop_signals_held
from .store import (
    DELETED,
    HASH_GONE,
    LOCK_NOT_HELD,
    META_CHANGED,
    WRITTEN,
    OutboxFull,
    RawEntry,
    Store,
)
from .tickstate import Pass, Stats, Tick
from .waiting import Waiting

if TYPE_CHECKING:
    from celery import Celery

    from .store import Candidates

    # (size, offset, candidates) read with the lock in the tick's first round trip
    Prefetched = tuple[int, int, Candidates]

logger = logging.getLogger(__name__)

# A standby wakes this long after the holder's lock would expire, so that it finds it expired.
EXPIRY_MARGIN = 0.05
# Shortest sleep a standby asks for (a lock about to expire must not make it spin).
STANDBY_FLOOR = 0.05
INF = math.inf
# A run recorded whose next run is due within this many seconds stays in memory (`waiting`) rather than
# being read again, up to this many entries: frequent schedules are the ones re-read most.
KEEP_AHEAD = 2.0
KEEP_MAX = 20_000


class RedBeatScheduler(Scheduler):
    """Drop-in for `redbeat.RedBeatScheduler`: same settings, same keys, same data, same lock."""

    Entry = ScheduleEntry
    # Celery's constructor sets it from beat_max_loop_interval, or its default: never None here
    max_interval: float  # type: ignore[assignment]  # the stubs say int | None

    #: Most due entries read, decided and recorded in one batch (one tick); the rest are read by the
    #: next ticks, right after.
    batch_size = 1000

    #: The first batch of a pass is this small, so that the first send under a large backlog is not
    #: held up by deciding a whole batch; each further batch is four times larger, up to `batch_size`.
    first_batch_size = 100

    #: Longest sleep of a standby, in seconds: a lock released by a stopping leader (a deploy) is taken
    #: within this; an expiring one is taken when it expires (a standby wakes up right then).
    standby_poll = 1.0

    def __init__(
        self,
        app: Celery,
        lock_key: Any = _MISSING,
        lock_timeout: float | None = None,
        lock_lease: float | None = None,
        **kwargs: Any,
    ) -> None:
        guard_upstream_receiver()  # upstream imported by the app would take the lock for us (coexist.py)
        self._static_specs: dict[str, Any] = {}
        self._static_names: set[str] = set()
        self._static_config = StaticConfig()
        self._statics_configured = False  # a lazy instance never read beat_schedule: it must not sync
        super().__init__(app, **kwargs)  # runs setup_schedule() unless lazy; talks to no server
        self.settings = RedBeatSettings.from_app(
            app,
            max_interval=self.max_interval,
            lock_key=lock_key,
            lock_timeout=lock_timeout,
            lock_lease=lock_lease,
        )
        self.layout = KeyLayout(self.settings.key_prefix)
        self.stats = Stats()
        self.leading = False
        self._standing_by = False
        self._resync = True
        self._client: Client | None = None
        self._store: Store | None = None
        self._lock: FencedLock | None = None
        self._waiting = Waiting()
        self._decider = Decider(self.layout, self._waiting, self.stats, self.max_interval)
        self._dispatcher = Dispatcher(self)
        self._publish_failure: BaseException | None = None  # what the last apply_entry failed with
        self._pass: Pass | None = None
        self._pass_second: int | None = None  # the clock's second when the last pass started
        self._next_pass_at = -INF  # epoch seconds: read the schedule again from then on
        self._written_wake = INF  # earliest due time written since the pass started
        self.due_backlog = 0
        self._redis_down = False
        self._extended_at = 0.0
        self.metrics = metrics_for(self, self.settings.metrics_port, self.settings.metrics_addr)

    # upstream's attributes

    @property
    def lock_key(self) -> str | None:
        return self.settings.lock_key

    @property
    def lock_timeout(self) -> float:
        """The TTL this beat sets on the lock (its lease): `redbeat_lock_lease`, else an explicit
        `redbeat_lock_timeout`, else 10 s."""
        return self.settings.lock_timeout

    # wiring (lazy: `celery beat` builds a lazy instance just to print its banner)

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    @property
    def lock(self) -> FencedLock:
        return self._wire()[0]

    @property
    def store(self) -> Store:
        return self._wire()[1]

    def _wire(self) -> tuple[FencedLock, Store]:
        if self._lock is None or self._store is None:
            scripts = Scripts(self.client)
            layout = self.layout
            self._lock = FencedLock(
                scripts, self.settings.lock_key, self.settings.lock_timeout, placeholder_key=layout.schedule
            )
            self._holders = HolderWatch(self._lock)
            self._store = Store(
                self.client, layout, self._lock, Retrying(self.settings.retry_period), scripts
            )
            self._store.count_backlog = self.metrics.enabled
        return self._lock, self._store

    # static entries

    def setup_schedule(self) -> None:
        """Record `beat_schedule` (and Celery's default entries); they are written once we hold the lock."""
        self._static_specs = {}
        self.install_default_entries(self.app.conf.beat_schedule or {})  # calls update_from_dict
        beat_schedule = dict(self.app.conf.beat_schedule or {})
        self._static_specs.update(beat_schedule)
        self._static_names = {str(name) for name in beat_schedule}
        self._static_config = StaticConfig.build(self._static_specs)
        self._statics_configured = True
        self._resync = True

    def update_from_dict(self, dict_: dict[str, Any]) -> None:
        self._static_specs.update(dict_)
        self._static_config = StaticConfig.build(self._static_specs)
        self._resync = True

    def _sync_statics(self, now: datetime) -> None:
        if not self._statics_configured:
            self._resync = False
            return
        written = sync_statics(
            self.store,
            self._static_config,
            now,
            self.app.timezone,
            self._static_names,
            keep_lock=self._keep_lock,
        )
        self._resync = False
        if written:
            logger.info("beat: synced %d beat_schedule entries into Redis", written)

    # the tick

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self.stats.ticks += 1
        started = time.perf_counter()
        self.metrics.start()
        try:
            return self._tick()
        finally:
            self.metrics.observe_tick(time.perf_counter() - started)

    def _tick(self) -> float:
        tick = Tick(self.app.now())
        try:
            prefetched = None
            if self.leading and not self._resync and not self._waiting.due_by(tick.now_f):
                # A leader that is going to read the schedule: extend the lock and read in one round trip.
                size, offset = self._next_read()
                state, candidates = self.store.lock_and_candidates(tick.now_ts, size, offset)
                prefetched = (size, offset, candidates)
            else:
                state = self.lock.acquire_or_extend(self.store.retrying)
            self._extended_at = time.monotonic()
            if not state.held:
                if self.leading:
                    self._step_down("another beat holds the lock now")
                elif not self._standing_by:
                    logger.info("beat: another beat holds the lock %s; standing by", self.lock.key)
                self._standing_by = True
                self._holders.check(state)
                return self._standby_sleep(state.ttl)
            if not self.leading:
                self.leading = True
                self.stats.lock_acquired += 1
                if self._standing_by:
                    self.stats.failovers += 1
                self._forget()
                self._resync = True
                self._dispatcher.lock_taken()
                if self.lock.enabled:
                    logger.info(
                        "beat: took the lock %s (timeout %ss); now the active beat",
                        self.lock.key,
                        _fmt(self.lock.timeout),
                    )
            self._standing_by = False
            if self._resync:
                self._sync_statics(tick.now)
                self._pass_from_start()
            sleep = self._run(tick, prefetched)
        except LockLost:
            self._step_down("the lock expired or was taken while this beat was running")
            return 0.0
        except OutboxFull:  # logged; due runs stay due: read them again once the broker takes the backlog
            self._forget()
            return min(1.0, self.max_interval)
        except RedisError as exc:
            return self._redis_failed(exc)
        if self._redis_down:
            self._redis_down = False
            logger.info("beat: Redis is reachable again")
        return sleep

    def _standby_sleep(self, ttl: float) -> float:
        if ttl < 0:  # a lock without expiry never frees itself
            return self.max_interval
        return max(STANDBY_FLOOR, min(ttl + EXPIRY_MARGIN, self.standby_poll, self.max_interval))

    def _step_down(self, why: str) -> None:
        self.stats.lock_lost += 1
        self.leading = False
        self._forget()
        logger.warning("beat: lost the lock %s (%s); standing by", self.settings.lock_key, why)

    def _redis_failed(self, exc: Exception) -> float:
        self.stats.redis_errors += 1
        self._forget()
        self._dispatcher.redis_failed()
        delay = min(self.max_interval, 5.0)
        if not self._redis_down:
            logger.error(
                "beat: Redis failed (%s: %s); trying again every %ss", type(exc).__name__, exc, _fmt(delay)
            )
        self._redis_down = True
        return delay

    def _forget(self) -> None:
        """Drop what this beat knew about the schedule: read it again from the start."""
        self._waiting.clear()
        self._pass = None
        self._next_pass_at = -INF

    def _pass_from_start(self) -> None:
        self._pass = None
        self._next_pass_at = -INF

    def _restart_pass(self) -> None:
        """The due range changed under the pass (a write moved a member within it, an entry changed):
        read it again from its start, in this tick if no pass is under way."""
        if self._pass is not None:
            self._pass.restart = True
        else:
            self._next_pass_at = -INF

    def _will_wake(self, due: float) -> None:
        """A score was written for a run due at `due` (epoch seconds): read the schedule again by then."""
        if due < self._written_wake:
            self._written_wake = due
        if due < self._next_pass_at:
            self._next_pass_at = due

    def _next_read(self) -> tuple[int, int]:
        """(size, offset) of the next batch to read."""
        if self._pass is None:
            return max(1, min(self.first_batch_size, self.batch_size)), 0
        return self._pass.size, len(self._pass.counted)

    def _run(self, tick: Tick, prefetched: Prefetched | None = None) -> float:
        if self._dispatcher.sweep_due():
            with stop_signals_held():
                self._dispatcher.sweep(tick)  # runs waiting in the outbox
        waiters = self._waiting.pop_due(tick.now_f)
        if waiters:
            self._dispatch([(w.raw, w.score) for w in waiters], tick)
        # A tick that only sends entries kept in memory skips reading the schedule, as long as nothing
        # new can be due: within the second of the last pass and before its next score.
        if (
            not waiters
            or self._pass is not None
            or tick.now_f >= self._next_pass_at
            or self._pass_second != tick.now_ts
        ):
            self._read_batch(tick, prefetched)
        if self._pass is not None:
            return 0.0  # more due members to read: tick again at once
        wake = min(self._next_pass_at, tick.now_f + self.max_interval)
        upcoming = self._waiting.next_due()
        if upcoming is not None:
            wake = min(wake, upcoming)
        if self.lock.enabled:
            wake = min(wake, tick.now_f + self.lock.timeout / 3)  # extend well before the lock can expire
        wake = min(wake, tick.now_f + self._dispatcher.wake_in())
        # Minus the time this tick took, by the clock (a frozen clock in tests has not moved). Reading
        # Celery's clock costs 30 µs: a tick shorter than a millisecond is not worth the correction.
        end = self.app.now().timestamp() if tick.elapsed() > 0.001 else tick.now_f
        return max(0.0, wake - end)

    def _read_batch(self, tick: Tick, prefetched: Prefetched | None = None) -> None:
        size, offset = self._next_read()
        batch = self._pass
        if batch is None:
            batch = self._pass = Pass(size=size)
            self._pass_second = tick.now_ts
            self._written_wake = INF
        waiting = self._waiting
        if prefetched is not None and prefetched[:2] == (size, offset):
            candidates = prefetched[2]
        else:
            candidates = self.store.candidates(tick.now_ts, size, offset)
        fresh = []
        for key, score in candidates.due:
            if waiting.knows(key, score):
                batch.counted.add(key)
            else:
                fresh.append((key, score))
        raws = self.store.load([key for key, _ in fresh])
        left = self._dispatch([(raw, score) for raw, (_, score) in zip(raws, fresh, strict=True)], tick)
        self.due_backlog = max(0, candidates.backlog - left)
        if batch.restart:
            self._pass = Pass(size=batch.size)
        elif candidates.more_due:
            batch.size = min(batch.size * 4, self.batch_size)
        else:
            self._pass = None
            upcoming = INF if candidates.next_score is None else candidates.next_score
            self._next_pass_at = min(upcoming, self._written_wake, tick.now_f + self.max_interval)

    def _dispatch(self, items: list[tuple[RawEntry, float]], tick: Tick) -> int:
        """Decide each loaded entry, record every decision in one fenced script, then publish the runs
        recorded. Returns how many of the members left the due range."""
        batch = self._decider.decide(items, tick, self.app.timezone, self.settings.starting_deadline)
        for due in batch.wakes:
            self._will_wake(due)
        with stop_signals_held():  # a batch goes out whole (stopping.py)
            return self._record_and_send(batch, tick)

    def _record_and_send(self, batch: Batch, tick: Tick) -> int:
        planned, recorded = self._dispatcher.record_batch(batch.runs, batch.fired, tick)
        if recorded is None:
            raise LockLost()
        results = recorded.results
        now_ts = tick.now_ts
        stay = batch.stay
        left = len(batch.vanished)
        for run, score in zip(batch.runs, batch.scores, strict=True):
            if run.kind != "R":
                continue
            if 0 <= run.score <= now_ts:
                if run.score == score:
                    stay.append(run.raw.key)  # unchanged, still due: keeps its place
                else:
                    self._restart_pass()  # moved within the due range: the order changed
            else:
                left += 1
        sending, sent, gone = self._settle(batch, results, planned, tick)
        left += len(sent)
        self._dispatcher.send(sending, tick)
        for key in batch.vanished + gone:
            self._vanished(key, tick.now)
            if self.layout.name_of(key) in self._static_config.entries:
                self._restart_pass()  # re-created from beat_schedule: it may be due
        if self._pass is not None:
            self._pass.counted.update(stay)
            self._pass.counted.difference_update(sent)
        return left

    def _settle(
        self, batch: Batch, results: list[int], planned: dict[int, Planned], tick: Tick
    ) -> tuple[list[Outgoing], list[str], list[str]]:
        """What the record script did with each run: ([Outgoing] to send in schedule order, the keys
        recorded, the keys whose hash was gone). Runs recorded whose next run is close stay in memory."""
        sending: list[Outgoing] = []
        sent: list[str] = []
        gone: list[str] = []
        waiting, runs, now_ts = self._waiting, batch.runs, tick.now_ts
        for index, entry, verdict, new_score in batch.fired:
            result = results[index]
            key = runs[index].raw.key
            if result == HASH_GONE:
                gone.append(key)
                continue
            if result == DELETED:  # deleted since it was read: nothing to send, nothing to repair
                continue
            if result == META_CHANGED:
                # Someone (a client's run_now or save, another beat) changed the entry since it was
                # loaded: decide again on fresh data rather than send on a stale decision.
                self.stats.stale_decisions += 1
                logger.info("beat: %s changed while it was being scheduled; looking again", key)
                self._restart_pass()
                continue
            assert result == WRITTEN, result
            sent.append(key)
            sending.append(Outgoing(entry, verdict, planned[index]))
            if verdict.next_due is not None:
                due = verdict.next_due.timestamp()
                if due - tick.now_f <= KEEP_AHEAD and len(waiting) < KEEP_MAX:
                    # Its stored state is now exactly what was just written: keep it in memory, so that
                    # the next pass need not load it again and its run is sent on time from here.
                    run = runs[index]
                    waiting.add(key, new_score, due, run.raw._replace(meta=run.meta))
                else:
                    self._will_wake(due)
                if new_score <= now_ts:
                    self._restart_pass()  # due again within this second (a sub-second interval)
        return sending, sent, gone

    def _keep_lock(self) -> None:
        """Extend the lock again during a long tick (many due entries, a slow broker, a large static
        sync), so that it does not expire under a leader that is still working: called between units of
        work, from the loop itself (a wedged loop stops extending and is replaced). Real time, not
        app.now(): Redis expires it."""
        if self.lock.enabled and time.monotonic() - self._extended_at > self.lock.timeout / 3:
            if not self.lock.acquire_or_extend(self.store.retrying).held:
                raise LockLost()
            self._extended_at = time.monotonic()

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        """Celery's per-run publish, for the runs the batch ways do not take (dispatch.py): what it fails
        with is left in `_publish_failure` for the dispatcher (a broker away: the run waits in the
        outbox; anything else: dropped, as Celery drops it)."""
        logger.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        self._publish_failure = None
        try:
            result = self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:
            self._publish_failure = exc
            logger.error("Message Error: %s", exc, exc_info=True)
        else:
            logger.debug("%s sent. id->%s", entry.task, getattr(result, "id", None))

    # bad data

    def _vanished(self, key: str, now: datetime) -> None:
        self.stats.vanished += 1
        self._decider.forget(key)
        name = self.layout.name_of(key)
        if name in self._static_config.entries:
            logger.error(
                "beat: the hash of static entry %s is gone (evicted or deleted?); re-creating it from "
                "beat_schedule",
                key,
            )
            self.stats.healed += 1
            only = StaticConfig(entries={name: self._static_config.entries[name]})
            write_statics(self.store, only, now, self.app.timezone, self._static_names)
            return
        logger.error(
            "beat: the hash of entry %s is gone (evicted or deleted?); removing it from the schedule", key
        )
        if self.store.drop_vanished(key) == LOCK_NOT_HELD:
            raise LockLost()

    # shutdown and banner

    def close(self) -> None:
        try:
            if self.leading and self._lock is not None and self._lock.release(self.store.retrying):
                logger.info("beat: released the lock %s", self.settings.lock_key)
        except RedisError as exc:
            logger.warning("beat: could not release the lock (%s); it expires by itself", exc)
        finally:
            self.leading = False
            self.metrics.close()
            super().close()
            if self._store is not None:
                self._store.scripts.close()
            if self._client is not None:
                self._client.close()
                self._client = None
                self._store = None

    @property
    def info(self) -> str:
        s = self.settings
        lines = [f"    . redis -> {s.redacted_url}"]
        if s.lock_key:
            lines.append(
                f"    . lock -> `{s.lock_key}` lease {_fmt(s.lock_timeout)}s ({s.lock_timeout_source}; "
                "fenced; standbys take over when it expires)"
            )
        else:
            lines.append("    . lock -> off (every beat sends)")
        if s.starting_deadline is not None:
            lines.append(f"    . starting deadline -> {_fmt(s.starting_deadline)}s (crontab, rrule)")
        return "\n".join(lines)

    @property
    def outbox_size(self) -> int:
        """Runs recorded and not yet confirmed by the broker, at the last look at the outbox."""
        return self._dispatcher.outbox_size

    @property
    def quarantined(self) -> int:
        """How many unreadable entries are currently skipped."""
        return len(self._decider.quarantine)

    def stats_dict(self) -> dict[str, int]:
        return asdict(self.stats)


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else (f"{seconds:g}")


guard_upstream_receiver()  # when upstream was imported first (coexist.py)
