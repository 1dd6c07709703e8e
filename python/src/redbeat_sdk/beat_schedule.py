"""Celery's `beat_schedule` items as SDK entries: what the scheduler syncs as static entries and what
`redbeat import --from-app` imports as dynamic ones. Celery is only imported for a value that is not
already an SDK schedule (a Celery `schedule`, `crontab` or `solar`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from .entry import Entry
from .next_run import RRULE_BY_FIELDS
from .schedules import Crontab, Interval, OneOff, RRule, Schedule

SDK_SCHEDULES = (Interval, Crontab, RRule, OneOff)
_RRULE_FIELDS = ("dtstart", "interval", "wkst", "count", "until", *RRULE_BY_FIELDS)
SOLAR_REFUSAL = "RedBeat has no solar schedule (upstream's beat crashes on one)"


def sdk_schedule(value: Any, relative: bool = False) -> Schedule:
    """The SDK schedule for what a `beat_schedule` entry may hold: a Celery `schedule` or `crontab`,
    upstream's `redbeat.schedules.rrule`, an SDK schedule, a number of seconds or a timedelta."""
    if isinstance(value, SDK_SCHEDULES):
        return value
    if isinstance(value, (int, float, timedelta)) and not isinstance(value, bool):
        return Interval(value, relative)
    from celery import schedules as celery_schedules

    celery_value: Any = value  # what is read below (`_orig_*`, `run_every`) is not in Celery's type stubs
    if isinstance(value, celery_schedules.crontab):
        return Crontab(
            minute=celery_value._orig_minute,
            hour=celery_value._orig_hour,
            day_of_week=celery_value._orig_day_of_week,
            day_of_month=celery_value._orig_day_of_month,
            month_of_year=celery_value._orig_month_of_year,
        )
    if type(value) is celery_schedules.schedule:
        return Interval(celery_value.run_every, bool(value.relative))
    if type(value).__name__ == "rrule" and hasattr(value, "freq"):  # upstream's rrule, duck-typed
        fields: dict[str, Any] = {name: getattr(value, name, None) for name in _RRULE_FIELDS}
        return RRule(value.freq, **fields)
    if isinstance(value, celery_schedules.solar):
        raise TypeError(f"solar schedule ({celery_value.event}): {SOLAR_REFUSAL}")
    raise TypeError(f"{type(value).__name__} cannot be stored in RedBeat (interval, crontab or rrule only)")


def static_entry(name: str, spec: Any) -> tuple[Entry, bool]:
    """(entry, whether the configuration sets `enabled`) for one `beat_schedule` item (a dict or a
    Celery ScheduleEntry)."""
    if not isinstance(spec, Mapping):  # a Celery ScheduleEntry
        spec = {
            "task": spec.task,
            "schedule": spec.schedule,
            "args": spec.args,
            "kwargs": spec.kwargs,
            "options": spec.options,
        }
    known = {"task", "schedule", "args", "kwargs", "options", "relative", "enabled", "extensions"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise TypeError(f"unknown keys {unknown}")
    args = spec.get("args")
    entry = Entry(
        name=name,
        task=spec["task"],
        schedule=sdk_schedule(spec["schedule"], bool(spec.get("relative"))),
        args=list(args) if args is not None else None,
        kwargs=dict(spec.get("kwargs") or {}),
        options=dict(spec.get("options") or {}),
        enabled=bool(spec.get("enabled", True)),
        # stored in the extensions field, never in the definition upstream's Entry(**d) reads
        extensions=spec.get("extensions"),
    )
    return entry, "enabled" in spec
