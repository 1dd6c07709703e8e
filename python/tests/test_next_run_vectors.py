"""redbeat_sdk.next_run reproduces every generated next-run vector exactly (instants, not strings).

The vectors (conformance/vectors/next_runs/*.json) come from running celery, celery-redbeat and dateutil;
the SDK computes the same instants without importing any of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from redbeat_sdk.next_run import next_run, next_runs

VECTORS = Path(__file__).resolve().parents[2] / "conformance" / "vectors" / "next_runs"
KINDS = ("crontab", "interval", "rrule")


@cache
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
        except Exception as error:
            wrong.append(f"{case['id']} ({case['description']}): raised {error!r}")
            continue
        # Compare in UTC: Python's == between zones is False for a time in a repeated hour (PEP 495).
        if utc(got) != utc(expected) or utc([first] if first else []) != utc(expected[:1]):
            shown = [run.isoformat() for run in got]
            wrong.append(
                f"{case['id']} ({case['description']}): got {shown}, first {first}; want {case['next_runs']}"
            )
        elif not all(
            run.tzinfo is not None and run.utcoffset() == run.astimezone(tz).utcoffset() for run in got
        ):
            wrong.append(f"{case['id']}: runs are not expressed in the beat zone")
    return wrong


@pytest.mark.parametrize("kind", KINDS)
def test_every_vector_matches(kind):
    assert len(vectors(kind)["cases"]) > 2000
    wrong = mismatches(kind)
    assert not wrong, f"{len(wrong)} of {len(vectors(kind)['cases'])} {kind} vectors differ:\n" + "\n".join(
        wrong[:20]
    )


def test_the_sdk_previews_without_celery_installed():
    # Block celery and celery-redbeat outright: importing and running the maths must not need them.
    script = (
        "import sys, json\n"
        "for name in ('celery', 'redbeat', 'kombu'): sys.modules[name] = None\n"
        "from datetime import datetime, timezone\n"
        "from redbeat_sdk.next_run import next_runs\n"
        "schedule = {'__type__': 'crontab', 'minute': '*/15', 'hour': '*', 'day_of_week': '*',"
        " 'day_of_month': '*', 'month_of_year': '*'}\n"
        "last = datetime(2026, 1, 1, tzinfo=timezone.utc)\n"
        "print(json.dumps([r.isoformat() for r in next_runs(schedule, 2, last, last, timezone.utc)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00"]
