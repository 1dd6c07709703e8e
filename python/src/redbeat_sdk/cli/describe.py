"""Human words for schedules and times."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from ..datetimes import aware
from ..entry import Entry
from ..extensions import Extensions
from ..schedules import FREQ_NAMES, Crontab, Interval, OneOff, RRule, Schedule


def duration(seconds: float) -> str:
    """Seconds in the grammar --every takes: 5400 is 1h30m, 0.25 is 250ms, 2.5 is 2.5s."""
    if seconds >= 1 and seconds == int(seconds):
        whole, parts = int(seconds), []
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            if whole >= size:
                count, whole = divmod(whole, size)
                parts.append(f"{count}{unit}")
        return "".join(parts)
    if 0 < seconds < 1 and seconds * 1000 == int(seconds * 1000):
        return f"{int(seconds * 1000)}ms"
    return format(Decimal(repr(seconds)), "f") + "s"  # never an exponent, which --every refuses


def schedule_words(schedule: Schedule) -> str:
    if isinstance(schedule, Interval):
        return f"every {duration(schedule.every)}" + (" (relative)" if schedule.relative else "")
    if isinstance(schedule, Crontab):
        fields = (
            schedule.minute,
            schedule.hour,
            schedule.day_of_month,
            schedule.month_of_year,
            schedule.day_of_week,
        )
        text = " ".join(",".join(map(str, f)) if isinstance(f, list) else str(f) for f in fields)
        return f"cron {text}"
    if isinstance(schedule, OneOff):
        return f"once at {schedule.at.isoformat()}" + (" (then deleted)" if schedule.delete_after_run else "")
    assert isinstance(schedule, RRule)
    words = f"rrule {FREQ_NAMES[schedule.freq] if isinstance(schedule.freq, int) else schedule.freq}"
    if schedule.interval != 1:
        words += f"/{schedule.interval}"
    if schedule.count is not None:
        words += f" x{schedule.count}"
    if schedule.until is not None:
        words += f" until {schedule.until.isoformat()}"
    return words


def extension_words(extensions: Extensions, tz: tzinfo) -> str:
    """The zone and window of an entry's extensions, briefly ("-" without either)."""
    words = []
    if extensions.timezone is not None:
        words.append(f"in {extensions.timezone}")
    tz = extensions.zone or tz
    if extensions.start_at is not None:
        words.append(f"from {when(aware(extensions.start_at, tz), tz)}")
    if extensions.end_at is not None:
        words.append(f"until {when(aware(extensions.end_at, tz), tz)}")
    return ", ".join(words) or "-"


def when(value: datetime | None, tz: tzinfo) -> str:
    return "-" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def when_iso(value: str | None, tz: tzinfo) -> str:
    return when(datetime.fromisoformat(value) if value else None, tz)


def next_run(entry: Entry) -> datetime | None:
    """The next run the beat fires: none for a disabled entry or an rrule with no occurrence left."""
    if not entry.enabled:
        return None
    runs = entry.next_runs(1)
    return runs[0] if runs else None


def row(entry: Entry, key: str) -> dict[str, Any]:
    """One entry as `list --json` prints it (README: "JSON output")."""
    run = next_run(entry)
    return {
        "name": entry.name,
        "key": key,
        "task": entry.task,
        "schedule": schedule_words(entry.schedule),
        "enabled": entry.enabled,
        "next_run": run.isoformat() if run else None,
        "last_run": entry.last_run_at.isoformat() if entry.last_run_at else None,
        "run_count": entry.total_run_count,
        "score": entry.score,
        "timezone": entry.extensions.timezone,
        "labels": entry.extensions.labels,
        "description": entry.extensions.description,
    }


def saved(entry: Entry, tz: tzinfo) -> str:
    if not entry.enabled:
        return f"saved {entry.name}: disabled, no next run"
    run = next_run(entry)
    return (
        f"saved {entry.name}: next run {when(run, tz)}"
        if run
        else f"saved {entry.name}: no next run (none left)"
    )
