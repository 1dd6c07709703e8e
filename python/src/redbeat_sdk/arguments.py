"""Checks of public call arguments (not of entry data): each failure is a ValidationError whose path is
the argument's name, so a caller sees `n: must be >= 0` instead of an empty list or a TypeError from
deep inside. The paths and reasons are shared by every client: schema/README.md, "Error paths of client
arguments"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import ValidationError

if TYPE_CHECKING:
    from .entry import Entry


def run_count(value: Any, path: str = "n") -> int:
    """How many runs a preview returns: 0 or more (0 gives an empty list)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, f"must be an integer, not {value!r}")
    if value < 0:
        raise ValidationError(path, "must be >= 0")
    return value


def optional_datetime(value: Any, path: str) -> datetime | None:
    if value is not None and not isinstance(value, datetime):
        raise ValidationError(path, f"must be a datetime, not {value!r}")
    return value


def positive_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(path, f"must be a positive integer, not {value!r}")
    return value


def optional_str(value: Any, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(path, f"must be a string, not {value!r}")
    return value


def optional_callable(value: Any, path: str) -> Any:
    if value is not None and not callable(value):
        raise ValidationError(path, f"must be callable, not {value!r}")
    return value


def labels(value: Any, path: str = "labels") -> dict[str, str]:
    """A label filter: a mapping of label keys to values, each valid as a label (schema: Labels)."""
    from .extensions import Extensions

    try:
        return Extensions(labels=value).labels
    except ValidationError as exc:
        raise ValidationError(path + exc.path.removeprefix("labels"), exc.reason) from None


def entries(value: Any, path: str = "entries") -> list[Entry]:
    """The entries of a bulk call: an iterable of Entry (a string, bytes or a mapping is not one); an item
    that is not an Entry is a ValidationError at its index (`[3]`)."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ValidationError(path, f"must be an iterable of Entry, not {type(value).__name__}")
    return [entry(item, f"[{index}]") for index, item in enumerate(value)]


def entry(value: Any, path: str = "entry") -> Entry:
    from .entry import Entry  # entry.py imports this module

    if not isinstance(value, Entry):
        raise ValidationError(path, f"must be an Entry, not {type(value).__name__}")
    return value
