"""The suite's equality: numbers by value, datetimes as instant + zone, first difference named."""

import json

from runner import state, values


def dt(zone, **fields):
    base = {
        "__type__": "datetime",
        "year": 2025,
        "month": 1,
        "day": 15,
        "hour": 12,
        "minute": 0,
        "second": 0,
        "microsecond": 0,
        "timezone": zone,
    }
    base.update(fields)
    return base


def test_numbers_compare_by_value_but_booleans_are_not_numbers():
    assert values.diff({"every": 5.0}, {"every": 5}) is None
    assert values.diff([1], [True]) == "[0]: expected 1, got true"
    assert values.diff({"a": 0}, {"a": False}) is not None


def test_objects_ignore_key_order_and_name_the_first_difference():
    assert values.diff({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}) is None
    assert values.diff({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}}) == "a.b[1]: expected 2, got 3"
    assert values.diff({"a": 1}, {"a": 1, "c": 2}).startswith("c: unexpected key")
    assert values.diff({"a": 1, "c": 2}, {"a": 1}).startswith("c: missing")


def test_datetimes_compare_as_instant_and_zone():
    assert (
        values.diff(dt("UTC"), dt("Europe/Berlin", hour=13))
        == "(value): expected zone 'UTC', got 'Europe/Berlin' (same instant 2025-01-15T12:00:00+00:00)"
    )
    assert values.diff(dt(-18000.0, hour=7), dt(-18000, hour=7)) is None
    assert (
        values.diff(
            dt(3600, hour=13),
            {k: v for k, v in dt(3600, hour=13).items() if k not in ("second", "microsecond")},
        )
        is None
    )
    assert "expected instant" in values.diff(dt("UTC"), dt("UTC", microsecond=1))
    assert (
        values.diff(dt("UTC"), {k: v for k, v in dt("UTC").items() if k != "timezone"}) is None
    )  # no zone = UTC
    assert values.diff(dt(0.0), dt("UTC")) is not None  # a number is never a name


def test_score_rules():
    exact = state.WriterRule("exact", 1000)
    assert exact.check("k", 1060, 1060, 1000) is None
    assert exact.check("k", 1060, 1059, 1000) == "expected score 1060, got 1059"
    early = state.WriterRule("at-or-before", 1030)
    assert early.check("k", 1060, 1040, 1000) is None  # early but after the last run
    assert early.check("k", 1060, 1061, 1000) is not None  # late is never allowed
    assert early.check("k", 1060, 999, 1000) is not None  # before the last run
    assert early.check("k", 1060, 1040.5, 1000) == "score 1040.5 is not an integer"
    assert state.WriterRule("at-or-before", 2000).check("k", 1060, 2000, 1000) is None  # overdue: now is fine
    assert early.check("k", -1, 1040, 1000) is not None  # exhausted stays -1
    assert state.WriterRule("at-or-before", 1030, {"k"}).check("k", 1060, 1040, 1000) is not None


def test_state_compare_names_key_field_and_difference():
    expected = {
        "p:a": {"hash": {"definition": {"x": 1}, "meta": "raw"}},
        "p::schedule": {"zset": {"p:a": 10}},
    }
    actual = {
        "p:a": {"hash": {"definition": '{"x": 1}', "meta": "raw"}},
        "p::schedule": {"zset": {"p:a": 10.0}},
    }
    rule = state.WriterRule()
    assert state.compare(expected, actual, rule) is None
    actual["p:a"]["hash"]["meta"] = "other"
    assert state.compare(expected, actual, rule) == "key 'p:a': field 'meta': expected raw 'raw', got 'other'"
    assert state.compare(expected, {**actual, "p:b": {"string": "x"}}, rule).startswith(
        "key 'p:b': unexpected"
    )


def test_now_zone_relaxation_is_only_the_same_instant_in_the_beat_zone():
    expected = {"p:a": {"hash": {"meta": {"last_run_at": dt("UTC")}}}}
    in_ny = {"p:a": {"hash": {"meta": f'{{"last_run_at": {json.dumps(dt("America/New_York", hour=7))}}}'}}}
    strict = state.WriterRule(now_zone="utc", beat_zone="America/New_York")
    relaxed = state.WriterRule(now_zone="beat", beat_zone="America/New_York")
    assert "expected zone 'UTC', got 'America/New_York'" in state.compare(expected, in_ny, strict)
    assert state.compare(expected, in_ny, relaxed) is None
    an_hour_off = {
        "p:a": {"hash": {"meta": f'{{"last_run_at": {json.dumps(dt("America/New_York", hour=8))}}}'}}
    }
    assert state.compare(expected, an_hour_off, relaxed) is not None
    other_zone = state.WriterRule(now_zone="beat", beat_zone="Europe/Berlin")
    assert state.compare(expected, in_ny, other_zone) is not None
    ran = state.WriterRule(now_zone="beat", beat_zone="America/New_York", exact_members={"p:a"})
    assert state.compare(expected, in_ny, ran) is not None
