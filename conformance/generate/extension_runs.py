#!/usr/bin/env python
"""Generate conformance/vectors/next_runs/extensions.json: when a beat with the extension profile fires an
entry whose extensions set its own zone, a window and jitter (schema/README.md, "Extensions").

The expected instants are computed here from the profile's rules and from the real thing, never from the
SDK's code:

1. **zone** - a crontab or an interval is evaluated by Celery itself, with the app's `timezone` set to the
   entry's zone (upstream's classes and decoder, as in next_runs.py): the profile says the entry runs as
   a beat in that zone would run it. A zoned rrule is dateutil's rule with dtstart and until placed in
   the zone (`datetime.fromtimestamp(dtstart, zone)`), asked `after(last)`.
2. **window** - a nominal run before `start_at` is replaced by the first run at or after it (an interval's
   by `start_at`); a run (jitter included) after `end_at` ends the list.
3. **jitter** - the offset of the profile, written out again below (SHA-256 of `name + "\\n" + epoch ms`).

Each later run is computed with last run = now = the previous run (its jittered time), as a beat ticking
at each run stamps it. Run with the repository venv; `--check` writes nothing and exits 1 on drift.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _celery_env import REPO, bind, celery_app, finish, versions, write_json
from celery.schedules import crontab
from celery.schedules import schedule as interval
from dateutil import rrule as du
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedules import rrule

OUT = REPO / "conformance" / "vectors" / "next_runs" / "extensions.json"
SEED = 20260317
RUNS = 5
COUNT = 400  # random cases, after the named ones
UTC = timezone.utc
ONE_US = timedelta(microseconds=1)
ENTRY_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Tokyo", "America/Sao_Paulo")
BEAT_ZONES = ("UTC", "Europe/Berlin", "America/Los_Angeles")
NAMES = ("report", "tenant-42/sync", "Ünïcode job", "a", "invoices:monthly")
JITTERS = (1000, 30_000, 120_000, 599_999, 3_600_000)

DESCRIPTION = (
    "When a beat with the extension profile fires an entry: each case has the schedule (write profile), the "
    "beat's Celery timezone, the entry's name and its `extensions` field (zone, window, jitter), the stored "
    "last_run_at, the clock, and the next runs (fewer when none is left). Each later run is computed with "
    "last_run_at = now = the previous run. Compare instants, not strings."
)


def encode(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=RedBeatJSONEncoder))


def decode(data: Any) -> Any:
    return json.loads(json.dumps(data), cls=RedBeatJSONDecoder)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def rfc3339(instant: datetime) -> str:
    return instant.isoformat()


# -- the profile's rules, written out again ----------------------------------------------------------------


def jitter_ms(name: str, nominal: datetime, width: int) -> int:
    millis = (nominal - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    h = int.from_bytes(hashlib.sha256((name + "\n" + str(millis)).encode("utf-8")).digest()[:8], "big")
    return h * width // 2**64


def nominal_after(wire: dict, zone: str, zoned: bool, last: datetime) -> datetime | None:
    """The plain schedule's first run strictly after `last`, evaluated in `zone`."""
    if wire["__type__"] == "rrule":
        if not zoned:
            rule = decode(wire).rrule
            found = rule.after(last)
        else:
            tz = ZoneInfo(zone)
            fields = {
                k: v
                for k, v in wire.items()
                if k not in ("__type__", "dtstart", "dtstart_tz", "until", "until_tz")
            }
            for key in ("wkst", "byweekday"):
                value = fields.get(key)
                if isinstance(value, dict):
                    fields[key] = du.weekday(value["wkday"])
                elif isinstance(value, list):
                    fields[key] = [du.weekday(v["wkday"]) for v in value]
            start = datetime.fromtimestamp(wire["dtstart"], tz)
            until = None if wire.get("until") is None else datetime.fromtimestamp(wire["until"], tz)
            found = du.rrule(dtstart=start, until=until, **fields).after(last.astimezone(UTC))
        return None if found is None else found.astimezone(UTC)
    app = celery_app(zone)
    beat_tz = app.timezone
    sched = decode(wire)
    frozen = [last]
    bind(sched, app, lambda: frozen[0])
    local_last = last.astimezone(beat_tz)
    frozen[0] = local_last
    remaining = sched.remaining_estimate(local_last)
    due = local_last.astimezone(UTC) + remaining
    frozen[0] = (due - ONE_US).astimezone(beat_tz)
    assert not sched.is_due(local_last)[0]
    frozen[0] = due.astimezone(beat_tz)
    assert sched.is_due(local_last)[0]
    if due <= last:
        raise Overdue()  # Celery's repeated-hour quirk (next_runs.py, Overdue): no instant describes it
    return due


class Overdue(Exception):
    pass


def first_due(case: dict, last: datetime) -> datetime | None:
    ext = case["extensions"]
    zoned = "timezone" in ext
    zone = ext.get("timezone", case["timezone"])
    start = None if "start_at" not in ext else datetime.fromisoformat(ext["start_at"])
    end = None if "end_at" not in ext else datetime.fromisoformat(ext["end_at"])
    after = last
    for _ in range(2):
        nominal = nominal_after(case["schedule"], zone, zoned, after)
        if nominal is None:
            return None
        if start is not None and nominal < start:
            if case["schedule"]["__type__"] == "interval":
                nominal = start
            else:
                after = start - ONE_US
                continue
        at = nominal + timedelta(milliseconds=jitter_ms(case["name"], nominal, ext.get("jitter_ms", 0)))
        if end is not None and at > end:
            return None
        return at
    raise AssertionError("a run before start_at twice")


def fire(case: dict) -> dict:
    last = decode(case["last_run_at"])
    runs = []
    while len(runs) < RUNS:
        due = first_due(case, last)
        if due is None:
            break
        runs.append(due)
        last = due
    return {**case, "next_runs": [iso(run) for run in runs]}


# -- the cases ---------------------------------------------------------------------------------------------


def wire_last(instant: datetime, zone: str) -> dict:
    return encode(instant.astimezone(ZoneInfo(zone)))


def case(description: str, schedule: Any, beat_zone: str, name: str, ext: dict, last: datetime) -> dict:
    wire = encode(schedule)
    return {
        "description": description,
        "schedule": wire,
        "timezone": beat_zone,
        "name": name,
        "extensions": {"version": 1, **ext},
        "last_run_at": wire_last(last, beat_zone),
        "now": iso(last),
    }


def named() -> list[dict]:
    ny, t0 = "America/New_York", datetime(2025, 3, 8, 12, tzinfo=UTC)
    fall = datetime(2025, 11, 1, 12, tzinfo=UTC)
    daily_ny = rrule("DAILY", dtstart=datetime(2025, 3, 1, 9, tzinfo=ZoneInfo(ny)))
    return [
        case(
            "zone: crontab 09:00 New York across spring forward, UTC beat",
            crontab(0, 9),
            "UTC",
            "a",
            {"timezone": ny},
            t0,
        ),
        case(
            "zone: crontab 02:30 New York on the spring-forward night (a wall time that does not exist)",
            crontab(30, 2),
            "UTC",
            "a",
            {"timezone": ny},
            t0,
        ),
        case(
            "zone: crontab 01:30 New York on the fall-back night (a wall time that occurs twice)",
            crontab(30, 1),
            "Europe/Berlin",
            "a",
            {"timezone": ny},
            fall,
        ),
        case(
            "zone: daily rrule 09:00 New York keeps its wall time across spring forward",
            daily_ny,
            "UTC",
            "a",
            {"timezone": ny},
            t0,
        ),
        case(
            "zone: hourly interval, relative, rounded in Lord Howe's half-hour DST",
            interval(timedelta(hours=1), relative=True),
            "UTC",
            "a",
            {"timezone": "Australia/Lord_Howe"},
            datetime(2025, 4, 5, 14, 10, tzinfo=UTC),
        ),
        case(
            "window: crontab before start_at runs first at or after start_at",
            crontab(0, 12),
            "UTC",
            "a",
            {"start_at": "2025-02-01T12:30:00+00:00"},
            datetime(2025, 1, 15, tzinfo=UTC),
        ),
        case(
            "window: interval before start_at runs first at start_at",
            interval(timedelta(hours=1)),
            "UTC",
            "a",
            {"start_at": "2025-02-01T12:30:00+00:00"},
            datetime(2025, 1, 15, tzinfo=UTC),
        ),
        case(
            "window: end_at cuts the runs",
            crontab("*/15"),
            "UTC",
            "a",
            {"end_at": "2025-01-15T13:00:00+00:00"},
            datetime(2025, 1, 15, 12, 20, tzinfo=UTC),
        ),
        case(
            "window: a jittered run after end_at does not happen",
            crontab("0"),
            "UTC",
            "report",
            {"end_at": "2025-01-15T14:00:30+00:00", "jitter_ms": 3_600_000},
            datetime(2025, 1, 15, 12, tzinfo=UTC),
        ),
        case(
            "jitter: every 10 minutes, up to 2 minutes later",
            crontab("*/10"),
            "UTC",
            "tenant-42/sync",
            {"jitter_ms": 120_000},
            datetime(2025, 1, 15, 12, tzinfo=UTC),
        ),
        case(
            "jitter: a non-ASCII name is hashed as UTF-8",
            crontab("*/10"),
            "UTC",
            "Ünïcode job",
            {"jitter_ms": 120_000},
            datetime(2025, 1, 15, 12, tzinfo=UTC),
        ),
        case(
            "all: zone, window and jitter on a weekly rrule",
            rrule(
                "WEEKLY",
                dtstart=datetime(2025, 1, 6, 8, tzinfo=ZoneInfo("Europe/London")),
                byweekday=[du.MO, du.TH],
            ),
            "America/Los_Angeles",
            "report",
            {
                "timezone": "Europe/London",
                "start_at": "2025-03-20T00:00:00Z",
                "end_at": "2025-04-30T00:00:00Z",
                "jitter_ms": 30_000,
            },
            datetime(2025, 3, 1, tzinfo=UTC),
        ),
    ]


CRONS = ((0, 9), ("*/15", "*"), (30, 2), (0, "8-18"), (5, 0, "mon-fri"), (0, 12, "*", "1,15"))


def drawn(rnd: random.Random) -> dict:
    kind = rnd.choice(("crontab", "crontab", "interval", "rrule"))
    entry_zone = rnd.choice((None, *ENTRY_ZONES))
    beat_zone = rnd.choice(BEAT_ZONES)
    year = rnd.randrange(2024, 2028)
    last = datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rnd.randrange(365 * 86400))
    last = last.replace(microsecond=rnd.choice((0, 0, rnd.randrange(1_000_000))))
    if kind == "crontab":
        schedule = crontab(*rnd.choice(CRONS))
    elif kind == "interval":
        schedule = interval(
            timedelta(seconds=rnd.choice((60, 900, 3600, 86400))), relative=rnd.random() < 0.3
        )
    else:
        zone = ZoneInfo(entry_zone or beat_zone)
        start = (
            (last - timedelta(days=rnd.randrange(1, 60)))
            .astimezone(zone)
            .replace(minute=0, second=0, microsecond=0)
        )
        schedule = rrule(
            rnd.choice(("DAILY", "HOURLY", "WEEKLY")), dtstart=start, interval=rnd.choice((1, 2))
        )
    ext: dict[str, Any] = {}
    if entry_zone:
        ext["timezone"] = entry_zone
    roll = rnd.random()
    if roll < 0.3:
        ext["start_at"] = rfc3339((last + timedelta(hours=rnd.randrange(1, 72))).replace(microsecond=0))
    if 0.2 < roll < 0.45:
        ext["end_at"] = rfc3339((last + timedelta(hours=rnd.randrange(73, 400))).replace(microsecond=0))
    if rnd.random() < 0.6:
        ext["jitter_ms"] = rnd.choice(JITTERS)
    where = f"{kind} in {entry_zone or 'the beat zone'}, {', '.join(k for k in ext if k != 'timezone') or 'no other rule'}"
    return case(f"drawn: {where}", schedule, beat_zone, rnd.choice(NAMES), ext, last)


def main() -> None:
    rnd = random.Random(SEED)
    cases = [fire(c) for c in named()]
    while len(cases) < len(named()) + COUNT:
        try:
            cases.append(fire(drawn(rnd)))
        except Overdue:
            continue
    cases = [{"id": f"extensions-{i:05d}", **c} for i, c in enumerate(cases)]
    header = {
        "description": DESCRIPTION,
        "kind": "extensions",
        "runs": RUNS,
        "generator": {
            "script": "conformance/generate/extension_runs.py",
            "seed": SEED,
            **versions("celery", "celery-redbeat", "python-dateutil"),
        },
    }
    count = write_json(OUT, header, cases)
    print(f"{OUT.relative_to(REPO)}: {count} cases")
    finish()


if __name__ == "__main__":
    main()
