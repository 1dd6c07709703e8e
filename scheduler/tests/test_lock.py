"""The lock scripts on a real Redis: take, extend-to, contend, release; and upstream's lock on the same key."""

from __future__ import annotations

import os
import socket

import pytest

from redbeat_scheduler.lock import FencedLock
from redbeat_scheduler.scripts import Scripts
from redbeat_sdk.lock_token import parse_token

KEY = "redbeat::lock"


@pytest.fixture
def scripts(r):
    return Scripts(r)


def lock(scripts, timeout=5.0, key=KEY):
    return FencedLock(scripts, key, timeout, placeholder_key="redbeat::schedule")


def test_take_extend_release(r, scripts):
    a = lock(scripts)
    state = a.acquire_or_extend()
    assert state.held and r.get(KEY) == a.token and 4900 < r.pttl(KEY) <= 5000
    r.pexpire(KEY, 100)
    assert a.acquire_or_extend().held
    assert r.pttl(KEY) > 4900  # extended *to* the timeout, not by it
    assert a.release() and r.get(KEY) is None


def test_a_standby_is_refused_and_told_who_holds_the_lock_and_when_it_expires(r, scripts):
    a, b = lock(scripts), lock(scripts)
    a.acquire_or_extend()
    r.pexpire(KEY, 1234)
    state = b.acquire_or_extend()
    assert not state.held and 1.0 < state.ttl <= 1.234 and state.holder == a.token
    assert r.get(KEY) == a.token  # untouched
    assert not b.release() and r.get(KEY) == a.token


def test_the_standby_takes_an_expired_lock(r, scripts):
    a, b = lock(scripts), lock(scripts)
    a.acquire_or_extend()
    r.delete(KEY)  # what expiry does
    assert b.acquire_or_extend().held and r.get(KEY) == b.token
    assert not a.acquire_or_extend().held  # the former holder now stands by


def test_the_token_names_this_host_and_process(scripts):
    holder = parse_token(lock(scripts).token)
    assert holder.ours and (holder.host, holder.pid) == (socket.gethostname().replace(":", "-"), os.getpid())
    assert lock(scripts).token != lock(scripts).token


def test_a_lock_without_expiry_reports_negative_ttl(r, scripts):
    r.set(KEY, "someone")
    assert lock(scripts).acquire_or_extend().ttl < 0


def test_no_lock_means_always_leading(r, scripts):
    none = FencedLock(scripts, None, 5, placeholder_key="redbeat::schedule")
    assert none.acquire_or_extend().held and none.fence() == ("redbeat::schedule", "")
    assert r.keys("*") == []


def test_upstreams_lock_and_ours_exclude_each_other(r, scripts):
    """Upstream takes the lock with redis-py's Lock (SET NX PX) and releases it with a token check."""
    upstream = r.lock(KEY, timeout=5, blocking=False)
    assert upstream.acquire()
    ours = lock(scripts)
    assert not ours.acquire_or_extend().held
    upstream.release()
    assert ours.acquire_or_extend().held
    assert not r.lock(KEY, timeout=5, blocking=False).acquire()
