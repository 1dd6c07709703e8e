"""redbeat_sdk.next_run reproduces every generated next-run vector exactly (instants, not strings).

The vectors (conformance/vectors/next_runs/*.json) come from running celery, celery-redbeat and dateutil;
the SDK computes the same instants without importing any of them.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from redbeat_sdk.next_run import next_run, next_runs

VECTORS = Path(__file__).resolve().parents[2] / "conformance" / "vectors" / "next_runs"
KINDS = ("crontab", "interval", "rrule")


@lru_cache(maxsize=None)
def vectors(kind: str) -> dict:
    return json.loads((VECTORS / f"{kind}.json").read_text(encoding="utf-8"))


def wire_datetime(value: dict) -> datetime:
    """Upstream's decoding of a stored datetime: a number is a fixed offset in seconds, a string an IANA
    zone (an ambiguous wall time is its first pass)."""
    zone = value["timezone"]
    tz = timezone(timedelta(minutes=zone / 60)) if isinstance(zone, (int, float)) else ZoneInfo(zone)
    fields = {k: value[k] for k in ("year", "month", "day", "hour", "minute", "second", "microsecond")}
    return datetime(**fields, tzinfo=tz)


def utc(instants: list[datetime]) -> list[datetime]:
    return [instant.astimezone(timezone.utc) for instant in instants]


def mismatches(kind: str) -> list[str]:
    data = vectors(kind)
    wrong = []
    for case in data["cases"]:
        tz = ZoneInfo(case["timezone"])
        last = wire_datetime(case["last_run_at"])
        now = datetime.fromisoformat(case["now"])
        expected = [datetime.fromisoformat(run) for run in case["next_runs"]]
        try:
            got = next_runs(case["schedule"], data["runs"], last, now, tz)
            first = next_run(case["schedule"], last, now, tz)
        except Exception as error:  # noqa: BLE001 - report every failing case, not only the first
            wrong.append(f"{case['id']} ({case['description']}): raised {error!r}")
            continue
        # Compare in UTC: Python's == between zones is False for a time in a repeated hour (PEP 495).
        if utc(got) != utc(expected) or utc([first] if first else []) != utc(expected[:1]):
            shown = [run.isoformat() for run in got]
            wrong.append(f"{case['id']} ({case['description']}): got {shown}, first {first}; want {case['next_runs']}")
        elif not all(run.tzinfo is not None and run.utcoffset() == run.astimezone(tz).utcoffset() for run in got):
            wrong.append(f"{case['id']}: runs are not expressed in the beat zone")
    return wrong


@pytest.mark.parametrize("kind", KINDS)
def test_every_vector_matches(kind):
    assert len(vectors(kind)["cases"]) > 2000
    wrong = mismatches(kind)
    assert not wrong, f"{len(wrong)} of {len(vectors(kind)['cases'])} {kind} vectors differ:\n" + "\n".join(wrong[:20])


def test_next_run_does_not_import_celery():
    assert "redbeat_sdk.next_run" in sys.modules
    # The SDK must work where Celery is absent: nothing in it may have pulled Celery in.
    import redbeat_sdk.crontab
    import redbeat_sdk.next_run

    for module in (redbeat_sdk.crontab, redbeat_sdk.next_run):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "import celery" not in source and "from celery" not in source
        assert "redbeat." not in source.replace("redbeat_sdk", "")
