"""`RedBeatScheduler`: a Celery beat scheduler over the RedBeat keys, for `celery beat -S`.

One tick:
1. take or extend the lock; a standby returns at once, asking to be woken when the holder's lock would
   expire (so failover takes the lock timeout plus a tick, not plus `max_interval`);
2. on taking the lock, sync `beat_schedule` into Redis (only the holder writes it);
3. load the entries whose score is due, decide each one (`decision.decide`), and for each run record the
   new meta and score in one fenced script *before* publishing through Celery (`apply_entry`), so a
   beat that lost the lock neither writes nor sends, and a run is sent at most once;
4. sleep until the earliest of: the next score, the next due time seen, `max_interval`.

Unreadable entries are logged once, re-scored `max_interval` ahead and left in Redis; one bad entry
never stops the others. The clock is `app.now()` throughout.
"""
from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime

from celery.beat import ScheduleEntry, Scheduler
from redis.exceptions import RedisError

from redbeat_sdk import codec
from redbeat_sdk.datetimes import epoch_seconds
from redbeat_sdk.keys import KeyLayout

from . import decision as decisions
from .connection import make_client
from .lock import FencedLock
from .retry import Retrying
from .scripts import Scripts
from .settings import _MISSING, RedBeatSettings
from .statics import LockLost, StaticConfig, sync_statics, write_statics
from .store import HASH_GONE, LOCK_NOT_HELD, META_CHANGED, WRITTEN, RawEntry, Store

logger = logging.getLogger(__name__)

# A standby wakes this long after the holder's lock would expire, so that it finds it expired.
EXPIRY_MARGIN = 0.05
# Shortest sleep a standby asks for (a lock about to expire must not make it spin).
STANDBY_FLOOR = 0.05
# Decoded definitions kept, keyed by their raw JSON: a definition rarely changes, its meta does.
DECODE_CACHE_SIZE = 4096


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
    stale_decisions: int = 0     # runs not recorded because the meta changed under the decision
    lock_acquired: int = 0
    lock_lost: int = 0
    redis_errors: int = 0


class RedBeatScheduler(Scheduler):
    """Drop-in for `redbeat.RedBeatScheduler`: same settings, same keys, same data, same lock."""

    Entry = ScheduleEntry

    #: Most due entries handled in one tick; the rest are handled by the next tick, right after.
    batch_size = 1000

    #: Longest sleep of a standby, in seconds: a lock released by a stopping leader (a deploy) is taken
    #: within this; an expiring one is taken when it expires (a standby wakes up right then).
    standby_poll = 1.0

    def __init__(self, app, lock_key=_MISSING, lock_timeout=None, **kwargs):
        self._static_specs: dict = {}
        self._static_names: set[str] = set()
        self._static_config = StaticConfig()
        self._statics_configured = False  # a lazy instance never read beat_schedule: it must not sync
        super().__init__(app, **kwargs)  # runs setup_schedule() unless lazy; talks to no server
        self.settings = RedBeatSettings.from_app(app, max_interval=self.max_interval, lock_key=lock_key,
                                                 lock_timeout=lock_timeout)
        self.layout = KeyLayout(self.settings.key_prefix)
        self.stats = Stats()
        self.leading = False
        self._standing_by = False
        self._resync = True
        self._client = None
        self._store: Store | None = None
        self._lock: FencedLock | None = None
        self._quarantine: dict[str, tuple] = {}
        self._decoded: OrderedDict = OrderedDict()
        self._redis_down = False
        self._extended_at = 0.0

    # upstream's attributes

    @property
    def lock_key(self) -> str | None:
        return self.settings.lock_key

    @property
    def lock_timeout(self) -> float:
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
        written = sync_statics(self.store, self._static_config, now, self.app.timezone, self._static_names)
        self._resync = False
        if written:
            logger.info("beat: synced %d beat_schedule entries into Redis", written)

    # the tick

    def tick(self, *args, **kwargs) -> float:
        self.stats.ticks += 1
        now = self.app.now()
        try:
            state = self.lock.acquire_or_extend(self.store.retrying)
            self._extended_at = time.monotonic()
            if not state.held:
                if self.leading:
                    self._step_down("another beat holds the lock now")
                elif not self._standing_by:
                    logger.info("beat: another beat holds the lock %s; standing by", self.lock.key)
                self._standing_by = True
                return self._standby_sleep(state.ttl)
            self._standing_by = False
            if not self.leading:
                self.leading = True
                self.stats.lock_acquired += 1
                self._resync = True
                if self.lock.enabled:
                    logger.info("beat: took the lock %s (timeout %ss); now the active beat",
                                self.lock.key, _fmt(self.lock.timeout))
            if self._resync:
                self._sync_statics(now)
            sleep = self._run(now)
        except LockLost:
            self._step_down("the lock expired or was taken while this beat was running")
            return 0.0
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
        logger.warning("beat: lost the lock %s (%s); standing by", self.settings.lock_key, why)

    def _redis_failed(self, exc: Exception) -> float:
        self.stats.redis_errors += 1
        delay = min(self.max_interval, 5.0)
        if not self._redis_down:
            logger.error("beat: Redis failed (%s: %s); trying again every %ss", type(exc).__name__, exc, _fmt(delay))
        self._redis_down = True
        return delay

    def _run(self, now: datetime) -> float:
        store = self.store
        candidates = store.candidates(epoch_seconds(now), self.batch_size)
        scores = dict(candidates.due)
        wake = [self.max_interval]
        if self.lock.enabled:
            wake.append(self.lock.timeout / 3)  # extend well before the lock can expire
        if candidates.next_score is not None:
            wake.append(candidates.next_score - now.timestamp())
        rescores: list[tuple[str, int]] = []
        for raw in store.load([key for key, _ in candidates.due]):
            due = self._handle(raw, scores[raw.key], now, rescores)
            if due is not None:
                wake.append(due.timestamp() - now.timestamp())
        if rescores and store.rescore(rescores) < 0:
            raise LockLost()
        if candidates.more_due:
            return 0.0
        return max(0.0, min(wake))

    def _handle(self, raw: RawEntry, score: float, now: datetime, rescores: list) -> datetime | None:
        """Decide one loaded entry and act on it; returns when it wants the next wake-up, if it cares."""
        later = epoch_seconds(now) + math.ceil(self.max_interval)
        if not raw.exists:
            self._vanished(raw.key, now)
            return None
        if self._quarantine.get(raw.key) == raw.fingerprint:
            rescores.append((raw.key, later))
            return None
        try:
            entry = self._decode(raw)
            verdict = decisions.decide(entry, now, self.app.timezone, deadline=self.settings.starting_deadline)
        except Exception as exc:  # bad data of any kind must not stop the other entries
            self._quarantine_entry(raw, exc)
            rescores.append((raw.key, later))
            return None
        if self._quarantine.pop(raw.key, None) is not None:
            logger.info("beat: entry %s is readable again", raw.key)

        if isinstance(verdict, decisions.Fire):
            return self._fire(raw, entry, verdict, now)
        if isinstance(verdict, decisions.Wait):
            if epoch_seconds(verdict.due) > score:  # an early score (upstream #307, a hand-written 0)
                rescores.append((raw.key, epoch_seconds(verdict.due)))
            return verdict.due
        if isinstance(verdict, decisions.Disabled):
            rescores.append((raw.key, later))  # looked at again within max_interval, not every tick
            return None
        if isinstance(verdict, decisions.Exhausted):
            rescores.append((raw.key, -1))
            return None
        if isinstance(verdict, decisions.SkipLate):
            self.stats.skipped_late += 1
            logger.warning("beat: skipped %s: its run at %s is later than the starting deadline (%ss)",
                           entry.name, verdict.missed.isoformat(), _fmt(self.settings.starting_deadline))
            rescores.append((raw.key, -1 if verdict.next_due is None else epoch_seconds(verdict.next_due)))
            return verdict.next_due
        raise AssertionError(verdict)

    def _keep_lock(self) -> None:
        """Extend the lock again during a long tick (many due entries, a slow broker), so that it does
        not expire under a leader that is still working. Real time, not app.now(): Redis expires it."""
        if self.lock.enabled and time.monotonic() - self._extended_at > self.lock.timeout / 3:
            if not self.lock.acquire_or_extend(self.store.retrying).held:
                raise LockLost()
            self._extended_at = time.monotonic()

    def _fire(self, raw: RawEntry, entry, verdict: decisions.Fire, now: datetime) -> datetime | None:
        self._keep_lock()
        total = entry.total_run_count + 1
        result = self.store.advance(raw, codec.encode_meta(decisions.run_stamp(now), total), verdict.score)
        if result == LOCK_NOT_HELD:
            raise LockLost()
        if result == HASH_GONE:
            self._vanished(raw.key, now)
            return None
        if result == META_CHANGED:
            # Someone (a client's run_now, a re-save) changed the run state since it was loaded: decide
            # again on fresh data at the next tick rather than send on a stale decision.
            self.stats.stale_decisions += 1
            logger.info("beat: %s changed while it was being scheduled; looking again", raw.key)
            return now
        assert result == WRITTEN, result
        self.apply_entry(self.Entry(name=entry.name, task=entry.task, last_run_at=now, total_run_count=total,
                                    schedule=None, args=entry.args, kwargs=entry.kwargs, options=entry.options,
                                    app=self.app),
                         producer=self.producer)
        return verdict.next_due

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

    def _decode(self, raw: RawEntry):
        name = self.layout.name_of(raw.key)
        cache_key = (raw.key, raw.definition)
        entry = self._decoded.get(cache_key)
        if entry is None:
            entry = codec.decode_entry(raw.key, name, raw.definition, None)
            self._decoded[cache_key] = entry
            if len(self._decoded) > DECODE_CACHE_SIZE:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(cache_key)
        if raw.meta:
            last_run_at, total = codec.decode_meta(raw.key, raw.meta)
            entry = entry.with_state(last_run_at, total, None)
        return entry

    def _quarantine_entry(self, raw: RawEntry, exc: Exception) -> None:
        self._quarantine[raw.key] = raw.fingerprint
        self.stats.corrupt += 1
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        logger.error("beat: skipping unreadable entry %s: %s (left in Redis; looked at again in %ss)",
                     raw.key, reason, _fmt(self.max_interval))

    def _vanished(self, key: str, now: datetime) -> None:
        self.stats.vanished += 1
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
            super().close()
            if self._client is not None:
                self._client.close()
                self._client = None
                self._store = None

    @property
    def info(self):
        s = self.settings
        lines = [f"    . redis -> {s.redacted_url}"]
        if s.lock_key:
            lines.append(f"    . lock -> `{s.lock_key}` {_fmt(s.lock_timeout)}s (fenced; standbys take over "
                         "when it expires)")
        else:
            lines.append("    . lock -> off (every beat sends)")
        if s.starting_deadline is not None:
            lines.append(f"    . starting deadline -> {_fmt(s.starting_deadline)}s (crontab, rrule)")
        return "\n".join(lines)

    def stats_dict(self) -> dict:
        return asdict(self.stats)


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else (f"{seconds:g}")
