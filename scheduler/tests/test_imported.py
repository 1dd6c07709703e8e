"""What `redbeat import --from-django-celery-beat` writes is fired by upstream's beat (celery-redbeat 2.4.2)
and by ours: tick by tick on a frozen clock, published to a real Redis broker with the options
django-celery-beat gives its tasks (queue, priority, headers, message expiry), run state carried on.
What went through the extension profile (a crontab's own zone, a clocked one-off, the window of
start_time and expires) is honoured by ours and read by upstream's, which fires the plain definition."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redbeat
from celery import Celery
from conftest import T0
from djangodb import make_database

from redbeat_sdk import RedBeatClient

UTC = ZoneInfo("UTC")
REDBEAT = Path(sys.executable).with_name("redbeat")
TUESDAY_9 = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # T0 is Monday 12:00
TASKS = [
    {
        "name": "ping",
        "task": "tasks.ping",
        "interval": {"every": 10, "period": "seconds"},
        "args": [1, "a"],
        "kwargs": {"k": True},
        "queue": "q1",
        "priority": 3,
        "headers": {"tenant": "acme"},
        "last_run_at": (T0 - timedelta(seconds=5)).isoformat(),
        "total_run_count": 2,
    },
    {
        "name": "report",
        "task": "tasks.report",
        "crontab": {"minute": "0", "hour": "9", "day_of_week": "mon-fri", "timezone": "UTC"},
        "last_run_at": "2026-01-05T09:00:00+00:00",
        "total_run_count": 7,
        "expire_seconds": 60,
    },
    # a crontab in its own zone: 09:00 in Berlin is 08:00 UTC in winter
    {
        "name": "berlin",
        "task": "tasks.berlin",
        "crontab": {"minute": "0", "hour": "9", "timezone": "Europe/Berlin"},
        "last_run_at": "2099-01-01T08:00:00+00:00",
        "total_run_count": 1,
    },
    # one run at its clocked time, then kept with no other (django-celery-beat disables it)
    {
        "name": "clocked",
        "task": "tasks.once",
        "clocked": {"clocked_time": "2099-01-01T08:00:00+00:00"},
        "one_off": True,
    },
    # every hour from start_time (its first run), none after expires
    {
        "name": "window",
        "task": "tasks.window",
        "interval": {"every": 1, "period": "hours"},
        "start_time": "2099-01-01T00:00:00+00:00",
        "expires": "2099-01-01T02:30:00+00:00",
    },
]
DAY = datetime(2099, 1, 1, tzinfo=UTC)  # a Thursday
EXTENDED = {"tasks.berlin", "tasks.once", "tasks.window"}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("django") / "db.sqlite3"
    make_database(f"sqlite:///{path}", TASKS)
    return f"sqlite:///{path}"


@pytest.fixture
def imported(redis_url, database):
    done = subprocess.run(
        [str(REDBEAT), "--url", redis_url, "import", "--from-django-celery-beat", database, "--skip-bad"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "refused" not in done.stderr, done.stderr
    return done


@pytest.fixture
def frozen(monkeypatch, clock):
    """Celery's clock for every app, including the one upstream's decoded schedules fall back to."""
    monkeypatch.setattr(Celery, "now", lambda app: clock().astimezone(app.timezone))


def beat_of(kind: str, make_app, make_scheduler):
    if kind == "ours":
        return make_scheduler(make_app())
    # upstream takes its lock in beat_init, which no `celery beat` sends here: run it without one
    return redbeat.RedBeatScheduler(app=make_app(redbeat_lock_key=None))


@pytest.mark.parametrize("kind", ["ours", "upstream"])
def test_imported_entries_fire_with_django_celery_beats_options(
    kind, imported, frozen, make_app, make_scheduler, clock, broker, redis_url
):
    sdk = RedBeatClient.from_url(redis_url, clock=clock)
    beat = beat_of(kind, make_app, make_scheduler)
    try:
        beat.tick()
        assert broker.sent() == []  # ping ran 5 s before T0: due at T0 + 5 s
        clock.advance(5)
        beat.tick()
        [ping] = broker.sent()
        assert (ping.queue, ping.task, ping.args, ping.kwargs) == ("q1", "tasks.ping", [1, "a"], {"k": True})
        assert ping.headers["tenant"] == "acme" and ping.headers["periodic_task_name"] == "ping"
        assert broker.client.llen("q1\x06\x163") == 1  # kombu's list of priority 3
        assert sdk.get("ping").total_run_count == 3
        clock.set(TUESDAY_9 - timedelta(seconds=1))
        beat.tick()
        assert "tasks.report" not in broker.tasks()
        clock.set(TUESDAY_9)
        beat.tick()
        [report] = [s for s in broker.sent() if s.task == "tasks.report"]
        # expire_seconds became the message's expiry: 60 s after it was sent
        assert datetime.fromisoformat(report.headers["expires"]) == TUESDAY_9 + timedelta(seconds=60)
        entry = sdk.get("report")
        assert (entry.last_run_at, entry.total_run_count) == (TUESDAY_9, 8)
    finally:
        if kind == "ours":
            beat.close()


def test_our_beat_honours_the_zone_the_one_off_and_the_window(
    imported, make_app, make_scheduler, clock, broker, redis_url
):
    sdk = RedBeatClient.from_url(redis_url, clock=clock)
    beat = make_scheduler(make_app())

    def tick_at(moment: datetime) -> list[str]:
        """The extended entries' tasks sent by a tick at `moment` (ping and report, overdue, fire too)."""
        clock.set(moment)
        before = Counter(broker.tasks())
        beat.tick()
        return sorted((Counter(broker.tasks()) - before).keys() & EXTENDED)

    try:
        assert tick_at(DAY - timedelta(seconds=1)) == []
        for hour in (0, 1, 2):
            assert tick_at(DAY + timedelta(hours=hour)) == ["tasks.window"]
        assert tick_at(DAY + timedelta(hours=3)) == []  # after expires
        assert sdk.get("window").score == -1
        assert tick_at(DAY + timedelta(hours=8) - timedelta(seconds=1)) == []
        assert tick_at(DAY + timedelta(hours=8)) == ["tasks.once"]
        once = sdk.get("clocked")  # kept, with no further run
        assert (once.score, once.total_run_count, once.enabled) == (-1, 1, True)
        assert tick_at(DAY + timedelta(days=1, hours=7, minutes=59)) == []
        assert tick_at(DAY + timedelta(days=1, hours=8)) == ["tasks.berlin"]  # 09:00 in Berlin
        assert broker.tasks().count("tasks.once") == 1
    finally:
        beat.close()


def test_upstreams_beat_reads_the_extended_entries_and_fires_their_plain_definitions(
    imported, frozen, make_app, clock, broker, redis_url
):
    """Upstream ignores the extensions field: the one-off is an rrule of one run, which it fires once;
    the crontab runs on the beat's zone; the window is not its to honour. Nothing fails."""
    sdk = RedBeatClient.from_url(redis_url, clock=clock)
    beat = beat_of("upstream", make_app, None)
    for moment in (DAY + timedelta(hours=8), DAY + timedelta(hours=9), DAY + timedelta(days=1, hours=9)):
        clock.set(moment)
        beat.tick()
    assert broker.tasks().count("tasks.once") == 1
    assert sdk.get("clocked").total_run_count == 1
    assert "tasks.berlin" in broker.tasks()
    assert {e.name for e in sdk.list()} >= {"berlin", "clocked", "window"}
