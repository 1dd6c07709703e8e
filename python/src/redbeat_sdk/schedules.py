"""The schedule kinds upstream can store, as typed values with their wire form (a OneOff is stored as
an rrule, marked in the entry's extensions)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar, TypeAlias

from . import arguments
from . import next_run as _next
from ._models import write as wire_model
from .crontab import CronField, expand_crontab
from .datetimes import UTC, as_tzinfo, aware, epoch_seconds
from .errors import ValidationError
from .validation import check_model

FREQ_NAMES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")


class _Previewable:
    """next_runs() shared by every schedule kind: the runs Celery beat would fire after `after`."""

    def to_wire(self, now: datetime | None = None, tz: tzinfo = UTC) -> dict[str, Any]:
        raise NotImplementedError

    def next_runs(
        self,
        count: int = 5,
        after: datetime | None = None,
        tz: str | tzinfo | None = None,
        now: datetime | None = None,
    ) -> list[datetime]:
        """The next `count` runs strictly after `after` (the last run; default now), evaluated in `tz`
        (the beat's Celery timezone, default UTC) as Celery 5.7 / RedBeat compute them."""
        count = arguments.run_count(count)
        zone = as_tzinfo(tz, "tz")
        now = arguments.optional_datetime(now, "now")
        after = arguments.optional_datetime(after, "after")
        now_ = datetime.now(UTC) if now is None else aware(now)
        after_ = now_ if after is None else aware(after)
        return _next.next_runs(self.to_wire(now_, zone), count, after_, max(now_, after_), zone)


@dataclass(frozen=True, init=False)
class Interval(_Previewable):
    """Celery `schedule(run_every)`: due `every` seconds after the last run."""

    every: float
    relative: bool = False
    TYPE: ClassVar[str] = "interval"

    # written out rather than generated: `every` is also accepted as a timedelta, and stored as seconds
    def __init__(self, every: float | timedelta, relative: bool = False) -> None:
        seconds = every.total_seconds() if isinstance(every, timedelta) else every
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            raise ValidationError("every", f"must be a number of seconds or a timedelta, not {every!r}")
        if not isinstance(relative, bool):
            raise ValidationError("relative", f"must be true or false, not {relative!r}")
        object.__setattr__(self, "every", float(seconds))
        object.__setattr__(self, "relative", relative)
        check_model(wire_model.Interval, self.to_wire())

    def to_wire(self, now: datetime | None = None, tz: tzinfo = UTC) -> dict[str, Any]:
        return {"__type__": "interval", "every": self.every, "relative": self.relative}


def _cron_value(value: Any, path: str) -> Any:
    """Tuples are stored as arrays (as upstream does); sets and other iterables have no JSON form."""
    if isinstance(value, tuple):
        return list(value)
    if value is not None and not isinstance(value, (str, int, list)):
        raise ValidationError(
            path, f"must be a string, an integer or a list of integers, not {type(value).__name__}"
        )
    return value


@dataclass(frozen=True)
class Crontab(_Previewable):
    """Celery `crontab`: fields are kept exactly as given and evaluated in the beat's timezone."""

    minute: CronField = "*"
    hour: CronField = "*"
    day_of_week: CronField = "*"
    day_of_month: CronField = "*"
    month_of_year: CronField = "*"
    TYPE: ClassVar[str] = "crontab"

    def __post_init__(self) -> None:
        for name in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year"):
            object.__setattr__(self, name, _cron_value(getattr(self, name), name))
        check_model(wire_model.Crontab, self.to_wire())
        # what Celery's crontab() refuses would kill upstream's beat, so it never gets written
        expand_crontab(self.minute, self.hour, self.day_of_week, self.day_of_month, self.month_of_year)

    def to_wire(self, now: datetime | None = None, tz: tzinfo = UTC) -> dict[str, Any]:
        return {
            "__type__": "crontab",
            "minute": self.minute,
            "hour": self.hour,
            "day_of_week": self.day_of_week,
            "day_of_month": self.day_of_month,
            "month_of_year": self.month_of_year,
        }


@dataclass(frozen=True)
class Weekday:
    """A dateutil weekday, 0 = Monday. Upstream does not store `n` (the +1 of FR(+1))."""

    wkday: int
    n: int | None = None

    def __post_init__(self) -> None:
        check_model(wire_model.Weekday, self.to_wire())

    def to_wire(self) -> dict[str, Any]:
        return {"__type__": "weekday", "wkday": self.wkday}


MO, TU, WE, TH, FR, SA, SU = (Weekday(i) for i in range(7))


def _weekday_value(value: Any, path: str) -> Any:
    if (
        isinstance(value, Weekday)
        or value is None
        or (isinstance(value, int) and not isinstance(value, bool))
    ):
        return value
    if isinstance(getattr(value, "weekday", None), int):  # dateutil's MO, FR(+1), ...
        return Weekday(value.weekday, getattr(value, "n", None))
    if isinstance(value, (list, tuple)):
        return [_weekday_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise ValidationError(path, f"must be a weekday (0 = Monday) or a list of them, not {value!r}")


def _weekday_wire(value: Any) -> Any:
    if isinstance(value, Weekday):
        return value.to_wire()
    if isinstance(value, list):
        return [_weekday_wire(v) for v in value]
    return value


def _offset_minutes(dt: datetime) -> int | float:
    offset = dt.utcoffset()
    assert offset is not None  # dt is aware
    minutes = offset.total_seconds() / 60
    return 0 if minutes == 0 else minutes  # upstream writes int 0, any other offset as a float


# The rrule by* fields holding numbers (byweekday holds weekdays), in wire order.
_NUMBER_BY_FIELDS = tuple(name for name in _next.RRULE_BY_FIELDS if name != "byweekday")


@dataclass(frozen=True)
class RRule(_Previewable):
    """RedBeat's `rrule` (dateutil semantics). `dtstart` defaults to the time of the save, and a naive
    dtstart/until is taken in the beat's timezone, as upstream does. Only the UTC offset of dtstart/until
    is stored, so occurrences keep that offset across DST after a round trip through Redis."""

    freq: int | str
    dtstart: datetime | None = None
    interval: int = 1
    wkst: Any = None
    count: int | None = None
    until: datetime | None = None
    bysetpos: Any = None
    bymonth: Any = None
    bymonthday: Any = None
    byyearday: Any = None
    byeaster: Any = None
    byweekno: Any = None
    byweekday: Any = None
    byhour: Any = None
    byminute: Any = None
    bysecond: Any = None
    TYPE: ClassVar[str] = "rrule"

    def __post_init__(self) -> None:
        freq = self.freq
        if isinstance(freq, str):
            if freq.upper() not in FREQ_NAMES:
                raise ValidationError("freq", f"must be one of {', '.join(FREQ_NAMES)} or 0-6, not {freq!r}")
            freq = FREQ_NAMES.index(freq.upper())
        object.__setattr__(self, "freq", freq)
        object.__setattr__(self, "wkst", _weekday_value(self.wkst, "wkst"))
        object.__setattr__(self, "byweekday", _weekday_value(self.byweekday, "byweekday"))
        for name in _NUMBER_BY_FIELDS:
            object.__setattr__(self, name, _cron_value(getattr(self, name), name))
        for name in ("dtstart", "until"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, datetime):
                raise ValidationError(name, f"must be a datetime, not {value!r}")
        wire_now = datetime(2000, 1, 1, tzinfo=UTC)  # any instant: only checks the rule's shape
        wire = self.to_wire(wire_now)
        check_model(wire_model.RRule, wire)
        try:  # dateutil refuses some combinations the schema cannot express
            _next.rrule_for(wire, wire_now, UTC)
        except ValidationError as exc:
            raise ValidationError("", exc.reason) from None

    def to_wire(self, now: datetime | None = None, tz: tzinfo = UTC) -> dict[str, Any]:
        start = self.dtstart if self.dtstart is not None else (now if now is not None else datetime.now(tz))
        start = start.astimezone(tz) if self.dtstart is None and start.tzinfo else aware(start, tz)
        out: dict[str, Any] = {
            "__type__": "rrule",
            "freq": self.freq,
            "interval": self.interval,
            "wkst": _weekday_wire(self.wkst),
            "count": self.count,
        }
        for name in _next.RRULE_BY_FIELDS:
            value = getattr(self, name)
            out[name] = _weekday_wire(value) if name == "byweekday" else value
        out["dtstart"] = epoch_seconds(start)
        out["dtstart_tz"] = _offset_minutes(start)
        if self.until is not None:
            until = aware(self.until, tz)
            out["until"] = epoch_seconds(until)
            out["until_tz"] = _offset_minutes(until)
        return out


@dataclass(frozen=True)
class OneOff(_Previewable):
    """One run at `at` (a whole second; a naive value is taken in the entry's zone, else the beat's).

    Stored in upstream's own format, an rrule with count 1 starting at `at`, which upstream's beat fires
    once too, plus a marker in the entry's extensions so that it reads back as a OneOff. With
    `delete_after_run`, redbeat-scheduler deletes the entry in the step that records its run (upstream's
    beat leaves it, with no further run)."""

    at: datetime
    delete_after_run: bool = False
    TYPE: ClassVar[str] = "one_off"

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime):
            raise ValidationError("at", f"must be a datetime, not {self.at!r}")
        if not isinstance(self.delete_after_run, bool):
            raise ValidationError("delete_after_run", f"must be true or false, not {self.delete_after_run!r}")
        if self.at.microsecond:
            # dtstart holds whole seconds: a run rounded down would be early, one rounded up surprising
            raise ValidationError("at", f"must be a whole second, not {self.at.isoformat()}")

    def instant(self, tz: tzinfo = UTC) -> datetime:
        return aware(self.at, tz)

    def rrule(self, tz: tzinfo = UTC) -> RRule:
        return RRule("DAILY", dtstart=self.instant(tz), count=1)

    def to_wire(self, now: datetime | None = None, tz: tzinfo = UTC) -> dict[str, Any]:
        return self.rrule(tz).to_wire(now, tz)

    def marker(self, tz: tzinfo = UTC) -> dict[str, Any]:
        """The extensions' `one_off` object."""
        from .extensions import encode_instant

        return {"at": encode_instant(self.instant(tz)), "delete_after_run": self.delete_after_run}

    @classmethod
    def matching(cls, schedule: Schedule, marker: dict[str, Any] | None) -> Schedule:
        """`schedule` as a OneOff when the marker describes it (an rrule of one run at `at`), else as is:
        a marker left beside a schedule someone changed without the profile is ignored."""
        if marker is None or not isinstance(schedule, RRule) or schedule.count != 1:
            return schedule
        from .extensions import decode_instant

        at = decode_instant(marker["at"])
        if schedule.dtstart is None or schedule.dtstart != at:
            return schedule
        if schedule.until is not None or any(
            getattr(schedule, name) is not None for name in _next.RRULE_BY_FIELDS
        ):
            return schedule  # a by* field could move the run off dtstart: not a plain one-off
        return cls(at, bool(marker["delete_after_run"]))


Schedule: TypeAlias = Interval | Crontab | RRule | OneOff
SCHEDULE_KINDS = (Interval, Crontab, RRule, OneOff)


def as_schedule(value: Any) -> Schedule:
    """A schedule from what upstream's entry accepts: a schedule, a number of seconds or a timedelta."""
    if isinstance(value, SCHEDULE_KINDS):
        return value
    if isinstance(value, (int, float, timedelta)) and not isinstance(value, bool):
        return Interval(value)
    raise ValidationError(
        "", f"must be an Interval, Crontab or RRule (or seconds), not {type(value).__name__}"
    )


def schedule_from_wire(obj: Any) -> Schedule:
    """A typed schedule from a read-profile wire value (already checked against read.schema.json)."""
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return Interval(obj)
    kind = obj["__type__"]
    if kind == "interval":
        relative = obj["relative"]
        return Interval(obj["every"], False if relative is None else relative)  # null: false, as upstream
    if kind == "crontab":
        return Crontab(
            **{k: obj.get(k, "*") for k in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}
        )
    fields = {
        k: v for k, v in obj.items() if k not in ("__type__", "dtstart", "dtstart_tz", "until", "until_tz")
    }
    for name in ("wkst", "byweekday"):
        fields[name] = _weekday_from_wire(fields.get(name))
    return RRule(
        dtstart=_stamp(obj, "dtstart"),
        until=_stamp(obj, "until"),
        **fields,
    )


def _stamp(obj: dict[str, Any], name: str) -> datetime | None:
    """A stored stamp (null or missing: None), in its offset; the wall time a datetime holds or
    ValidationError (the schema bounds the instant, not the date in its offset)."""
    epoch, offset = obj.get(name), obj.get(f"{name}_tz")
    if epoch is None:
        return None
    try:
        return _next.from_epoch(int(epoch), offset or 0)
    except (ArithmeticError, ValueError) as exc:
        raise ValidationError(
            name, f"{epoch} s at offset {offset} min is no date in years 1-9999 ({exc})"
        ) from None


def _weekday_from_wire(value: Any) -> Any:
    if isinstance(value, dict):
        return Weekday(value["wkday"], value.get("n"))
    if isinstance(value, list):
        return [_weekday_from_wire(v) for v in value]
    return value
