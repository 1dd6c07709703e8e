"""Entries as JSON lines (export/import): one definition in wire form per line, as the entry file takes,
with the entry's `extensions` beside the definition's keys when it has any."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .. import codec
from ..entry import Entry
from ..errors import ValidationError
from ..keys import KeyLayout


def definition_json(entry: Entry) -> str:
    """The definition as stored, with the entry's `extensions` (the field's form) when it has any."""
    # the schedule is written as stored; `now` only fills an rrule's missing dtstart
    return codec.encode_definition(
        codec.document_of(
            entry, entry.last_run_at or datetime.now(timezone.utc), entry.timezone or timezone.utc
        )
    )


def definition_of(entry: Entry) -> dict[str, Any]:
    """The definition as plain JSON values (datetimes in task data in their wire form)."""
    definition: dict[str, Any] = json.loads(definition_json(entry))
    return definition


def export_lines(entries: Iterable[Entry]) -> Iterator[str]:
    return (definition_json(entry) for entry in entries)


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def parse_lines(text: str, keys: KeyLayout) -> tuple[list[Entry], list[BadLine]]:
    """Every line validated before anything is written (its name too: one the schedule's own keys
    would collide with fails here, not half-way through the writes); blank lines are skipped."""
    entries: list[Entry] = []
    bad: list[BadLine] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = codec.entry_from_document(json.loads(line), path="")
            keys.check_name(entry.name)
            entries.append(entry)
        except json.JSONDecodeError as exc:
            bad.append(BadLine(number, f"invalid JSON: {exc.msg} (column {exc.colno})"))
        except ValidationError as exc:
            bad.append(BadLine(number, str(exc)))
    return entries, bad
