"""An old rrule is asked from a later dtstart (`next_run._fast_forward`): same answers as dateutil walking
from the stored dtstart, without walking every occurrence since then."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from redbeat_sdk import next_run as nr
from redbeat_sdk.errors import ValidationError

UTC = timezone.utc
AFTER = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # a DST night in Europe, a Sunday
PERIODS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800}


def walked(schedule: dict, after: datetime, count: int) -> list[datetime]:
    """dateutil's answer from the stored dtstart, occurrence by occurrence."""
    try:
        rule = nr._rrule(json.dumps(schedule, sort_keys=True), None, 0)
    except ValidationError:
        reject()  # a combination dateutil refuses (BYxxx that can never match)
    return list(rule.xafter(after, count=count))


@st.composite
def old_rules(draw: st.DrawFn) -> dict:
    freq = draw(st.sampled_from(sorted(PERIODS)))
    interval = draw(st.integers(1, 7))
    # far enough back for at least one step forward, near enough for dateutil to walk it in the test
    periods_back = draw(st.integers(nr._FORWARD_STEP, 3 * nr._FORWARD_STEP))
    jiggle = draw(st.integers(0, PERIODS[freq] * interval - 1))
    start = int(AFTER.timestamp()) - periods_back * PERIODS[freq] * interval - jiggle
    schedule = {
        "__type__": "rrule",
        "freq": freq,
        "interval": interval,
        "dtstart": start,
        "dtstart_tz": draw(st.sampled_from([0, 60, -300, 330])),
    }
    optional = {
        "byhour": st.lists(st.integers(0, 23), min_size=1, max_size=3),
        "byminute": st.lists(st.integers(0, 59), min_size=1, max_size=3),
        "bysecond": st.lists(st.integers(0, 59), min_size=1, max_size=2),
        "byweekday": st.lists(st.integers(0, 6), min_size=1, max_size=3),
        "bymonthday": st.lists(st.integers(1, 31), min_size=1, max_size=2),
        "bysetpos": st.sampled_from(
            [[1], [-1]]
        ),  # [2] never matches a one-occurrence period: dateutil walks to 9999
        "wkst": st.integers(0, 6),
        "until": st.integers(int(AFTER.timestamp()) - 86400, int(AFTER.timestamp()) + 40 * 86400),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=3)):
        schedule[name] = draw(optional[name])
    return schedule


@settings(max_examples=100, deadline=None)
@given(old_rules(), st.integers(0, 3 * 86400))
def test_forwarded_rule_answers_as_dateutil_walking_from_dtstart(schedule: dict, seconds: int) -> None:
    after = AFTER + timedelta(seconds=seconds)
    expected = walked(schedule, after, 5)
    assert nr.next_runs(schedule, 5, after, after, UTC) == [due.astimezone(UTC) for due in expected]
    first = nr.next_run(schedule, after, after, UTC)
    assert first == (expected[0].astimezone(UTC) if expected else None)


def test_an_old_secondly_rule_is_not_walked_from_its_dtstart() -> None:
    month_ago = int((AFTER - timedelta(days=30)).timestamp())
    schedule = {"__type__": "rrule", "freq": "SECONDLY", "interval": 1, "dtstart": month_ago}
    rule = nr.rrule_for(schedule, AFTER, UTC, after=AFTER)
    assert AFTER - rule._dtstart <= timedelta(seconds=nr._FORWARD_STEP)
    assert rule.after(AFTER) == AFTER + timedelta(seconds=1)


def test_counted_monthly_and_odd_rules_start_where_stored() -> None:
    start = int((AFTER - timedelta(days=400)).timestamp())
    for extra in (
        {"freq": "MINUTELY", "count": 10**6},
        {"freq": "MONTHLY"},
        {"freq": "MINUTELY", "interval": 0},
    ):
        schedule = {"__type__": "rrule", "dtstart": start, **extra}
        assert nr._fast_forward(schedule, AFTER) == 0
