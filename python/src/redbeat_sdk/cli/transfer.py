"""Export and import entries as JSON lines: one definition in wire form per line."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Iterable, Iterator

from .. import codec
from ..entry import Entry
from ..errors import ValidationError


def export_lines(entries: Iterable[Entry]) -> Iterator[str]:
    for entry in entries:
        # the schedule is written as stored; `now` only fills an rrule's missing dtstart
        yield codec.encode_definition(codec.definition_wire(entry, entry.last_run_at or datetime.now(timezone.utc),
                                                            entry.timezone or timezone.utc))


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def parse_lines(stream: IO[str]) -> tuple[list[Entry], list[BadLine]]:
    """Every line validated before anything is written; blank lines are skipped."""
    entries: list[Entry] = []
    bad: list[BadLine] = []
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            entries.append(codec.entry_from_wire(json.loads(line)))
        except ValueError as exc:  # JSONDecodeError and ValidationError are both ValueErrors
            bad.append(BadLine(number, str(exc) if isinstance(exc, ValidationError) else f"invalid JSON: {exc}"))
    return entries, bad
