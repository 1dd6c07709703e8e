"""Hostile data (corpus.py) read by the scheduler and by the Python (sync and asyncio), TypeScript and Go
clients."""

from __future__ import annotations

import random
import time
from collections import Counter

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


def judge(outcome: Outcome, cases: list[corpus.Case], views: list[readers.Verdicts]) -> None:
    bad = {c.key for c in cases if c.verdict == "bad"}
    good = {c.key for c in cases if c.verdict == "good"}
    edge = {c.key for c in cases if c.verdict == "edge"}
    utf8 = {c.key for c in cases if c.kind == "invalid UTF-8"}
    by_key = {c.key: c for c in cases}
    failures = [f"{v.reader}: {v.failure}" for v in views if v.failure]
    outcome.check("no crash", not failures, "; ".join(failures))
    unreported = {v.reader: sorted(bad - {k for k, r in v.verdicts.items() if r is not None}) for v in views}
    outcome.check(
        "every bad entry reported with its key",
        not any(unreported.values()),
        "; ".join(
            f"{reader} missed {len(keys)}: " + ", ".join(f"{k} ({by_key[k].why})" for k in keys[:3])
            for reader, keys in unreported.items()
            if keys
        ),
    )
    unread = {v.reader: sorted(k for k in good if v.verdicts.get(k, "not seen") is not None) for v in views}
    outcome.check(
        "every good entry read or fired",
        not any(unread.values()),
        "; ".join(
            f"{reader} did not read {len(keys)}: {keys[:3]} ({views[[x.reader for x in views].index(reader)].verdicts.get(keys[0])})"
            for reader, keys in unread.items()
            if keys
        ),
    )
    not_utf8 = {v.reader: sorted(k for k in utf8 if "UTF-8" not in str(v.verdicts.get(k))) for v in views}
    outcome.check(
        "invalid UTF-8 named as such",
        not any(not_utf8.values()),
        "; ".join(
            f"{reader}: {len(keys)}, e.g. {keys[0]}: {views[[x.reader for x in views].index(reader)].verdicts.get(keys[0])!r}"
            for reader, keys in not_utf8.items()
            if keys
        ),
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
