"""Hostile data (corpus.py) read by the scheduler and by the Python (sync and asyncio), TypeScript and Go
clients."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

import redis
from topologies import Single

from ..outcome import Outcome
from . import corpus, readers


def _store(url: str, cases: list[corpus.Case]) -> None:
    raw = redis.Redis.from_url(url)
    try:
        for start in range(0, len(cases), 500):
            pipe = raw.pipeline(transaction=False)
            for case in cases[start : start + 500]:
                if case.fields:
                    pipe.hset(case.key, mapping=case.fields)  # type: ignore[arg-type]
                else:
                    pipe.hset(case.key, "other", "a hash with neither field")
                pipe.zadd(corpus.PREFIX + ":schedule", {case.key: 0})
            pipe.execute()
    finally:
        raw.close()


def run(
    mutants: int = 10_000,
    good: int = 1_000,
    seed: int | None = None,
    clients: tuple[str, ...] = readers.CLIENTS,
    rebuild: bool = True,
) -> Outcome:
    seed = random.randrange(2**32) if seed is None else seed
    outcome = Outcome(
        "hostile data",
        f"{mutants:,} mutated entries beside {good:,} good ones, read by the scheduler and the "
        f"{', '.join(clients)} clients",
    )
    outcome.details.append(f"seed {seed} (Hypothesis: python run.py --only hostile --seed {seed})")
    started = time.monotonic()
    cases = corpus.generate(mutants, good, seed)
    outcome.figures["corpus generated in"] = f"{time.monotonic() - started:.0f} s"
    kinds = Counter(c.kind for c in cases if c.kind != "good")
    outcome.figures["mutations"] = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    with Single() as schedule, Single() as broker:
        _store(schedule.url, cases)
        views = readers.client_verdicts(clients, schedule.url, rebuild)
        keys = {c.key for c in cases}
        views.append(readers.scheduler_verdicts(schedule.url, broker.url, keys))
    judge(outcome, cases, views)
    return outcome


def check_per_reader(
    outcome: Outcome,
    name: str,
    keys_by_reader: dict[str, list[str]],
    describe: Callable[[str, list[str]], str],
) -> None:
    """One check over every reader: passed when no reader has a key left, else each such reader described."""
    outcome.check(
        name,
        not any(keys_by_reader.values()),
        "; ".join(describe(reader, keys) for reader, keys in keys_by_reader.items() if keys),
    )


def judge(outcome: Outcome, cases: list[corpus.Case], views: list[readers.Verdicts]) -> None:
    bad = {c.key for c in cases if c.verdict == "bad"}
    good = {c.key for c in cases if c.verdict == "good"}
    edge = {c.key for c in cases if c.verdict == "edge"}
    utf8 = {c.key for c in cases if c.kind == "invalid UTF-8"}
    by_key = {c.key: c for c in cases}
    failures = [f"{v.reader}: {v.failure}" for v in views if v.failure]
    outcome.check("no crash", not failures, "; ".join(failures))
    verdicts_of = {v.reader: v.verdicts for v in views}
    unreported = {v.reader: sorted(bad - {k for k, r in v.verdicts.items() if r is not None}) for v in views}
    check_per_reader(
        outcome,
        "every bad entry reported with its key",
        unreported,
        lambda reader, keys: f"{reader} missed {len(keys)}: "
        + ", ".join(f"{k} ({by_key[k].why})" for k in keys[:3]),
    )
    unread = {v.reader: sorted(k for k in good if v.verdicts.get(k, "not seen") is not None) for v in views}
    check_per_reader(
        outcome,
        "every good entry read or fired",
        unread,
        lambda reader, keys: f"{reader} did not read {len(keys)}: {keys[:3]} "
        f"({verdicts_of[reader].get(keys[0])})",
    )
    not_utf8 = {v.reader: sorted(k for k in utf8 if "UTF-8" not in str(v.verdicts.get(k))) for v in views}
    check_per_reader(
        outcome,
        "invalid UTF-8 named as such",
        not_utf8,
        lambda reader, keys: f"{reader}: {len(keys)}, e.g. {keys[0]}: {verdicts_of[reader].get(keys[0])!r}",
    )
    disagreements = []
    working = [v for v in views if not v.failure]
    for key in sorted(edge):
        calls = {
            v.reader: ("read" if v.verdicts.get(key, "not seen") is None else "refused") for v in working
        }
        if len(set(calls.values())) > 1:
            disagreements.append((key, calls))
    outcome.check(
        "readers agree on every edge case",
        not disagreements,
        f"{len(disagreements)} disagreements, e.g. "
        + "; ".join(
            f"{key} ({by_key[key].why}): "
            + ", ".join(f"{r} {c}" for r, c in calls.items())
            + " | "
            + " | ".join(
                f"{v.reader}: {str(v.verdicts.get(key))[:120]}"
                for v in views
                if v.verdicts.get(key) is not None
            )
            for key, calls in disagreements[:6]
        ),
    )
    read_by_all = sum(1 for k in edge if all(v.verdicts.get(k, "x") is None for v in views))
    outcome.figures["bad / edge / good"] = f"{len(bad):,} / {len(edge):,} / {len(good):,}"
    outcome.figures["edge cases read by all / refused by all"] = (
        f"{read_by_all:,} / {len(edge) - read_by_all - len(disagreements):,}"
    )
    outcome.figures["readers (seconds)"] = ", ".join(f"{v.reader} {v.seconds:.0f}" for v in views)
