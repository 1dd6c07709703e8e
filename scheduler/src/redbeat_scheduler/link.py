"""The scheduler's own connection: its commands and scripts, one or several in one round trip.

redis-py's client spends about 40 µs of CPU per command on these cores around the socket (checking a
connection out of the pool and back in, its retry wrapper, its observability hooks), more than most of
our commands cost Redis; a tick makes three round trips. A beat is one thread, so it keeps one
connection of the client's pool for itself and talks on it directly: the same redis-py `Connection`
(hiredis parser, TLS, Sentinel master discovery, reconnect on next use), none of the wrapping. A
connection error disconnects it and is raised for `Retrying` to handle, as the client would.

The connection goes back to the pool and is taken again every second (or every `check_interval` of a
pool that has one): a Sentinel pool checks then which server is the master and drops connections to a
demoted one. With `wait_for_replicas` (connection.py), a round trip that ran a script ends with `WAIT`
on the same connection, and too few acknowledgements raise `ReplicationNotConfirmed`, as the client does.

Redis Cluster clients have no single connection; there every command goes through the client.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import hiredis
import redis
from redis.client import NEVER_DECODE
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .connection import Client, ReplicationNotConfirmed

Command = tuple[Any, ...]  # ("ZCOUNT", key, 0, 5), or ("EVALSHA", sha, numkeys, *keys, *args)

RECYCLE_EVERY = 1.0  # seconds, unless the pool checks more often


class Link:
    def __init__(self, client: Client) -> None:
        self.client = client
        self._pool: redis.ConnectionPool | None = (
            client.connection_pool if isinstance(client, redis.Redis) else None
        )
        self._conn: Any = None  # a connection taken from _pool
        self._taken_at = 0.0
        self._recycle = float(getattr(self._pool, "check_interval", RECYCLE_EVERY) or RECYCLE_EVERY)
        self._wait = int(getattr(client, "wait_replicas", 0) or 0)
        self._wait_ms = int(getattr(client, "wait_timeout_ms", 1000) or 1000)
        self._sources: dict[str, str] = {}  # sha -> script source, to load on NOSCRIPT

    def script(self, sha: str, source: str) -> None:
        self._sources[sha] = source

    def run(self, command: Command) -> Any:
        return self.run_many([command])[0]

    def run_many(self, commands: Sequence[Command], raw: bool = False) -> list[Any]:
        """The replies of several commands sent in one round trip, in order. A script Redis does not
        know yet (a fresh or restarted server) is loaded and called again; any other error reply is
        raised once every reply is read. `raw`: replies as bytes, not decoded (entry fields, which may
        not be UTF-8: the reader says so per entry)."""
        replies = self._through_client(commands, raw) if self._pool is None else self._direct(commands, raw)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError) and commands[i][1] in self._sources:
                self.client.script_load(self._sources[commands[i][1]])
                replies[i] = self.run_many([commands[i]], raw)[0]
            elif isinstance(reply, ResponseError):
                raise reply
        return replies

    def _direct(self, commands: Sequence[Command], raw: bool = False) -> list[Any]:
        conn = self._connection()
        wait = self._wait and any(command[0] == "EVALSHA" for command in commands)
        if wait:
            commands = [*commands, ("WAIT", self._wait, self._wait_ms)]
        try:
            # hiredis packs each command into one buffer; redis-py's packer adds a pass over the arguments
            conn.send_packed_command([b"".join([hiredis.pack_command(command) for command in commands])])
            replies: list[Any] = []
            for _ in commands:
                try:
                    replies.append(conn.read_response(disable_decoding=raw))
                except ResponseError as exc:  # keep reading: the next reply belongs to the next command
                    replies.append(exc)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            conn.disconnect()
            raise
        if wait:
            acknowledged = replies.pop()
            if not isinstance(acknowledged, int) or acknowledged < self._wait:
                raise ReplicationNotConfirmed(
                    f"{acknowledged} of {self._wait} replicas acknowledged a write within {self._wait_ms} ms"
                )
        return replies

    def _connection(self) -> Any:
        assert self._pool is not None  # only a client of one node is spoken to directly
        now = time.monotonic()
        if self._conn is not None and now - self._taken_at >= self._recycle:
            self.close()  # back to the pool, which may check the master and drop it
        if self._conn is None:
            try:
                self._conn = self._pool.get_connection()
            except TypeError:  # redis-py before 5.3 wants a command name
                self._conn = self._pool.get_connection("EVALSHA")
            self._taken_at = now
        return self._conn

    def _through_client(self, commands: Sequence[Command], raw: bool = False) -> list[Any]:
        replies: list[Any] = []
        for command in commands:
            try:
                if raw:  # reads only: nothing to WAIT for
                    replies.append(self.client.execute_command(*command, **{NEVER_DECODE: True}))  # type: ignore[no-untyped-call]
                elif command[0] == "EVALSHA":  # the client's own evalsha (it may WAIT for replicas)
                    replies.append(self.client.evalsha(*command[1:]))
                else:
                    replies.append(self.client.execute_command(*command))  # type: ignore[no-untyped-call]
            except ResponseError as exc:
                replies.append(exc)
        return replies

    def close(self) -> None:
        if self._conn is not None and self._pool is not None:
            self._pool.release(self._conn)
            self._conn = None
