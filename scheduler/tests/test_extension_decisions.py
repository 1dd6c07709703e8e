"""The scheduler's decisions under the extension profile: zone, window, jitter and catch-up (pure: no Redis,
no Celery; the injected clock is the `now` argument). The reader's handling of the field is checked too."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from redbeat_scheduler import decision
from redbeat_scheduler.plans import Plan
from redbeat_scheduler.reading import Reader
from redbeat_sdk import CorruptEntry, Crontab, Entry, Interval
from redbeat_sdk.extensions import Extensions, catch_up_window
from redbeat_sdk.runs import Rules, jitter_offset

UTC = timezone.utc
T = datetime(2025, 1, 15, 12, tzinfo=UTC)


def verdict(schedule, last, now, extensions=None, deadline=None, name="e"):
    entry = Entry(name, "t", schedule, extensions=extensions).with_state(last, 1, None)
    ext = entry.extensions
    plan = Plan(entry.schedule)
    return decision.decide(
        entry,
        now,
        UTC,
        deadline=deadline,
        next_run=plan.next_run,
        rules=Rules.of(name, ext),
        catch_up=catch_up_window(ext.catch_up),
    )


def test_a_zoned_crontab_waits_for_its_zones_wall_clock_and_fires_then():
    tokyo = {"timezone": "Asia/Tokyo"}
    assert verdict(Crontab(minute=0, hour=9), T, T, tokyo) == decision.Wait(datetime(2025, 1, 16, tzinfo=UTC))
    fired = verdict(Crontab(minute=0, hour=9), T, datetime(2025, 1, 16, tzinfo=UTC), tokyo)
    assert fired == decision.Fire(datetime(2025, 1, 17, tzinfo=UTC), datetime(2025, 1, 16, tzinfo=UTC))


def test_jitter_delays_the_run_and_the_next_one_by_the_profiles_offset():
    ext = {"jitter": 120}
    slot = T + timedelta(minutes=10)
    due = slot + jitter_offset("e", slot, 120_000)
    assert verdict(Crontab(minute="*/10"), T, slot, ext) == decision.Wait(due)
    fired = verdict(Crontab(minute="*/10"), T, due, ext)
    next_slot = slot + timedelta(minutes=10)
    assert fired == decision.Fire(next_slot + jitter_offset("e", next_slot, 120_000), due)


def test_the_window_holds_a_never_run_entry_until_it_opens_and_ends_its_runs():
    start, end = T + timedelta(hours=1), T + timedelta(hours=2)
    window = {"start_at": start, "end_at": end}
    assert verdict(Interval(600), None, T, window) == decision.Wait(start)
    assert verdict(Interval(600), None, start, window) == decision.Fire(start + timedelta(minutes=10), None)
    last_in = end - timedelta(minutes=5)
    assert verdict(Interval(600), last_in, end, window) == decision.Exhausted()
    assert verdict(Interval(600), None, end + timedelta(seconds=1), window) == decision.Exhausted()


@pytest.mark.parametrize(
    ("policy", "late", "runs"),
    [
        ("skip", timedelta(seconds=0.5), timedelta(0)),
        ("skip", timedelta(seconds=1), None),
        ("skip", timedelta(hours=2, minutes=30), None),
        (1800, timedelta(minutes=15), timedelta(0)),
        (1800, timedelta(minutes=45), None),
        # 2 h late, but 15:00's run is on time: that one runs (one run inside the window)
        ("skip", timedelta(hours=2), timedelta(hours=2)),
        ("once", timedelta(days=3), timedelta(0)),  # Celery's: the first missed run, once
    ],
)
def test_catch_up_skips_a_run_reached_too_late(policy, late, runs):
    """`runs`: which run is sent (its due time after 13:00), None: skipped."""
    hourly = Crontab(minute=0)
    due = T + timedelta(hours=1)
    got = verdict(hourly, T, due + late, {"catch_up": policy})
    if runs is not None:
        assert isinstance(got, decision.Fire) and got.due == due + runs
    else:
        assert isinstance(got, decision.SkipLate) and got.missed == due
        assert got.next_due is not None and got.next_due > due + late  # the next future run


def test_catch_up_applies_to_intervals_and_overrides_the_beat_deadline():
    # the beat-wide deadline leaves intervals alone; an entry's catch-up does not
    assert isinstance(verdict(Interval(60), T, T + timedelta(hours=1), deadline=10), decision.Fire)
    skipped = verdict(Interval(60), T, T + timedelta(hours=1), {"catch_up": 10}, deadline=None)
    assert isinstance(skipped, decision.SkipLate) and skipped.window == 10
    # a generous entry window wins over a strict beat deadline for a crontab
    run = verdict(Crontab(minute=0), T, T + timedelta(hours=1, minutes=5), {"catch_up": 3600}, deadline=1)
    assert isinstance(run, decision.Fire)


def test_a_never_run_entry_runs_whatever_its_catch_up():
    assert isinstance(verdict(Crontab(minute=0), None, T, {"catch_up": "skip"}), decision.Fire)


# -- the reader ---------------------------------------------------------------------------------------------


def _definition(schedule) -> str:
    from redbeat_sdk import codec

    return codec.encode_definition(codec.definition_wire(Entry("e", "t", schedule), T, UTC))


def test_the_reader_carries_the_rules_and_marks_a_one_off_to_delete():
    from redbeat_sdk.schedules import OneOff

    reader = Reader()
    at = datetime(2025, 2, 1, 9, tzinfo=UTC)
    ext = Entry("e", "t", OneOff(at, delete_after_run=True), extensions=Extensions(jitter=5)).extensions_wire(
        UTC
    )
    loaded = reader.read("redbeat:e", "e", _definition(OneOff(at)), None, json.dumps(ext))
    assert loaded.delete_after_run and loaded.rules.jitter_ms == 5000
    plain = reader.read("redbeat:e", "e", _definition(OneOff(at)), None, None)
    assert not plain.delete_after_run and plain.rules.plain


@pytest.mark.parametrize("raw", ['{"version": 1, "timezone": "Nope/Zone"}', "[", '{"version": 7}'])
def test_the_reader_refuses_a_corrupt_extensions_field(raw):
    with pytest.raises(CorruptEntry) as err:
        Reader().read("redbeat:e", "e", _definition(Interval(5)), None, raw)
    assert "extensions" in err.value.reason


def test_zoned_and_plain_answers_of_one_plan_are_kept_apart():
    from redbeat_sdk import RRule

    rule = RRule("DAILY", dtstart=datetime(2025, 3, 1, 9, tzinfo=ZoneInfo("America/New_York")))
    plan = Plan(rule)
    wire = rule.to_wire(T, UTC)
    ny = ZoneInfo("America/New_York")
    last = datetime(2025, 3, 10, 12, tzinfo=UTC)
    assert plan.next_run(wire, last, last, ny) == datetime(2025, 3, 10, 14, tzinfo=UTC)  # fixed -05:00
    assert plan.next_run(wire, last, last, ny, zoned=True) == datetime(2025, 3, 10, 13, tzinfo=UTC)
