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
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import NamedTuple

from celery.beat import ScheduleEntry, Scheduler
from redis.exceptions import RedisError

from redbeat_sdk import codec
from redbeat_sdk.keys import KeyLayout
from redbeat_sdk.lock_token import parse_token

from . import decision as decisions
from .coexist import guard_upstream_receiver
from .connection import make_client
from .lock import FencedLock
from .metrics import metrics_for
from .reading import Reader
from .retry import Retrying
from .scripts import Scripts
from .settings import _MISSING, RedBeatSettings
from .statics import LockLost, StaticConfig, sync_statics, write_statics
from .store import DELETED, HASH_GONE, LOCK_NOT_HELD, META_CHANGED, WRITTEN, RawEntry, Run, Store
from .waiting import Waiting

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

whole_seconds = decisions.whole_seconds
Fire, Wait, Disabled, Exhausted, SkipLate = (decisions.Fire, decisions.Wait, decisions.Disabled,
                                             decisions.Exhausted, decisions.SkipLate)


@dataclass
class Stats:
    """Counters since start; `scheduler.stats`."""
    ticks: int = 0
    sent: int = 0
    publish_errors: int = 0
    skipped_late: int = 0        # runs later than the starting deadline, not sent
    corrupt: int = 0             # unreadable entries found (each distinct stored value once)
    vanished: int = 0            # schedule members whose hash was gone
    healed: int = 0              # vanished static entries re-created from beat_schedule
    stale_decisions: int = 0     # runs not recorded because the entry changed under the decision
    lock_acquired: int = 0
    lock_lost: int = 0
    failovers: int = 0           # lock taken after standing by for another beat
    redis_errors: int = 0


class Sending(NamedTuple):
    """A run handed to Celery's `Scheduler.apply_async` (which reads task, args, kwargs and options):
    the fields of a Celery `ScheduleEntry` that a run has, without building one per send."""
    name: str
    task: str
    args: list | None
    kwargs: dict
    options: dict
    last_run_at: datetime
    total_run_count: int
    schedule: None = None


@dataclass
class _Pass:
    """Reading the due members batch by batch, over as many ticks as it takes.

    `counted` holds the members already read that stay where they are (kept in `waiting`): the next
    batch starts after them. Every other member read was moved out of the due range by the batch's
    own writes. A write that moves a member *within* the range (or finds a member changed) shuffles
    the order, and the pass starts over (members kept in memory are skipped cheaply).
    """
    size: int
    counted: set = field(default_factory=set)
    restart: bool = False


class _Tick:
    """What one tick shares between its batches: the clock reading, the run stamp, the encoded metas."""

    __slots__ = ("now", "now_f", "now_ts", "started", "_stamp", "_metas")

    def __init__(self, now: datetime):
        self.now = now
        self.now_f = now.timestamp()
        self.now_ts = whole_seconds(now)
        self.started = time.perf_counter()
        self._stamp = None
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


class RedBeatScheduler(Scheduler):
    """Drop-in for `redbeat.RedBeatScheduler`: same settings, same keys, same data, same lock."""

    Entry = ScheduleEntry

    #: Most due entries read, decided and recorded in one batch (one tick); the rest are read by the
    #: next ticks, right after.
    batch_size = 1000

    #: The first batch of a pass is this small, so that the first send under a large backlog is not
    #: held up by deciding a whole batch; each further batch is four times larger, up to `batch_size`.
    first_batch_size = 100

    #: Longest sleep of a standby, in seconds: a lock released by a stopping leader (a deploy) is taken
    #: within this; an expiring one is taken when it expires (a standby wakes up right then).
    standby_poll = 1.0

    def __init__(self, app, lock_key=_MISSING, lock_timeout=None, lock_lease=None, **kwargs):
        guard_upstream_receiver()  # upstream imported by the app would take the lock for us (coexist.py)
        self._static_specs: dict = {}
        self._static_names: set[str] = set()
        self._static_config = StaticConfig()
        self._statics_configured = False  # a lazy instance never read beat_schedule: it must not sync
        super().__init__(app, **kwargs)  # runs setup_schedule() unless lazy; talks to no server
        self.settings = RedBeatSettings.from_app(app, max_interval=self.max_interval, lock_key=lock_key,
                                                 lock_timeout=lock_timeout, lock_lease=lock_lease)
        self.layout = KeyLayout(self.settings.key_prefix)
        self.stats = Stats()
        self.leading = False
        self._standing_by = False
        self._resync = True
        self._client = None
        self._store: Store | None = None
        self._lock: FencedLock | None = None
        self._quarantine: dict[str, tuple] = {}
        self._reader = Reader()
        self._waiting = Waiting()
        self._pass: _Pass | None = None
        self._pass_second: int | None = None   # the clock's second when the last pass started
        self._next_pass_at = -INF              # epoch seconds: read the schedule again from then on
        self._written_wake = INF               # earliest due time written since the pass started
        self.due_backlog = 0
        self._redis_down = False
        self._extended_at = 0.0
        self._warned_holder: str | None = None  # the last holder a standby warned about
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
    def client(self):
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    @property
    def lock(self) -> FencedLock:
        self._wire()
        return self._lock

    @property
    def store(self) -> Store:
        self._wire()
        return self._store

    def _wire(self) -> None:
        if self._store is None:
            scripts = Scripts(self.client)
            layout = self.layout
            self._lock = FencedLock(scripts, self.settings.lock_key, self.settings.lock_timeout,
                                    placeholder_key=layout.schedule)
            self._store = Store(self.client, layout, self._lock, Retrying(self.settings.retry_period), scripts)
            self._store.count_backlog = self.metrics.enabled

    # static entries

    def setup_schedule(self):
        """Record `beat_schedule` (and Celery's default entries); they are written once we hold the lock."""
        self._static_specs = {}
        self.install_default_entries(self.app.conf.beat_schedule or {})  # calls update_from_dict
        beat_schedule = dict(self.app.conf.beat_schedule or {})
        self._static_specs.update(beat_schedule)
        self._static_names = {str(name) for name in beat_schedule}
        self._static_config = StaticConfig.build(self._static_specs)
        self._statics_configured = True
        self._resync = True

    def update_from_dict(self, dict_):
        self._static_specs.update(dict_)
        self._static_config = StaticConfig.build(self._static_specs)
        self._resync = True

    def _sync_statics(self, now: datetime) -> None:
        if not self._statics_configured:
            self._resync = False
            return
        written = sync_statics(self.store, self._static_config, now, self.app.timezone, self._static_names,
                               keep_lock=self._keep_lock)
        self._resync = False
        if written:
            logger.info("beat: synced %d beat_schedule entries into Redis", written)

    # the tick

    def tick(self, *args, **kwargs) -> float:
        self.stats.ticks += 1
        started = time.perf_counter()
        self.metrics.start()
        try:
            return self._tick()
        finally:
            self.metrics.observe_tick(time.perf_counter() - started)

    def _tick(self) -> float:
        tick = _Tick(self.app.now())
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
                self._check_holder(state)
                return self._standby_sleep(state.ttl)
            if not self.leading:
                self.leading = True
                self.stats.lock_acquired += 1
                if self._standing_by:
                    self.stats.failovers += 1
                self._forget()
                self._resync = True
                if self.lock.enabled:
                    logger.info("beat: took the lock %s (timeout %ss); now the active beat",
                                self.lock.key, _fmt(self.lock.timeout))
            self._standing_by = False
            if self._resync:
                self._sync_statics(tick.now)
                self._pass_from_start()
            sleep = self._run(tick, prefetched)
        except LockLost:
            self._step_down("the lock expired or was taken while this beat was running")
            return 0.0
        except RedisError as exc:
            return self._redis_failed(exc)
        if self._redis_down:
            self._redis_down = False
            logger.info("beat: Redis is reachable again")
        return sleep

    def _check_holder(self, state) -> None:
        """Warn, once per holder, when the beat this one waits for is not one of ours or holds the lock
        longer than our lease: a standby would otherwise wait that long in silence (upstream's default
        lock lives 25 minutes after its beat died). Two healthy beats of ours stay quiet."""
        token = state.holder
        if token is None or token == self._warned_holder:
            return
        holder = parse_token(token)
        lease = self.lock.timeout
        if holder.ours and 0 <= state.ttl <= lease + 0.001:
            return
        self._warned_holder = token
        if state.ttl < 0:
            expiry = "with no expiry: it stays until deleted (redbeat lock shows it; DEL the key if its beat is gone)"
        else:
            expiry = f"for another {state.ttl:.0f}s if it is not extended"
        logger.warning("beat: standing by: the lock %s is held by %s (token %s), %s; this beat's lease is %ss, "
                       "and it takes over only once that lock is released or expires", self.lock.key,
                       holder.describe(), token, expiry, _fmt(lease))

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
        delay = min(self.max_interval, 5.0)
        if not self._redis_down:
            logger.error("beat: Redis failed (%s: %s); trying again every %ss", type(exc).__name__, exc, _fmt(delay))
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

    def _run(self, tick: _Tick, prefetched=None) -> float:
        waiters = self._waiting.pop_due(tick.now_f)
        if waiters:
            self._dispatch([(w.raw, w.score) for w in waiters], tick)
        # A tick that only sends entries kept in memory skips reading the schedule, as long as nothing
        # new can be due: within the second of the last pass and before its next score.
        if (not waiters or self._pass is not None or tick.now_f >= self._next_pass_at
                or self._pass_second != tick.now_ts):
            self._read_batch(tick, prefetched)
        if self._pass is not None:
            return 0.0  # more due members to read: tick again at once
        wake = min(self._next_pass_at, tick.now_f + self.max_interval)
        upcoming = self._waiting.next_due()
        if upcoming is not None:
            wake = min(wake, upcoming)
        if self.lock.enabled:
            wake = min(wake, tick.now_f + self.lock.timeout / 3)  # extend well before the lock can expire
        # Minus the time this tick took, by the clock (a frozen clock in tests has not moved). Reading
        # Celery's clock costs 30 µs: a tick shorter than a millisecond is not worth the correction.
        end = self.app.now().timestamp() if tick.elapsed() > 0.001 else tick.now_f
        return max(0.0, wake - end)

    def _read_batch(self, tick: _Tick, prefetched=None) -> None:
        size, offset = self._next_read()
        batch = self._pass
        if batch is None:
            batch = self._pass = _Pass(size=size)
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
        left = self._dispatch([(raw, score) for raw, (_, score) in zip(raws, fresh)], tick)
        self.due_backlog = max(0, candidates.backlog - left)
        if batch.restart:
            self._pass = _Pass(size=batch.size)
        elif candidates.more_due:
            batch.size = min(batch.size * 4, self.batch_size)
        else:
            self._pass = None
            upcoming = INF if candidates.next_score is None else candidates.next_score
            self._next_pass_at = min(upcoming, self._written_wake, tick.now_f + self.max_interval)

    def _dispatch(self, items: list[tuple[RawEntry, float]], tick: _Tick) -> int:
        """Decide each loaded entry, record every decision in one fenced script, then publish the runs
        recorded. Returns how many of the members left the due range."""
        now, now_ts = tick.now, tick.now_ts
        later = now_ts + math.ceil(self.max_interval)
        runs: list[Run] = []
        scores: list[float] = []  # the score each run's member was read with
        fired: list[tuple] = []   # (index in runs, entry, verdict, new score)
        vanished: list[str] = []
        stay: list[str] = []      # members that keep their place in the due range
        tz, deadline = self.app.timezone, self.settings.starting_deadline
        reader, quarantine, name_of = self._reader, self._quarantine, self.layout.name_of
        decide = decisions.decide

        for raw, score in items:
            key = raw.key
            if not raw.exists:
                vanished.append(key)
                continue
            if quarantine and quarantine.get(key) == raw.fingerprint:
                runs.append(Run("R", raw, later))
                scores.append(score)
                continue
            try:
                entry = reader.read(key, name_of(key), raw.definition, raw.meta)
                verdict = decide(entry, now, tz, deadline=deadline, next_run=entry.plan.next_run)
            except Exception as exc:  # bad data of any kind must not stop the other entries
                self._quarantine_entry(raw, exc)
                runs.append(Run("R", raw, later))
                scores.append(score)
                continue
            if quarantine and quarantine.pop(key, None) is not None:
                logger.info("beat: entry %s is readable again", key)
            kind = type(verdict)
            if kind is Fire:
                new_score = verdict.score
                fired.append((len(runs), entry, verdict, new_score))
                runs.append(Run("F", raw, new_score, tick.meta(entry.total_run_count + 1)))
            elif kind is Wait:
                due = verdict.due.timestamp()
                due_score = whole_seconds(verdict.due)
                if due_score > score:  # an early score (upstream #307, a hand-written 0): correct it
                    runs.append(Run("R", raw, due_score))
                    self._will_wake(due)
                else:  # due later in this very second: keep it in memory until then
                    self._waiting.add(key, score, due, raw)
                    stay.append(key)
                    continue
            elif kind is Disabled:
                runs.append(Run("R", raw, later))  # looked at again within max_interval, not every tick
            elif kind is Exhausted:
                runs.append(Run("R", raw, -1))
            else:
                assert kind is SkipLate, verdict
                self.stats.skipped_late += 1
                logger.warning("beat: skipped %s: its run at %s is later than the starting deadline (%ss)",
                               entry.name, verdict.missed.isoformat(), _fmt(self.settings.starting_deadline))
                runs.append(Run("R", raw, -1 if verdict.next_due is None else whole_seconds(verdict.next_due)))
                if verdict.next_due is not None:
                    self._will_wake(verdict.next_due.timestamp())
            scores.append(score)

        results = self.store.record(runs)
        if results is None:
            raise LockLost()
        left = len(vanished)
        for run, score in zip(runs, scores):
            if run.kind != "R":
                continue
            if 0 <= run.score <= now_ts:
                if run.score == score:
                    stay.append(run.raw.key)  # unchanged, still due: keeps its place
                else:
                    self._restart_pass()      # moved within the due range: the order changed
            else:
                left += 1
        sent, gone = self._publish(fired, runs, results, tick)
        left += len(sent)
        for key in vanished + gone:
            self._vanished(key, now)
            if name_of(key) in self._static_config.entries:
                self._restart_pass()  # re-created from beat_schedule: it may be due
        batch = self._pass
        if batch is not None:
            batch.counted.update(stay)
            batch.counted.difference_update(sent)
        return left

    def _publish(self, fired: list, runs: list[Run], results: list[int], tick: _Tick) -> tuple[list, list]:
        """Send the runs the batch recorded, in schedule order; returns the keys sent and the keys whose
        hash was gone. A recorded run is sent even if the lock is found lost meanwhile: it was recorded
        under the lock, and no other beat will send it."""
        sent: list[str] = []
        gone: list[str] = []
        lost = False
        stopping: BaseException | None = None  # SIGTERM/SIGINT arrived while this batch was being sent
        lock_enabled, keep_every = self.lock.enabled, self.lock.timeout / 3
        observe = self.metrics.observe_lateness if self.metrics.enabled else None
        producer, now_ts = self.producer, tick.now_ts
        waiting = self._waiting
        for index, entry, verdict, new_score in fired:
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
            if verdict.next_due is not None:
                due = verdict.next_due.timestamp()
                if due - tick.now_f <= KEEP_AHEAD and len(waiting) < KEEP_MAX:
                    # Its stored state is now exactly what was just written: keep it in memory, so that
                    # the next pass need not load it again and its run is sent on time from here.
                    run = runs[index]
                    waiting.add(key, new_score, due, RawEntry(key, run.raw.definition, run.meta))
                else:
                    self._will_wake(due)
                if new_score <= now_ts:
                    self._restart_pass()  # due again within this second (a sub-second interval)
            if stopping is not None:
                # Send the rest of what was recorded (else those runs are lost) unless the broker fails.
                errors = self.stats.publish_errors
                self._send(entry, tick, producer)
                if self.stats.publish_errors > errors:
                    break
                continue
            if lock_enabled and not lost and time.monotonic() - self._extended_at > keep_every:
                try:
                    self._keep_lock()
                except LockLost:
                    lost = True
            try:
                self._send(entry, tick, producer)
            except (SystemExit, KeyboardInterrupt) as exc:
                # Celery's SIGTERM handler: it has closed this scheduler (the lock is released) and stops
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
        return sent, gone

    def _send(self, entry, tick: _Tick, producer) -> None:
        self.apply_entry(Sending(entry.name, entry.task, entry.args, entry.kwargs, entry.options, tick.now,
                                 entry.total_run_count + 1), producer=producer)

    def _keep_lock(self) -> None:
        """Extend the lock again during a long tick (many due entries, a slow broker, a large static
        sync), so that it does not expire under a leader that is still working: called between units of
        work, from the loop itself (a wedged loop stops extending and is replaced). Real time, not
        app.now(): Redis expires it."""
        if self.lock.enabled and time.monotonic() - self._extended_at > self.lock.timeout / 3:
            if not self.lock.acquire_or_extend(self.store.retrying).held:
                raise LockLost()
            self._extended_at = time.monotonic()

    def apply_entry(self, entry, producer=None):
        logger.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            result = self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:  # the run is recorded already: it is lost, as upstream loses it
            self.stats.publish_errors += 1
            logger.error("Message Error: %s", exc, exc_info=True)
        else:
            self.stats.sent += 1
            logger.debug("%s sent. id->%s", entry.task, getattr(result, "id", None))

    # bad data

    def _quarantine_entry(self, raw: RawEntry, exc: Exception) -> None:
        self._quarantine[raw.key] = raw.fingerprint
        self.stats.corrupt += 1
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        logger.error("beat: skipping unreadable entry %s: %s (left in Redis; looked at again in %ss)",
                     raw.key, reason, _fmt(self.max_interval))

    def _vanished(self, key: str, now: datetime) -> None:
        self.stats.vanished += 1
        self._quarantine.pop(key, None)
        name = self.layout.name_of(key)
        if name in self._static_config.entries:
            logger.error("beat: the hash of static entry %s is gone (evicted or deleted?); re-creating it from "
                         "beat_schedule", key)
            self.stats.healed += 1
            only = StaticConfig(entries={name: self._static_config.entries[name]})
            write_statics(self.store, only, now, self.app.timezone, self._static_names)
            return
        logger.error("beat: the hash of entry %s is gone (evicted or deleted?); removing it from the schedule", key)
        if self.store.drop_vanished(key) == LOCK_NOT_HELD:
            raise LockLost()

    # shutdown and banner

    def close(self):
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
    def info(self):
        s = self.settings
        lines = [f"    . redis -> {s.redacted_url}"]
        if s.lock_key:
            lines.append(f"    . lock -> `{s.lock_key}` lease {_fmt(s.lock_timeout)}s ({s.lock_timeout_source}; "
                         "fenced; standbys take over when it expires)")
        else:
            lines.append("    . lock -> off (every beat sends)")
        if s.starting_deadline is not None:
            lines.append(f"    . starting deadline -> {_fmt(s.starting_deadline)}s (crontab, rrule)")
        return "\n".join(lines)

    @property
    def quarantined(self) -> int:
        """How many unreadable entries are currently skipped."""
        return len(self._quarantine)

    def stats_dict(self) -> dict:
        return asdict(self.stats)


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else (f"{seconds:g}")


guard_upstream_receiver()  # when upstream was imported first (coexist.py)
