"""django-celery-beat's periodic tasks as RedBeat entries: the mapping, as pure functions of a TaskRow.

It reproduces what django-celery-beat's own scheduler (ModelEntry) sends and when: the same task
options (queue, exchange, routing_key, priority, `expires` from `expires` or `expire_seconds`, headers
with `periodic_task_name`), interval and crontab with Celery's semantics, the same first run for a task
that never ran (one period after it was last changed). What upstream's format cannot express goes
through the extension profile: a crontab's own zone (`timezone`), start_time and expires (the window
`start_at`, `end_at`), the description; a clocked task, and any one_off task, becomes a `OneOff` at the
run django-celery-beat would make, kept after it (django-celery-beat disables it rather than delete it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from ..beat_schedule import SOLAR_REFUSAL
from ..datetimes import zone
from ..entry import Entry
from ..errors import ValidationError
from ..extensions import Extensions
from ..runs import Rules, first_due
from ..schedules import Crontab, Interval, OneOff, Schedule
from .candidates import Candidate, Refused
from .database import TaskRow

PERIODS = ("days", "hours", "minutes", "seconds", "microseconds")
MESSAGE_OPTIONS = ("queue", "exchange", "routing_key", "priority")
# names of the zone whose time is UTC: a crontab in any of them matches a beat on UTC
UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
    | {"GMT", "Etc/GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0", "Greenwich"}
    | {"Etc/Greenwich"}
)


def same_zone(a: str, b: str) -> bool:
    return a == b or (a in UTC_NAMES and b in UTC_NAMES)


def candidates(
    rows: Iterable[TaskRow], beat_timezone: str, db_timezone: tzinfo, now: datetime
) -> Iterator[Candidate]:
    """One candidate per row. `beat_timezone` is the Celery timezone of the beat that will run the
    entries, `db_timezone` the zone of timestamps stored without an offset (Django's USE_TZ=False
    databases; UTC otherwise), `now` decides whether a start_time or expires is already past."""
    for row in rows:
        yield candidate(row, beat_timezone, db_timezone, now)


def candidate(row: TaskRow, beat_timezone: str, db_timezone: tzinfo, now: datetime) -> Candidate:
    source = f"periodic task {row.id}"
    name = row.name if isinstance(row.name, str) else str(row.name)
    kind = schedule_kind(row)
    try:
        return Candidate(source, name, kind, entry=_entry(row, beat_timezone, db_timezone, now))
    except Refused as exc:
        return Candidate(source, name, kind, problem=str(exc))


def schedule_kind(row: TaskRow) -> str:
    chosen = [k for k in ("interval", "crontab", "solar", "clocked") if getattr(row, f"{k}_id") is not None]
    return "+".join(chosen) or "none"


def _entry(row: TaskRow, beat_timezone: str, db_tz: tzinfo, now: datetime) -> Entry:
    start_time = instant(row.start_time, db_tz, "start_time")
    expires = instant(row.expires, db_tz, "expires")
    enabled = bool(row.enabled)
    schedule, zone_name = _schedule(row, beat_timezone, db_tz)
    extensions = _extensions(row, zone_name, start_time, expires)
    count = row.total_run_count or 0
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise Refused(f"total_run_count: must be an integer >= 0, not {count!r}")
    if expires is not None and expires <= now:
        enabled = False  # already expired: django-celery-beat disables it at its next look
    last_run_at = instant(row.last_run_at, db_tz, "last_run_at")
    one_off = _true(row.one_off)
    if one_off and count:
        enabled = False  # ran once: django-celery-beat disables it at its next look, before any run
    if isinstance(schedule, OneOff):  # clocked
        if not one_off:
            raise Refused(
                f"clocked schedule (one run at {schedule.at.isoformat()}) with one_off false: django-celery-beat "
                "requires one_off on a clocked task (its beat would run it again at each reload of its "
                "schedule); set one_off and import again"
            )
        if not count and (enabled or last_run_at is None):  # still to run (once enabled)
            last_run_at = _before(
                schedule.at, last_run_at, instant(row.date_changed, db_tz, "date_changed"), now
            )
    else:
        if last_run_at is None and start_time is None:
            # never ran: django-celery-beat counts from the last change, so the first run is a period later
            last_run_at = instant(row.date_changed, db_tz, "date_changed") or now
        # (never ran with a start_time: django-celery-beat makes it due at start_time; so does None with
        # the window's start_at)
        if one_off:
            at = _first_run(row.name, schedule, extensions, last_run_at, beat_timezone, now)
            schedule, extensions = OneOff(at), replace(extensions, timezone=None)
    try:
        return Entry(
            name=row.name,
            task=row.task,
            schedule=schedule,
            args=_json(row.args, "args", list, "[]"),
            kwargs=_json(row.kwargs, "kwargs", dict, "{}"),
            options=_options(row, expires),
            enabled=enabled,
            extensions=extensions,
            last_run_at=last_run_at,
            total_run_count=count,
        )
    except ValidationError as exc:
        raise Refused(str(exc)) from None


def _true(value: Any) -> bool:
    return bool(value) and value not in ("0", "f", "false")


def _extensions(
    row: TaskRow, zone_name: str | None, start_time: datetime | None, expires: datetime | None
) -> Extensions:
    """The window from start_time and expires, the crontab's own zone, the description."""
    if start_time is not None and expires is not None and expires < start_time:
        raise Refused(
            f"expires {expires.isoformat()} is before start_time {start_time.isoformat()}: "
            "django-celery-beat never runs it"
        )
    description = row.description if isinstance(row.description, str) and row.description else None
    try:
        return Extensions(timezone=zone_name, start_at=start_time, end_at=expires, description=description)
    except ValidationError as exc:
        raise Refused(str(exc.at("extensions"))) from None


def _before(at: datetime, *moments: datetime | None) -> datetime | None:
    """The run state of a one-off still to run: the first of `moments` before `at` (so that its run is
    `at`), or None (due at once) when `at` is past them all."""
    for moment in moments:
        if moment is not None and moment < at:
            return moment
    return None


def _first_run(
    name: str,
    schedule: Schedule,
    extensions: Extensions,
    last: datetime | None,
    beat_timezone: str,
    now: datetime,
) -> datetime:
    """When django-celery-beat runs a one_off interval or crontab: its next run after `last` in its zone,
    none before start_time (a task that never ran is due from start_time on), to the whole second up."""
    rules = Rules(name, extensions.zone, extensions.start_at)
    if last is None and rules.start_at is not None and rules.start_at <= now:
        nominal = rules.start_at
    else:
        beat_tz = zone(beat_timezone)
        try:
            due = first_due(schedule.to_wire(now, beat_tz), rules, last, now, beat_tz)
        except ValidationError as exc:
            raise Refused(f"one_off: {exc}") from None
        if due is None:
            raise Refused("one_off: its schedule has no run left")
        nominal = due.nominal
    nominal = nominal.astimezone(timezone.utc)
    return nominal if not nominal.microsecond else nominal.replace(microsecond=0) + timedelta(seconds=1)


def _schedule(row: TaskRow, beat_timezone: str, db_tz: tzinfo) -> tuple[Schedule, str | None]:
    """The schedule, and the crontab's zone when it is not the beat's (the entry's own zone)."""
    kind = schedule_kind(row)
    if kind == "none":
        raise Refused("no schedule: none of interval, crontab, solar or clocked is set")
    if "+" in kind:
        raise Refused(f"more than one schedule ({kind.replace('+', ', ')}): django-celery-beat allows one")
    if kind == "solar":
        raise Refused(
            f"solar schedule ({row.solar_event} at {row.latitude}, {row.longitude}): {SOLAR_REFUSAL}"
        )
    if kind == "clocked":
        at = instant(row.clocked_time, db_tz, "clocked_time")
        if at is None:
            raise Refused(f"clocked_id {row.clocked_id} has no row in django_celery_beat_clockedschedule")
        # django-celery-beat runs it from clocked_time on: a whole second later at most
        at = at if not at.microsecond else at.replace(microsecond=0) + timedelta(seconds=1)
        return OneOff(at), None
    if kind == "interval":
        if row.every is None:
            raise Refused(f"interval_id {row.interval_id} has no row in django_celery_beat_intervalschedule")
        if row.period not in PERIODS:
            raise Refused(f"interval period {row.period!r}: not one of {', '.join(PERIODS)}")
        if isinstance(row.every, bool) or not isinstance(row.every, int) or row.every < 1:
            raise Refused(f"interval every {row.every!r}: must be a whole number of {row.period}, 1 or more")
        try:
            return Interval(timedelta(**{row.period: row.every})), None
        except (ValidationError, OverflowError) as exc:
            raise Refused(f"interval every {row.every} {row.period}: {exc}") from None
    if row.minute is None:
        raise Refused(f"crontab_id {row.crontab_id} has no row in django_celery_beat_crontabschedule")
    zone_name = str(row.crontab_timezone or "UTC")
    try:
        zone(zone_name)
    except ValidationError:
        raise Refused(f"crontab time zone {zone_name!r}: not an IANA time zone") from None
    fields = {k: getattr(row, k) for k in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}
    try:
        crontab = Crontab(**{k: "*" if v is None or v == "" else v for k, v in fields.items()})
    except ValidationError as exc:
        raise Refused(f"crontab {exc}") from None
    return crontab, None if same_zone(zone_name, beat_timezone) else zone_name


def _json(raw: Any, column: str, kind: type, default: str) -> Any:
    try:
        value = json.loads(raw or default)
    except (ValueError, RecursionError) as exc:
        raise Refused(f"{column}: invalid JSON ({exc})") from None
    if not isinstance(value, kind):
        wanted = "array" if kind is list else "object"
        raise Refused(f"{column}: must be a JSON {wanted}, not {type(value).__name__}")
    return value


def _options(row: TaskRow, expires: datetime | None) -> dict[str, Any]:
    """The apply_async options django-celery-beat's ModelEntry gives every run."""
    options: dict[str, Any] = {}
    for name in MESSAGE_OPTIONS:
        value = getattr(row, name)
        if value is not None:
            options[name] = value
    if expires is not None or row.expire_seconds:
        options["expires"] = expires if expires is not None else row.expire_seconds
    headers = _json(row.headers, "headers", dict, "{}")
    headers["periodic_task_name"] = row.name
    options["headers"] = headers
    return options


def instant(value: Any, db_tz: tzinfo, column: str) -> datetime | None:
    """An aware datetime from a timestamp column: SQLite holds text, PostgreSQL a datetime; a value
    without an offset is in `db_tz`."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Refused(f"{column}: not a timestamp: {value!r}") from None
    if not isinstance(value, datetime):
        raise Refused(f"{column}: not a timestamp: {value!r}")
    # in UTC, whatever zone the driver answered in (psycopg: the session's TimeZone): stored the same
    return (value if value.tzinfo is not None else value.replace(tzinfo=db_tz)).astimezone(timezone.utc)
