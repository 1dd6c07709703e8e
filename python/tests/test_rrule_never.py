"""rrules that provably never match (`next_run.never_matches`): dateutil would search them up to year 9999,
so previews answer nothing at once and saves refuse them with the field's path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redbeat_sdk import Entry, EntryNotFound, RRule, ValidationError
from redbeat_sdk import next_run as nr

UTC = timezone.utc
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PERIOD = {0: timedelta(days=366), 1: timedelta(days=31), 2: timedelta(days=7), 3: timedelta(days=1)}
PERIOD |= {4: timedelta(hours=1), 5: timedelta(minutes=1), 6: timedelta(seconds=1)}


@st.composite
def rules(draw: st.DrawFn) -> dict:
    """Rules with no bysetpos and no empty list: dateutil finds an occurrence in some period soon."""
    freq = draw(st.integers(0, 6))
    rule: dict = {"__type__": "rrule", "freq": freq, "dtstart": int(START.timestamp())}
    for name, top in (("byhour", 23), ("byminute", 59), ("bysecond", 59)):
        rule[name] = draw(st.none() | st.lists(st.integers(0, top), min_size=1, max_size=3))
    return rule


@settings(max_examples=200, deadline=None)
@given(rules(), st.integers(0, 5))
def test_a_position_some_period_holds_is_never_said_to_never_match(rule, nth):
    """Soundness: if dateutil's `nth` period (from dtstart) holds c occurrences, bysetpos c and -c match."""
    begin = START + nth * PERIOD[rule["freq"]]
    end = begin + PERIOD[rule["freq"]] - timedelta(microseconds=1)
    bounded = {**rule, "until": int(end.timestamp()) + 1, "until_tz": 0}
    try:
        walked = list(nr._rrule(json.dumps(bounded, sort_keys=True), None).xafter(begin, inc=True))
    except (ValueError, nr.ValidationError):  # dateutil refuses the combination
        return
    held = len([moment for moment in walked if moment <= end])
    assert nr.never_matches(rule) is None
    for position in {held, -held} - {0}:
        assert nr.never_matches({**rule, "bysetpos": [position]}) is None, (position, walked)


@pytest.mark.parametrize(
    "rule,field",
    [
        ({"freq": "SECONDLY", "bysetpos": [2]}, "bysetpos"),
        ({"freq": "MINUTELY", "bysecond": [0, 30], "bysetpos": [3, -3]}, "bysetpos"),
        ({"freq": "HOURLY", "byminute": [0, 15], "bysecond": [0, 1], "bysetpos": 5}, "bysetpos"),
        ({"freq": "DAILY", "byhour": []}, "byhour"),
        ({"freq": "WEEKLY", "byminute": []}, "byminute"),
    ],
)
def test_never_matching_rules_preview_nothing_and_are_refused_on_save(rule, field, client):
    schedule = RRule(**rule, dtstart=START)
    assert nr.never_matches(schedule.to_wire(START)) is not None
    assert schedule.next_runs(3, after=START) == []  # at once: dateutil is not asked
    with pytest.raises(ValidationError) as caught:
        client.save(Entry("job", "tasks.x", schedule))
    assert caught.value.path == f"schedule.{field}"
    with pytest.raises(ValidationError) as caught:
        client.save_many([Entry("ok", "tasks.x", RRule("DAILY")), Entry("job", "tasks.x", schedule)])
    assert caught.value.path == f"[1].schedule.{field}"
    with pytest.raises(EntryNotFound):  # nothing of the batch was written
        client.get("ok")


@pytest.mark.parametrize(
    "rule",
    [
        {"freq": "SECONDLY", "bysetpos": [1]},
        {"freq": "MINUTELY", "bysecond": [0, 30], "bysetpos": [-2]},
        {"freq": "DAILY", "byhour": [9, 17], "byminute": [0, 30], "bysetpos": [4]},
        {"freq": "MINUTELY", "byhour": []},  # a coarser field, empty: no filter at all
        {"freq": "MONTHLY", "bymonthday": list(range(1, 29)), "bysetpos": [20]},
    ],
)
def test_rules_that_can_match_are_not_refused(rule):
    schedule = RRule(**rule, dtstart=START)
    assert nr.never_matches(schedule.to_wire(START)) is None
    assert len(schedule.next_runs(1, after=START)) == 1
