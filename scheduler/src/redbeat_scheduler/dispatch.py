"""Getting the runs a batch records to the broker, without losing one.

Before the record, `plan` gives every run of the batch a task id and a way out (publishing.py): queued by
the record script itself (atomic: recorded if and only if queued), or recorded together with an outbox
field (`P:outbox`, field `<task id>:<entry key>`, value the definition) and published right after - in
one pipeline, or through Celery's `apply_async` one at a time. A run the broker confirms leaves the outbox
in one HDEL per batch; one it does not stays there, and the leader publishes it again later with the same
task id (`sweep`, with back-off while the broker is away, and at once when it takes the lock after
another beat): at least once on those ways, never lost. The outbox is bounded (`redbeat_outbox_limit`):
when a batch's runs do not fit, the record script writes nothing and beat says so at error level until
the broker takes the backlog (its runs are late, not lost).

Runs are still sent even if the lock is found lost meanwhile (no other beat will send them), and a stop
signal that lands while they are being sent lets the rest of them go out first, unless the broker fails.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoPermissionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from redbeat_sdk.history import encode_record

from .messages import Message, NotBatchable, Run
from .publishing import ATOMIC, CELERY, PIPELINE, Publisher
from .statics import LockLost
from .store import WRITTEN, History, OutboxFull, Push, PushRefused, Recorded
from .store import Run as Decision
from .tickstate import Tick

logger = logging.getLogger(__name__)

_OPS = {"lpush": "L", "pexpire": "E"}  # record.lua's names of the commands it runs
SWEEP_COUNT = 500  # outbox runs republished per tick
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0  # seconds between attempts while the broker fails
FULL_LOG_EVERY = 10.0  # seconds between the error lines of a full outbox
_TRANSIENT = (
    OperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    socket.error,
)


class Sending(NamedTuple):
    """A run handed to Celery's `Scheduler.apply_async` (which reads task, args, kwargs and options):
    the fields of a Celery `ScheduleEntry` that a run has, without building one per send."""

    name: str
    task: str
    args: list[Any] | None
    kwargs: dict[str, Any] | None
    options: dict[str, Any]
    last_run_at: datetime
    total_run_count: int
    schedule: None = None


class Planned(NamedTuple):
    """A run's way to the broker: its task id, route, what Celery's apply_async reads, the message built
    before the record (atomic) and its outbox field ('' when queued by the record script)."""

    task_id: str
    route: str
    run: Run
    message: Message | None
    field: str


class Outgoing(NamedTuple):
    """A recorded run to publish: the entry (anything with `name`), its verdict (None for a run taken
    from the outbox) and its plan."""

    entry: Any
    verdict: Any
    planned: Planned


def task_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs, as `str(uuid.uuid4())` writes them: the ids of a batch's runs,
    from one read of the OS's randomness (a third of the cost of one `uuid4()` each)."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    h = raw.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def transient(exc: BaseException) -> bool:
    """A broker or connection failure that may pass (the run waits in the outbox), as opposed to a run
    Celery refuses for good (bad arguments, an unknown queue), which is dropped as Celery drops it."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, _TRANSIENT):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


class Dispatcher:
    def __init__(self, scheduler: Any):
        self.scheduler = scheduler  # its apply_entry, producer, lock, store, stats and metrics
        self.publisher = Publisher(scheduler)
        self.outbox_size = 0
        self.sweep_at = math.inf  # monotonic time of the next look at the outbox
        self._backoff = 0.0
        self._failing = False  # the broker failed and has not taken a message since
        self._full_logged = -math.inf

    # before the record

    def record_batch(
        self, runs: Sequence[Decision], fired: Sequence[tuple[int, Any, Any, float]], tick: Tick | None = None
    ) -> tuple[dict[int, Planned], Recorded | None]:
        """Plan and record a batch: (the plan of each fired run by its index in `runs`, what the record
        script did - None when the lock is not held). Raises OutboxFull (logged) when nothing fits. Each
        run goes into its entry's history (with its task id) in the same step, `tick` being its clock."""
        mode = self.publisher.mode() if fired else CELERY
        planned = self.plan(fired, runs, mode)
        history = self.history(fired, planned, tick)
        try:
            recorded = self.record(runs, planned, history)
        except OutboxFull as exc:
            self.outbox_full(exc.size)
            raise
        if recorded is not None:
            # a field whose run the script did not record is not ours to publish - unless an earlier
            # attempt of this very record did run (a reply lost, a WAIT that gave up): the next look does
            results = recorded.results
            ours = sum(1 for i, plan in planned.items() if plan.field and results[i] == WRITTEN)
            self._outbox_seen(recorded.outbox_size, ours)
        return planned, recorded

    def plan(
        self, fired: Sequence[tuple[int, Any, Any, float]], runs: Sequence[Decision], mode: str
    ) -> dict[int, Planned]:
        """A plan for each fired run (index in `runs` -> Planned); builds the atomic ones' messages."""
        if not fired:
            return {}
        publisher = self.publisher
        builder = publisher._builder
        planned: dict[int, Planned] = {}
        atomic: list[int] = []
        for (index, entry, _verdict, _score), task_id in zip(fired, task_ids(len(fired)), strict=True):
            run = Run(entry.task, entry.args, entry.kwargs, entry.options)
            if mode == CELERY or builder is None or not builder.batchable(run):
                route = CELERY
            elif mode == PIPELINE:
                route = PIPELINE
            else:
                route = ATOMIC
                atomic.append(index)
            planned[index] = Planned(task_id, route, run, None, f"{task_id}:{runs[index].raw.key}")
        if atomic:
            assert builder is not None
            messages = builder.build_many([(planned[i].task_id, planned[i].run) for i in atomic], _ignore)
            for index, message in zip(atomic, messages, strict=True):
                plan = planned[index]
                if message is None:  # Celery refuses it, or the builder does not follow it: Celery says why
                    planned[index] = plan._replace(route=CELERY)
                elif not message.pushes_only or any(
                    publisher.refused(builder.prefixed(command)) for command in message.commands
                ):
                    planned[index] = plan._replace(route=self._after_record(), message=message)
                else:
                    planned[index] = plan._replace(message=message, field="")
        return planned

    def history(
        self, fired: Sequence[tuple[int, Any, Any, float]], planned: dict[int, Planned], tick: Tick | None
    ) -> History:
        """The history record of each fired run (extension profile): when it was due, when this beat
        recorded it, its task id and this beat's token."""
        length = self.scheduler.settings.history_length
        if not length or tick is None:
            return History({}, 0)
        beat = self.scheduler.lock.token
        recorded = tick.now
        return History(
            {
                index: encode_record(verdict.due, recorded, planned[index].task_id, beat)
                for index, _entry, verdict, _score in fired
            },
            length,
        )

    def record(
        self, runs: Sequence[Decision], planned: dict[int, Planned], history: History | None = None
    ) -> Recorded | None:
        """Record runs with each one's push or outbox field, at once (`planned` by index in `runs`, updated
        when a list turns out not to be pushable from the script). None when the lock is not held."""
        store, limit = self.scheduler.store, self.scheduler.settings.outbox_limit
        while True:
            pushes = self._pushes(planned, 0, len(runs))
            try:
                return cast("Recorded | None", store.record(runs, pushes, limit, history))
            except PushRefused as exc:  # nothing was written: the runs for that list go the other way
                self.publisher.refuse(exc.key, exc.reason)
                refused = {exc.key}
            except NoPermissionError as exc:
                # Redis refused the script before running it (ACL: the lists are among its keys)
                refused = {key for push in pushes.values() for _, key, _ in push.commands}
                if not refused:
                    raise  # the schedule's own keys: not a matter of the way out
                for key in refused:
                    self.publisher.refuse(key, str(exc))
            touching = [i for i, push in pushes.items() if any(key in refused for _, key, _ in push.commands)]
            if not touching:  # the script and this disagree on the keys: push nothing from the script
                touching = [i for i, plan in planned.items() if plan.route == ATOMIC]
            for index in touching:
                plan = planned[index]
                planned[index] = plan._replace(
                    route=self._after_record(), field=f"{plan.task_id}:{runs[index].raw.key}"
                )

    def _pushes(self, planned: dict[int, Planned], start: int, end: int) -> dict[int, Push]:
        out = {}
        for index, plan in planned.items():
            if not start <= index < end:
                continue
            if plan.route == ATOMIC:
                assert plan.message is not None
                prefixed = self.publisher.builder.prefixed
                out[index] = Push(
                    "", [(_OPS[c.name], prefixed(c), str(c.value)) for c in plan.message.commands]
                )
            else:
                out[index] = Push(plan.field)
        return out

    def _after_record(self) -> str:
        """The way of a run the record script does not queue (a fanout, a list it may not push to)."""
        return PIPELINE if self.publisher.builder.channel.supports_batch_publish else CELERY

    # after the record

    def send(self, outgoing: Sequence[Outgoing], tick: Tick) -> None:
        """Publish the recorded runs (in order, each way together), keeping the lock extended between
        them; raises LockLost afterwards if it was found lost, and a stop signal once the rest went out."""
        queued = [item for item in outgoing if item.planned.route == ATOMIC]
        for item in queued:  # already in the broker's lists: what Celery does after a publish
            assert item.planned.message is not None
            _log_sending(item)
            item.planned.message.after_publish()
            self._sent(item, tick, "sent_atomic")
        others = [item for item in outgoing if item.planned.route != ATOMIC]
        if others and self._failing:
            # The broker failed and has not taken a message since: these wait in the outbox with the
            # others, and the next look at it (with back-off) is what tries the broker again.
            logger.debug("beat: %d recorded runs wait in the outbox for the broker", len(others))
        elif others:
            self._publish(others, tick, "sent_pipeline", "sent_celery")

    def sweep_due(self) -> bool:
        return time.monotonic() >= self.sweep_at

    def sweep(self, tick: Tick) -> None:
        """Publish what waits in the outbox (a failed publish, a beat killed before its publish was
        confirmed), when it is time to look."""
        if not self.sweep_due():
            return
        scheduler = self.scheduler
        pairs = scheduler.store.outbox_scan(SWEEP_COUNT)
        if not pairs:
            self.sweep_at, self._backoff, self.outbox_size = math.inf, 0.0, 0
            return
        mode = self.publisher.mode()
        builder = self.publisher._builder
        reader, layout = scheduler._decider.reader, scheduler.layout
        items: list[Outgoing] = []
        dropped: list[str] = []
        for field, definition in pairs:
            task_id, _, key = field.partition(":")
            try:
                name = layout.name_of(key)
                loaded = reader.read(key, name, definition, None)
            except Exception as exc:  # not ours to fix: say so and let it go
                logger.error("beat: dropping outbox field %r: unreadable (%s)", field, exc)
                dropped.append(field)
                continue
            run = Run(loaded.task, loaded.args, loaded.kwargs, loaded.options)
            if mode == CELERY or builder is None or not builder.batchable(run):
                route = CELERY
            else:
                route = self._after_record()
            items.append(Outgoing(loaded, None, Planned(task_id, route, run, None, field)))
        logger.info("beat: publishing %d runs waiting in the outbox %s", len(items), layout.outbox)
        self.sweep_at = time.monotonic()  # looked at now: again next tick unless it empties or fails
        if dropped:
            self.outbox_size = scheduler.store.outbox_done(dropped)
        self._publish(items, tick, "outbox_republished", "outbox_republished")

    def outbox_full(self, size: int) -> None:
        stats = self.scheduler.stats
        stats.outbox_full += 1
        self.outbox_size = size
        if self.sweep_at == math.inf:
            self.sweep_at = time.monotonic()
        now = time.monotonic()
        if now - self._full_logged >= FULL_LOG_EVERY:
            self._full_logged = now
            logger.error(
                "beat: NOT RECORDING NEW RUNS: the outbox %s holds %d runs the broker has not taken "
                "(redbeat_outbox_limit %d); due runs wait in the schedule until it drains",
                self.scheduler.layout.outbox,
                size,
                self.scheduler.settings.outbox_limit,
            )

    def wake_in(self) -> float:
        """Seconds until the outbox is to be looked at again (inf: not before something fails)."""
        return max(0.0, self.sweep_at - time.monotonic())

    def redis_failed(self) -> None:
        """A round trip failed, perhaps after a record script ran (its reply lost, a WAIT that gave up):
        the runs it recorded wait in the outbox, looked at by the next tick that reaches Redis (after its
        lock round trip, whose WAIT covers the record)."""
        self.publisher.forget()
        if self.sweep_at == math.inf:
            self.sweep_at = time.monotonic()

    def lock_taken(self) -> None:
        """A new leader publishes whatever a former one left in the outbox, at once."""
        self.sweep_at = -math.inf
        self.publisher.forget()

    # the ways out

    def _publish(self, items: Sequence[Outgoing], tick: Tick, piped_stat: str, celery_stat: str) -> None:
        done: list[str] = []
        stopping: BaseException | None = None
        lost = False
        try:
            celery = [item for item in items if item.planned.route == CELERY]
            piped = [item for item in items if item.planned.route == PIPELINE]
            if piped:
                try:
                    celery += self._pipeline(piped, tick, done, piped_stat)
                except (SystemExit, KeyboardInterrupt) as exc:
                    # Celery's SIGTERM handler: send the rest first, as one at a time does (a message the
                    # interrupted pipeline had sent already goes again: at least once)
                    stopping = exc
                    logger.info("beat: stopping; sending the other runs this batch recorded first")
                    sent = set(done)
                    rest = [item for item in piped if item.planned.field not in sent]
                    with contextlib.suppress(SystemExit, KeyboardInterrupt):  # stopped again: the rest waits
                        celery += self._pipeline(rest, tick, done, piped_stat)
            if celery:
                stopping, lost = self._one_by_one(celery, tick, done, celery_stat, stopping)
        finally:
            if done:
                self._done(done)
        if stopping is not None:
            raise stopping
        if lost:
            raise LockLost()

    def _done(self, fields: list[str]) -> None:
        """Remove the fields of runs the broker has: a stop signal landing meanwhile must not leave them
        for the next leader to publish again, so the removal is made once more before the stop goes on."""
        store = self.scheduler.store
        try:
            store.outbox_done_later(fields, self._outbox_counted)
        except (SystemExit, KeyboardInterrupt):
            store.outbox_done_later(fields, self._outbox_counted)
            raise
        finally:
            self.outbox_size = max(0, self.outbox_size - len(fields))  # until Redis's count comes
            if self.outbox_size == 0 and not self._failing:
                self.sweep_at = math.inf

    def _outbox_counted(self, size: int) -> None:
        """Redis's count right after a removal: more than none left means runs not ours to wait for."""
        self.outbox_size = size
        if size and self.sweep_at == math.inf:
            self.sweep_at = time.monotonic()

    def _pipeline(self, items: Sequence[Outgoing], tick: Tick, done: list[str], stat: str) -> list[Outgoing]:
        """Publish in one pipeline on the broker; returns the runs Celery is to publish instead."""
        builder = self.publisher.builder
        errors: dict[str, Exception] = {}
        wanted = [(item.planned.task_id, item.planned.run) for item in items if item.planned.message is None]
        built = iter(builder.build_many(wanted, errors.__setitem__))
        ready: list[tuple[Outgoing, Message]] = []
        celery: list[Outgoing] = []
        for item in items:
            message = item.planned.message or next(built)
            if message is not None:
                ready.append((item, message))
                continue
            exc = errors[item.planned.task_id]
            if isinstance(exc, NotBatchable):
                celery.append(item._replace(planned=item.planned._replace(route=CELERY)))
            elif transient(exc):
                self._broker_failed(1, exc)
            else:  # Celery would refuse it too: dropped, as Celery drops it
                self.scheduler.stats.publish_errors += 1
                logger.error("Message Error: %s", exc, exc_info=exc)
                done.append(item.planned.field)
        if not ready:
            return celery
        try:
            outcomes = self.publisher.pipeline([message for _, message in ready])
        except Exception as exc:
            self._broker_failed(len(ready), exc)
            return celery
        refused: list[Exception] = []
        published = []
        for (item, message), error in zip(ready, outcomes, strict=True):
            if error is not None:  # the broker refused a command (ACL, a key's type): kept, said loudly
                refused.append(error)
                logger.error(
                    "beat: the broker refused the message of %s (%s); it waits in the outbox",
                    item.entry.name,
                    error,
                )
                continue
            published.append((item, message))
        done += [item.planned.field for item, _ in published]  # before any receiver runs (a stop signal)
        for item, message in published:
            _log_sending(item)
            message.after_publish()
            self._sent(item, tick, stat)
        if refused:
            self._broker_failed(len(refused), refused[0], log=False)
        else:
            self._broker_back()
        return celery

    def _one_by_one(
        self,
        items: Sequence[Outgoing],
        tick: Tick,
        done: list[str],
        stat: str,
        stopping: BaseException | None,
    ) -> tuple[BaseException | None, bool]:
        """Celery's apply_async for each run, in order, keeping the lock extended between them."""
        scheduler = self.scheduler
        lock = scheduler.lock
        lock_enabled, keep_every = lock.enabled, lock.timeout / 3
        producer = scheduler.producer
        lost = False
        for position, item in enumerate(items):
            due_to_extend = time.monotonic() - scheduler._extended_at > keep_every
            if stopping is None and lock_enabled and not lost and due_to_extend:
                try:
                    scheduler._keep_lock()
                except LockLost:
                    lost = True
            try:
                failure = self._apply(item, tick, producer)
            except (SystemExit, KeyboardInterrupt) as exc:
                # Celery's SIGTERM handler: it has closed the scheduler (the lock is released) and stops
                # beat. This run may have gone out: it stays in the outbox for the next leader.
                if stopping is None:
                    stopping = exc
                    logger.info("beat: stopping; sending the other runs this batch recorded first")
                continue
            if failure is None:
                done.append(item.planned.field)
                self._sent(item, tick, stat)
                self._broker_back()
            elif transient(failure):
                self._broker_failed(len(items) - position, failure)
                break  # the broker is away: the others wait in the outbox too
            else:
                scheduler.stats.publish_errors += 1  # refused for good (logged by apply_entry): dropped
                done.append(item.planned.field)
        return stopping, lost

    def _apply(self, item: Outgoing, tick: Tick, producer: Any) -> BaseException | None:
        """One run through the scheduler's apply_entry; the error Celery raised, if any."""
        scheduler = self.scheduler
        entry, plan = item.entry, item.planned
        options = {"task_id": plan.task_id, **plan.run.options}  # the entry's own task_id wins
        total = getattr(entry, "total_run_count", 0) + (1 if item.verdict is not None else 0)
        scheduler._publish_failure = None
        try:
            scheduler.apply_entry(
                Sending(entry.name, plan.run.task, plan.run.args, plan.run.kwargs, options, tick.now, total),
                producer=producer,
            )
        except Exception as exc:  # an apply_entry of a subclass that lets it through
            return exc
        return cast("BaseException | None", scheduler._publish_failure)

    # bookkeeping

    def _sent(self, item: Outgoing, tick: Tick, stat: str) -> None:
        stats = self.scheduler.stats
        stats.sent += 1
        setattr(stats, stat, getattr(stats, stat) + 1)
        verdict = item.verdict
        metrics = self.scheduler.metrics
        if metrics.enabled and verdict is not None and verdict.due is not None:
            metrics.observe_lateness(max(0.0, tick.sent_at() - verdict.due.timestamp()))

    def _outbox_seen(self, size: int, ours: int) -> None:
        self.outbox_size = size
        if size > ours and self.sweep_at == math.inf:
            self.sweep_at = time.monotonic()  # someone else's runs (a former leader's): next tick

    def _broker_failed(self, count: int, exc: BaseException, log: bool = True) -> None:
        self.scheduler.stats.publish_errors += count
        self.publisher.forget()
        self._backoff = min(BACKOFF_MAX, self._backoff * 2) if self._backoff else BACKOFF_FIRST
        self.sweep_at = time.monotonic() + self._backoff
        if log and not self._failing:
            logger.error(
                "beat: could not publish %d recorded runs (%s: %s); they wait in the outbox %s and are "
                "published again (same task ids) when the broker takes them",
                count,
                type(exc).__name__,
                exc,
                self.scheduler.layout.outbox,
            )
        self._failing = True

    def _broker_back(self) -> None:
        if self._failing:
            self._failing = False
            self._backoff = 0.0
            logger.info("beat: the broker takes messages again")


def _log_sending(item: Outgoing) -> None:
    logger.info("Scheduler: Sending due task %s (%s)", item.entry.name, item.planned.run.task)


def _ignore(task_id: str, exc: Exception) -> None:
    """A run the builder cannot build before the record: Celery publishes it (and says why it fails)."""
