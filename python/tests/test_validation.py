"""Every invalid value raises a typed ValidationError naming the field path and the reason."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import ROOT, dump

from redbeat_sdk import Crontab, Entry, Interval, RedBeatError, RRule, ValidationError, codec
from redbeat_sdk.datetimes import UTC
from redbeat_sdk.errors import CorruptEntry

BAD = [
    (lambda: Entry("", "t", Interval(5)), "name"),
    (lambda: Entry(None, "t", Interval(5)), "name"),
    (lambda: Entry("n", "", Interval(5)), "task"),
    (lambda: Entry("n", 5, Interval(5)), "task"),
    (lambda: Entry("n", "t", "every minute"), "schedule"),
    (lambda: Entry("n", "t", Interval(5), args="x"), "args"),
    (lambda: Entry("n", "t", Interval(5), args=[1, {2, 3}]), "args[1]"),
    (lambda: Entry("n", "t", Interval(5), kwargs={"a": {"b": object()}}), "kwargs.a.b"),
    (lambda: Entry("n", "t", Interval(5), kwargs={1: "x"}), "kwargs"),
    (lambda: Entry("n", "t", Interval(5), kwargs={"x": float("nan")}), "kwargs.x"),
    (lambda: Entry("n", "t", Interval(5), options=[]), "options"),
    (lambda: Entry("n", "t", Interval(5), enabled="yes"), "enabled"),
    (lambda: Interval(-5), "every"),
    (lambda: Interval(0), "every"),
    (lambda: Interval("5"), "every"),
    (lambda: Interval(True), "every"),
    (lambda: Interval(5, relative="no"), "relative"),
    (lambda: Crontab(minute=60), "minute"),
    (lambda: Crontab(hour=[1, 24]), "hour[1]"),
    (lambda: Crontab(day_of_week=7), "day_of_week"),
    (lambda: Crontab(day_of_week="7"), "day_of_week"),
    (lambda: Crontab(minute={0, 30}), "minute"),
    (lambda: Crontab(minute=True), "minute"),
    (lambda: Crontab(minute=""), "minute"),
    (lambda: RRule("FORTNIGHTLY"), "freq"),
    (lambda: RRule(9), "freq"),
    (lambda: RRule("DAILY", interval=0), "interval"),
    (lambda: RRule("DAILY", count=0), "count"),
    (lambda: RRule("DAILY", byweekday="monday"), "byweekday"),
    (lambda: RRule("DAILY", byweekday=[0, 9]), "byweekday[1]"),
    (lambda: RRule("DAILY", dtstart="2025-01-01"), "dtstart"),
    (lambda: RRule("DAILY", bymonth=[13]), "bymonth[0]"),
    (lambda: RRule("DAILY", bysetpos=0), ""),
]


@pytest.mark.parametrize("make, path", BAD, ids=[p or "rule" for _, p in BAD])
def test_invalid_values_name_the_field(make, path):
    with pytest.raises(ValidationError) as err:
        make()
    assert err.value.path == path
    assert err.value.reason and str(err.value).endswith(err.value.reason)
    assert isinstance(err.value, RedBeatError) and isinstance(err.value, ValueError)


def test_a_refused_entry_never_reaches_redis(client, r):
    with pytest.raises(ValidationError):
        client.save(Entry("n", "t", Crontab(day_of_week=7)))
    assert dump(r) == {}


def test_timedelta_and_numbers_become_intervals():
    assert Entry("n", "t", timedelta(minutes=2)).schedule == Interval(120.0)
    assert Entry("n", "t", 30).schedule == Interval(30)


def _examples(folder):
    return [
        pytest.param(json.loads(path.read_text())["hash"], id=path.stem)
        for path in sorted((ROOT / "schema" / "examples" / folder).glob("*.json"))
    ]


@pytest.mark.parametrize("entry_hash", _examples("invalid"))
def test_the_sdk_refuses_to_read_every_invalid_example(entry_hash):
    raw = {k: json.dumps(v) for k, v in entry_hash.items()}
    with pytest.raises(CorruptEntry):
        codec.decode_entry("redbeat:x", "x", raw.get("definition"), raw.get("meta"))


@pytest.mark.parametrize("entry_hash", [*_examples("valid/write"), *_examples("valid/read")])
def test_the_sdk_reads_every_valid_example(entry_hash):
    raw = {k: json.dumps(v) for k, v in entry_hash.items()}
    entry = codec.decode_entry("redbeat:x", "x", raw.get("definition"), raw.get("meta"))
    # what it reads, it can write back, and the result is valid under the write profile
    codec.check_write_profile(codec.definition_wire(entry, datetime(2025, 1, 15, 12, tzinfo=UTC), UTC))


@pytest.mark.parametrize(
    "schedule, path, reason",
    [
        (
            {"__type__": "solar"},
            "schedule.__type__",
            "unknown __type__ 'solar'; expected one of 'interval', 'crontab', 'rrule'",
        ),
        (
            {"__type__": "rrule", "freq": "DAYLY"},
            "schedule.freq",
            "must be one of YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY, SECONDLY (any case), not 'DAYLY'",
        ),
        ("hourly", "schedule", "must be one of: number, object"),
    ],
)
def test_schedule_data_errors_say_what_would_be_accepted(schedule, path, reason):
    for call in (
        lambda: codec.schedule_from_data(schedule),
        lambda: codec.entry_from_wire({"name": "x", "task": "t", "schedule": schedule}, path=""),
    ):
        with pytest.raises(ValidationError) as err:
            call()
        assert (err.value.path, err.value.reason) == (path, reason)


def nest(depth: int, leaf=None) -> list:
    """`depth` lists inside each other, `leaf` in the innermost."""
    value: list = [] if leaf is None else [leaf]
    for _ in range(depth - 1):
        value = [value]
    return value


def test_task_data_nests_no_deeper_than_readers_read(client, r):
    """Readers refuse a field nested over 128 levels (schema/README.md, "Limits"), so nothing deeper is
    written: 127 levels of task data fit beside the definition's own object, 128 do not."""
    client.save(Entry("deepest", "t", Interval(5), args=nest(127), kwargs={"k": nest(126)}))
    assert client.get("deepest").args == nest(127)
    moment = datetime(2025, 1, 1, tzinfo=UTC)  # stored as an object: one level more
    client.save(Entry("dated", "t", Interval(5), args=nest(126, moment)))
    assert client.get("dated").args == nest(126, moment)
    for make, path in (
        (lambda: Entry("n", "t", Interval(5), args=nest(128)), "args" + "[0]" * 127),
        (lambda: Entry("n", "t", Interval(5), kwargs={"k": nest(127)}), "kwargs.k" + "[0]" * 126),
        (lambda: Entry("n", "t", Interval(5), args=nest(127, moment)), "args" + "[0]" * 127),
        (lambda: Entry("n", "t", Interval(5), options={"o": nest(100_000)}), "options.o" + "[0]" * 126),
    ):
        with pytest.raises(ValidationError, match="nested deeper than 128 levels") as err:
            make()
        assert err.value.path == path
    wire = {
        "name": "n",
        "task": "t",
        "args": nest(5_000),
        "schedule": {"__type__": "interval", "every": 5.0, "relative": False},
    }
    with pytest.raises(ValidationError, match="nested deeper than 128 levels"):
        codec.entry_from_wire(wire)  # as an entry file or a form gives it, past Python's recursion limit
    assert sorted(r.keys("redbeat:*")) == ["redbeat::schedule", "redbeat:dated", "redbeat:deepest"]


def test_an_interval_whose_next_run_no_date_holds_is_refused(client, r):
    """Celery's beat computes an interval's next run as a date: past year 9999 it fails, so such an
    interval is refused when saved, and a preview ends at the last run a date holds."""
    with pytest.raises(ValidationError, match="falls after year 9999") as err:
        client.save(Entry("far", "t", Interval(3e12)))
    assert err.value.path == "schedule"
    with pytest.raises(ValidationError, match="less than or equal to 86399999999999") as err:
        Entry("far", "t", Interval(1e20))  # past what a timedelta holds: refused as built
    assert err.value.path == "every"
    assert r.keys("redbeat:*") == []
    runs = Interval(1e11).next_runs(5, after=datetime(2025, 1, 1, tzinfo=UTC))
    assert [run.year for run in runs] == [5193, 8362]
