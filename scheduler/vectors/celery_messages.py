"""What Celery itself sends to a Redis broker for a beat entry: the vectors `messages.json` pins.

Each case of `messages.json` is an app configuration (task_routes, task_queues, transport options...), a
task (registered or not, with its class attributes) and a beat entry (task, args, kwargs, options).
`celery_state(case)` publishes the entry through Celery's own `Scheduler.apply_async` - what `celery beat`
calls - on a real redis-server, with the run's varying parts injected (task id, delivery tag, origin
host and pid, reply-to id, clock), and returns what the broker holds afterwards: every list with its
messages, every set, which keys expire, and what was published to PUB/SUB channels.

    python scheduler/vectors/celery_messages.py          # rewrite each case's "broker" from Celery
    python scheduler/vectors/celery_messages.py --check  # exit 1 when Celery now sends other bytes

`scheduler/tests/test_messages.py` runs the same check in `make test` (an upgrade of Celery or kombu
that changes a byte fails there), and runs this scheduler on each case - the record script queueing the
message, the pipeline after the record, Celery's path - expecting the same broker state byte for byte.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import redis
from celery import Celery
from kombu import Exchange, Queue
from kombu.common import Broadcast, maybe_declare

HERE = Path(__file__).resolve().parent
VECTORS = HERE / "messages.json"


def load() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def make_app(case: dict, broker_url: str, **conf: Any) -> Celery:
    """A Celery app configured as the case says, with the case's task registered (if it is)."""
    app = Celery("vectors", set_as_current=False)
    settings = dict(case.get("app") or {})
    queues = settings.pop("task_queues", None)
    app.conf.update(broker_url=broker_url, timezone="UTC", result_expires=None, **settings, **conf)
    if queues is not None:
        app.conf.task_queues = [_queue(spec) for spec in queues]
    task = case.get("task") or {}
    if task.get("registered"):

        def run(*args: Any, **kwargs: Any) -> None:  # not shared with other apps
            return None

        app.task(name=case["entry"]["task"], shared=False, **(task.get("attributes") or {}))(run)
    app.finalize(auto=True)
    return app


def _queue(spec: dict) -> Queue:
    if spec.get("broadcast"):
        return Broadcast(spec["name"], unique=False)
    exchange = Exchange(spec.get("exchange", spec["name"]), type=spec.get("exchange_type", "direct"))
    return Queue(
        spec["name"],
        exchange,
        routing_key=spec.get("routing_key", spec["name"]),
        queue_arguments=spec.get("queue_arguments"),
    )


def declare_exchanges(case: dict, producer: Any) -> None:
    """Exchanges the process has declared before (a fanout beat publishes to must be known to kombu)."""
    for spec in case.get("declared_exchanges") or []:
        maybe_declare(Exchange(spec["name"], type=spec["type"]), producer.channel)


@contextlib.contextmanager
def injected(vectors: dict, app: Celery, *task_id_sources: str) -> Iterator[None]:
    """The parts of a message that differ from run to run, fixed: the task id (where each of
    `task_id_sources` takes it from), kombu's delivery tag, the origin (`gen<pid>@<host>`), the reply-to
    id (Celery's per-thread app id) and the clock (expires)."""
    fixed = vectors["injected"]
    now = datetime.fromisoformat(fixed["now"])
    app.now = lambda: now.astimezone(app.timezone)  # type: ignore[method-assign]
    app._local.oid = fixed["reply_to"]
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("kombu.transport.virtual.base.uuid", lambda: fixed["delivery_tag"]))
        stack.enter_context(mock.patch("celery.app.amqp.anon_nodename", lambda *a, **k: fixed["origin"]))
        for source in task_id_sources:
            stack.enter_context(mock.patch(source, lambda: fixed["task_id"]))
        yield


def broker_state(client: redis.Redis, ignore_prefix: str = "\0") -> dict:
    """Every key of the broker's db (except those under `ignore_prefix`): lists with their values (as
    LRANGE gives them: newest first), sets (sorted), zsets (members sorted: kombu's deadlines are clock
    times), and the keys that expire."""
    lists, sets, zsets, expiring = {}, {}, {}, []
    for raw in sorted(client.keys("*")):
        key = raw.decode("utf-8", "surrogateescape")
        if key.startswith(ignore_prefix):
            continue
        kind = client.type(raw).decode()
        if kind == "list":
            lists[key] = [v.decode("utf-8", "surrogateescape") for v in client.lrange(raw, 0, -1)]
        elif kind == "set":
            sets[key] = sorted(v.decode("utf-8", "surrogateescape") for v in client.smembers(raw))
        elif kind == "zset":
            zsets[key] = sorted(v.decode("utf-8", "surrogateescape") for v in client.zrange(raw, 0, -1))
        else:
            lists[key] = [f"<{kind}>"]
        if client.pttl(raw) > 0:
            expiring.append(key)
    state: dict = {"lists": lists, "sets": sets}
    if zsets:
        state["zsets"] = zsets
    if expiring:
        state["expiring"] = expiring
    return state


class Published:
    """Everything published on a db's PUB/SUB channels while it listens (fanout messages)."""

    def __init__(self, client: redis.Redis):
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe("*")
        self.pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        self.messages: list[list[str]] = []

    def collect(self) -> list[list[str]]:
        while True:
            message = self.pubsub.get_message(timeout=0.2)
            if message is None:
                return self.messages
            self.messages.append([message["channel"].decode(), message["data"].decode()])

    def close(self) -> None:
        self.pubsub.close()


def state_after(client: redis.Redis, publish: Any, ignore_prefix: str = "\0") -> dict:
    """Run `publish()` and return the broker's state (and what was published meanwhile)."""
    client.flushdb()
    listener = Published(client)
    try:
        publish()
        published = listener.collect()
    finally:
        listener.close()
    state = broker_state(client, ignore_prefix)
    if published:
        state["published"] = published
    return state


def celery_state(vectors: dict, case: dict, broker_url: str) -> dict:
    """The broker state after Celery's own beat publish of the case's entry."""
    from celery.beat import ScheduleEntry, Scheduler

    app = make_app(case, broker_url)
    client = redis.Redis.from_url(broker_url)
    try:
        scheduler = Scheduler(app=app, lazy=True)
        entry = case["entry"]
        schedule_entry = ScheduleEntry(
            name="vector",
            task=entry["task"],
            args=entry.get("args"),
            kwargs=entry.get("kwargs"),
            options=dict(entry.get("options") or {}),
            app=app,
        )

        def publish() -> None:
            with injected(vectors, app, "celery.app.base.uuid"):
                producer = scheduler.producer
                declare_exchanges(case, producer)
                scheduler.apply_async(schedule_entry, producer=producer, advance=False)

        return state_after(client, publish)
    finally:
        client.close()
        app.close()


def generate(check: bool) -> int:
    from topologies import Single

    vectors = load()
    versions = _versions()
    changed = [] if vectors.get("versions") == versions else ["versions"]
    with Single() as server:
        url = f"redis://127.0.0.1:{server.port}/0"
        for case in vectors["cases"]:
            state = celery_state(vectors, case, url)
            if case.get("broker") != state:
                changed.append(case["id"])
                case["broker"] = state
    if check:
        if changed:
            print(f"Celery now sends other messages than messages.json pins: {', '.join(changed)}")
            return 1
        print("messages.json: Celery sends exactly these messages")
        return 0
    vectors["versions"] = versions
    VECTORS.write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"messages.json: {len(vectors['cases'])} cases, rewritten: {', '.join(changed) or 'none'}")
    return 0


def _versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("celery", "kombu")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when Celery's bytes differ")
    sys.exit(generate(parser.parse_args().check))


if __name__ == "__main__":
    main()
