"""What the dashboard shows of the per-entry extensions (labels, run history) when the SDK offers them.

They come with the `extensions` hash field (issue 17), which this SDK does not read yet: until it does,
every function here answers None and the pages leave out the labels column, the label filter and the
history section. The SDK is read by duck typing (an `Entry.labels` attribute, a client `history(name)`
method), so the pages light up when it grows them; this module is the one place to adjust the names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..client import RedBeatClient
from ..entry import Entry


def labels_of(entry: Entry | None) -> dict[str, str] | None:
    """The entry's labels as name -> value ('' for a bare label), or None when there are none to show."""
    raw: Any = getattr(entry, "labels", None)
    if not raw:
        return None
    if isinstance(raw, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if isinstance(raw, (list, tuple, set, frozenset)):
        return {str(label): "" for label in raw}
    return {str(raw): ""}


def label_matches(labels: dict[str, str] | None, wanted: str) -> bool:
    """`wanted` is `name` (the label is there) or `name=value`."""
    if not labels:
        return False
    name, has_value, value = wanted.partition("=")
    return name in labels and (not has_value or labels[name] == value)


def history_of(client: RedBeatClient, name: str, limit: int = 50) -> list[dict[str, str]] | None:
    """The entry's recorded runs, newest first, each as field -> text; None when the SDK keeps none."""
    history = getattr(client, "history", None)
    if not callable(history):
        return None
    records = list(history(name))[:limit]
    return [_record(record) for record in records]


def _record(record: Any) -> dict[str, str]:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        fields: Mapping[str, Any] = dataclasses.asdict(record)
    elif isinstance(record, Mapping):
        fields = record
    elif hasattr(record, "_asdict"):
        fields = record._asdict()
    else:
        fields = {"run": record}
    return {str(k): v.isoformat() if isinstance(v, datetime) else str(v) for k, v in fields.items()}
