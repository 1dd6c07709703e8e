"""Equality of wire JSON values, as the suite defines it.

Implementations in different languages cannot all write the same bytes (JavaScript has no `5.0`), and
the contract does not ask them to. So values compare as data:

- numbers by value (`5` equals `5.0`), but a boolean is never a number;
- objects by their key sets and values, in any key order; arrays element by element;
- a `{"__type__": "datetime", ...}` object by its *instant* and its *zone*: the instant is what the
  wall-clock fields mean in that zone (read-profile defaults apply: hour..microsecond 0, no zone =
  UTC); the zone is the IANA name or the offset in seconds, a name never equal to a number;
- two RFC 3339 instants (the extension profile's strings, `2025-01-15T12:00:00Z`) by instant and UTC
  offset: `Z` equals `+00:00`, a fraction's trailing zeros do not count;
- an expected `{"$any": "string"}` matches any string (a task id, a beat's token: random by design).

`diff` returns a one-line description of the first difference, or None when the values are equal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

_TIME_FIELDS = ("hour", "minute", "second", "microsecond")


def is_datetime(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "datetime"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def wire_zone(value: dict) -> Any:
    """The zone of a wire datetime as a comparable value: a name (str) or an offset in seconds (float)."""
    zone = value.get("timezone", "UTC")
    if isinstance(zone, bool) or zone is None:
        raise ValueError(f"timezone {zone!r} is neither a name nor a number")
    return float(zone) if isinstance(zone, (int, float)) else zone


def wire_instant(value: dict) -> datetime:
    """The instant a wire datetime stands for, as an aware UTC datetime."""
    zone = wire_zone(value)
    tz = timezone(timedelta(seconds=zone)) if isinstance(zone, float) else _zone(zone)
    local = datetime(
        value["year"], value["month"], value["day"], *(value.get(f, 0) for f in _TIME_FIELDS), tzinfo=tz
    )
    return local.astimezone(timezone.utc)


def describe(value: Any) -> str:
    if is_datetime(value):
        try:
            return f"{wire_instant(value).isoformat()} in zone {wire_zone(value)!r}"
        except Exception as exc:  # an unreadable datetime still deserves a readable message
            return f"unreadable datetime {json.dumps(value)} ({exc})"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


ANY_STRING = {"$any": "string"}
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _instant(text: str) -> tuple[datetime, Any] | None:
    """(instant, UTC offset) of an RFC 3339 instant string, else None."""
    if not _INSTANT.fullmatch(text):
        return None
    head, _, fraction = text[:19], None, text[19:]
    micro = 0
    if fraction.startswith("."):
        digits = re.match(r"\.(\d+)", fraction).group(1)  # type: ignore[union-attr]
        micro, fraction = int(digits[:6].ljust(6, "0")), fraction[1 + len(digits) :]
    offset = "+00:00" if fraction == "Z" else fraction
    moment = datetime.fromisoformat(head + offset).replace(microsecond=micro)
    return moment, moment.utcoffset()


def diff(expected: Any, actual: Any, path: str = "") -> str | None:
    """The first difference between two wire values, or None if they are equal."""
    where = path or "(value)"
    if expected == ANY_STRING:
        return None if isinstance(actual, str) else f"{where}: expected a string, got {describe(actual)}"
    if is_datetime(expected) or is_datetime(actual):
        return _diff_datetime(expected, actual, where)
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        want, got = _instant(expected), _instant(actual)
        if want is not None and got is not None and want == got:
            return None
    kind_e, kind_a = _kind(expected), _kind(actual)
    if kind_e != kind_a:
        return f"{where}: expected {describe(expected)}, got {describe(actual)}"
    if kind_e == "object":
        missing = [k for k in expected if k not in actual]
        if missing:
            return f"{_join(path, missing[0])}: missing (expected {describe(expected[missing[0]])})"
        extra = [k for k in actual if k not in expected]
        if extra:
            return f"{_join(path, extra[0])}: unexpected key (got {describe(actual[extra[0]])})"
        for key in expected:
            found = diff(expected[key], actual[key], _join(path, key))
            if found:
                return found
        return None
    if kind_e == "array":
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):  # lengths compared below
            found = diff(e, a, _join(path, i))
            if found:
                return found
        if len(expected) != len(actual):
            return f"{where}: expected {len(expected)} items, got {len(actual)}"
        return None
    if expected != actual:
        return f"{where}: expected {describe(expected)}, got {describe(actual)}"
    return None


def _diff_datetime(expected: Any, actual: Any, where: str) -> str | None:
    if not (is_datetime(expected) and is_datetime(actual)):
        return f"{where}: expected {describe(expected)}, got {describe(actual)}"
    try:
        instant_a, zone_a = wire_instant(actual), wire_zone(actual)
    except Exception as exc:
        return f"{where}: unreadable datetime {json.dumps(actual)} ({exc})"
    instant_e, zone_e = wire_instant(expected), wire_zone(expected)
    if instant_e != instant_a:
        return f"{where}: expected instant {instant_e.isoformat()}, got {instant_a.isoformat()}"
    if type(zone_e) is not type(zone_a) or zone_e != zone_a:
        return f"{where}: expected zone {zone_e!r}, got {zone_a!r} (same instant {instant_e.isoformat()})"
    return None
