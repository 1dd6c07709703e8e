"""Bad data beside good data: the bad entry is logged once, skipped, left in Redis and not re-read every
tick; the good one keeps firing. Each case here crashes or silently drops the entry in upstream 2.4.2."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from conftest import WIRE_DATETIME

from redbeat_sdk import Entry, Interval
from redbeat_sdk.datetimes import epoch_seconds

GOOD_DEFINITION = {
    "name": "bad",
    "task": "tasks.bad",
    "args": [],
    "kwargs": {},
    "options": {},
    "schedule": {"__type__": "interval", "every": 1.0, "relative": False},
    "enabled": True,
}
GOOD_META = {"last_run_at": WIRE_DATETIME}


def changed(base: dict, **changes) -> str:
    """`base` as JSON with the given fields replaced (or dropped, for _DROP)."""
    d = json.loads(json.dumps(base))
    for k, v in changes.items():
        if v is _DROP:
            d.pop(k)
        else:
            d[k] = v
    return json.dumps(d)


def definition(**changes):
    return changed(GOOD_DEFINITION, **changes)


def meta(**changes):
    return changed(GOOD_META, **changes)


def last_run_at(**changes):
    m = json.loads(json.dumps(GOOD_META))
    m["last_run_at"].update(changes)
    return json.dumps(m)


_DROP = object()

# (case id, hash fields); upstream's fate in the comment
CASES = [
    ("invalid-json", {"definition": '{"name": "bad", "task": ', "meta": meta()}),  # crash
    ("definition-not-an-object", {"definition": "[1, 2]", "meta": meta()}),  # crash
    ("unknown-definition-field", {"definition": definition(priority=5), "meta": meta()}),  # crash
    (
        "unknown-schedule-type",
        {
            "definition": definition(schedule={"__type__": "solar", "event": "sunset", "lat": 0, "lon": 0}),
            "meta": meta(),
        },
    ),  # crash
    ("schedule-null", {"definition": definition(schedule=None), "meta": meta()}),  # crash
    (
        "interval-without-relative",
        {"definition": definition(schedule={"__type__": "interval", "every": 1.0}), "meta": meta()},
    ),  # dropped
    (
        "interval-every-string",
        {
            "definition": definition(schedule={"__type__": "interval", "every": "5", "relative": False}),
            "meta": meta(),
        },
    ),  # crash
    (
        "crontab-weekday-7",
        {"definition": definition(schedule={"__type__": "crontab", "day_of_week": "7"}), "meta": meta()},
    ),  # crash (Celery refuses)
    (
        "crontab-5/15",
        {"definition": definition(schedule={"__type__": "crontab", "minute": "5/15"}), "meta": meta()},
    ),  # crash (Celery refuses)
    (
        "crontab-unknown-key",
        {"definition": definition(schedule={"__type__": "crontab", "second": "0"}), "meta": meta()},
    ),  # crash
    ("no-task", {"definition": definition(task=_DROP), "meta": meta()}),  # crash
    ("meta-invalid-json", {"definition": definition(), "meta": "{last_run_at"}),  # crash
    ("meta-unknown-field", {"definition": definition(), "meta": meta(runs=3)}),  # crash
    (
        "meta-without-last-run-at",
        {"definition": definition(), "meta": json.dumps({"total_run_count": 1})},
    ),  # dropped
    ("bad-timezone", {"definition": definition(), "meta": last_run_at(timezone="Mars/Olympus")}),  # crash
    ("null-timezone", {"definition": definition(), "meta": last_run_at(timezone=None)}),  # crash
    ("datetime-unknown-key", {"definition": definition(), "meta": last_run_at(fold=1)}),  # crash
    ("datetime-month-13", {"definition": definition(), "meta": last_run_at(month=13)}),  # crash
    ("no-definition-field", {"meta": meta()}),  # dropped
]


def bad_beside_good(client: redis.Redis, fields: dict, sdk, make_scheduler, clock):
    """A good entry and the hash `fields` at redbeat:bad, both due, then one tick: (what redbeat:bad held
    before the tick, the scheduler)."""
    sdk.save(Entry("good", "tasks.good", Interval(1)))
    client.hset("redbeat:bad", mapping=fields)
    client.zadd("redbeat::schedule", {"redbeat:bad": 0})
    stored = client.hgetall("redbeat:bad")
    beat = make_scheduler()
    clock.advance(1)
    beat.tick()
    return stored, beat


@pytest.mark.parametrize("fields", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_entry_is_skipped_logged_once_and_left_alone(
    fields, sdk, make_scheduler, clock, broker, r, errors
):
    stored, beat = bad_beside_good(r, fields, sdk, make_scheduler, clock)
    assert broker.tasks() == ["tasks.good"]
    [logged] = errors()
    assert "redbeat:bad" in logged.getMessage()
    assert r.hgetall("redbeat:bad") == stored  # never deleted, never rewritten
    later = epoch_seconds(clock.now) + 60
    assert r.zscore("redbeat::schedule", "redbeat:bad") == later  # now + max_interval
    assert beat.stats.corrupt == 1

    for _ in range(3):  # the good entry keeps firing; the bad one is not even loaded
        clock.advance(1)
        beat.tick()
    assert broker.tasks().count("tasks.good") == 4 and len(errors()) == 1

    clock.advance(60)  # looked at again after max_interval: still bad, still not re-logged
    beat.tick()
    assert len(errors()) == 1 and beat.stats.corrupt == 1
    assert r.zscore("redbeat::schedule", "redbeat:bad") == epoch_seconds(clock.now) + 60


def test_a_fixed_entry_fires_again(sdk, make_scheduler, clock, broker, r, errors):
    r.hset("redbeat:bad", mapping={"definition": definition(priority=1), "meta": meta()})
    r.zadd("redbeat::schedule", {"redbeat:bad": 0})
    beat = make_scheduler()
    beat.tick()
    assert broker.sent() == [] and len(errors()) == 1
    r.hset("redbeat:bad", "definition", definition())
    clock.advance(60)
    beat.tick()
    assert broker.tasks() == ["tasks.bad"]


def test_a_new_bad_value_is_logged_again(make_scheduler, clock, r, errors):
    r.hset("redbeat:bad", mapping={"definition": "{", "meta": meta()})
    r.zadd("redbeat::schedule", {"redbeat:bad": 0})
    beat = make_scheduler()
    beat.tick()
    r.hset("redbeat:bad", "definition", "[")
    clock.advance(60)
    beat.tick()
    assert len(errors()) == 2 and beat.stats.corrupt == 2


def test_a_vanished_hash_is_an_error_and_leaves_the_schedule(sdk, make_scheduler, clock, broker, r, errors):
    sdk.save(Entry("gone", "tasks.gone", Interval(1)))
    sdk.save(Entry("good", "tasks.good", Interval(1)))
    r.delete("redbeat:gone")  # evicted
    clock.advance(1)
    beat = make_scheduler()
    beat.tick()
    assert broker.tasks() == ["tasks.good"]
    [logged] = errors()
    assert "redbeat:gone" in logged.getMessage() and "gone" in logged.getMessage()
    assert r.zscore("redbeat::schedule", "redbeat:gone") is None and beat.stats.vanished == 1


def test_name_mismatch_writes_back_to_the_key_it_was_read_from(make_scheduler, clock, broker, r):
    """Upstream writes run state to P + definition.name and leaves the original member behind for good."""
    r.hset("redbeat:real", mapping={"definition": definition(name="other"), "meta": meta()})
    r.zadd("redbeat::schedule", {"redbeat:real": 0})
    make_scheduler().tick()
    assert broker.tasks() == ["tasks.bad"]
    assert not r.exists("redbeat:other")
    assert json.loads(r.hget("redbeat:real", "meta"))["total_run_count"] == 1
    assert r.zscore("redbeat::schedule", "redbeat:real") == epoch_seconds(clock.now + timedelta(seconds=1))


def test_a_publish_error_is_counted_and_beat_goes_on(sdk, make_scheduler, clock, broker, caplog):
    sdk.save(Entry("bad-options", "tasks.x", Interval(1), options={"countdown": "soon"}))
    sdk.save(Entry("good", "tasks.good", Interval(1)))
    clock.advance(1)
    beat = make_scheduler()
    beat.tick()
    assert broker.tasks() == ["tasks.good"]
    assert beat.stats.publish_errors == 1 and beat.stats.sent == 1


@pytest.mark.parametrize(
    "stored",
    [
        {"definition": definition().encode().replace(b'"tasks.bad"', b'"tasks.\xffbad"'), "meta": meta()},
        {"definition": definition(), "meta": meta().encode().replace(b'"UTC"', b'"U\xc3\x28"')},
        {"definition": definition(args=json.loads("[" * 128 + "]" * 128)), "meta": meta()},
        {"definition": definition(args=json.loads("[" * 900 + "]" * 900)), "meta": meta()},
    ],
    ids=["definition-not-utf8", "meta-not-utf8", "nested-129-levels", "nested-901-levels"],
)
def test_bytes_that_are_not_utf8_or_nest_too_deep_are_one_corrupt_entry(
    stored, sdk, make_scheduler, clock, broker, redis_url, errors
):
    """Read undecoded: a field that is not UTF-8 fails no reply for the whole batch, and JSON deeper
    than the format's limit (128 levels, schema/README.md) is refused as every client refuses it."""
    raw = redis.Redis.from_url(redis_url)  # bytes in, bytes out
    before, beat = bad_beside_good(raw, stored, sdk, make_scheduler, clock)
    assert broker.tasks() == ["tasks.good"] and beat.stats.corrupt == 1
    [logged] = errors()
    assert "redbeat:bad" in logged.getMessage()
    assert ("not valid UTF-8" in logged.getMessage()) or (
        "nested deeper than 128 levels" in logged.getMessage()
    )
    assert raw.hgetall("redbeat:bad") == before  # left as it was
    raw.close()


@pytest.mark.parametrize(
    "schedule",
    [
        {"__type__": "rrule", "freq": 6, "bysetpos": [2]},  # one occurrence a second, the second one asked
        {"__type__": "rrule", "freq": 5, "bysecond": [0, 30], "bysetpos": [-3, 3]},
        {"__type__": "rrule", "freq": 3, "byhour": []},  # no time of day at all
    ],
    ids=["secondly-bysetpos-2", "minutely-two-seconds-bysetpos-3", "daily-byhour-empty"],
)
@pytest.mark.parametrize("ran", [False, True], ids=["never-run", "ran"])
def test_an_rrule_that_never_matches_is_scored_minus_one_without_asking_dateutil(
    schedule, ran, sdk, make_scheduler, clock, broker, r, errors, monkeypatch
):
    """dateutil would search such a rule up to year 9999 (minutes per question for a SECONDLY one)."""
    from dateutil import rrule as du

    asked = []  # dateutil asked for an occurrence (building a rule walks nothing)
    for method in ("after", "xafter"):
        walk = getattr(du.rrulebase, method)
        monkeypatch.setattr(
            du.rrulebase, method, lambda rule, *a, w=walk, **k: asked.append(rule) or w(rule, *a, **k)
        )
    sdk.save(Entry("good", "tasks.good", Interval(1)))
    stored = {"definition": definition(schedule={**schedule, "dtstart": epoch_seconds(clock.now)})}
    if ran:
        stored["meta"] = meta()
    r.hset("redbeat:bad", mapping=stored)
    r.zadd("redbeat::schedule", {"redbeat:bad": 0})
    beat = make_scheduler()
    clock.advance(1)
    beat.tick()
    assert broker.tasks() == ["tasks.good"]
    assert r.zscore("redbeat::schedule", "redbeat:bad") == -1  # never loaded again
    assert r.hgetall("redbeat:bad") == stored
    [logged] = errors()
    assert "redbeat:bad" in logged.getMessage() and "never matches" in logged.getMessage()
    assert beat.stats.never_matching == 1 and beat.stats.corrupt == 0
    assert asked == []
