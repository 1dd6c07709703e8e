"""Entries from command-line flags: NAME, --task, one schedule flag and JSON task data. The SDK's
constructors are the rules; this module says which flag a ValidationError belongs to."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import click

from .. import codec
from ..entry import Entry
from ..extensions import Extensions
from ..schedules import Crontab, Interval, OneOff, Schedule
from .durations import Duration, parse_duration
from .failures import BadValue, blame

CRON_FIELDS = "minute hour day_of_month month_of_year day_of_week"

OPTIONS = [
    click.option("--task", default=None, help="The Celery task name."),
    click.option(
        "--every",
        type=Duration(),
        default=None,
        help="An interval: seconds (90) or units d h m s ms, largest first (90s, 5m, 1h30m, 1d, 250ms).",
    ),
    click.option("--relative", is_flag=True, help="With --every: round due times (Celery's relative)."),
    click.option(
        "--cron",
        default=None,
        metavar="'m h dom mon dow'",
        help=f"A crontab: the five fields '{CRON_FIELDS}' (Celery semantics, 0 = Sunday).",
    ),
    click.option(
        "--rrule",
        default=None,
        metavar="JSON",
        help='rrule fields as a JSON object, e.g. \'{"freq": "DAILY", "byhour": [9]}\'.',
    ),
    click.option(
        "--args", "args_json", default=None, metavar="JSON", help="Positional arguments, a JSON array."
    ),
    click.option(
        "--kwargs", "kwargs_json", default=None, metavar="JSON", help="Keyword arguments, a JSON object."
    ),
    click.option(
        "--options", "options_json", default=None, metavar="JSON", help="apply_async options, a JSON object."
    ),
]
EXTENSION_OPTIONS = [
    click.option(
        "--at",
        default=None,
        metavar="DATETIME",
        help="A one-off run at this ISO 8601 time (a whole second; without an offset: in --zone, else the "
        "beat's zone). Stored as an rrule of one run, which upstream's beat fires once too.",
    ),
    click.option(
        "--delete-after-run", is_flag=True, help="With --at: our beat deletes the entry after its run."
    ),
    click.option(
        "--zone",
        default=None,
        metavar="ZONE",
        help="The entry's own IANA time zone (its schedule runs there).",
    ),
    click.option("--start-at", default=None, metavar="DATETIME", help="No run before this ISO 8601 time."),
    click.option("--end-at", default=None, metavar="DATETIME", help="No run after this ISO 8601 time."),
    click.option(
        "--jitter", type=Duration(), default=None, help="Delay each run by a fixed-per-run offset below this."
    ),
    click.option(
        "--catch-up",
        default=None,
        metavar="once|skip|DURATION",
        help="A late run: once (run it, the default), skip (skip it when 1 s late or more), or skip it when "
        "this late or more.",
    ),
    click.option(
        "--label",
        "labels",
        multiple=True,
        metavar="KEY=VALUE",
        help="A label (repeatable); with edit, the labels given replace the entry's.",
    ),
    click.option("--description", default=None, help="Free text for people."),
]
# Extensions field -> the flag that sets it (a ValidationError names the field).
EXTENSION_FLAGS = {
    "timezone": "--zone",
    "start_at": "--start-at",
    "end_at": "--end-at",
    "jitter": "--jitter",
    "catch_up": "--catch-up",
    "labels": "--label",
    "description": "--description",
}

# click parameter -> its flag, for messages about which flags were given.
NAMES = {
    "task": "--task",
    "every": "--every",
    "relative": "--relative",
    "cron": "--cron",
    "rrule": "--rrule",
    "args_json": "--args",
    "kwargs_json": "--kwargs",
    "options_json": "--options",
    "at": "--at",
    "delete_after_run": "--delete-after-run",
    "zone": "--zone",  # the extension field `timezone`; the other flags are named as their field
    **{field: flag for field, flag in EXTENSION_FLAGS.items() if field != "timezone"},
}


F = TypeVar("F", bound=Callable[..., Any])


def with_entry_options(fn: F) -> F:
    for option in reversed(OPTIONS + EXTENSION_OPTIONS):
        fn = option(fn)
    return fn


def given(values: dict[str, Any]) -> list[str]:
    """The entry flags that were given, by name."""
    return [NAMES[k] for k, v in values.items() if k in NAMES and v not in (None, False, ())]


def instant(value: str, flag: str) -> datetime:
    """An ISO 8601 time; naive when it has no offset (the SDK places it in the entry's zone)."""
    text = value.strip()
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise BadValue(
            f"{flag}: {value!r} is not an ISO 8601 time such as 2025-03-01T09:00:00+01:00"
        ) from None


def label_pairs(values: tuple[str, ...]) -> dict[str, str]:
    labels = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise BadValue(f"--label: {item!r} is not KEY=VALUE")
        labels[key] = value
    return labels


def catch_up(value: str) -> str | int:
    if value in ("once", "skip"):
        return value
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise BadValue(f"--catch-up: once, skip or a duration: {exc}") from None
    if seconds != int(seconds):
        raise BadValue(f"--catch-up: {value!r}: whole seconds")
    return int(seconds)


def extension_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The Extensions fields the flags give (absent flags left out)."""
    out: dict[str, Any] = {}
    if values.get("zone") is not None:
        out["timezone"] = values["zone"]
    for name in ("start_at", "end_at"):
        if values.get(name) is not None:
            out[name] = instant(values[name], NAMES[name])
    if values.get("jitter") is not None:
        out["jitter"] = timedelta(seconds=values["jitter"])
    if values.get("catch_up") is not None:
        out["catch_up"] = catch_up(values["catch_up"])
    if values.get("labels"):
        out["labels"] = label_pairs(values["labels"])
    if values.get("description") is not None:
        out["description"] = values["description"]
    return out


def extensions(values: dict[str, Any], base: Extensions | None = None) -> Extensions:
    """The entry's extensions: `base` (the stored ones, for edit) with the flags' changes."""
    changes = extension_changes(values)
    with blame(**EXTENSION_FLAGS):
        return dataclasses.replace(base, **changes) if base is not None else Extensions(**changes)


def one_off(at: str | None, delete_after_run: bool) -> OneOff | None:
    if at is None:
        if delete_after_run:
            raise click.UsageError("--delete-after-run goes with --at")
        return None
    with blame(at="--at", delete_after_run="--delete-after-run"):
        return OneOff(instant(at, "--at"), delete_after_run)


def json_value(value: str, flag: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise BadValue(f"{flag}: not JSON: {exc}") from None


def schedule(
    every: float | None, relative: bool, cron: str | None, rrule: str | None, at: str | None = None
) -> Schedule | None:
    chosen = [
        flag
        for flag, value in (("--every", every), ("--cron", cron), ("--rrule", rrule), ("--at", at))
        if value is not None
    ]
    if len(chosen) > 1:
        raise click.UsageError(f"give one schedule, not {' and '.join(chosen)}")
    if relative and every is None:
        raise click.UsageError("--relative goes with --every")
    if every is not None:
        with blame(every="--every", relative="--relative"):
            return Interval(every, relative=relative)
    if cron is not None:
        parts = cron.split()
        if len(parts) != 5:
            raise BadValue(f"--cron: takes 5 fields '{CRON_FIELDS}', not {len(parts)} ({cron!r})")
        minute, hour, dom, month, dow = parts
        with blame("--cron"):
            return Crontab(minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow)
    if rrule is not None:
        fields = json_value(rrule, "--rrule")
        if not isinstance(fields, dict):
            raise BadValue(
                f"--rrule: must be a JSON object of rrule fields, such as "
                f'{{"freq": "DAILY", "byhour": [9]}}, not {type(fields).__name__}'
            )
        with blame(schedule="--rrule"):
            return codec.schedule_from_data({**fields, "__type__": "rrule"})
    return None


def task_data(args_json: str | None, kwargs_json: str | None, options_json: str | None) -> dict[str, Any]:
    """The given --args/--kwargs/--options, decoded (absent ones left out)."""
    out = {}
    for name, value in (("args", args_json), ("kwargs", kwargs_json), ("options", options_json)):
        if value is not None:
            out[name] = json_value(value, f"--{name}")
    return out


def build(
    name: str,
    task: str,
    schedule_: Schedule,
    data: dict[str, Any],
    enabled: bool,
    extensions_: Extensions | None = None,
) -> Entry:
    with blame(name="NAME", task="--task", args="--args", kwargs="--kwargs", options="--options"):
        return Entry(
            name,
            task,
            schedule_,
            args=data.get("args"),
            kwargs=data.get("kwargs") or {},
            options=data.get("options") or {},
            enabled=enabled,
            extensions=extensions_ or Extensions(),
        )
