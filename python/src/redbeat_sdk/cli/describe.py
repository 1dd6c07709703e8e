"""Human words for schedules and times."""
from __future__ import annotations

from datetime import datetime, tzinfo

from ..schedules import FREQ_NAMES, Crontab, Interval, RRule, Schedule


def _seconds(value: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{value:g}s"


def schedule_words(schedule: Schedule) -> str:
    if isinstance(schedule, Interval):
        return f"every {_seconds(schedule.every)}" + (" (relative)" if schedule.relative else "")
    if isinstance(schedule, Crontab):
        fields = (schedule.minute, schedule.hour, schedule.day_of_month, schedule.month_of_year, schedule.day_of_week)
        text = " ".join(",".join(map(str, f)) if isinstance(f, list) else str(f) for f in fields)
        return f"cron {text}"
    assert isinstance(schedule, RRule)
    words = f"rrule {FREQ_NAMES[schedule.freq]}"
    if schedule.interval != 1:
        words += f"/{schedule.interval}"
    if schedule.count is not None:
        words += f" x{schedule.count}"
    if schedule.until is not None:
        words += f" until {schedule.until.isoformat()}"
    return words


def when(value: datetime | None, tz: tzinfo) -> str:
    return "-" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
