"""The scheduler's lean reader gives the SDK's answer on every entry: the same fields for what the SDK
reads, an error for what it refuses. Checked on the schema's examples and on variants of a plain entry
whose schedule the reader has already accepted (so that they take the lean path)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import WIRE_CRONTAB_EVERY_5_MIN, WIRE_DATETIME

from redbeat_scheduler.reading import Reader
from redbeat_sdk import codec

EXAMPLES = Path(__file__).resolve().parents[2] / "schema" / "examples"
NOW = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
UTC = timezone.utc


def example_hashes() -> list:
    out = []
    for path in sorted(EXAMPLES.glob("valid/*/*.json")) + sorted(EXAMPLES.glob("invalid/*.json")):
        stored = json.loads(path.read_text())["hash"]
        fields = {
            name: value if isinstance(value, str) or value is None else json.dumps(value)
            for name, value in stored.items()
        }
        out.append(
            pytest.param(fields.get("definition"), fields.get("meta"), id=f"{path.parent.name}/{path.stem}")
        )
    return out


PLAIN = {
    "name": "x",
    "task": "tasks.x",
    "args": [1, "a"],
    "kwargs": {"k": [1.5, None]},
    "options": {"queue": "q"},
    "schedule": WIRE_CRONTAB_EVERY_5_MIN,
    "enabled": True,
}
INTERVAL = {"__type__": "interval", "every": 5.0, "relative": False}
RRULE = {"__type__": "rrule", "freq": 3, "interval": 1, "dtstart": 1767225600, "dtstart_tz": 0}
DATETIME = WIRE_DATETIME


def variant(**changes) -> str:
    definition = {**PLAIN, **changes}
    return json.dumps({k: v for k, v in definition.items() if v is not DROP})


DROP = object()

VARIANTS = [
    ("plain", variant()),
    ("args-null", variant(args=None)),
    ("kwargs-null", variant(kwargs=None, options=None)),
    ("no-name", variant(name=DROP)),
    ("other-name", variant(name="y")),
    ("name-null", variant(name=None)),
    ("no-enabled", variant(enabled=DROP)),
    ("disabled", variant(enabled=False)),
    ("enabled-null", variant(enabled=None)),
    ("enabled-string", variant(enabled="yes")),
    ("no-task", variant(task=DROP)),
    ("empty-task", variant(task="")),
    ("task-number", variant(task=5)),
    ("args-string", variant(args="1")),
    ("args-object", variant(args={"a": 1})),
    ("kwargs-list", variant(kwargs=[1])),
    ("options-string", variant(options="q")),
    ("unknown-key", variant(extra=1)),
    ("constructor-keywords", variant(last_run_at=DATETIME, total_run_count=4)),
    ("datetime-in-args", variant(args=[DATETIME])),
    ("datetime-in-kwargs", variant(kwargs={"when": {"nested": [DATETIME]}})),
    ("bad-datetime-in-kwargs", variant(kwargs={"when": {**DATETIME, "timezone": "Mars/Olympus"}})),
    ("other-typed-object", variant(kwargs={"x": {"__type__": "weekday", "wkday": 1}})),
    ("nan-in-args", variant(args=[math.nan])),
    ("infinity-in-kwargs", variant(kwargs={"x": math.inf})),
    ("schedule-minute-as-int", variant(schedule={**PLAIN["schedule"], "minute": 5})),
    ("schedule-minute-true", variant(schedule={**PLAIN["schedule"], "minute": True})),
    ("schedule-bare-number", variant(schedule=30)),
    ("schedule-bare-number-past-a-timedelta", variant(schedule=1e14)),
    ("interval-relative-null", variant(schedule=INTERVAL | {"relative": None})),
    ("rrule", variant(schedule=RRULE)),
    ("rrule-dtstart-null", variant(schedule=RRULE | {"dtstart": None, "dtstart_tz": None})),
    ("rrule-interval-float", variant(schedule=RRULE | {"interval": 2.0})),
    ("rrule-interval-past-int64", variant(schedule=RRULE | {"interval": 2**63})),
    ("rrule-interval-int64", variant(schedule=RRULE | {"interval": 2**63 - 1})),
    ("rrule-freq-exponent", variant(schedule=RRULE | {"freq": 1e308})),
    ("rrule-dtstart-year-10000", variant(schedule=RRULE | {"dtstart": 253402300800})),
    ("rrule-offset-a-day", variant(schedule=RRULE | {"dtstart_tz": 1440})),
    ("schedule-bare-float", variant(schedule=30.0)),
    ("schedule-true", variant(schedule=True)),
    ("not-an-object", json.dumps([PLAIN])),
    ("invalid-json", variant()[:-1]),
    ("empty", ""),
]

METAS = [
    None,
    "",
    json.dumps({"last_run_at": None}),
    json.dumps({"last_run_at": DATETIME, "total_run_count": 3}),
    json.dumps({"last_run_at": DATETIME, "fold": 1}),
    "{",
    json.dumps({"last_run_at": DATETIME, "total_run_count": None}),
    json.dumps({"last_run_at": DATETIME, "total_run_count": 2**63 - 1}),
    json.dumps({"last_run_at": DATETIME, "total_run_count": 2**64}),
    json.dumps({"last_run_at": DATETIME, "total_run_count": 3.0}),
    '{"last_run_at": null, "total_run_count": 1e2}',
]


def view(read, plan_of, key: str, name: str, definition, meta):
    """What a reader made of the entry: its fields, or the name of the error it raised."""
    try:
        entry = read(key, name, definition, meta)
    except Exception as exc:
        return ("error", type(exc).__name__)
    return (
        "ok",
        entry.task,
        entry.args,
        entry.kwargs,
        entry.options,
        entry.enabled,
        plan_of(entry).to_wire(NOW, UTC),
        entry.last_run_at,
        entry.total_run_count,
    )


def sdk_view(key: str, name: str, definition, meta):
    return view(codec.decode_entry, lambda entry: entry.schedule, key, name, definition, meta)


def reader_view(reader: Reader, key: str, name: str, definition, meta):
    return view(reader.read, lambda entry: entry.plan, key, name, definition, meta)


def warm_reader() -> Reader:
    """A reader that has accepted PLAIN's schedule (and a few others), as a running beat would have."""
    reader = Reader()
    for schedule in (PLAIN["schedule"], 30, 30.0, {**PLAIN["schedule"], "minute": 5}):
        reader.read("redbeat:warm", "warm", variant(schedule=schedule), None)
    return reader


@pytest.mark.parametrize("definition, meta", example_hashes())
def test_schema_examples_read_as_the_sdk_reads_them(definition, meta):
    reader = Reader()
    want = sdk_view("redbeat:x", "x", definition, meta)
    assert reader_view(reader, "redbeat:x", "x", definition, meta) == want
    assert reader_view(reader, "redbeat:x", "x", definition, meta) == want  # again, from its caches
    assert reader_view(Reader(), "redbeat:x", "x", definition, meta) == want


@pytest.mark.parametrize(
    "meta",
    METAS,
    ids=[
        "no-meta",
        "empty-meta",
        "never-run",
        "ran",
        "meta-unknown-key",
        "meta-invalid-json",
        "count-null",
        "count-int64",
        "count-2**64",
        "count-3.0",
        "count-1e2",
    ],
)
@pytest.mark.parametrize("label, definition", VARIANTS, ids=[label for label, _ in VARIANTS])
def test_variants_of_a_known_schedule_read_as_the_sdk_reads_them(label, definition, meta):
    want = sdk_view("redbeat:x", "x", definition, meta)
    assert reader_view(warm_reader(), "redbeat:x", "x", definition, meta) == want
    assert reader_view(Reader(), "redbeat:x", "x", definition, meta) == want


def test_an_empty_name_is_refused_even_with_a_known_schedule():
    assert reader_view(warm_reader(), "redbeat:", "", variant(), None) == sdk_view(
        "redbeat:", "", variant(), None
    )
    assert reader_view(warm_reader(), "redbeat:", "", variant(), None)[0] == "error"


def test_the_lean_path_is_taken_for_plain_entries(monkeypatch):
    reader = warm_reader()
    calls = []
    decode = codec.decode_entry
    monkeypatch.setattr(codec, "decode_entry", lambda *a, **k: calls.append(a) or decode(*a, **k))
    for i in range(20):
        reader.read(f"redbeat:e{i}", f"e{i}", variant(name=f"e{i}", args=[i]), None)
    assert calls == []  # the SDK was not needed: the schedule was known, the rest plain
    reader.read("redbeat:z", "z", variant(args=[DATETIME]), None)
    assert len(calls) == 1  # a datetime in the task data goes to the SDK


@pytest.mark.parametrize(
    "label, want",
    [
        ("schedule-bare-number-past-a-timedelta", "error"),
        ("interval-relative-null", "ok"),
        ("rrule-dtstart-null", "ok"),
        ("rrule-interval-float", "error"),
        ("rrule-interval-past-int64", "error"),
        ("rrule-interval-int64", "ok"),
        ("rrule-freq-exponent", "error"),
        ("rrule-dtstart-year-10000", "error"),
        ("rrule-offset-a-day", "error"),
        ("name-null", "ok"),
    ],
)
def test_the_contracts_limits_hold_on_both_paths(label, want):
    """schema/README.md: null reads as missing; an integer field takes JSON digits within int64; dates,
    offsets and intervals what a datetime and a timedelta hold."""
    definition = dict(VARIANTS)[label]
    for reader in (warm_reader(), Reader()):
        assert reader_view(reader, "redbeat:x", "x", definition, None)[0] == want


@pytest.mark.parametrize("count, want", [(None, 0), (2**63 - 1, 2**63 - 1), (2**64, None), (3.0, None)])
def test_a_stored_run_count_is_an_integer_within_int64_or_corrupt(count, want):
    meta = json.dumps({"last_run_at": DATETIME, "total_run_count": count})
    view = reader_view(warm_reader(), "redbeat:x", "x", variant(), meta)
    assert view == ("error", "CorruptEntry") if want is None else view[-1] == want
