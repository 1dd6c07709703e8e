"""Watching one redis-server for the upstream-dumps generator: MONITOR between markers, a log book, raw reads.

Everything the generator records about Redis goes through `Lab`: the commands other clients send (read from
a MONITOR connection, framed by `ECHO` markers the generator sends itself) and the state they leave (read on
the generator's own RESP2 connections, which MONITOR output leaves out).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from topologies import Single

HOST = "127.0.0.1"


class LogBook(logging.Handler):
    """Every record of the `celery.beat` logger (RedBeat logs there too) as `LEVEL message`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@dataclass
class Observation:
    result: Any = None
    error: str | None = None
    commands: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


class Lab:
    """One redis-server, a MONITOR connection on it, and the generator's own connections (not recorded)."""

    MONITOR_LINE = re.compile(r"^\S+ \[(\d+) ([^\]]*)\] (.*)$")
    LOCK_SET = re.compile(r'^"SET" "[^"]*" "([0-9a-f]{32})" "NX"')

    def __init__(self, server: Single) -> None:
        self.server = server
        self.own: set[str] = set()  # client addresses of the generator's connections
        self.inspectors: dict[int, redis.Redis] = {}
        self.control = self.inspector(0)
        self.monitor = redis.Redis(host=HOST, port=server.port, protocol=2, socket_timeout=60).monitor()
        self.monitor.__enter__()
        self.marks = 0
        self.tokens: list[str] = []  # lock tokens in the order the beats sent them
        self.logbook = LogBook()
        beat_log = logging.getLogger("celery.beat")
        beat_log.addHandler(self.logbook)
        beat_log.setLevel(logging.DEBUG)
        beat_log.propagate = False

    def url(self, db: int) -> str:
        return f"redis://{HOST}:{self.server.port}/{db}"

    def inspector(self, db: int) -> redis.Redis:
        """A RESP2 connection to `db` whose ZSCORE answers the raw bulk string Redis sends."""
        if db not in self.inspectors:
            client = redis.Redis(
                host=HOST,
                port=self.server.port,
                db=db,
                protocol=2,
                decode_responses=True,
                single_connection_client=True,
            )
            client.set_response_callback("ZSCORE", lambda response, **_: response)
            self.own.add(client.client_info()["addr"])
            self.inspectors[db] = client
        return self.inspectors[db]

    # -- MONITOR

    def lines_until(self, until: Callable[[str, str], bool]) -> list[str]:
        """Monitored lines of other clients, as `[db N] "CMD" ...`, up to the first line `until` accepts."""
        out = []
        while True:
            raw = self.monitor.connection.read_response()
            db, client, command = self.MONITOR_LINE.match(raw.decode()).groups()
            token = self.LOCK_SET.match(command)
            if token and client not in self.own and token.group(1) not in self.tokens:
                self.tokens.append(token.group(1))
            if until(client, command):
                return out
            if client not in self.own:
                out.append(f"[db {db}] {command}")

    def mark(self) -> list[str]:
        """Everything other clients sent since the previous mark."""
        self.marks += 1
        text = f"upstream-dumps-mark-{self.marks}"
        self.control.echo(text)
        return self.lines_until(lambda client, command: client in self.own and command == f'"ECHO" "{text}"')

    def observe(self, action: Callable[[], Any], fails: bool = False) -> Observation:
        """Run `action` and record its commands and log lines; `fails`: it must raise, and the error is kept."""
        self.mark()
        self.logbook.lines.clear()
        seen = Observation()
        try:
            seen.result = action()
        except Exception as exc:  # an expected upstream failure is data; an unexpected one is re-raised below
            if not fails:
                raise
            seen.error = f"{type(exc).__name__}: {exc}"
        else:
            if fails:
                raise AssertionError(f"expected {action} to fail")
        seen.commands = self.mark()
        seen.logs = list(self.logbook.lines)
        return seen

    # -- raw reads

    def hash(self, db: int, key: str) -> dict[str, str]:
        """HGETALL with the fields sorted: an entry's hash is hashtable-encoded (its values pass 64 bytes), and
        Redis walks a hashtable in an order seeded anew at every server start."""
        return dict(sorted(self.inspector(db).hgetall(key).items()))

    def zscore(self, db: int, zset: str, member: str) -> str | None:
        return self.inspector(db).zscore(zset, member)

    def ttl(self, db: int, key: str) -> int:
        return rounded_ttl(self.inspector(db).pttl(key))

    def dump(self, db: int) -> dict[str, dict[str, Any]]:
        """Every key of `db`, sorted, with its type, TTL and value (zsets as [member, score] by rank)."""
        client = self.inspector(db)
        out = {}
        for key in sorted(client.keys("*")):
            kind = client.type(key)
            value: Any
            if kind == "hash":
                value = self.hash(db, key)
            elif kind == "zset":
                value = [[member, score] for member, score in client.zrange(key, 0, -1, withscores=True)]
            elif kind == "set":
                value = sorted(client.smembers(key))
            else:
                value = client.get(key)
            out[key] = {"type": kind, "ttl_ms": self.ttl(db, key), "value": value}
        return out

    def entries(self, db: int, keys: list[str], zset: str) -> dict[str, dict[str, Any]]:
        return {
            key: {"redis_hash_fields": self.hash(db, key), "zset_score": self.zscore(db, zset, key)}
            for key in keys
        }


def rounded_ttl(pttl_ms: int) -> int:
    """A TTL in ms rounded up to the whole second: a lock's TTL ticks down between two runs, its second not."""
    return pttl_ms if pttl_ms < 0 else math.ceil(pttl_ms / 1000) * 1000
