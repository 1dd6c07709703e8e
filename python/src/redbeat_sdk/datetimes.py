"""Datetimes on the wire: `{"__type__": "datetime", ..., "timezone": <IANA name | offset seconds>}`."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationError

UTC = ZoneInfo("UTC")


@functools.lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """An IANA zone by name, or a ValidationError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError("", f"unknown IANA time zone {name!r}") from exc


def as_tzinfo(tz: str | tzinfo | None, path: str) -> tzinfo:
    """A time zone argument (an IANA name or a tzinfo; None is UTC); `path` names the argument in the
    ValidationError, such as `timezone` for a client's beat zone or `tz` for a preview's."""
    if tz is None:
        return UTC
    if isinstance(tz, str):
        try:
            return zone(tz)
        except ValidationError as exc:
            raise exc.at(path) from None
    if not isinstance(tz, tzinfo):
        raise ValidationError(path, f"must be an IANA time zone name or a tzinfo, not {tz!r}")
    return tz


@functools.lru_cache(maxsize=256)
def _fixed_offset(seconds: float) -> timezone:
    return timezone(timedelta(seconds=seconds))


def encode_datetime(dt: datetime) -> dict[str, Any]:
    """The wire form upstream writes: wall clock in the value's own zone."""
    if dt.tzinfo is None:
        tz_value: str | float = "UTC"  # a naive value is taken as UTC, as upstream does
    else:
        key = getattr(dt.tzinfo, "key", None)
        offset = dt.utcoffset()
        assert offset is not None  # an aware datetime has an offset
        tz_value = key if isinstance(key, str) else offset.total_seconds()
    return {
        "__type__": "datetime",
        "year": dt.year,
        "month": dt.month,
        "day": dt.day,
        "hour": dt.hour,
        "minute": dt.minute,
        "second": dt.second,
        "microsecond": dt.microsecond,
        "timezone": tz_value,
    }


def decode_datetime(obj: dict[str, Any]) -> datetime:
    """An aware datetime from the wire form (read profile: missing zone = UTC, optional time fields)."""
    tz_value = obj.get("timezone", "UTC")
    if isinstance(tz_value, bool) or not isinstance(tz_value, (str, int, float)):
        raise ValidationError("timezone", f"must be an IANA name or offset seconds, not {tz_value!r}")
    try:
        tz = zone(tz_value) if isinstance(tz_value, str) else _fixed_offset(float(tz_value))
    except ValidationError as exc:
        raise exc.at("timezone") from None
    except ValueError as exc:
        raise ValidationError("timezone", str(exc)) from None
    try:
        return datetime(
            obj["year"],
            obj["month"],
            obj["day"],
            obj.get("hour", 0),
            obj.get("minute", 0),
            obj.get("second", 0),
            obj.get("microsecond", 0),
            tzinfo=tz,
        )
    except KeyError as exc:
        raise ValidationError(str(exc.args[0]), "is required") from None
    except (TypeError, ValueError) as exc:
        raise ValidationError("", f"not a valid date and time: {exc}") from None


def aware(dt: datetime, default: tzinfo = UTC) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=default)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def epoch_seconds(dt: datetime) -> int:
    """Integer epoch seconds truncated toward the past, as upstream scores are."""
    return (aware(dt) - _EPOCH) // _SECOND
