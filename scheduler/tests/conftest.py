"""Fixtures: a real redis-server per session (and a shared cluster and TLS server), Celery apps with a frozen clock, a view of the broker."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
import redis
from beatprocs import BrokerView
from celery import Celery
from topologies import Cluster, Single, TlsServer, Topology

from redbeat_sdk import RedBeatClient

T0 = datetime(2026, 1, 5, 12, 0, 0, tzinfo=ZoneInfo("UTC"))  # a Monday, on the hour
T = TypeVar("T", bound=Topology)
# Wire forms as upstream writes them, for tests that start from stored data or check what was stored:
# datetime(2026, 1, 5, 11, 0, tzinfo=UTC) (an hour before T0) and crontab(minute="*/5").
WIRE_DATETIME = {
    "__type__": "datetime",
    "year": 2026,
    "month": 1,
    "day": 5,
    "hour": 11,
    "minute": 0,
    "second": 0,
    "microsecond": 0,
    "timezone": "UTC",
}
WIRE_CRONTAB_EVERY_5_MIN = {
    "__type__": "crontab",
    "minute": "*/5",
    "hour": "*",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
}


@pytest.fixture(scope="session")
def redis_server():
    with Single() as server:
        yield server


@pytest.fixture(scope="session")
def shared() -> Iterator[Callable[[type[T]], T]]:
    """One topology of each kind for the whole session: started when a test first asks for it, emptied
    for every test that asks, stopped at the end."""
    started: dict[type, Topology] = {}

    def get(kind: type[T]) -> T:
        if kind not in started:
            topology = kind()
            try:
                topology.start()
            except BaseException:
                topology.stop()
                raise
            started[kind] = topology
        started[kind].flushall()
        return started[kind]  # type: ignore[return-value]

    yield get
    for topology in started.values():
        topology.stop()


@pytest.fixture
def cluster(shared) -> Cluster:
    """A 3-master Redis Cluster, empty."""
    return shared(Cluster)


@pytest.fixture
def tls(shared) -> TlsServer:
    """A TLS-only server with ACL users (tools/topologies/README.md), empty."""
    return shared(TlsServer)


@pytest.fixture
def redis_url(redis_server):
    client = redis.Redis(port=redis_server.port)
    client.flushall()
    client.close()
    return f"redis://127.0.0.1:{redis_server.port}/0"


@pytest.fixture
def broker_url(redis_server):
    return f"redis://127.0.0.1:{redis_server.port}/1"


@pytest.fixture
def r(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


class Clock:
    """A frozen, aware 'now' that tests move by hand."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now = self.now + timedelta(seconds=seconds)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(redis_url, broker_url, clock):
    apps = []

    def make(**conf) -> Celery:
        app = Celery("redbeat-scheduler-tests", set_as_current=False)
        settings = dict(
            redbeat_redis_url=redis_url,
            broker_url=broker_url,
            beat_max_loop_interval=60,
            redbeat_lock_timeout=30,
            result_expires=None,
            timezone="UTC",
            broker_connection_retry_on_startup=False,
        )
        settings.update(conf)
        app.conf.update(settings)
        zone = ZoneInfo(app.conf.timezone or "UTC")
        app.now = lambda: clock().astimezone(zone)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def make_scheduler(make_app):
    from redbeat_scheduler import RedBeatScheduler

    made = []

    def make(app=None, **kwargs) -> RedBeatScheduler:
        scheduler = RedBeatScheduler(app=app or make_app(), **kwargs)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        # a test may have closed it or stopped its server already
        with contextlib.suppress(Exception):
            scheduler.close()


@pytest.fixture
def sdk(redis_url, clock):
    client = RedBeatClient.from_url(redis_url, timezone="UTC", clock=clock)
    yield client


@pytest.fixture
def broker(broker_url):
    view = BrokerView(broker_url)
    yield view
    view.close()


@pytest.fixture
def errors(caplog):
    """The error records logged by the scheduler."""
    caplog.set_level(logging.INFO, logger="redbeat_scheduler")
    return lambda: [
        rec
        for rec in caplog.records
        if rec.levelno >= logging.ERROR and rec.name.startswith("redbeat_scheduler")
    ]


def snapshot(client: redis.Redis) -> dict:
    """Every key of db 0 with its type and content, for "nothing was written" assertions."""
    out = {}
    for key in sorted(client.keys("*")):
        kind = client.type(key)
        if kind == "hash":
            out[key] = client.hgetall(key)
        elif kind == "zset":
            out[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            out[key] = sorted(client.smembers(key))
        elif kind == "string":
            out[key] = client.get(key)
    return out


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long outages; run by `make test-slow`, not by `make test`")
