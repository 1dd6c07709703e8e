"""What the reader takes from stored data at the edges of the contract (schema/README.md): nulls upstream
reads as missing, integers written as one within the signed 64-bit range, dates and offsets a datetime
holds, and a re-save over a stored meta that is not UTF-8."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import redis

from redbeat_sdk import CorruptEntry, Entry, Interval, codec

UTC = timezone.utc
KEY = "redbeat:job"
LAST_RUN = {
    "__type__": "datetime",
    "year": 2026,
    "month": 1,
    "day": 5,
    "hour": 12,
    "minute": 0,
    "second": 0,
    "microsecond": 0,
    "timezone": "UTC",
}
RRULE = '{"__type__": "rrule", "freq": 3, "interval": 1, "dtstart": 1767225600, "dtstart_tz": 0}'


def definition(
    schedule: str = '{"__type__": "interval", "every": 60.0, "relative": false}', **raw: str
) -> str:
    """A definition's JSON text; `raw` values replace members as written (number texts kept)."""
    members = {
        "name": '"job"',
        "task": '"tasks.ping"',
        "args": "null",
        "kwargs": "{}",
        "options": "{}",
        "schedule": schedule,
        "enabled": "true",
        **raw,
    }
    return "{" + ", ".join(f'"{k}": {v}' for k, v in members.items()) + "}"


def meta(count: str = "3") -> str:
    return f'{{"last_run_at": {json.dumps(LAST_RUN)}, "total_run_count": {count}}}'


def read(defn: str, meta_text: str | None = None) -> Entry:
    return codec.decode_entry(KEY, "job", defn, meta(meta_text) if meta_text else meta())


def assert_refused_at(member: str, value: str) -> None:
    """The rrule with `member` written as `value` (number text kept) is corrupt, at that field."""
    rule = json.loads(RRULE)
    rule[member] = "MARK"
    text = json.dumps(rule).replace('"MARK"', value)
    with pytest.raises(CorruptEntry, match=rf"definition\.schedule\.{member}: "):
        read(definition(text))


# -- null reads as missing, as upstream 2.4.2 reads it ------------------------------------------------------


def test_a_null_name_reads_like_a_missing_one():
    assert read(definition(name="null")).name == "job"
    assert read(definition(name="null")) == read(definition().replace('"name": "job", ', ""))


def test_a_null_rrule_dtstart_and_offsets_read_like_missing_ones():
    null = RRULE.replace("1767225600", "null").replace('"dtstart_tz": 0', '"dtstart_tz": null')
    entry = read(definition(null))
    assert entry.schedule.dtstart is None  # now, when the rule is evaluated
    missing = '{"__type__": "rrule", "freq": 3, "interval": 1}'
    assert entry.schedule == read(definition(missing)).schedule
    until = RRULE.replace("}", ', "until": 1767312000, "until_tz": null}')
    assert read(definition(until)).schedule.until == datetime(2026, 1, 2, tzinfo=UTC)


def test_a_null_relative_reads_as_false():
    schedule = '{"__type__": "interval", "every": 60.0, "relative": null}'
    assert read(definition(schedule)).schedule == Interval(60.0, False)


def test_a_null_run_count_reads_as_zero():
    assert read(definition(), "null").total_run_count == 0


# -- integers: JSON digits within the signed 64-bit range ----------------------------------------------------


@pytest.mark.parametrize("count", ["0", "9223372036854775807"])
def test_integer_fields_take_digits_up_to_int64(count):
    assert read(definition(), count).total_run_count == int(count)


@pytest.mark.parametrize(
    "count", ["3.0", "3e0", "1e308", "1e-400", "9223372036854775808", "18446744073709551616"]
)
def test_an_integer_field_refuses_fractions_exponents_and_more_than_int64(count):
    with pytest.raises(CorruptEntry) as caught:
        read(definition(), count)
    assert caught.value.key == KEY
    assert caught.value.reason.startswith("meta.total_run_count: ")


@pytest.mark.parametrize(
    "field,value",
    [
        ("interval", "1e308"),
        ("interval", "2.0"),
        ("freq", "3.0"),
        ("freq", "1e-400"),
        ("count", "9223372036854775808"),
    ],
)
def test_integer_fields_of_a_schedule_too(field, value):
    assert_refused_at(field, value)


@pytest.mark.parametrize("field", ["minute", "microsecond"])
def test_integer_fields_of_the_last_run_too(field):
    text = meta().replace(f'"{field}": 0', f'"{field}": 0.0')
    with pytest.raises(CorruptEntry, match=rf"meta\.last_run_at\.{field}: "):
        codec.decode_meta(KEY, text)


# -- what a date, an offset and a timedelta hold ---------------------------------------------------------------


@pytest.mark.parametrize(
    "member,value",
    [
        ("dtstart", "253402300800"),  # 10000-01-01
        ("dtstart", "-62135596801"),  # year 0
        ("dtstart", "123456789012345678901234567890"),
        ("dtstart", "9007199254740993"),
        ("dtstart_tz", "1440"),
        ("dtstart_tz", "1e308"),
        ("dtstart_tz", "-2147483648"),
    ],
)
def test_an_rrule_stamp_outside_what_a_datetime_holds_is_corrupt(member, value):
    assert_refused_at(member, value)


def test_a_stamp_in_range_whose_offset_leaves_year_9999_is_corrupt():
    text = RRULE.replace("1767225600", "253402300799").replace('"dtstart_tz": 0', '"dtstart_tz": 60.0')
    with pytest.raises(CorruptEntry, match=r"definition\.schedule\.dtstart: .* no date in years 1-9999"):
        read(definition(text))


@pytest.mark.parametrize("every", ["86400000000000", "1e308", "123456789012345678901234567890"])
def test_an_interval_longer_than_a_timedelta_is_corrupt(every):
    schedule = f'{{"__type__": "interval", "every": {every}, "relative": false}}'
    with pytest.raises(CorruptEntry, match=r"definition\.schedule"):
        read(definition(schedule))
    with pytest.raises(CorruptEntry, match=r"definition\.schedule"):
        read(definition(every))  # a bare number of seconds


# -- a re-save over a stored meta that is not UTF-8 -------------------------------------------------------------


def test_a_resave_over_meta_that_is_not_utf8_keeps_it_and_scores_now(client, redis_server, clock, caplog):
    client.save(Entry("job", "tasks.ping", Interval(60.0)))
    bad = b'{"last_run_at": null, "total_run_count": "\xff"}'
    r = redis.Redis.from_url(redis_server.url)  # bytes as stored
    r.hset(KEY, "meta", bad)
    saved = client.save(Entry("job", "tasks.other", Interval(60.0)))
    assert saved.task == "tasks.other" and saved.last_run_at is None
    assert r.hget(KEY, "meta") == bad  # kept, as upstream's HSETNX keeps it
    assert r.zscore("redbeat::schedule", KEY) == int(clock().timestamp())
    assert "meta: not valid UTF-8" in caplog.text
    with pytest.raises(CorruptEntry, match="meta: not valid UTF-8"):
        client.get("job")
