"""Which way recorded runs go to the broker, and the broker's own round trips.

Three ways, chosen per batch (and per run within it), fastest first:
- atomic: the broker is kombu's Redis transport on the same server and db as the schedule (the same
  `INFO` run_id and db), the schedule client neither waits for replicas nor is a Cluster, and
  `redbeat_publish` is "auto": the record script pushes the messages itself (`Push.commands`);
- pipeline: any other Redis broker (another db or server, Sentinel, TLS, Cluster schedule, or waiting for
  replicas): the runs are recorded with an outbox field, then their messages go out in one pipeline on
  kombu's own connection;
- celery: other brokers, runs or apps this scheduler's builder does not follow (messages.py), kombu
  declining batches (retries on timeout), or `redbeat_publish = "celery"`: Celery's `apply_async`, one run
  at a time, each with an outbox field and a task id of ours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import redis
from kombu.messaging import Producer

from .messages import Message, MessageBuilder, app_blockers

logger = logging.getLogger(__name__)

ATOMIC, PIPELINE, CELERY = "atomic", "pipeline", "celery"

SAME_SERVER_TTL = 60.0  # seconds a "same server" verdict is trusted before INFO is asked again
REFUSED_TTL = 300.0  # seconds a list the record script may not push to is left to the pipeline


class Publisher:
    def __init__(self, scheduler: Any):
        self.scheduler = scheduler
        self.setting: str = scheduler.settings.publish
        self._builder: MessageBuilder | None = None
        self._no_builder = ""  # why the broker is not one the builder serves
        self._same: bool | None = None
        self._same_checked = -float("inf")
        self._refused: dict[str, float] = {}  # broker list -> monotonic time until which it is refused
        self._announced = ""
        self._blockers = ""  # why the app's runs all go through Celery (app_blockers), as last looked at
        self._blockers_checked = -float("inf")

    # the way of a batch

    def mode(self) -> str:
        """How this batch's runs go out (a run the builder does not follow goes through Celery)."""
        why = self._celery_only()
        if why:
            return self._announce(CELERY, f"through Celery's apply_async, one run at a time ({why})")
        builder = self._builder
        assert builder is not None
        if self.setting == "auto" and self._same_server(builder):
            return self._announce(
                ATOMIC, "inside the record script (the broker is the schedule's Redis server and db)"
            )
        if not builder.channel.supports_batch_publish:
            return self._announce(
                CELERY,
                "through Celery's apply_async, one run at a time (kombu declines batches: its Redis "
                "connection retries on timeout)",
            )
        return self._announce(PIPELINE, "in one pipeline per batch, right after recording them")

    @property
    def builder(self) -> MessageBuilder:
        assert self._builder is not None
        return self._builder

    def refused(self, key: str) -> bool:
        until = self._refused.get(key)
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        del self._refused[key]
        return False

    def refuse(self, key: str, reason: str) -> None:
        """The record script may not push to `key`: runs for it take the pipeline for a while."""
        logger.warning(
            "beat: cannot queue messages for %s inside the record script (%s); publishing them in a "
            "pipeline after the record for the next %ds",
            key,
            reason,
            REFUSED_TTL,
        )
        self._refused[key] = time.monotonic() + REFUSED_TTL

    def forget(self) -> None:
        """Redis or the broker failed, or the lock changed hands: look at everything again."""
        self._same = None
        self._blockers_checked = -float("inf")
        if self._builder is not None:
            self._builder.forget_tasks()

    def _celery_only(self) -> str:
        if self.setting == "celery":
            return 'redbeat_publish = "celery"'
        scheduler = self.scheduler
        if "apply_entry" in vars(scheduler) or "apply_async" in vars(scheduler):
            return "apply_entry or apply_async is replaced on this scheduler"
        now = time.monotonic()
        if now - self._blockers_checked >= SAME_SERVER_TTL:  # the app's settings: looked at now and then
            self._blockers = "; ".join(app_blockers(scheduler.app, scheduler))
            self._blockers_checked = now
        if self._blockers:
            return self._blockers
        if self._builder is None and not self._no_builder:
            self._make_builder()
        return self._no_builder

    def _make_builder(self) -> None:
        producer = self.scheduler.producer
        channel = producer.channel
        if type(producer).publish is not Producer.publish or type(producer)._publish is not Producer._publish:
            self._no_builder = f"the producer class {type(producer).__name__} changes how kombu publishes"
        elif not _is_redis_channel(channel):
            self._no_builder = f"the broker is not Redis ({type(channel).__module__})"
        elif not hasattr(channel, "create_publish_batch"):
            self._no_builder = "kombu's Redis transport has no publish batches (kombu < 5.7)"
        else:
            self._builder = MessageBuilder(self.scheduler.app, producer)

    def _same_server(self, builder: MessageBuilder) -> bool:
        now = time.monotonic()
        if self._same is not None and now - self._same_checked < SAME_SERVER_TTL:
            return self._same
        self._same_checked = now
        client = self.scheduler.client
        if not isinstance(client, redis.Redis) or bool(getattr(client, "wait_replicas", None)):
            self._same = False  # a Cluster, or a message must wait for its record's replication
            return False
        try:
            ours = _run_id(self.scheduler.store.scripts.link.run(("INFO", "server")))
            with builder.channel.conn_or_acquire() as broker:
                theirs = broker.info("server").get("run_id")
                broker_db = int(broker.connection_pool.connection_kwargs.get("db") or 0)
        except Exception as exc:  # INFO refused (ACL), a broker not up yet: the pipeline is always right
            if self._same is not False:
                logger.info("beat: cannot tell whether the broker is the schedule's Redis (%s)", exc)
            self._same = False
            return False
        db = int(client.connection_pool.connection_kwargs.get("db") or 0)
        self._same = bool(ours) and ours == theirs and db == broker_db
        return self._same

    def _announce(self, mode: str, how: str) -> str:
        if how != self._announced:
            self._announced = how
            logger.info("beat: publishing recorded runs %s", how)
        return mode

    # the broker's round trip

    def pipeline(self, messages: Sequence[Message]) -> list[Exception | None]:
        """Send the messages' commands in one pipeline on kombu's connection; one outcome per message:
        None when Redis took every command of it, else the error of one that failed. A connection error
        raises (nothing is known about any of them)."""
        builder = self.builder
        with builder.channel.conn_or_acquire() as client:
            pipe = client.pipeline(transaction=False)
            for message in messages:
                for command in message.commands:
                    getattr(pipe, command.name)(command.key, command.value)
            replies = pipe.execute(raise_on_error=False)
        outcomes: list[Exception | None] = []
        at = 0
        for message in messages:
            failed = None
            for reply in replies[at : at + len(message.commands)]:
                if isinstance(reply, Exception):
                    failed = reply
            at += len(message.commands)
            outcomes.append(failed)
        return outcomes


def _is_redis_channel(channel: Any) -> bool:
    try:
        from kombu.transport.redis import Channel
    except ImportError:  # kombu without its Redis transport's requirements (redis-py)
        return False
    return isinstance(channel, Channel)


def _run_id(info: Any) -> str:
    if isinstance(info, dict):
        return str(info.get("run_id") or "")
    for line in str(info).splitlines():
        if line.startswith("run_id:"):
            return line.split(":", 1)[1].strip()
    return ""
