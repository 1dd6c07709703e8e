"""Entries due later in the current second, kept in memory until their time comes.

Scores are whole seconds (upstream's format), so a member scored `S` is loaded at `S.000` while its run
may be due at `S.700`. Re-reading it at every tick until then would cost a load and a decision per tick
for every such entry (a thousand entries spread over a second would be read half a million times).
Instead the tick that read it keeps it here with its due time, later ticks skip it when it comes up in
the schedule with the same score, and the tick at its due time records and sends it from memory. That
is safe because the record script compares the definition and meta it was decided on with what is
stored: an entry that changed in the meantime is not sent, but read again.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from .store import RawEntry


@dataclass(eq=False)
class Waiter:
    key: str
    score: float  # its score in the schedule (whole seconds)
    due: float  # epoch seconds of its run
    raw: RawEntry
    seq: int = field(default=0)


class Waiting:
    def __init__(self) -> None:
        self._by_key: dict[str, Waiter] = {}
        self._heap: list[tuple[float, int, Waiter]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._by_key)

    def add(self, key: str, score: float, due: float, raw: RawEntry) -> None:
        waiter = Waiter(key, score, due, raw, next(self._seq))
        self._by_key[key] = waiter
        heapq.heappush(self._heap, (due, waiter.seq, waiter))

    def knows(self, key: str, score: float) -> bool:
        """Whether `key` is kept here with this very score (another score: it was moved, read it again)."""
        waiter = self._by_key.get(key)
        return waiter is not None and waiter.score == score

    def pop_due(self, now: float) -> list[Waiter]:
        """The entries whose run is due at `now`, earliest first, removed from here."""
        out = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, waiter = heapq.heappop(heap)
            if self._by_key.get(waiter.key) is waiter:
                del self._by_key[waiter.key]
                out.append(waiter)
        return out

    def due_by(self, now: float) -> bool:
        upcoming = self.next_due()
        return upcoming is not None and upcoming <= now

    def next_due(self) -> float | None:
        heap = self._heap
        while heap and self._by_key.get(heap[0][2].key) is not heap[0][2]:
            heapq.heappop(heap)  # replaced or dropped
        return heap[0][0] if heap else None

    def clear(self) -> None:
        self._by_key.clear()
        self._heap.clear()
