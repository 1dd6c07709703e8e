"""Crontab fields as Celery 5.7 reads them: expand to sets of ints, refuse exactly what Celery refuses.

Upstream's beat builds Celery's `crontab(**fields)` from the stored JSON; a value Celery refuses crashes
the beat, and a value Celery reads differently from classic cron silently runs at other times. So this
parser follows Celery's observed behaviour, quirks included, as pinned by
`schema/examples/crontab-fields.json` (generated from Celery 5.7.0):

- a field is a string, an integer or a list of integers; a list is taken as the set of its items;
- a string is a comma list of items; each item is `*`, `*/step`, `a-b`, `a-b/step` or a single value;
- an item is recognised by its *start* only: whatever follows a recognised item is ignored
  (`1-5 junk` is 1-5, `*/15 x` is */15, `1-2-3` is 1-2), and an item that is not a range or a star
  form is one value, so `5/15` is refused but `mon/2` is Monday;
- range ends and step sizes are runs of word characters (Unicode letters, digits, `_`);
- a value is whatever Python's `int()` makes of it (so ` 7`, `+7`, `0_7` and `７` are 7), else a month
  or day name judged by its first three letters, case-insensitively (`monday`, `Monkey` and `mon#1` are
  all Monday), month names first: `jan` is 1 in any field, `mon` is 1 in any field;
- a range whose end is below its start wraps around the field (`fri-mon`, `23-1`); a step applies to the
  values in wrapped order (`23-2/2` is 23, 1);
- day_of_week runs 0-6 with 0 = Sunday (`7` is refused); day_of_month 1-31; month_of_year 1-12;
- some day of day_of_month must exist in some month of month_of_year, February counting 29 days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple, TypeAlias

from .errors import ValidationError

CronField: TypeAlias = str | int | Sequence[int]

FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")

# Inclusive bounds per field.
BOUNDS = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day_of_week": (0, 6),
    "day_of_month": (1, 31),
    "month_of_year": (1, 12),
}

# Month and day abbreviations share no three-letter prefix, so one table serves both lookups.
NAMES = {
    **{
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
        )
    },
    **{name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))},
}

# The most days each month can have: 29 for February, so "29 February" is a valid (leap-year) date.
LONGEST_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Item forms, tried in this order and matched at the start of the item only (see the module docstring).
_RANGE_WITH_STEP = re.compile(r"(\w+?)-(\w+)/(\w+)?")
_RANGE = re.compile(r"(\w+?)-(\w+)")
_STAR_WITH_STEP = re.compile(r"\*/(\w+)?")


class CronSets(NamedTuple):
    """The expanded fields of a crontab: the values at which it fires, day_of_week 0 = Sunday."""

    minute: frozenset[int]
    hour: frozenset[int]
    day_of_week: frozenset[int]
    day_of_month: frozenset[int]
    month_of_year: frozenset[int]


def expand_crontab(
    minute: CronField = "*",
    hour: CronField = "*",
    day_of_week: CronField = "*",
    day_of_month: CronField = "*",
    month_of_year: CronField = "*",
) -> CronSets:
    """Expand the five fields as Celery 5.7 does; raise ValidationError(field, reason) where it refuses."""
    frozen = tuple(
        _hashable(name, value)
        for name, value in zip(FIELDS, (minute, hour, day_of_week, day_of_month, month_of_year), strict=True)
    )
    return _expand(*frozen)


def _hashable(field: str, value: object) -> str | int | tuple[int, ...]:
    """Check the value's type (bool is refused although it is an int) and make it a cache key."""
    if isinstance(value, bool):
        raise ValidationError(field, "must be a string, an integer or a list of integers, not a boolean")
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValidationError(field, f"item {index} ({item!r}) is not an integer")
        return tuple(value)
    raise ValidationError(
        field, f"must be a string, an integer or a list of integers, not {type(value).__name__}"
    )


@lru_cache(maxsize=4096)
def _expand(*fields: str | int | tuple[int, ...]) -> CronSets:
    sets = CronSets(*(_expand_field(name, value) for name, value in zip(FIELDS, fields, strict=True)))
    if not any(day <= LONGEST_MONTH[month] for month in sets.month_of_year for day in sets.day_of_month):
        raise ValidationError(
            "day_of_month",
            f"no day of {_show(fields[3])} exists in any month of month_of_year {_show(fields[4])}",
        )
    return sets


def _expand_field(field: str, value: str | int | tuple[int, ...]) -> frozenset[int]:
    low, high = BOUNDS[field]
    if isinstance(value, str):
        return frozenset(_parse(field, value, low, high))
    items = (value,) if isinstance(value, int) else value
    if not items:
        # Celery's constructor takes an empty list, then fails on every evaluation: beat would crash.
        raise ValidationError(field, "must not be an empty list")
    for item in items:
        if not low <= item <= high:
            raise ValidationError(field, f"{item} is outside {_span_text(field)}")
    return frozenset(items)


def _parse(field: str, text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ValidationError(field, f"{text!r} has an empty item")
        values.update(_parse_item(field, item, low, high))
    return values


def _parse_item(field: str, item: str, low: int, high: int) -> list[int]:
    match = _RANGE_WITH_STEP.match(item)
    if match:
        first, last, step = match.groups()
        return _range(field, first, last, low, high)[:: _step(field, item, step)]
    match = _RANGE.match(item)
    if match:
        first, last = match.groups()
        return _range(field, first, last, low, high)
    match = _STAR_WITH_STEP.match(item)
    if match:
        return list(range(low, high + 1))[:: _step(field, item, match.group(1))]
    if item == "*":
        return list(range(low, high + 1))
    return [_value(field, item, low, high)]


def _range(field: str, first: str, last: str, low: int, high: int) -> list[int]:
    start = _value(field, first, low, high)
    end = _value(field, last, low, high)
    if end < start:  # wraps around the end of the field
        return list(range(start, high + 1)) + list(range(low, end + 1))
    return list(range(start, end + 1))


def _step(field: str, item: str, text: str | None) -> int:
    if text is None:
        raise ValidationError(field, f"{item!r} has no step after '/'")
    try:
        step = int(text)  # a step is a number only: no names here
    except ValueError:
        raise ValidationError(field, f"step {text!r} in {item!r} is not a number") from None
    if step == 0:
        raise ValidationError(field, f"step in {item!r} must not be 0")
    return step


def _value(field: str, text: str, low: int, high: int) -> int:
    if text.startswith("-"):
        raise ValidationError(field, f"{text!r}: negative numbers are not allowed")
    try:
        number = int(text)
    except ValueError:
        name = NAMES.get(text[:3].lower())
        if name is None:
            raise ValidationError(
                field,
                f"{text!r} is neither a number nor a month or day name (cron's L, W, #, ? and N/step are not supported)",
            ) from None
        number = name
    if not low <= number <= high:
        raise ValidationError(field, f"{text!r} is {number}, outside {_span_text(field)}")
    return number


def _span_text(field: str) -> str:
    low, high = BOUNDS[field]
    note = ", 0 = Sunday" if field == "day_of_week" else ""
    return f"{field}'s range {low}-{high}{note}"


def _show(value: object) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)
