"""A client that keeps writing while the scenario runs: new entries through the Python SDK, at a steady
rate, each save retried until Redis acknowledges it. What it wrote must all be there afterwards, once."""

from __future__ import annotations

import threading
import time

from redbeat_sdk import Entry, Interval, RedBeatClient
from redbeat_sdk.errors import RedBeatConnectionError

from .stage import EXPIRES


class Writer:
    def __init__(self, url: str, per_second: float = 20.0, prefix: str = "w"):
        self.sdk = RedBeatClient.from_url(url, timezone="UTC", socket_timeout=2, socket_connect_timeout=2)
        self.per_second = per_second
        self.prefix = prefix
        self.acknowledged: list[str] = []
        self.failed_attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def start(self) -> Writer:
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            name = f"{self.prefix}{n:06d}"
            # an hour apart: they join the schedule without adding to the per-second load
            entry = Entry(name, "tasks.ping", Interval(3600), args=[name], options={"expires": EXPIRES})
            try:
                self.sdk.save(entry)
            except RedBeatConnectionError:
                self.failed_attempts += 1
                time.sleep(0.1)
                continue  # the same entry again: a save is an upsert
            self.acknowledged.append(name)
            n += 1
            time.sleep(1 / self.per_second)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def missing(self) -> list[str]:
        """Acknowledged entries that are not in Redis (nothing may be)."""
        pipe = self.sdk.redis.pipeline(transaction=False)
        for name in self.acknowledged:
            pipe.hexists(self.sdk.keys.entry(name), "definition")
        return [name for name, there in zip(self.acknowledged, pipe.execute(), strict=True) if not there]

    def stored(self) -> int:
        """Entries of this writer in the schedule (each must be there once)."""
        members = self.sdk.redis.zrange(self.sdk.keys.schedule, 0, -1)
        return sum(1 for m in members if self.sdk.keys.name_of(m).startswith(self.prefix))

    def close(self) -> None:
        self.sdk.redis.close()
