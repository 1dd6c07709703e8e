#!/usr/bin/env python
"""Generate schema/examples/crontab-fields.json: crontab field values Celery 5.7 accepts or refuses.

A value Celery's `crontab()` refuses kills upstream's beat when it loads the entry, so every client must
accept exactly what Celery accepts. This script asks Celery itself: each case is passed to
`crontab(**fields)`; it is *accepted* when the constructor does not raise and `remaining_estimate` /
`is_due` then work from a few starting points (an empty list passes the constructor and fails there).
`expanded` records the sets Celery expanded the fields to.

Run with the repository venv: `.venv/bin/python conformance/generate/crontab_fields.py` (`--check`: write
nothing, exit 1 when the committed file differs). Deterministic:
the cases are a fixed list, the output is written with stable formatting.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _celery_env import REPO, bind, celery_app, finish, versions, write_json
from celery.schedules import crontab

OUT = REPO / "schema" / "examples" / "crontab-fields.json"
FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
# The inclusive bounds Celery checks each field against: the ends of what its "*" expands to.
BOUNDS = {name: (min(values), max(values)) for name in FIELDS for values in [getattr(crontab(), name)]}
# Starting points for the "does it evaluate" check: a leap day, a month end, a plain weekday.
PROBES = (
    datetime(2024, 2, 29, 23, 59, tzinfo=timezone.utc),
    datetime(2025, 12, 31, 12, 0, tzinfo=timezone.utc),
    datetime(2026, 6, 3, 8, 30, 15, tzinfo=timezone.utc),
)


def case(description: str, **fields: Any) -> dict[str, Any]:
    return {"description": description, "fields": {name: fields.get(name, "*") for name in FIELDS}}


def per_field_cases() -> Iterator[dict[str, Any]]:
    """The same syntax forms tried in every field, so each field's bounds meet each form."""
    for field, (lo, hi) in BOUNDS.items():
        size = hi - lo + 1
        mid = lo + size // 2
        forms: list[tuple[str, Any]] = [
            ("star", "*"),
            ("star twice in a list", "*,*"),
            ("lowest value", str(lo)),
            ("highest value", str(hi)),
            ("one above the highest value", str(hi + 1)),
            ("one below the lowest value", str(lo - 1)),
            ("negative number", "-1"),
            ("leading zero", f"0{mid}"),
            ("leading space (int() strips it)", f" {mid}"),
            ("trailing space (int() strips it)", f"{mid} "),
            ("leading tab and vertical tab (int() strips them)", f"\t\x0b{mid}"),
            ("leading no-break space (int() strips non-ASCII whitespace)", f"\u00a0{mid}"),
            ("leading next-line U+0085 (int() strips it)", f"\x85{mid}"),
            ("leading file separator U+001C (str.isspace(), but int() keeps it)", f"\x1c{mid}"),
            ("trailing unit separator U+001F (str.isspace(), but int() keeps it)", f"{mid}\x1f"),
            ("range step with a leading U+001D (int() keeps it)", f"{lo}-{hi}/\x1d2"),
            ("plus sign (int() accepts it)", f"+{mid}"),
            ("digit group underscore (int() accepts it)", "1_0" if hi >= 10 else "0_1"),
            ("fullwidth digit (int() accepts Unicode digits)", "\uff13"),
            ("decimal point", f"{mid}.0"),
            ("hex literal", "0x3"),
            ("empty string", ""),
            ("only a space", " "),
            ("list", f"{lo},{mid},{hi}"),
            ("list with a space after the comma", f"{lo}, {mid}"),
            ("list with a space before the comma", f"{lo} ,{mid}"),
            ("list with an empty item", f"{lo},,{mid}"),
            ("list with a trailing comma", f"{lo},"),
            ("list with a leading comma", f",{lo}"),
            ("list with an out-of-range item", f"{lo},{hi + 1}"),
            ("range", f"{lo}-{mid}"),
            ("range of one value", f"{mid}-{mid}"),
            ("full range", f"{lo}-{hi}"),
            ("wrapping range (end below start)", f"{hi}-{lo + 1}"),
            ("wrapping range over most of the field", f"{mid}-{mid - 1}"),
            ("range ending above the highest value", f"{lo}-{hi + 1}"),
            ("range starting below the lowest value", f"{lo - 1}-{mid}")
            if lo > 0
            else ("range from a negative start", f"-1-{mid}"),
            ("range with trailing text after a space (ignored)", f"{lo}-{mid} junk"),
            ("range with a second dash (the rest is ignored)", f"{lo}-{lo + 1}-{mid}"),
            ("range with letters glued to the end", f"{lo}-{mid}x"),
            ("range with a space before the dash", f"{lo} -{mid}"),
            ("range with a space after the dash", f"{lo}- {mid}"),
            ("range with a leading space", f" {lo}-{mid}"),
            ("open range end", f"{mid}-"),
            ("lone dash", "-"),
            ("star step 1", "*/1"),
            ("star step 2", "*/2"),
            ("star step 3", "*/3"),
            ("star step equal to the field size", f"*/{size}"),
            ("star step larger than the field size", "*/100"),
            ("star step with a leading zero", "*/02"),
            ("star step with trailing text after a space (ignored)", "*/2 x"),
            ("star step 0", "*/0"),
            ("star step missing", "*/"),
            ("star step negative", "*/-2"),
            ("star step is a name", "*/mar"),
            ("star step with letters glued on", "*/2x"),
            ("star step after a space", "*/ 2"),
            ("range step", f"{lo}-{hi}/3"),
            ("range step larger than the range", f"{lo}-{lo + 2}/7"),
            ("range step on a wrapping range (step applied after the wrap)", f"{hi - 1}-{lo + 2}/2"),
            ("range step 0", f"{lo}-{mid}/0"),
            ("range step missing", f"{lo}-{mid}/"),
            ("range step twice (the second is ignored)", f"{lo}-{hi}/2/3"),
            ("number with a step (cron's N/step; Celery refuses it)", f"{mid}/2"),
            ("double star", "**"),
            ("star with a trailing space", "* "),
            ("star then text", "*x"),
            ("star dash number", "*-3"),
            ("list mixing star steps, ranges and numbers", f"*/{max(size // 3, 2)},{lo}-{lo + 1},{hi}"),
            ("January name (month names win over day names)", "jan"),
            ("Monday name", "mon"),
            ("March name", "mar"),
            ("December name (12)", "dec"),
            ("Sunday name (0)", "sun"),
            ("Saturday name (6)", "sat"),
            ("full day name (first three letters count)", "monday"),
            ("day name followed by anything (first three letters count)", "Monkey"),
            ("cron's nth weekday form (becomes every Monday)", "mon#1"),
            ("name with a step (the step is ignored)", "mon/2"),
            ("upper-case name", "MAR"),
            ("mixed-case name", "Fri"),
            ("name with a trailing space", "mon "),
            ("name with a leading space", " mon"),
            ("two-letter abbreviation", "mo"),
            ("unknown word", "xyz"),
            ("name range", "mon-fri"),
            ("wrapping name range", "fri-mon"),
            ("full-name range", "monday-friday"),
            ("month name range", "jan-mar"),
            ("wrapping month name range", "nov-feb"),
            ("name range with a step", "sun-sat/2"),
            ("number-to-name range", f"{lo}-mar"),
            ("cron L (last)", "L"),
            ("cron L with a number", "5L"),
            ("cron W (weekday)", "15W"),
            ("cron LW", "LW"),
            ("cron ? (no value)", "?"),
            ("cron # alone", "#"),
            ("cron # with a number only", "#1"),
            ("cron number#number", "1#2"),
            ("cron H (hash)", "H"),
            ("cron macro", "@daily"),
            ("day seven (cron's second Sunday)", "7"),
            ("zero to seven", "0-7"),
            ("integer: lowest value", lo),
            ("integer: highest value", hi),
            ("integer: one above the highest value", hi + 1),
            ("integer: one below the lowest value", lo - 1),
            ("integer: negative", -1),
            ("integer: large", 1000),
            ("array: one item", [lo]),
            ("array: lowest and highest", [lo, hi]),
            ("array: unsorted with a duplicate", [hi, lo, mid, hi]),
            ("array: every value", list(range(lo, hi + 1))),
            ("array: an item above the highest value", [lo, hi + 1]),
            ("array: an item below the lowest value", [lo - 1, mid]),
            ("array: negative item", [-1]),
            ("array: empty (the constructor passes; evaluating it fails)", []),
        ]
        seen: set[str] = set()
        for label, value in forms:
            key = repr(value)
            if key in seen:
                continue
            seen.add(key)
            yield case(f"{field}: {label} {value!r}", **{field: value})


def combination_cases() -> Iterator[dict[str, Any]]:
    """Day-of-month against month-of-year (the constructor refuses impossible dates) and full specs."""
    dates = [
        ("30 February", "30", "2"),
        ("30 and 31 February", "30,31", "2"),
        ("30 February by name", "30", "feb"),
        ("30 February as integers", 30, 2),
        ("30 February as arrays", [30], [2]),
        ("29 February (leap years only)", "29", "2"),
        ("29 February as integers", 29, 2),
        ("29-31 February (29 fits)", "29-31", "2"),
        ("31 of April and June", "31", "4,6"),
        ("31 of the 30-day months", "31", "4,6,9,11"),
        ("31 of February and April", "31", "2,4"),
        ("31 of February to April (March fits)", "31", "feb-apr"),
        ("31 of April to June (May fits)", "31", "apr-jun"),
        ("31 in any month", "31", "*"),
        ("31 in every other month from January (*/2 = Jan, Mar, May, ...)", "31", "*/2"),
        ("30 in February and March", "30", "2-3"),
        ("30 in every month", 30, "*"),
        ("30 and 31 in a wrapping month range Nov-Feb", "30-31", "nov-feb"),
        ("31 November", [31], [11]),
        ("31 December", [31], [12]),
    ]
    for label, dom, moy in dates:
        yield case(f"day_of_month + month_of_year: {label}", day_of_month=dom, month_of_year=moy)

    full = [
        (
            "every 15 minutes during office hours on weekdays",
            {"minute": "*/15", "hour": "9-17", "day_of_week": "mon-fri"},
        ),
        (
            "first Monday of the month (Celery ANDs day fields)",
            {"minute": 0, "hour": 9, "day_of_week": "mon", "day_of_month": "1-7"},
        ),
        ("Friday the 13th", {"minute": 0, "hour": 0, "day_of_week": 5, "day_of_month": 13}),
        ("quarterly at midnight", {"minute": 0, "hour": 0, "day_of_month": 1, "month_of_year": "*/3"}),
        ("Celery's backend_cleanup default", {"minute": "0", "hour": "4"}),
        (
            "leap day at noon on a Tuesday",
            {"minute": 0, "hour": 12, "day_of_week": "tue", "day_of_month": 29, "month_of_year": 2},
        ),
        ("minutes as a list of ints, hours as names", {"minute": [0, 30], "hour": "mar-may"}),
        ("weekends at wrapping hours", {"minute": 5, "hour": "22-2", "day_of_week": "sat-sun"}),
        (
            "every field a wrapping range with a step",
            {
                "minute": "50-10/5",
                "hour": "20-4/3",
                "day_of_week": "fri-tue/2",
                "day_of_month": "25-5/4",
                "month_of_year": "nov-mar/2",
            },
        ),
        (
            "every field an integer array",
            {"minute": [1], "hour": [2], "day_of_week": [3], "day_of_month": [4], "month_of_year": [5]},
        ),
        ("day 7 among valid weekdays", {"day_of_week": "1,3,7"}),
        ("day_of_week 7 as an integer array item", {"day_of_week": [0, 7]}),
    ]
    for label, fields in full:
        yield case(f"full crontab: {label}", **fields)


def observe(fields: dict[str, Any]) -> tuple[bool, dict[str, list[int]] | None]:
    """Ask Celery whether it takes these fields, and what it expands them to."""
    app = celery_app("UTC")
    try:
        schedule = crontab(**fields)
        for start in PROBES:
            bind(schedule, app, lambda start=start: start + timedelta(seconds=1))
            schedule.remaining_estimate(start)
            schedule.is_due(start)
    except Exception:
        return False, None
    return True, {name: sorted(getattr(schedule, name)) for name in FIELDS}


def main() -> None:
    cases = []
    for item in [*per_field_cases(), *combination_cases()]:
        accepted, expanded = observe(item["fields"])
        cases.append({**item, "accepted": accepted, "expanded": expanded})
    header = {
        "description": "Crontab field values and whether Celery's crontab() accepts them. Each case gives all five "
        "fields as they appear on the wire (string, integer or integer array); `accepted` is true when "
        "crontab(**fields) constructs and evaluates, `expanded` the sorted sets Celery expands the fields to "
        "(null when refused). day_of_week 0 = Sunday.",
        "generator": {"script": "conformance/generate/crontab_fields.py", **versions("celery")},
    }
    count = write_json(OUT, header, cases)
    accepted = sum(case["accepted"] for case in cases)
    print(f"{OUT.relative_to(REPO)}: {count} cases, {accepted} accepted, {count - accepted} refused")
    finish()


if __name__ == "__main__":
    main()
