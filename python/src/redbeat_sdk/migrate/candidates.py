"""What an import source yields: one candidate per row or `beat_schedule` item, either an entry (with the
run state it carries) or the reason it cannot be imported."""

from __future__ import annotations

from dataclasses import dataclass

from ..entry import Entry


class Refused(Exception):
    """A row or item that cannot be mapped; the message says why, in one line."""


@dataclass(frozen=True)
class Candidate:
    """`source` says where it came from (`periodic task 7`, `beat_schedule`), `name` is its name there,
    `kind` its schedule kind (interval, crontab, rrule, clocked, solar, ...). Exactly one of `entry`
    (last_run_at and total_run_count set from the source) and `problem` is set."""

    source: str
    name: str
    kind: str
    entry: Entry | None = None
    problem: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source} {self.name!r}"
