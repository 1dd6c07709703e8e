"""What the messages say, as pure functions of (entry, publish time, publisher pid) triples: which runs
went out twice, how long each entry went without a run, how late runs were.

A run sent twice shows in two ways. If its record was lost (an outage, a failover), the entry has more
messages than recorded runs (`over_sent`). If two beats both recorded it (a broken fence), the entry has
two messages, from two beats, closer together than half its period (`doubled`) - one beat never
records an interval entry's next run sooner than its period after the last. After a stall (a Redis or
broker outage) one beat may rightly send two runs back to back (the one it recorded when the stall
began, then the next one due), so only pairs from two different beats count.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Send:
    entry: str
    at: float  # publish time, epoch seconds
    pid: int | None


def by_entry(sends: Iterable[Send]) -> dict[str, list[Send]]:
    grouped: dict[str, list[Send]] = defaultdict(list)
    for s in sends:
        grouped[s.entry].append(s)
    return {name: sorted(items, key=lambda s: s.at) for name, items in grouped.items()}


def doubled(
    sends: Iterable[Send], period: float, allowed: frozenset[Send] = frozenset()
) -> list[tuple[Send, Send]]:
    """Consecutive messages of one entry from two different beats closer than half its period.
    `allowed`: messages known to be distinct runs (a batch a paused beat recorded before its pause)."""
    found = []
    for items in by_entry(sends).values():
        for a, b in itertools.pairwise(items):
            if a.pid != b.pid and b.at - a.at < period / 2 and a not in allowed and b not in allowed:
                found.append((a, b))
    return found


def over_sent(sends: Iterable[Send], recorded: dict[str, int]) -> dict[str, int]:
    """Entries with more messages than recorded runs: each extra message is a run sent twice."""
    counts = {name: len(items) for name, items in by_entry(sends).items()}
    return {name: n - recorded.get(name, 0) for name, n in counts.items() if n > recorded.get(name, 0)}


def unsent(sends: Iterable[Send], recorded: dict[str, int]) -> int:
    """Recorded runs that never reached the broker (a beat killed between recording and sending, a
    publish the broker refused): at most once, the other side of never twice."""
    counts = {name: len(items) for name, items in by_entry(sends).items()}
    return sum(max(0, n - counts.get(name, 0)) for name, n in recorded.items())


def longest_gaps(sends: Iterable[Send], names: Sequence[str], start: float, end: float) -> dict[str, float]:
    """Per entry, the longest time between consecutive messages within [start, end] (the edges count)."""
    grouped = by_entry(s for s in sends if start <= s.at <= end)
    out = {}
    for name in names:
        times = [start] + [s.at for s in grouped.get(name, [])] + [end]
        out[name] = max(b - a for a, b in itertools.pairwise(times))
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan
