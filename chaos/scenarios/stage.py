"""What every process scenario stands on: a schedule Redis and a broker Redis (separate servers, so that
either can go down alone), real `celery beat` processes, the messages they publish, and the leader as
the lock names it.

The leader is found from outside, as an operator finds it: the lock's value names the holder's host and
pid (`redbeat_sdk.lock_token`, what `redbeat lock --json` prints). Messages are taken off the broker as
they arrive (`beatprocs.Drain`); each carries its publish time (`expires` minus an hour) and the pid of
the beat that published it.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import redis
from beatprocs import OURS, Beat, Drain, Sent, wait_until
from topologies import Single

from redbeat_sdk import Entry, Interval, RedBeatClient
from redbeat_sdk.lock_token import parse_token

from .runs import Send

LOCK_KEY = "redbeat::lock"
EXPIRES = 3600  # every entry's `expires` option: Celery stamps each message with publish time + this


def sent_at(message: Sent) -> float:
    stamp = message.sent_at
    assert stamp is not None, "every chaos entry has an `expires` option"
    return stamp.timestamp() - EXPIRES


class Finish(NamedTuple):
    crashed: list[str]
    alive: bool
    sends: list[Send]
    recorded: dict[str, int]


class Stage:
    """`with Stage(lease=3) as stage:` two Redis servers, a drain on the broker, an SDK client; beats
    are started with `stage.beat()` and all stopped at the end."""

    def __init__(
        self,
        *,
        lease: float | None = 3.0,
        max_interval: float | None = 1.0,
        redis_options: dict[str, Any] | None = None,
    ):
        self.lease = lease
        self.max_interval = max_interval
        self.redis_options = redis_options
        self.schedule_redis = Single()
        self.broker_redis = Single()
        self.beats: list[Beat] = []
        self._names = 0

    def __enter__(self) -> Stage:
        self.schedule_redis.start()
        self.broker_redis.start()
        self.url = self.schedule_redis.url
        self.broker_url = self.broker_redis.url
        self.raw = redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=5)
        self.sdk = RedBeatClient.from_url(self.url, timezone="UTC", socket_timeout=5)
        self.drain = Drain(self.broker_url).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for beat in self.beats:
            beat.stop()
        self.drain.stop()
        self.raw.close()
        self.sdk.redis.close()
        self.broker_redis.stop()
        self.schedule_redis.stop()

    # beats

    def beat(self, **kwargs: Any) -> Beat:
        self._names += 1
        options: dict[str, Any] = dict(
            lock_timeout=self.lease,
            max_interval=self.max_interval,
            redis_options=self.redis_options,
            name=f"beat-{self._names}",
        )
        options.update(kwargs)
        started = Beat(OURS, self.url, self.broker_url, **options)
        self.beats.append(started)
        return started

    def alive(self) -> list[Beat]:
        return [b for b in self.beats if b.alive]

    def holder_pid(self) -> int | None:
        """The pid the lock's token names (None: no lock, or a token that is not ours)."""
        try:
            token = self.raw.get(LOCK_KEY)
        except redis.ConnectionError:
            return None
        holder = parse_token(token) if isinstance(token, str) else None
        return holder.pid if holder is not None and holder.ours else None

    def leader(self, timeout: float = 30) -> Beat:
        """The live beat the lock names."""

        def find() -> Beat | None:
            pid = self.holder_pid()
            return next((b for b in self.beats if b.pid == pid and b.alive), None)

        return wait_until(find, timeout, lambda: "no live beat holds the lock:\n" + self.logs())

    def standing_by(self, beats: list[Beat], timeout: float = 30) -> None:
        for b in beats:
            b.wait_for_log("standing by", timeout)

    def logs(self, tail: int = 15) -> str:
        return "\n".join(
            f"--- {b.name} (pid {b.pid}, {'alive' if b.alive else 'exited'})\n"
            + "\n".join(b.log().splitlines()[-tail:])
            for b in self.beats
        )

    def crashed(self) -> list[str]:
        """Beats that died by themselves: exited without being told to, or logged Celery's "beat raised
        exception" (the end of the beat service). A logged error with its traceback is not a crash."""
        out = []
        for b in self.beats:
            code = b.process.returncode
            if code is not None and code not in (0, -9, -15):
                out.append(f"{b.name} exited with {code}")
            elif "beat raised exception" in b.log():
                out.append(f"{b.name}: beat raised exception")
        return out

    def finish(self, names: list[str]) -> Finish:
        """Stop every beat and take stock: who crashed, whether all were alive until now, what they sent and
        what the entries `names` recorded."""
        crashed = self.crashed()
        alive = all(b.alive for b in self.beats)
        for b in self.beats:
            b.stop()
        return Finish(crashed, alive, as_sends(self.drain.sent()), self.recorded(names))

    # entries and messages

    def save_every_second(self, count: int, every: float = 1.0) -> list[str]:
        names = [f"e{i:03d}" for i in range(count)]
        self.sdk.save_many(
            Entry(name, "tasks.ping", Interval(every), args=[name], options={"expires": EXPIRES})
            for name in names
        )
        return names

    def sends_after(self, since: float, pid: int | None = None, exclude: int | None = None) -> list[Sent]:
        """Messages published after `since` (by `pid`, not by `exclude`). Messages arrive about in
        publish order, so the scan goes backwards and stops well before `since`."""
        found = []
        for m in reversed(self.drain.sent()):
            at = sent_at(m)
            if at < since - 30:
                break
            if at > since and (pid is None or m.origin_pid == pid) and m.origin_pid != exclude:
                found.append(m)
        return found[::-1]

    def first_send_after(self, since: float, exclude: int | None = None) -> float | None:
        times = [sent_at(m) for m in self.sends_after(since, exclude=exclude)]
        return min(times) if times else None

    def recorded(self, names: list[str]) -> dict[str, int]:
        """Each entry's recorded runs (meta `total_run_count`), read with retries (Redis may be back only
        just now)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                return {name: self.sdk.get(name).total_run_count for name in names}
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def as_sends(messages: list[Sent]) -> list[Send]:
    return [Send(str(m.args[0]), sent_at(m), m.origin_pid) for m in messages]
