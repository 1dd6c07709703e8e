"""beat_schedule entries: written only by the lock holder, run state kept across restarts, stale ones removed."""

from __future__ import annotations

import json
from datetime import timedelta

from celery.schedules import crontab, schedule
from conftest import T0, WIRE_CRONTAB_EVERY_5_MIN, snapshot

from redbeat_sdk.datetimes import epoch_seconds

BEAT_SCHEDULE = {
    "every-30": {"task": "tasks.thirty", "schedule": 30.0, "args": (1, 2)},
    "cron": {"task": "tasks.cron", "schedule": crontab(minute="*/5"), "options": {"queue": "beat"}},
    "td": {"task": "tasks.td", "schedule": schedule(timedelta(minutes=2))},
}


def test_the_leader_writes_static_entries_as_upstream_does(make_app, make_scheduler, r):
    make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE)).tick()
    assert r.smembers("redbeat::statics") == set(BEAT_SCHEDULE)
    definition = json.loads(r.hget("redbeat:every-30", "definition"))
    assert definition == {
        "name": "every-30",
        "task": "tasks.thirty",
        "args": [1, 2],
        "kwargs": {},
        "options": {},
        "schedule": {"__type__": "interval", "every": 30.0, "relative": False},
        "enabled": True,
    }
    assert json.loads(r.hget("redbeat:cron", "definition"))["schedule"] == WIRE_CRONTAB_EVERY_5_MIN
    assert r.zscore("redbeat::schedule", "redbeat:every-30") == epoch_seconds(T0) + 30
    assert r.zscore("redbeat::schedule", "redbeat:td") == epoch_seconds(T0) + 120


def test_a_standby_writes_nothing(make_app, make_scheduler, r):
    """Upstream #198: standbys rewrote static definitions and scores at startup."""
    app = make_app(beat_schedule=BEAT_SCHEDULE)
    make_scheduler(app).tick()
    r.hset("redbeat:every-30", "definition", r.hget("redbeat:every-30", "definition").replace("30.0", "31.0"))
    before = snapshot(r)
    changed = make_app(beat_schedule={"other": {"task": "t", "schedule": 5}})
    standby = make_scheduler(changed)
    standby.tick()
    assert snapshot(r) == before and not standby.leading


def test_a_restart_keeps_run_state_and_does_not_rerun(make_app, make_scheduler, clock, broker, r):
    app = make_app(beat_schedule=BEAT_SCHEDULE)
    first = make_scheduler(app)
    first.tick()
    clock.advance(30)
    first.tick()
    assert broker.tasks() == ["tasks.thirty"]
    first.close()
    meta = r.hget("redbeat:every-30", "meta")
    clock.advance(10)
    make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE)).tick()
    assert broker.tasks() == ["tasks.thirty"]
    assert r.hget("redbeat:every-30", "meta") == meta
    assert r.zscore("redbeat::schedule", "redbeat:every-30") == epoch_seconds(T0) + 60  # from the last run


def test_entries_that_left_the_configuration_are_deleted(make_app, make_scheduler, sdk, r):
    from redbeat_sdk import Entry, Interval

    sdk.save(Entry("dynamic", "tasks.d", Interval(5)))
    make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE)).close()  # never ticked: wrote nothing
    first = make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE))
    first.tick()
    first.close()
    smaller = {k: v for k, v in BEAT_SCHEDULE.items() if k != "cron"}
    make_scheduler(make_app(beat_schedule=smaller)).tick()
    assert not r.exists("redbeat:cron") and r.zscore("redbeat::schedule", "redbeat:cron") is None
    assert r.smembers("redbeat::statics") == set(smaller)
    assert r.exists("redbeat:dynamic")  # entries saved through the API are never touched


def test_a_static_entry_disabled_through_the_api_stays_disabled(make_app, make_scheduler, sdk, clock, broker):
    first = make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE))
    first.tick()
    first.close()
    sdk.disable("every-30")
    beat = make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE))
    beat.tick()
    assert sdk.get("every-30").enabled is False
    clock.advance(31)
    beat.tick()
    assert broker.sent() == []


def test_a_vanished_static_entry_is_recreated(make_app, make_scheduler, clock, broker, r, errors):
    beat = make_scheduler(make_app(beat_schedule=BEAT_SCHEDULE))
    beat.tick()
    r.delete("redbeat:every-30")  # evicted (upstream #291: the task silently stopped)
    clock.advance(30)
    beat.tick()
    assert any("redbeat:every-30" in rec.getMessage() for rec in errors())
    assert r.exists("redbeat:every-30") and beat.stats.healed == 1
    assert r.zscore("redbeat::schedule", "redbeat:every-30") == epoch_seconds(clock.now) + 30
    clock.advance(30)
    beat.tick()
    assert "tasks.thirty" in broker.tasks()


def test_an_entry_that_cannot_be_stored_is_skipped_and_the_rest_written(make_app, make_scheduler, r, errors):
    # Celery takes a set of minutes; JSON has no sets, so upstream's save() raises on it
    conf = dict(BEAT_SCHEDULE, sets={"task": "tasks.sets", "schedule": crontab(minute={1, 2})})
    make_scheduler(make_app(beat_schedule=conf)).tick()
    assert not r.exists("redbeat:sets") and r.exists("redbeat:every-30")
    assert any("'sets'" in rec.getMessage() for rec in errors())


def test_upstreams_rrule_in_beat_schedule(make_app, make_scheduler, r):
    from redbeat.schedules import rrule

    make_scheduler(
        make_app(beat_schedule={"r": {"task": "t", "schedule": rrule("MINUTELY", dtstart=T0)}})
    ).tick()
    stored = json.loads(r.hget("redbeat:r", "definition"))["schedule"]
    assert stored["__type__"] == "rrule" and stored["freq"] == 5 and stored["dtstart"] == epoch_seconds(T0)


def test_celerys_default_entry_is_stored_but_not_recorded_as_static(make_app, make_scheduler, r):
    make_scheduler(make_app(result_expires=3600, beat_schedule=BEAT_SCHEDULE)).tick()
    assert r.exists("redbeat:celery.backend_cleanup")
    assert "celery.backend_cleanup" not in r.smembers("redbeat::statics")


def test_static_entries_carry_extensions_in_their_own_field(make_app, make_scheduler, r):
    """beat_schedule's `extensions` go to the extensions field, never into the definition that upstream's
    Entry(**definition) reads; the label index follows; a restart without them removes them."""
    tokyo = {
        "task": "tasks.tokyo",
        "schedule": crontab(minute=0, hour=9),
        "extensions": {"timezone": "Asia/Tokyo", "labels": {"tenant": "acme"}},
    }
    first = make_scheduler(make_app(beat_schedule={"tokyo": tokyo}))
    first.tick()
    definition = json.loads(r.hget("redbeat:tokyo", "definition"))
    assert set(definition) == {"name", "task", "args", "kwargs", "options", "schedule", "enabled"}
    assert json.loads(r.hget("redbeat:tokyo", "extensions")) == {
        "version": 1,
        "timezone": "Asia/Tokyo",
        "labels": {"tenant": "acme"},
    }
    assert r.zrange("redbeat::labels", 0, -1) == ["tenant=acme\nredbeat:tokyo"]
    # T0 is 12:00 UTC: 09:00 in Tokyo comes next at 00:00 UTC the next day
    assert T0.hour == 12
    next_day = (T0 + timedelta(days=1)).replace(hour=0)
    assert r.zscore("redbeat::schedule", "redbeat:tokyo") == epoch_seconds(next_day)
    plain = {k: v for k, v in tokyo.items() if k != "extensions"}
    first.close()  # a restart: the next beat takes the lock and syncs
    make_scheduler(make_app(beat_schedule={"tokyo": plain})).tick()
    assert not r.hexists("redbeat:tokyo", "extensions") and r.zrange("redbeat::labels", 0, -1) == []


def test_a_static_entry_with_bad_extensions_is_skipped_and_named(make_app, make_scheduler, r, caplog):
    bad = {"task": "t", "schedule": 30.0, "extensions": {"timezone": "Nope/Zone"}}
    make_scheduler(make_app(beat_schedule={"bad": bad, "fine": {"task": "t", "schedule": 30.0}})).tick()
    assert not r.exists("redbeat:bad") and r.exists("redbeat:fine")
    assert "extensions.timezone: unknown IANA time zone 'Nope/Zone'" in caplog.text
