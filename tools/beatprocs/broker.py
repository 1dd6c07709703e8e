"""Reading what beat published, straight from the Redis broker's queues (kombu's Redis transport).

`BrokerView` reads the queues in place (the process tests: a few dozen messages); `Drain` takes the
messages out as they arrive, in a thread, so that long runs (the chaos scenarios: tens of thousands of
messages) read each message once and keep the broker small.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import redis

# kombu keeps messages of priority p in the list "<queue>\x06\x16<p>"
PRIORITY_SEP = "\x06\x16"


@dataclass(frozen=True)
class Sent:
    queue: str
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    headers: dict[str, Any]

    @property
    def origin_pid(self) -> int | None:
        """The pid of the publishing process (kombu's `gen<pid>@host` origin)."""
        origin = self.headers.get("origin") or ""
        head = origin.split("@", 1)[0]
        return int(head[3:]) if head.startswith("gen") and head[3:].isdigit() else None

    @property
    def sent_at(self) -> datetime | None:
        """When beat published it, from the `expires` header (publish time + the entry's expires)."""
        expires = self.headers.get("expires")
        return datetime.fromisoformat(expires) if expires else None


def parse(queue: str, raw: str) -> Sent:
    message = json.loads(raw)
    body = json.loads(base64.b64decode(message["body"]))
    args, kwargs = body[0], body[1]
    return Sent(queue.split(PRIORITY_SEP, 1)[0], message["headers"]["task"], args, kwargs, message["headers"])


class BrokerView:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, decode_responses=True)

    def queues(self) -> list[str]:
        keys = cast(list[str], self.client.keys("*"))  # decode_responses: str
        return [
            key
            for key in keys
            # the schedule's run history lists (the extension profile) share the test broker's db
            if not key.startswith(("_kombu", "unacked"))
            and ":history:" not in key
            and self.client.type(key) == "list"
        ]

    def sent(self, queue: str | None = None) -> list[Sent]:
        """Messages waiting in `queue` (default: every queue), oldest first."""
        out = []
        for name in [queue] if queue else self.queues():
            # kombu LPUSHes and BRPOPs: the oldest message is at the right end
            for raw in reversed(cast(list[str], self.client.lrange(name, 0, -1))):
                out.append(parse(name, raw))
        return out

    def tasks(self) -> list[str]:
        return [s.task for s in self.sent()]

    def clear(self) -> None:
        for name in self.queues():
            self.client.delete(name)

    def close(self) -> None:
        self.client.close()


class Drain:
    """Takes every message off the broker's queues as it arrives (RPOP, oldest first) and keeps it, in
    a background thread, until `stop()`. While the broker is down it waits and tries again; `sent()` is
    what was taken so far. `with Drain(url) as drain:` starts and stops it."""

    def __init__(self, url: str, poll: float = 0.05, queue: str = "celery"):
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        self.poll = poll
        self.queue = queue
        self._sent: list[Sent] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broker-drain", daemon=True)

    def start(self) -> Drain:
        self._thread.start()
        return self

    def _names(self) -> list[str]:
        return [self.queue] + [f"{self.queue}{PRIORITY_SEP}{p}" for p in range(10)]

    def take(self) -> int:
        """Take what is waiting now; returns how many messages were taken."""
        taken: list[Sent] = []
        for name in self._names():
            while True:
                raws = cast("list[str] | None", self.client.rpop(name, 1000))
                if not raws:
                    break
                taken += [parse(name, raw) for raw in raws]
        if taken:
            with self._lock:
                self._sent += taken
        return len(taken)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.take():
                    time.sleep(self.poll)
            except (redis.ConnectionError, redis.TimeoutError):
                time.sleep(0.2)  # the broker is down (an outage scenario): try again

    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def count(self) -> int:
        with self._lock:
            return len(self._sent)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
            self.take()  # whatever came in since the last round
        self.client.close()

    def __enter__(self) -> Drain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
