"""One batch of loaded entries decided: the runs and scores the fenced record script is to write.

No Redis and no Celery here. Each loaded entry is read (the lean reader), decided (`decision.decide`)
and turned into a `Run`: a run to record ('F') or a new score ('R'). An entry that cannot be read is
quarantined - logged once per stored value, counted, left in Redis, scored `max_interval` ahead - so one
bad entry never stops the others.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import tzinfo

from redbeat_sdk import KeyLayout

from . import decision as decisions
from .decision import whole_seconds
from .reading import Loaded, Reader
from .store import RawEntry, Run
from .tickstate import Stats, Tick
from .waiting import Waiting

logger = logging.getLogger(__name__)

Fire, Wait, Disabled, Exhausted, SkipLate = (
    decisions.Fire,
    decisions.Wait,
    decisions.Disabled,
    decisions.Exhausted,
    decisions.SkipLate,
)


@dataclass
class Batch:
    runs: list[Run] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # the score each run's member was read with
    # (index in runs, entry, verdict, new score)
    fired: list[tuple[int, Loaded, decisions.Fire, float]] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)  # members whose hash was gone
    stay: list[str] = field(default_factory=list)  # members that keep their place in the due range
    wakes: list[float] = field(default_factory=list)  # due times (epoch seconds) of the scores written


class Decider:
    """Decides batches for one scheduler, and remembers which entries it could not read."""

    def __init__(self, layout: KeyLayout, waiting: Waiting, stats: Stats, max_interval: float) -> None:
        self.name_of = layout.name_of
        self.waiting = waiting
        self.stats = stats
        self.max_interval = max_interval
        self.reader = Reader()
        self.quarantine: dict[str, tuple[object, ...]] = {}  # key -> fingerprint of the value that failed

    def decide(
        self, items: list[tuple[RawEntry, float]], tick: Tick, tz: tzinfo, deadline: float | None
    ) -> Batch:
        now, now_ts = tick.now, tick.now_ts
        later = now_ts + math.ceil(self.max_interval)
        batch = Batch()
        runs, scores, fired, wakes = batch.runs, batch.scores, batch.fired, batch.wakes
        reader, quarantine, name_of, decide = self.reader, self.quarantine, self.name_of, decisions.decide

        for raw, score in items:
            key = raw.key
            if not raw.exists:
                batch.vanished.append(key)
                continue
            if quarantine and quarantine.get(key) == raw.fingerprint:
                runs.append(Run("R", raw, later))
                scores.append(score)
                continue
            try:
                entry = reader.read(key, name_of(key), raw.definition, raw.meta, raw.extensions)
                if entry.plan.never is not None:  # dateutil would search it up to year 9999: no next run
                    self._never(key, entry.plan.never)
                    runs.append(Run("R", raw, -1))
                    scores.append(score)
                    continue
                verdict = decide(
                    entry,
                    now,
                    tz,
                    deadline=deadline,
                    next_run=entry.plan.next_run,
                    rules=entry.rules,
                    catch_up=entry.catch_up,
                )
            except Exception as exc:  # bad data of any kind must not stop the other entries
                self._quarantine(raw, exc)
                runs.append(Run("R", raw, later))
                scores.append(score)
                continue
            if quarantine and quarantine.pop(key, None) is not None:
                logger.info("beat: entry %s is readable again", key)
            # `type(...) is` rather than isinstance: this loop runs for every due entry of every tick
            if type(verdict) is Fire:
                new_score = verdict.score
                fired.append((len(runs), entry, verdict, new_score))
                meta = tick.meta(entry.total_run_count + 1)
                runs.append(Run("F", raw, new_score, meta, entry.delete_after_run))
            elif type(verdict) is Wait:
                due_score = whole_seconds(verdict.due)
                if due_score > score:  # an early score (upstream #307, a hand-written 0): correct it
                    runs.append(Run("R", raw, due_score))
                    wakes.append(verdict.due.timestamp())
                else:  # due later in this very second: keep it in memory until then
                    self.waiting.add(key, score, verdict.due.timestamp(), raw)
                    batch.stay.append(key)
                    continue
            elif type(verdict) is Disabled:
                runs.append(Run("R", raw, later))  # looked at again within max_interval, not every tick
            elif type(verdict) is Exhausted:
                runs.append(Run("R", raw, -1))
            else:
                assert type(verdict) is SkipLate, verdict
                self.stats.skipped_late += 1
                logger.warning(
                    "beat: skipped %s: its run at %s is later than %s (%ss)",
                    entry.name,
                    verdict.missed.isoformat(),
                    "its catch-up window" if entry.catch_up is not None else "the starting deadline",
                    f"{verdict.window:g}",
                )
                runs.append(
                    Run("R", raw, -1 if verdict.next_due is None else whole_seconds(verdict.next_due))
                )
                if verdict.next_due is not None:
                    wakes.append(verdict.next_due.timestamp())
            scores.append(score)
        return batch

    def forget(self, key: str) -> None:
        """The entry is gone: a new value under its key is read afresh."""
        self.quarantine.pop(key, None)

    def _never(self, key: str, never: tuple[str, str]) -> None:
        """An rrule that never matches is scored -1, like an exhausted one, and never loaded again."""
        self.stats.never_matching += 1
        logger.error(
            "beat: entry %s has no next run: its rrule %s (%s); scored -1, left in Redis",
            key,
            never[0],
            never[1],
        )

    def _quarantine(self, raw: RawEntry, exc: Exception) -> None:
        self.quarantine[raw.key] = raw.fingerprint
        self.stats.corrupt += 1
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        logger.error(
            "beat: skipping unreadable entry %s: %s (left in Redis; looked at again in %ss)",
            raw.key,
            reason,
            f"{self.max_interval:g}",
        )
