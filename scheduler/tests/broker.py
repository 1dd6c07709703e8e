"""Reading what beat published, straight from the Redis broker's queues (kombu's Redis transport)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

import redis

# kombu keeps messages of priority p in the list "<queue>\x06\x16<p>"
PRIORITY_SEP = "\x06\x16"


@dataclass(frozen=True)
class Sent:
    queue: str
    task: str
    args: list
    kwargs: dict
    headers: dict

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


class BrokerView:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, decode_responses=True)

    def queues(self) -> list[str]:
        return [
            key
            for key in self.client.keys("*")
            if not key.startswith(("_kombu", "unacked")) and self.client.type(key) == "list"
        ]

    def sent(self, queue: str | None = None) -> list[Sent]:
        """Messages waiting in `queue` (default: every queue), oldest first."""
        out = []
        for name in [queue] if queue else self.queues():
            # kombu LPUSHes and BRPOPs: the oldest message is at the right end
            queue_name = name.split(PRIORITY_SEP, 1)[0]
            for raw in reversed(self.client.lrange(name, 0, -1)):
                message = json.loads(raw)
                body = json.loads(base64.b64decode(message["body"]))
                args, kwargs = body[0], body[1]
                out.append(Sent(queue_name, message["headers"]["task"], args, kwargs, message["headers"]))
        return out

    def tasks(self) -> list[str]:
        return [s.task for s in self.sent()]

    def clear(self) -> None:
        for name in self.queues():
            self.client.delete(name)

    def close(self) -> None:
        self.client.close()
