"""An entry's run history (extension profile): the list `P:history:<name>`, newest first, one JSON record
per run (schema/extensions.schema.json, HistoryRecord). redbeat-scheduler writes a record in the step that
records the run; `RedBeatClient.history` reads them back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._models import extensions as model
from .errors import CorruptEntry, ValidationError
from .extensions import decode_instant, encode_instant
from .validation import check_model

_MS = timedelta(milliseconds=1)

# How many records the scheduler keeps per entry unless configured (redbeat_history_length).
DEFAULT_LENGTH = 10


@dataclass(frozen=True)
class HistoryRecord:
    """One run: when it was `due` (None for an entry that had never run), when the beat `recorded` it, the
    Celery `task_id` of the message, how late it was (`lateness`, None with `due`) and which `beat` ran it
    (its lock token)."""

    due: datetime | None
    recorded: datetime
    task_id: str
    lateness: timedelta | None
    beat: str


def encode_record(due: datetime | None, recorded: datetime, task_id: str, beat: str) -> str:
    """The record of a run, as the scheduler appends it (lateness truncated to whole milliseconds)."""
    late = None if due is None else max(0, (recorded - due) // _MS)
    return json.dumps(
        {
            "due": None if due is None else encode_instant(due),
            "recorded": encode_instant(recorded),
            "task_id": task_id,
            "lateness_ms": late,
            "beat": beat,
        }
    )


def decode_record(key: str, raw: Any) -> HistoryRecord:
    """A stored record; CorruptEntry naming the history key when it breaks the profile."""
    if not isinstance(raw, str):
        raise CorruptEntry(key, "history record: not valid UTF-8")
    try:
        data = json.loads(raw)
        check_model(model.HistoryRecord, data)
        due = None if data["due"] is None else decode_instant(data["due"])
        late = data["lateness_ms"]
        return HistoryRecord(
            due,
            decode_instant(data["recorded"]),
            data["task_id"],
            None if late is None else timedelta(milliseconds=late),
            data["beat"],
        )
    except ValidationError as exc:
        raise CorruptEntry(key, f"history record: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise CorruptEntry(key, f"history record: invalid JSON ({exc})") from None
