"""Upstream imported in the same process, and a standby that says who it waits for.

Upstream's package connects a `beat_init` receiver for every beat of the process; for ours it must do
nothing (coexist.py), while an upstream scheduler in the same interpreter keeps its behaviour.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref

import pytest
import redbeat
from celery.beat import Service
from celery.signals import beat_init

from redbeat_scheduler import RedBeatScheduler
from redbeat_sdk.lock_token import parse_token

OURS = "redbeat_scheduler.RedBeatScheduler"
KEY = "redbeat::lock"


def start(app, scheduler_cls=OURS):
    """What `celery beat` does before its first tick: build the scheduler, send beat_init."""
    service = Service(app, scheduler_cls=scheduler_cls)
    responses = beat_init.send(sender=service)
    return service, [(receiver, result) for receiver, result in responses if isinstance(result, Exception)]


def test_upstreams_receiver_leaves_our_beat_alone_and_ours_leads(make_app, r):
    app = make_app()
    service, failed = start(app)
    assert failed == []
    assert r.get(KEY) is None  # upstream's receiver would have taken it under a redis-py token
    try:
        service.scheduler.tick()
        assert service.scheduler.leading and parse_token(r.get(KEY)).ours
    finally:
        service.scheduler.close()


def test_upstreams_receiver_does_not_block_our_beat_behind_another_holder(make_app, r):
    r.set(KEY, "redbeat-scheduler:elsewhere:1:ab", px=60_000)
    app = make_app(beat_max_loop_interval=1)
    done = threading.Event()
    outcome = {}

    def run():
        outcome["service"], outcome["failed"] = start(app)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    # upstream's receiver would poll `lock.acquire()` until the holder's lock expires (a minute here)
    assert done.wait(20), "beat_init blocked"
    assert outcome["failed"] == []
    scheduler = outcome["service"].scheduler
    try:
        scheduler.tick()
        assert not scheduler.leading and r.get(KEY) == "redbeat-scheduler:elsewhere:1:ab"
    finally:
        scheduler.close()


def test_an_upstream_scheduler_in_the_same_process_still_takes_its_lock(make_app, r):
    app = make_app(redbeat_key_prefix="up:")
    service, failed = start(app, "redbeat.RedBeatScheduler")
    assert failed == []
    lock = service.scheduler.lock
    try:
        assert lock is not None and r.get("up::lock") == lock.local.token.decode()
        assert parse_token(r.get("up::lock")).kind == "celery-redbeat"
    finally:
        lock.release()


def test_the_guard_is_installed_once(make_app):
    make_app()
    RedBeatScheduler(app=make_app(), lazy=True)
    RedBeatScheduler(app=make_app(), lazy=True)
    uids = [key for key, _ in beat_init.receivers if key[0] == "redbeat_scheduler.coexist.skip_ours"]
    assert len(uids) == 1
    connected = [ref() if isinstance(ref, weakref.ReferenceType) else ref for _, ref in beat_init.receivers]
    assert redbeat.schedulers.acquire_distributed_beat_lock not in connected


# -- a standby says who it waits for ------------------------------------------------------------------


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.INFO, logger="redbeat_scheduler")
    return lambda: [
        rec.getMessage()
        for rec in caplog.records
        if rec.levelno == logging.WARNING and rec.name.startswith("redbeat_scheduler")
    ]


@pytest.fixture
def standby(make_scheduler, make_app):
    return make_scheduler(make_app(redbeat_lock_lease=10))


def test_a_standby_warns_once_about_an_upstream_holder(standby, r, warnings):
    token = uuid.uuid1().hex
    r.set(KEY, token, px=1_500_000)
    standby.tick()
    standby.tick()
    assert len(warnings()) == 1
    message = warnings()[0]
    assert "upstream celery-redbeat" in message and token in message and "for another 1500s" in message
    r.set(KEY, uuid.uuid1().hex, px=1_500_000)  # another holder: said again
    standby.tick()
    assert len(warnings()) == 2


def test_a_standby_warns_about_one_of_ours_holding_longer_than_its_lease(standby, r, warnings):
    r.set(KEY, "redbeat-scheduler:box-7:321:ff", px=600_000)
    standby.tick()
    assert len(warnings()) == 1 and "on box-7, pid 321" in warnings()[0] and "600s" in warnings()[0]


def test_a_standby_warns_about_a_lock_that_never_expires(standby, r, warnings):
    r.set(KEY, "redbeat-scheduler:box-7:321:ff")
    standby.tick()
    assert len(warnings()) == 1 and "no expiry" in warnings()[0]


def test_two_healthy_beats_of_ours_stay_quiet(make_scheduler, make_app, r, warnings):
    leader = make_scheduler(make_app(redbeat_lock_lease=10))
    standby = make_scheduler(make_app(redbeat_lock_lease=10))
    leader.tick()
    for _ in range(3):
        standby.tick()
        leader.tick()
    assert leader.leading and not standby.leading
    assert warnings() == []


def test_an_unknown_holder_is_named(standby, r, warnings):
    r.set(KEY, "someone-else", px=5_000)
    standby.tick()
    assert len(warnings()) == 1 and "unknown holder" in warnings()[0] and "someone-else" in warnings()[0]
