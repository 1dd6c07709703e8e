"""Entry <-> the two JSON hash fields, written byte-for-byte as upstream writes them."""

from __future__ import annotations

import copy
import json
import math
import re
from datetime import datetime, tzinfo
from typing import Any

import pydantic

from ._models import read as read_model
from ._models import write as write_model
from .datetimes import decode_datetime, encode_datetime
from .entry import Entry
from .errors import CorruptEntry, ValidationError
from .extensions import Extensions, extensions_from_wire
from .schedules import OneOff, Schedule, schedule_from_wire
from .validation import MAX_DEPTH, check_model

# json.dumps' defaults are upstream's bytes: ", " and ": " separators, \uXXXX escapes, insertion order.
_encoder = json.JSONEncoder(default=lambda o: _encode_extra(o))


def _encode_extra(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return encode_datetime(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def definition_wire(entry: Entry, now: datetime, tz: tzinfo) -> dict[str, Any]:
    return {
        "name": entry.name,
        "task": entry.task,
        "args": entry.args,
        "kwargs": entry.kwargs,
        "options": entry.options,
        "schedule": entry.schedule_wire(now, tz),
        "enabled": entry.enabled,
    }


def encode_extensions(entry: Entry, tz: tzinfo) -> str | None:
    """The `extensions` field of the entry (schema/extensions.schema.json), or None when it has none."""
    wire = entry.extensions_wire(tz)
    return None if wire is None else _encoder.encode(wire)


def encode_definition(wire: dict[str, Any]) -> str:
    return _encoder.encode(wire)


def meta_wire(last_run_at: datetime | None, total_run_count: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"last_run_at": None if last_run_at is None else encode_datetime(last_run_at)}
    if total_run_count is not None:
        meta["total_run_count"] = total_run_count
    return meta


def encode_meta(last_run_at: datetime | None, total_run_count: int | None = None) -> str:
    return _encoder.encode(meta_wire(last_run_at, total_run_count))


def check_write_profile(definition: dict[str, Any]) -> None:
    """The last gate before a write: the definition must be valid under write.schema.json."""
    check_model(write_model.Definition, definition)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def field_text(key: str, field: str, raw: bytes | str | None) -> str | None:
    """A hash field as read without decoding: its text, or CorruptEntry when it is not UTF-8. Readers
    check this themselves rather than let a decoder fail mid-reply or replace the bad bytes."""
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptEntry(key, f"{field}: not valid UTF-8") from None
    return raw


def check_depth(key: str, field: str, raw: str) -> None:
    """CorruptEntry when the JSON text nests deeper than MAX_DEPTH (brackets inside strings aside)."""
    if raw.count("[") + raw.count("{") <= MAX_DEPTH:
        return  # the common case, two C-speed scans
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", raw)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise CorruptEntry(key, f"{field}: JSON nested deeper than {MAX_DEPTH} levels")


def _finite(text: str) -> float:
    """json's float parser, refusing a number no double holds (1e400 would read as inf): every reader
    refuses it (JavaScript's and Go's as well)."""
    value = float(text)
    if value in (math.inf, -math.inf):
        raise ValueError(f"{text} is too large for a double")
    return value


def _parse(key: str, field: str, raw: str) -> Any:
    check_depth(key, field, raw)
    try:
        return json.loads(raw, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise CorruptEntry(key, f"{field}: invalid JSON ({exc})") from None


def task_datetimes(value: Any, path: str) -> Any:
    """Datetimes inside task data come back as datetimes, as upstream's decoder returns them."""
    if isinstance(value, dict):
        if value.get("__type__") == "datetime":
            try:
                return decode_datetime(value)
            except ValidationError as exc:
                raise exc.at(path) from None
        return {k: task_datetimes(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [task_datetimes(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _task_data(value: Any, path: str) -> Any:
    try:
        return task_datetimes(value, path)
    except RecursionError:  # far deeper than MAX_DEPTH (the Entry refuses anything deeper)
        raise ValidationError(path, f"nested deeper than {MAX_DEPTH} levels: readers refuse it") from None


def decode_meta(key: str, raw: str | bytes | None) -> tuple[datetime | None, int]:
    """(last_run_at, total_run_count); an absent or empty meta field means never run."""
    raw = field_text(key, "meta", raw)
    if not raw:
        return None, 0
    meta = _parse(key, "meta", raw)
    try:
        check_model(read_model.Meta, meta, "meta")
    except ValidationError as exc:
        raise CorruptEntry(key, str(exc)) from None
    last = meta["last_run_at"]
    try:
        return (None if last is None else decode_datetime(last)), meta.get("total_run_count") or 0
    except ValidationError as exc:
        raise CorruptEntry(key, str(exc.at("meta.last_run_at"))) from None


def entry_from_wire(definition: Any, name: str | None = None, path: str = "definition") -> Entry:
    """An Entry from a definition in wire form (anything the read profile accepts), e.g. a JSON line of
    an export or a conformance vector. `name` defaults to the definition's own. ValidationError otherwise,
    its path starting with `path` ("" for paths relative to the definition itself, as in an entry file)."""
    check_model(read_model.Definition, definition, path)
    name = name if name is not None else definition.get("name")
    try:
        try:
            schedule = schedule_from_wire(definition["schedule"])
        except ValidationError as exc:
            raise exc.at("schedule") from None
        return Entry(
            name=name,
            task=definition["task"],
            schedule=schedule,
            args=_task_data(definition.get("args"), "args"),
            kwargs=_task_data(definition.get("kwargs") or {}, "kwargs"),
            options=_task_data(definition.get("options") or {}, "options"),
            enabled=bool(definition.get("enabled", True)),  # null counts as disabled upstream
        )
    except ValidationError as exc:
        raise (exc.at(path) if path else exc) from None


def entry_from_document(data: Any, name: str | None = None, path: str = "") -> Entry:
    """An Entry from a document of an entry file or an export line: a definition in wire form, with the
    entry's extensions under `extensions` (the field's form; `version` may be left out)."""
    if not isinstance(data, dict) or "extensions" not in data:
        return entry_from_wire(data, name, path)
    data = dict(data)
    raw = data.pop("extensions")
    entry = entry_from_wire(data, name, path)
    if isinstance(raw, dict) and "version" not in raw:
        raw = {"version": 1, **raw}
    try:
        extensions, marker = extensions_from_wire(raw)
        schedule = OneOff.matching(entry.schedule, marker)
    except ValidationError as exc:
        raise exc.at(f"{path}.extensions" if path else "extensions") from None
    out = copy.copy(entry)
    object.__setattr__(out, "extensions", extensions)
    object.__setattr__(out, "schedule", schedule)
    return out


def document_of(entry: Entry, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """The definition in wire form plus, when the entry has any, its `extensions` (an export line)."""
    document = definition_wire(entry, now, tz)
    extensions = entry.extensions_wire(tz)
    if extensions is not None:
        document["extensions"] = extensions
    return document


# the read profile's schedule union on its own, under the field name its error paths start with
_schedule_annotation: Any = read_model.Definition.model_fields["schedule"].annotation
_ScheduleField = pydantic.create_model("ScheduleField", schedule=(_schedule_annotation, ...))


def schedule_from_data(value: Any) -> Schedule:
    """A typed schedule from its wire form as a user gives it (`{"__type__": "rrule", "freq": "DAILY"}`,
    or a number of seconds), checked against the read profile: ValidationError with a path starting
    `schedule` (`schedule.byhour[0]`)."""
    check_model(_ScheduleField, {"schedule": value})
    try:
        return schedule_from_wire(value)
    except ValidationError as exc:
        raise exc.at("schedule") from None


def read_extensions(key: str, raw: str | bytes) -> tuple[Extensions, dict[str, Any] | None]:
    """(Extensions, the one-off marker or None) of a raw extensions field; CorruptEntry when it breaks the
    profile."""
    text = field_text(key, "extensions", raw)
    assert text is not None
    data = _parse(key, "extensions", text)
    try:
        return extensions_from_wire(data)
    except ValidationError as exc:
        raise CorruptEntry(key, str(exc.at("extensions"))) from None
    except ArithmeticError as exc:  # a date the profile allows that no datetime holds
        raise CorruptEntry(key, f"extensions: a value out of range ({exc})") from None


def decode_extensions(key: str, raw: str | bytes | None, entry: Entry) -> Entry:
    """`entry` with the extensions of the raw field (absent: none): CorruptEntry when the field breaks the
    profile (a reader cannot honour rules it cannot read). A one-off marker that describes the entry's
    rrule makes its schedule a OneOff."""
    if raw is None:
        return entry
    extensions, marker = read_extensions(key, raw)
    try:
        schedule = OneOff.matching(entry.schedule, marker)
    except ValidationError as exc:
        raise CorruptEntry(key, str(exc.at("extensions.one_off"))) from None
    out = copy.copy(entry)
    object.__setattr__(out, "extensions", extensions)
    object.__setattr__(out, "schedule", schedule)
    return out


def decode_entry(
    key: str,
    name: str,
    definition: str | bytes | None,
    meta: str | bytes | None,
    score: float | None = None,
    extensions: str | bytes | None = None,
) -> Entry:
    """An Entry from the raw hash fields (text, or bytes as stored); anything upstream would crash on or
    drop is CorruptEntry, and so is an extensions field that breaks the extension profile."""
    definition = field_text(key, "definition", definition)
    if not definition:
        raise CorruptEntry(key, "no definition (the hash is missing, evicted or empty)")
    d = _parse(key, "definition", definition)
    try:
        entry = entry_from_wire(d, name)
    except ValidationError as exc:
        raise CorruptEntry(key, str(exc)) from None
    except ArithmeticError as exc:  # a number the schema allows but no date or offset holds (1e308)
        raise CorruptEntry(key, f"definition: a value out of range ({exc})") from None
    last_run_at, total = decode_meta(key, meta)
    if not meta and d.get("last_run_at") is not None:  # constructor keywords in the definition; meta wins
        try:
            last_run_at = decode_datetime(d["last_run_at"])
        except ValidationError as exc:
            raise CorruptEntry(key, str(exc.at("definition.last_run_at"))) from None
        total = d.get("total_run_count") or 0
    entry = decode_extensions(key, extensions, entry)
    return entry.with_state(last_run_at, total, None if score is None else int(score))
