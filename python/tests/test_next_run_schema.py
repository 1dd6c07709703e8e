"""The next-run vector files are well formed: valid against their schema, consistent, and as pinned."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from functools import cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "conformance" / "vectors" / "next_runs"
KINDS = ("crontab", "interval", "rrule")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def vectors(kind: str) -> dict:
    return load(VECTORS / f"{kind}.json")


@cache
def validator() -> Draft202012Validator:
    write = load(REPO / "schema" / "write.schema.json")
    schema = load(REPO / "conformance" / "schema" / "next_runs.schema.json")
    Draft202012Validator.check_schema(schema)
    registry = Registry().with_resource(write["$id"], Resource.from_contents(write))
    return Draft202012Validator(schema, registry=registry)


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in (REPO / "python" / "requirements-test.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def wire_instant(value: dict) -> datetime:
    """A wire datetime as upstream decodes it: a number is an offset in seconds, a string an IANA zone."""
    zone = value["timezone"]
    tz = timezone(timedelta(seconds=zone)) if isinstance(zone, (int, float)) else ZoneInfo(zone)
    fields = {k: value[k] for k in ("year", "month", "day", "hour", "minute", "second", "microsecond")}
    return datetime(**fields, tzinfo=tz)


def test_there_are_at_least_ten_thousand_cases():
    assert sum(len(vectors(kind)["cases"]) for kind in KINDS) >= 10_000


@pytest.mark.parametrize("kind", KINDS)
def test_file_is_valid_against_its_schema(kind):
    errors = sorted(validator().iter_errors(vectors(kind)), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("kind", KINDS)
def test_file_pins_the_dev_dependency_versions(kind):
    data = vectors(kind)
    assert data["kind"] == kind
    pins = pinned_versions()
    for name in ("celery", "celery-redbeat", "python-dateutil"):
        assert data["generator"][name] == pins[name], name


@pytest.mark.parametrize("kind", KINDS)
def test_cases_are_consistent(kind):
    data = vectors(kind)
    runs = data["runs"]
    for index, case in enumerate(data["cases"]):
        assert case["id"] == f"{kind}-{index:05d}"
        assert case["schedule"]["__type__"] == kind, case["id"]
        instants = [datetime.fromisoformat(run) for run in case["next_runs"]]
        assert len(instants) == runs or (kind == "rrule" and len(instants) < runs), case["id"]
        assert all(a < b for a, b in pairwise(instants)), case["id"]
        last = wire_instant(case["last_run_at"])
        now = datetime.fromisoformat(case["now"])
        assert last <= now, case["id"]
        if instants:
            assert last < instants[0] and now <= instants[0], case["id"]


def test_every_beat_zone_named_by_the_issue_is_covered():
    zones = {case["timezone"] for kind in KINDS for case in vectors(kind)["cases"]}
    assert {
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "UTC",
        "America/Sao_Paulo",
    } <= zones


def test_rrule_vectors_use_every_field():
    used = set()
    for case in vectors("rrule")["cases"]:
        used |= {key for key, value in case["schedule"].items() if value is not None}
    rule_fields = set(
        json.loads((REPO / "schema" / "read.schema.json").read_text())["$defs"]["RRule"]["properties"]
    )
    assert rule_fields - {"__type__", "freq", "interval", "dtstart", "dtstart_tz", "until_tz"} <= used
    assert {case["schedule"]["freq"] for case in vectors("rrule")["cases"]} == set(range(7))
