"""The add and edit form: an entry as form fields and back. The SDK is the only judge of a value: the form
is turned into a definition in wire form (as an entry file holds it) and read by `codec.entry_from_wire`,
its labels and description into `Extensions`, and each ValidationError is shown next to the field its path
names. The other extensions (zone, window, jitter, catch-up) are not on the form: an edit keeps them."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import codec
from ..cli import describe, entryfile
from ..cli.durations import parse_duration
from ..entry import Entry
from ..errors import ValidationError
from ..extensions import Extensions
from ..schedules import Crontab, Interval, RRule
from .extensions import label_filter

KINDS = ("interval", "crontab", "rrule")
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
TEXT_FIELDS = (
    *("name", "task", "kind", "every", *CRON_FIELDS, "rrule", "args", "kwargs", "options"),
    *("labels", "description"),
)
CHECKBOXES = ("relative", "enabled")
MAX_FIELD = 100_000  # characters: a form field longer than this is refused, not parsed


@dataclass
class EntryForm:
    """What the form shows: the values as typed, and a message per field that the SDK refused."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {message}" for name, message in self.errors.items()]


def blank() -> EntryForm:
    values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    values.update(kind="interval", enabled=True, relative=False)
    values.update(dict.fromkeys(CRON_FIELDS, "*"))
    return EntryForm(values)


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def of_entry(entry: Entry) -> EntryForm:
    """The form of an entry as stored (task data in its wire form, as an entry file shows it)."""
    form = blank()
    definition = entryfile.file_form(entry)
    schedule = entry.schedule
    values = form.values
    values.update(
        name=entry.name,
        task=entry.task,
        enabled=entry.enabled,
        args=_json_text(definition.get("args")),
        kwargs=_json_text(definition.get("kwargs")),
        options=_json_text(definition.get("options")),
        labels=", ".join(f"{k}={v}" if v else k for k, v in entry.extensions.labels.items()),
        description=entry.extensions.description or "",
    )
    if isinstance(schedule, Interval):
        values.update(kind="interval", every=describe.duration(schedule.every), relative=schedule.relative)
    elif isinstance(schedule, Crontab):
        values["kind"] = "crontab"
        for name in CRON_FIELDS:
            value = getattr(schedule, name)
            values[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    elif isinstance(schedule, RRule):
        fields = {k: v for k, v in definition["schedule"].items() if k != "__type__"}
        values.update(kind="rrule", rrule=json.dumps(fields, ensure_ascii=False))
    return form


def posted(data: Mapping[str, Any]) -> EntryForm:
    """The form as submitted (strings; a checkbox is there or not)."""
    values: dict[str, Any] = {name: str(data.get(name, "")) for name in TEXT_FIELDS}
    values.update({name: name in data for name in CHECKBOXES})
    return EntryForm(values)


def to_entry(form: EntryForm, name: str | None = None) -> Entry | None:
    """The entry the form describes, or None with `form.errors` filled in. `name` fixes the name (edit)."""
    values = form.values
    errors = form.errors
    for key in TEXT_FIELDS:
        if len(values[key]) > MAX_FIELD:
            errors[key] = f"longer than {MAX_FIELD} characters"
    if errors:
        return None
    kind = values["kind"]
    definition: dict[str, Any] = {
        "name": name if name is not None else values["name"].strip(),
        "task": values["task"].strip(),
        "enabled": bool(values["enabled"]),
    }
    schedule = _schedule(kind, values, errors)
    for key, empty in (("args", None), ("kwargs", {}), ("options", {})):
        text = values[key].strip()
        definition[key] = _json(text, key, errors) if text else empty
    if errors:
        return None
    definition["schedule"] = schedule
    try:
        labels = {k: v or "" for k, v in label_filter(values["labels"]).items()}
    except ValidationError as exc:
        errors["labels"] = exc.reason
        return None
    try:
        entry = codec.entry_from_wire(definition, path="")
        description = values["description"].strip() or None
        return dataclasses.replace(entry, extensions=Extensions(labels=labels, description=description))
    except ValidationError as exc:
        target, message = field_of(exc, kind)
        errors[target] = message
        return None


def _schedule(kind: str, values: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any] | None:
    if kind == "interval":
        try:
            every = parse_duration(values["every"].strip())
        except ValueError as exc:
            errors["every"] = str(exc)
            return None
        return {"__type__": "interval", "every": every, "relative": bool(values["relative"])}
    if kind == "crontab":
        return {"__type__": "crontab", **{name: values[name].strip() or "*" for name in CRON_FIELDS}}
    if kind == "rrule":
        text = values["rrule"].strip()
        fields = _json(text, "rrule", errors) if text else None
        if "rrule" in errors:
            return None
        if not isinstance(fields, dict):
            errors["rrule"] = (
                'give the rrule fields as a JSON object, such as {"freq": "DAILY", "byhour": [9]}'
            )
            return None
        return {**fields, "__type__": "rrule"}
    errors["kind"] = f"choose {', '.join(KINDS)}"
    return None


def _json(text: str, key: str, errors: dict[str, str]) -> Any:
    """A field's JSON value; None with a message in `errors` when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError as exc:
        errors[key] = f"not JSON: {exc}"
    except RecursionError:
        errors[key] = "nested too deeply to read"
    return None


def field_of(exc: ValidationError, kind: str) -> tuple[str, str]:
    """The form field a ValidationError belongs to, and the message to show next to it."""
    parts = re.split(r"\.|(?=\[)", exc.path) if exc.path else [""]
    root, rest = parts[0], ".".join(parts[1:]).replace(".[", "[")
    if root == "schedule" and rest:
        sub = re.split(r"[.\[]", rest, maxsplit=1)[0]
        if kind == "interval":
            return ("relative" if sub == "relative" else "every"), exc.reason
        if kind == "crontab" and sub in CRON_FIELDS:
            return sub, exc.reason
        return ("rrule" if kind == "rrule" else "kind"), f"{rest}: {exc.reason}"
    if root in CRON_FIELDS and kind == "crontab":
        return root, exc.reason
    if root == "schedule":
        return ("every" if kind == "interval" else kind if kind == "rrule" else "kind"), exc.reason
    if root in TEXT_FIELDS or root in CHECKBOXES:
        return root, f"{rest}: {exc.reason}" if rest else exc.reason
    return "", str(exc)
