"""Golden tests: the SDK writes the bytes upstream writes (the raw dumps of celery-redbeat 2.4.2 in conformance/upstream/)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from conftest import T0, FrozenClock

from redbeat_sdk import FR, MO, SU, WE, Crontab, Entry, Interval, RedBeatClient, RRule, codec
from redbeat_sdk.datetimes import decode_datetime

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")

# case -> (schedule, other Entry arguments). Names and tasks are read from the dump.
CASES = {
    "interval_every_5": (Interval(5), {"args": [1, 2]}),
    "interval_every_2_5_float": (Interval(2.5), {}),
    "interval_timedelta_10min": (Interval(timedelta(minutes=10)), {}),
    "interval_from_plain_number": (30, {}),
    "interval_relative": (Interval(timedelta(hours=1), relative=True), {}),
    "interval_not_relative_same_last_run": (Interval(timedelta(hours=1)), {}),
    "crontab_default_every_minute": (Crontab(), {}),
    "crontab_daily_0400": (Crontab(minute="0", hour="4"), {}),
    "crontab_business_hours_mon_fri": (Crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"), {}),
    "crontab_int_fields_and_day_names": (Crontab(minute=30, hour=7, day_of_week="sun,wed"), {}),
    "crontab_quarterly_first_of_month": (
        Crontab(minute="0", hour="0", day_of_month="1", month_of_year="*/3"),
        {},
    ),
    "crontab_full_day_name": (Crontab(minute="5", day_of_week="monday", day_of_month="*/7"), {}),
    "crontab_list_fields": (Crontab(minute=[0, 30], hour=(9, 17)), {}),
    "crontab_day_of_week_int": (Crontab(minute=0, hour=12, day_of_week=3), {}),
    "rrule_minutely_count3": (
        RRule("MINUTELY", dtstart=datetime(2025, 1, 15, 12, 0, tzinfo=UTC), count=3),
        {},
    ),
    "rrule_daily_new_york_until": (
        RRule(
            "DAILY",
            dtstart=datetime(2025, 1, 10, 9, 0, tzinfo=NY),
            until=datetime(2025, 2, 10, 9, 0, tzinfo=NY),
            byhour=[9],
            byminute=[0],
        ),
        {},
    ),
    "rrule_weekly_weekdays_wkst": (
        RRule(2, dtstart=datetime(2025, 1, 6, 8, 30, tzinfo=UTC), byweekday=(MO, WE, FR), wkst=SU),
        {},
    ),
    "rrule_one_off_future_count1": (
        RRule("MINUTELY", dtstart=datetime(2025, 1, 15, 13, 0, tzinfo=UTC), count=1),
        {},
    ),
    "rrule_one_off_past_count1": (
        RRule("MINUTELY", dtstart=datetime(2025, 1, 15, 11, 0, tzinfo=UTC), count=1),
        {},
    ),
    "rrule_no_dtstart": (RRule("HOURLY"), {}),
    "rrule_naive_dtstart": (RRule("MONTHLY", dtstart=datetime(2025, 1, 1, 8, 0), bymonthday=[1]), {}),
    "entry_all_fields": (
        Interval(60),
        {
            "args": (1, "two", None),
            "kwargs": {"k": [1, 2], "flag": True},
            "options": {"queue": "q1", "expires": 30, "priority": 5},
        },
    ),
    "entry_disabled": (Interval(60), {"enabled": False}),
    "last_run_at_naive": (Interval(60), {}),
    "last_run_at_fixed_offset": (Interval(60), {}),
    "last_run_at_datetime_timezone_utc": (Interval(60), {}),
    "last_run_at_zoneinfo_micro": (Interval(60), {}),
    "name_unicode_and_spaces": (Interval(60), {"kwargs": {"text": "été"}}),
    "name_integer": (Interval(60), {}),
    "custom_prefix_ny_interval_5": (Interval(5), {}),
    "custom_prefix_ny_crontab_0900": (Crontab(minute=0, hour=9), {}),
    "custom_prefix_ny_rrule_no_dtstart": (RRule("DAILY", byhour=[9], byminute=[0], bysecond=[0]), {}),
}


def test_every_after_save_dump_has_a_case(upstream_vectors):
    dumps = {
        c
        for c, r in upstream_vectors.items()
        if r.get("phase") == "after_save" and r.get("redis_hash_fields")
    }
    assert dumps - {"resave_existing_meta_kept"} == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_save_writes_upstreams_bytes(case, upstream_vectors, redis_server):
    record = upstream_vectors[case]
    stored = record["redis_hash_fields"]
    upstream_def = json.loads(stored["definition"])
    schedule, kwargs = CASES[case]
    app = record["app"]
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    r.flushall()
    client = RedBeatClient(
        r, key_prefix=app["redbeat_key_prefix"], timezone=app["timezone"], clock=FrozenClock(T0)
    )
    name = 123 if case == "name_integer" else upstream_def["name"]
    saved = client.save(Entry(name, upstream_def["task"], schedule, **kwargs))

    assert record["redis_key"] == client.keys.entry(saved.name)
    ours = r.hgetall(record["redis_key"])
    assert ours["definition"] == stored["definition"]  # byte-equal
    upstream_last = decode_datetime(json.loads(stored["meta"])["last_run_at"])
    ours_last = decode_datetime(json.loads(ours["meta"])["last_run_at"])
    assert ours_last == T0  # a first save records now, in UTC
    if upstream_last == T0:
        # upstream scored from now too: same score; same bytes when its app zone was UTC
        assert r.zscore(record["zset_key"], record["redis_key"]) == float(record["zset_score"])
        if app["timezone"] == "UTC":
            assert ours["meta"] == stored["meta"]


@pytest.mark.parametrize("case", [*sorted(CASES), "resave_existing_meta_kept"])
def test_upstream_dumps_decode_and_reencode_byte_equal(case, upstream_vectors):
    record = upstream_vectors[case]
    stored = record["redis_hash_fields"]
    prefix = record["app"]["redbeat_key_prefix"]
    name = record["redis_key"][len(prefix) :]
    entry = codec.decode_entry(record["redis_key"], name, stored["definition"], stored["meta"])
    wire = codec.definition_wire(entry, T0, UTC)
    assert codec.encode_definition(wire) == stored["definition"]
    meta = json.loads(stored["meta"])
    assert codec.encode_meta(entry.last_run_at, meta.get("total_run_count")) == stored["meta"]
