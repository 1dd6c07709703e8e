"""Entries from command-line flags: NAME, --task, one schedule flag and JSON task data. The SDK's
constructors are the rules; this module says which flag a ValidationError belongs to."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .. import codec
from ..entry import Entry
from ..schedules import Crontab, Interval, Schedule
from .durations import Duration
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
NAMES = {
    "task": "--task",
    "every": "--every",
    "relative": "--relative",
    "cron": "--cron",
    "rrule": "--rrule",
    "args_json": "--args",
    "kwargs_json": "--kwargs",
    "options_json": "--options",
}


F = TypeVar("F", bound=Callable[..., Any])


def with_entry_options(fn: F) -> F:
    for option in reversed(OPTIONS):
        fn = option(fn)
    return fn


def given(values: dict[str, Any]) -> list[str]:
    """The entry flags that were given, by name."""
    return [NAMES[k] for k, v in values.items() if k in NAMES and v not in (None, False)]


def json_value(value: str, flag: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise BadValue(f"{flag}: not JSON: {exc}") from None


def schedule(every: float | None, relative: bool, cron: str | None, rrule: str | None) -> Schedule | None:
    chosen = [
        flag
        for flag, value in (("--every", every), ("--cron", cron), ("--rrule", rrule))
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


def build(name: str, task: str, schedule_: Schedule, data: dict[str, Any], enabled: bool) -> Entry:
    with blame(name="NAME", task="--task", args="--args", kwargs="--kwargs", options="--options"):
        return Entry(
            name,
            task,
            schedule_,
            args=data.get("args"),
            kwargs=data.get("kwargs") or {},
            options=data.get("options") or {},
            enabled=enabled,
        )
