"""The extension profile (schema/extensions.schema.json): what an entry carries beyond upstream's format,
stored in the entry hash's `extensions` field, which upstream never reads.

`Extensions` is the typed value (zone, window, jitter, catch-up policy, labels, description); the
one-off marker is written from a `OneOff` schedule (schedules.py). `extensions_wire` and
`extensions_from_wire` convert to and from the field's JSON object; the run rules they imply are in
`runs.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Literal

from ._models import extensions as model
from .datetimes import UTC, aware, zone
from .errors import ValidationError
from .validation import check_model

VERSION = 1
FIELD = "extensions"  # the entry hash field
CatchUp = Literal["once", "skip"] | int
# `skip` skips a run that is this many seconds late or more (schema: CatchUp)
SKIP_SECONDS = 1
MAX_JITTER = timedelta(days=1)
MAX_CATCH_UP = 365 * 86400


@dataclass(frozen=True)
class Extensions:
    """Per-entry rules upstream cannot express. Every field is optional; an entry without any has no
    `extensions` field in Redis.

    - `timezone`: IANA name; the schedule is evaluated there instead of in the beat's timezone.
    - `start_at` / `end_at`: no run before / after (a naive datetime is taken in the entry's zone, else
      the beat's).
    - `jitter`: each run delayed by a deterministic offset in [0, jitter) (whole milliseconds, at most a day).
    - `catch_up`: `"once"` (Celery's behaviour), `"skip"`, or seconds (int or timedelta): a run reached
      that late or later is skipped.
    - `labels`: string map, found by `RedBeatClient.list(labels=...)`; `description`: free text.
    """

    timezone: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    jitter: timedelta | None = None
    catch_up: CatchUp | None = None
    labels: dict[str, str] = field(default_factory=dict)
    description: str | None = None

    def __post_init__(self) -> None:
        tz: Any = self.timezone
        if tz is not None:
            key = getattr(tz, "key", None)
            if isinstance(tz, tzinfo) and isinstance(key, str):
                tz = key  # a ZoneInfo: stored by its name
            if not isinstance(tz, str):
                raise ValidationError("timezone", f"must be an IANA time zone name, not {tz!r}")
            try:
                zone(tz)
            except ValidationError as exc:
                raise exc.at("timezone") from None
            object.__setattr__(self, "timezone", tz)
        for name in ("start_at", "end_at"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, datetime):
                raise ValidationError(name, f"must be a datetime, not {value!r}")
        if self.start_at is not None and self.end_at is not None:
            start, end = aware(self.start_at, self.zone or UTC), aware(self.end_at, self.zone or UTC)
            if end < start:
                raise ValidationError("end_at", "must not be before start_at")
        object.__setattr__(self, "jitter", _jitter(self.jitter))
        object.__setattr__(self, "catch_up", _catch_up(self.catch_up))
        object.__setattr__(self, "labels", _labels(self.labels))
        if self.description is not None and not isinstance(self.description, str):
            raise ValidationError("description", f"must be a string, not {self.description!r}")
        check_model(model.RedBeatExtensions, self.to_wire(UTC))

    @property
    def zone(self) -> tzinfo | None:
        return None if self.timezone is None else zone(self.timezone)

    def __bool__(self) -> bool:
        return self != _EMPTY

    def to_wire(self, tz: tzinfo, one_off: dict[str, Any] | None = None) -> dict[str, Any]:
        """The field's JSON object (keys in the schema's order); `tz` places naive datetimes (the
        entry's zone when it has one, else the beat's)."""
        tz = self.zone or tz
        out: dict[str, Any] = {"version": VERSION}
        if self.timezone is not None:
            out["timezone"] = self.timezone
        if one_off is not None:
            out["one_off"] = one_off
        if self.start_at is not None:
            out["start_at"] = encode_instant(aware(self.start_at, tz))
        if self.end_at is not None:
            out["end_at"] = encode_instant(aware(self.end_at, tz))
        if self.jitter is not None:
            out["jitter_ms"] = self.jitter // timedelta(milliseconds=1)
        if self.catch_up is not None:
            out["catch_up"] = self.catch_up
        if self.labels:
            out["labels"] = self.labels
        if self.description is not None:
            out["description"] = self.description
        return out


def as_extensions(value: Any) -> Extensions:
    """An Entry's `extensions` argument: Extensions, a mapping of its fields, or None."""
    if value is None:
        return _EMPTY
    if isinstance(value, Extensions):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(Extensions.__dataclass_fields__))
        if unknown:
            raise ValidationError(str(unknown[0]), "unknown extension")
        return Extensions(**value)
    raise ValidationError("", f"must be Extensions or a mapping, not {type(value).__name__}")


def _jitter(value: Any) -> timedelta | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            value = timedelta(seconds=value)
        except (OverflowError, ValueError):
            raise ValidationError("jitter", f"must be at most {MAX_JITTER}, not {value!r}") from None
    if not isinstance(value, timedelta):
        raise ValidationError("jitter", f"must be seconds or a timedelta, not {value!r}")
    if value % timedelta(milliseconds=1):
        raise ValidationError("jitter", f"must be whole milliseconds, not {value}")
    if not timedelta(0) < value <= MAX_JITTER:
        raise ValidationError("jitter", f"must be above 0 and at most {MAX_JITTER}, not {value}")
    return value


_LABEL_KEY = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?")
MAX_LABELS = 64


def _labels(value: Any) -> dict[str, str]:
    """The schema's label rules (Labels), with a reason a person can act on."""
    labels = {} if value is None else value
    if not isinstance(labels, Mapping):
        raise ValidationError("labels", f"must be a mapping of strings, not {type(labels).__name__}")
    if len(labels) > MAX_LABELS:
        raise ValidationError("labels", f"at most {MAX_LABELS} labels, not {len(labels)}")
    for key, item in labels.items():
        if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key):
            raise ValidationError(
                "labels",
                f"key {key!r}: 1-63 of A-Z a-z 0-9 . _ / -, starting and ending with a letter or digit",
            )
        if not isinstance(item, str) or not _LABEL_VALUE.fullmatch(item):
            raise ValidationError(
                f"labels.{key}",
                f"{item!r}: 0-63 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit",
            )
    return dict(labels)


def _catch_up(value: Any) -> CatchUp | None:
    if value is None or value in ("once", "skip"):
        return value  # type: ignore[no-any-return]
    if isinstance(value, timedelta):
        if value % timedelta(seconds=1):
            raise ValidationError("catch_up", f"must be whole seconds, not {value}")
        value = value // timedelta(seconds=1)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        if value > MAX_CATCH_UP:
            raise ValidationError("catch_up", f"must be at most {MAX_CATCH_UP} seconds (a year), not {value}")
        return value
    raise ValidationError("catch_up", f"must be 'once', 'skip' or seconds (1 or more), not {value!r}")


def catch_up_window(policy: CatchUp | None) -> float | None:
    """How late (seconds) a run may be reached and still run; None: however late ('once')."""
    if policy is None or policy == "once":
        return None
    return float(SKIP_SECONDS if policy == "skip" else policy)


def extensions_from_wire(data: Any) -> tuple[Extensions, dict[str, Any] | None]:
    """(Extensions, the one-off marker or None) from the field's decoded JSON, checked against the
    profile: a ValidationError's path is relative to the field (`labels.tenant`, `timezone`)."""
    checked = check_model(model.RedBeatExtensions, data)
    assert isinstance(checked, model.RedBeatExtensions)
    jitter = data.get("jitter_ms")
    extensions = Extensions(
        timezone=data.get("timezone"),
        start_at=_decoded(data, "start_at"),
        end_at=_decoded(data, "end_at"),
        jitter=None if jitter is None else timedelta(milliseconds=jitter),
        catch_up=data.get("catch_up"),
        labels=data.get("labels") or {},
        description=data.get("description"),
    )
    return extensions, data.get("one_off")


def _decoded(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return decode_instant(value)
    except ValidationError as exc:
        raise exc.at(name) from None


# -- instants: RFC 3339 with an explicit offset ------------------------------------------------------------

_FRACTION = re.compile(r"\.(\d{1,6})(?=Z|[+-])")


def encode_instant(moment: datetime) -> str:
    """RFC 3339 in the value's own offset (`Z` for UTC, as JavaScript and Go write it), microseconds only
    when there are any."""
    text = aware(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def decode_instant(text: str) -> datetime:
    """An aware datetime (fixed offset) from an RFC 3339 instant the schema's pattern accepts."""
    normal = _FRACTION.sub(lambda m: "." + m.group(1).ljust(6, "0"), text)
    if normal.endswith("Z"):
        normal = normal[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(normal)
    except ValueError as exc:
        raise ValidationError("", f"not a valid instant: {exc}") from None
    if value.tzinfo is None:
        raise ValidationError("", f"{text!r} has no UTC offset")
    offset = value.utcoffset()
    return value if offset else value.replace(tzinfo=timezone.utc)


_EMPTY = Extensions()
