"""`redbeat import --from-django-celery-beat DSN`: tables made by django-celery-beat's own migrations on a
real PostgreSQL (Debian's, started by tools/topologies) and on an SQLite file, rows made through its
models (tools/djangodb), read by the importer with no Django; what lands in Redis, row by row.

What upstream's format cannot express goes through the extension profile: a crontab's own zone, the
window from start_time and expires, the description; clocked and one_off tasks become one-offs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from clirun import refused, run
from djangodb import make_database
from topologies import Postgres

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient
from redbeat_sdk.extensions import Extensions
from redbeat_sdk.schedules import OneOff

UTC = timezone.utc
FLAG = "--from-django-celery-beat"

# Rows that map, each as django-celery-beat's model takes it.
GOOD = [
    {
        "name": "interval-10s",
        "task": "app.tasks.ping",
        "interval": {"every": 10, "period": "seconds"},
        "args": [1, "a"],
        "kwargs": {"k": True},
        "queue": "q1",
        "exchange": "ex",
        "routing_key": "rk",
        "priority": 3,
        "headers": {"h": "v"},
        "description": "pings",
    },
    {
        "name": "interval-2d-disabled",
        "task": "app.tasks.slow",
        "interval": {"every": 2, "period": "days"},
        "enabled": False,
    },
    {"name": "interval-micro", "task": "t", "interval": {"every": 500000, "period": "microseconds"}},
    {
        "name": "cron-weekdays",
        "task": "app.tasks.report",
        "crontab": {"minute": "0", "hour": "9", "day_of_week": "mon-fri", "timezone": "UTC"},
        "last_run_at": "2025-01-06T09:00:00+00:00",
        "total_run_count": 7,
        "expire_seconds": 60,
        "kwargs": {"fmt": "pdf"},
    },
    {
        "name": "cron-steps",
        "task": "t",
        "crontab": {
            "minute": "*/15",
            "hour": "8-18",
            "day_of_month": "1,15",
            "month_of_year": "*/3",
            "timezone": "Etc/UTC",
        },
    },
    {
        "name": "start-passed",
        "task": "t",
        "interval": {"every": 1, "period": "hours"},
        "start_time": "2020-01-01T00:00:00+00:00",
    },
    {
        "name": "expired",
        "task": "t",
        "interval": {"every": 1, "period": "hours"},
        "expires": "2020-01-01T00:00:00+00:00",
    },
    {
        "name": "cron-berlin",
        "task": "t",
        "crontab": {"minute": "0", "hour": "9", "timezone": "Europe/Berlin"},
        "last_run_at": "2025-01-06T08:00:00+00:00",
        "total_run_count": 1,
    },
    {
        "name": "window",
        "task": "t",
        "interval": {"every": 1, "period": "hours"},
        "start_time": "2099-01-01T00:00:00+00:00",
        "expires": "2099-06-01T00:00:00+00:00",
    },
    {
        "name": "clocked",
        "task": "t",
        "clocked": {"clocked_time": "2099-01-01T08:00:00+00:00"},
        "one_off": True,
    },
    {
        "name": "clocked-past",
        "task": "t",
        "clocked": {"clocked_time": "2020-01-01T08:00:00.250+00:00"},
        "one_off": True,
    },
    {
        "name": "clocked-ran",  # django-celery-beat's beat has not looked at it since its run
        "task": "t",
        "clocked": {"clocked_time": "2020-01-01T08:00:00+00:00"},
        "one_off": True,
        "last_run_at": "2020-01-01T08:00:02+00:00",
        "total_run_count": 1,
    },
    {
        "name": "one-off-interval",
        "task": "t",
        "interval": {"every": 5, "period": "minutes"},
        "one_off": True,
        "last_run_at": "2025-06-01T10:00:00.500+00:00",
    },
    {
        "name": "one-off-cron-window",
        "task": "t",
        "crontab": {"minute": "0", "hour": "9", "timezone": "Europe/Berlin"},
        "one_off": True,
        "start_time": "2099-02-01T00:00:00+00:00",
        "expires": "2099-03-01T00:00:00+00:00",
    },
]
# Rows django-celery-beat holds that cannot be imported (yet), with a word of each reason.
REFUSED = {
    "bad-solar": (
        {"task": "t", "solar": {"event": "sunset", "latitude": "48.85", "longitude": "2.35"}},
        ["solar schedule (sunset", "no solar schedule"],
    ),
    "bad-clocked-not-one-off": (
        {"task": "t", "clocked": {"clocked_time": "2099-01-01T08:00:00+00:00"}, "one_off": True},
        ["clocked schedule (one run at 2099-01-01T08:00:00+00:00) with one_off false", "set one_off"],
    ),
    "bad-window": (
        {
            "task": "t",
            "interval": {"every": 5, "period": "minutes"},
            "start_time": "2099-03-01T00:00:00+00:00",
            "expires": "2099-02-01T00:00:00+00:00",
        },
        ["expires 2099-02-01T00:00:00+00:00 is before start_time 2099-03-01", "never runs it"],
    ),
    "bad-description": (
        {"task": "t", "interval": {"every": 5, "period": "minutes"}, "description": "x" * 1001},
        ["extensions.description", "1000"],
    ),
    "bad-zone": (
        {"task": "t", "crontab": {"minute": "0", "hour": "9", "timezone": "Asia/Tokyo"}},
        ["crontab time zone 'Nope/Zone': not an IANA time zone"],
    ),
    "bad-kwargs": (
        {"task": "t", "interval": {"every": 5, "period": "minutes"}, "kwargs": "[1]"},
        ["kwargs: must be a JSON object, not list"],
    ),
    "bad-cron": (
        {"task": "t", "crontab": {"minute": "61", "hour": "*", "timezone": "UTC"}},
        ["crontab minute", "61"],
    ),
    "bad-args": ({"task": "t", "interval": {"every": 5, "period": "minutes"}}, ["args: invalid JSON"]),
    "bad-headers": ({"task": "t", "interval": {"every": 5, "period": "minutes"}}, ["headers: invalid JSON"]),
    "bad-no-schedule": (
        {"task": "t", "interval": {"every": 5, "period": "minutes"}},
        ["no schedule: none of interval, crontab, solar or clocked is set"],
    ),
}
# what the models refuse to store, planted afterwards as raw SQL
CORRUPTION = [
    "UPDATE django_celery_beat_periodictask SET args = '[1,' WHERE name = 'bad-args'",
    "UPDATE django_celery_beat_periodictask SET headers = 'nope' WHERE name = 'bad-headers'",
    "UPDATE django_celery_beat_periodictask SET interval_id = NULL WHERE name = 'bad-no-schedule'",
    "UPDATE django_celery_beat_periodictask SET one_off = false WHERE name = 'bad-clocked-not-one-off'",
    "UPDATE django_celery_beat_crontabschedule SET timezone = 'Nope/Zone' WHERE timezone = 'Asia/Tokyo'",
]
TASKS = GOOD + [{"name": name, **fields} for name, (fields, _) in REFUSED.items()]


@pytest.fixture(scope="module")
def postgres():
    with Postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("django") / "db.sqlite3"
    made = make_database(f"sqlite:///{path}", TASKS, sql=CORRUPTION)
    return f"sqlite:///{path}", {row["name"]: row for row in made}


@pytest.fixture(scope="module")
def postgres_db(postgres):
    url = postgres.create_database("django")
    made = make_database(url, TASKS, sql=CORRUPTION)
    return url, {row["name"]: row for row in made}


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


def entries(r) -> dict[str, Entry]:
    return {e.name: e for e in RedBeatClient(r).list()}


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_good_rows(r, made: dict) -> None:
    """The rows of GOOD as django-celery-beat's scheduler would send them."""
    got = entries(r)
    assert sorted(got) == sorted(t["name"] for t in GOOD)
    ping = got["interval-10s"]
    assert (ping.task, ping.schedule, ping.args, ping.kwargs, ping.enabled) == (
        "app.tasks.ping",
        Interval(10),
        [1, "a"],
        {"k": True},
        True,
    )
    assert ping.options == {
        "queue": "q1",
        "exchange": "ex",
        "routing_key": "rk",
        "priority": 3,
        "headers": {"h": "v", "periodic_task_name": "interval-10s"},
    }
    # never ran: django-celery-beat counts the first period from the row's last change
    assert ping.last_run_at == stamp(made["interval-10s"]["date_changed"]) and ping.total_run_count == 0
    slow = got["interval-2d-disabled"]
    assert slow.schedule == Interval(2 * 86400) and not slow.enabled
    assert got["interval-micro"].schedule == Interval(0.5)
    report = got["cron-weekdays"]
    assert report.schedule == Crontab(minute="0", hour="9", day_of_week="mon-fri")
    assert report.options == {"expires": 60, "headers": {"periodic_task_name": "cron-weekdays"}}
    assert (report.last_run_at, report.total_run_count) == (datetime(2025, 1, 6, 9, tzinfo=UTC), 7)
    assert report.kwargs == {"fmt": "pdf"} and report.args == []
    assert got["cron-steps"].schedule == Crontab(
        minute="*/15", hour="8-18", day_of_month="1,15", month_of_year="*/3"
    )
    # a start_time already past: due at once, as django-celery-beat makes it
    assert got["start-passed"].last_run_at is None and got["start-passed"].enabled
    assert got["start-passed"].extensions == Extensions(start_at=datetime(2020, 1, 1, tzinfo=UTC))
    expired = got["expired"]  # django-celery-beat disables it at its next look
    assert not expired.enabled and expired.options["expires"] == datetime(2020, 1, 1, tzinfo=UTC)
    assert expired.extensions == Extensions(end_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert ping.extensions == Extensions(description="pings")
    assert report.extensions == Extensions()  # a crontab in the beat's zone: nothing beyond upstream
    check_extended_rows(got)


def check_extended_rows(got: dict[str, Entry]) -> None:
    """The rows that go through the extension profile."""
    berlin = got["cron-berlin"]  # its own zone: 09:00 in Berlin, whatever the beat's
    assert berlin.schedule == Crontab(minute="0", hour="9") and berlin.extensions.timezone == "Europe/Berlin"
    assert berlin.next_runs(2, now=datetime(2025, 1, 6, 8, tzinfo=UTC)) == [
        datetime(2025, 1, 7, 8, tzinfo=UTC),
        datetime(2025, 1, 8, 8, tzinfo=UTC),
    ]
    assert berlin.score == datetime(2025, 1, 7, 8, tzinfo=UTC).timestamp()
    window = got["window"]  # no run before start_time (then at once, an interval's start), none after expires
    assert window.schedule == Interval(3600) and window.last_run_at is None
    assert window.extensions == Extensions(
        start_at=datetime(2099, 1, 1, tzinfo=UTC), end_at=datetime(2099, 6, 1, tzinfo=UTC)
    )
    assert window.options["expires"] == datetime(2099, 6, 1, tzinfo=UTC)  # also the message's expiry
    assert window.score == datetime(2099, 1, 1, tzinfo=UTC).timestamp()
    assert window.next_runs(1, after=datetime(2099, 5, 31, 23, 30, tzinfo=UTC)) == []
    clocked = got["clocked"]  # one run at clocked_time, then kept (django-celery-beat disables it)
    assert clocked.schedule == OneOff(datetime(2099, 1, 1, 8, tzinfo=UTC)) and clocked.enabled
    assert clocked.score == datetime(2099, 1, 1, 8, tzinfo=UTC).timestamp()
    assert clocked.last_run_at is not None and clocked.extensions == Extensions()
    past = got["clocked-past"]  # its time is past and it never ran: due at once, as django-celery-beat has it
    assert past.schedule == OneOff(datetime(2020, 1, 1, 8, 0, 1, tzinfo=UTC)) and past.last_run_at is None
    ran = got["clocked-ran"]  # ran once: disabled, as django-celery-beat's next look leaves it
    assert ran.schedule == OneOff(datetime(2020, 1, 1, 8, tzinfo=UTC)) and not ran.enabled
    assert (ran.last_run_at, ran.total_run_count) == (datetime(2020, 1, 1, 8, 0, 2, tzinfo=UTC), 1)
    once = got["one-off-interval"]  # its next run, to the whole second up, then no other
    assert once.schedule == OneOff(datetime(2025, 6, 1, 10, 5, 1, tzinfo=UTC)) and once.enabled
    assert once.last_run_at == datetime(2025, 6, 1, 10, 0, 0, 500000, tzinfo=UTC)
    cron_once = got["one-off-cron-window"]  # the first 09:00 in Berlin from start_time on
    assert cron_once.schedule == OneOff(datetime(2099, 2, 1, 8, tzinfo=UTC))
    assert cron_once.extensions == Extensions(
        start_at=datetime(2099, 2, 1, tzinfo=UTC), end_at=datetime(2099, 3, 1, tzinfo=UTC)
    )


def check_refusals(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.startswith("refused ")]
    assert len(lines) == len(REFUSED), stderr
    for name, (_, words) in REFUSED.items():
        [line] = [line for line in lines if f" {name!r}: " in line]
        for word in words:
            assert word in line, (word, line)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    return request.getfixturevalue(f"{request.param}_db")


def test_every_row_is_checked_first_and_nothing_is_written_when_one_cannot_be_mapped(url, r, database):
    dsn, _ = database
    result = run(url, "import", FLAG, dsn)
    assert result.returncode == 2, result.stderr
    check_refusals(result.stderr)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: django-celery-beat at ") and "nothing written (--skip-bad" in last
    assert f"{len(REFUSED)} of {len(TASKS)} cannot be imported" in last
    assert "Traceback" not in result.stderr
    assert r.keys("*") == []


def test_skip_bad_imports_every_row_that_maps_as_django_celery_beat_sends_it(url, r, database):
    dsn, made = database
    result = run(url, "import", FLAG, dsn, "--skip-bad")
    assert result.returncode == 0, result.stderr
    check_refusals(result.stderr)
    assert f"imported {len(GOOD)} entries ({len(GOOD)} new, 0 replaced); {len(REFUSED)} refused, skipped" in (
        result.stdout
    )
    summary = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 5
    }
    assert summary["total"] == [str(len(TASKS)), str(len(GOOD)), "0", str(len(REFUSED))]
    assert summary["solar"] == ["1", "0", "0", "1"] and summary["interval"][:2] == ["12", "7"]
    assert summary["clocked"] == ["4", "3", "0", "1"] and summary["crontab"] == ["6", "4", "0", "2"]
    assert summary["none"] == ["1", "0", "0", "1"]  # its schedule row unlinked
    check_good_rows(r, made)
    # the run state as stored: meta exactly as a beat writes it
    assert json.loads(r.hget("redbeat:cron-weekdays", "meta")) == {
        "last_run_at": {
            "__type__": "datetime",
            "year": 2025,
            "month": 1,
            "day": 6,
            "hour": 9,
            "minute": 0,
            "second": 0,
            "microsecond": 0,
            "timezone": "UTC",
        },
        "total_run_count": 7,
    }
    # scored from it: the next weekday 09:00 after the last run
    assert (
        r.zscore("redbeat::schedule", "redbeat:cron-weekdays")
        == datetime(2025, 1, 7, 9, tzinfo=UTC).timestamp()
    )


def test_postgres_and_sqlite_give_the_same_entries(url, r, sqlite_db, postgres_db):
    exported = []
    for dsn, _ in (sqlite_db, postgres_db):
        r.flushall()
        assert run(url, "import", FLAG, dsn, "--skip-bad").returncode == 0
        exported.append(run(url, "export").stdout)
    # in schedule order, which hangs on each database's date_changed: compared as sets of lines
    assert sorted(exported[0].splitlines()) == sorted(exported[1].splitlines())
    assert exported[0].count("\n") == len(GOOD)


def test_dry_run_shows_what_would_be_written_and_writes_nothing(url, r, sqlite_db):
    dsn, _ = sqlite_db
    result = run(url, "import", FLAG, dsn, "--dry-run", "--skip-bad")
    assert result.returncode == 0, result.stderr
    check_refusals(result.stderr)
    for task in GOOD:
        assert task["name"] in result.stdout
    assert "cron 0 9 * * mon-fri" in result.stdout and "never (due at once)" in result.stdout
    assert "in Europe/Berlin" in result.stdout and "once at 2099-01-01T08:00:00+00:00" in result.stdout
    assert "from 2099-01-01 00:00:00 UTC, until 2099-06-01 00:00:00 UTC" in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert f"would import {len(GOOD)} entries ({len(GOOD)} new, 0 replaced)" in result.stdout
    assert r.keys("*") == []
    blocked = run(url, "import", FLAG, dsn, "--dry-run")
    assert blocked.returncode == 2 and "nothing would be written" in blocked.stderr.splitlines()[-1]
    assert r.keys("*") == []


@pytest.fixture
def good_only(sqlite_db, tmp_path):
    """The SQLite database without its refused rows."""
    path = tmp_path / "good.sqlite3"
    shutil.copy(sqlite_db[0][len("sqlite:///") :], path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM django_celery_beat_periodictask WHERE name LIKE 'bad-%'")
    return path


def test_a_database_that_maps_whole_is_imported_without_skip_bad_and_again_keeps_run_state(
    url, r, good_only, sqlite_db
):
    client = RedBeatClient(r)
    assert run(url, "import", FLAG, f"sqlite:///{good_only}").returncode == 0
    check_good_rows(r, sqlite_db[1])
    # the beat runs it, then the import runs again: the definition is written, the run state kept
    r.hset("redbeat:cron-weekdays", "meta", '{"last_run_at": null, "total_run_count": 8}')
    again = run(url, "import", FLAG, str(good_only))  # a plain path is an SQLite file
    assert again.returncode == 0, again.stderr
    assert f"imported {len(GOOD)} entries (0 new, {len(GOOD)} replaced)" in again.stdout
    assert client.get("cron-weekdays").total_run_count == 8


def test_names_a_static_sync_owns_are_refused_unless_renamed(url, r, good_only):
    r.sadd("redbeat::statics", "interval-10s")  # a beat that once ran it from beat_schedule
    result = run(url, "import", FLAG, str(good_only))
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith("refused")]
    assert "'interval-10s' is a static entry of this schedule (redbeat::statics)" in line
    assert "--rename PATTERN" in line
    assert r.keys("redbeat:interval*") == []
    renamed = run(url, "import", FLAG, str(good_only), "--rename", "dj-{name}")
    assert renamed.returncode == 0, renamed.stderr
    got = entries(r)
    assert sorted(got) == sorted(f"dj-{t['name']}" for t in GOOD)
    # django-celery-results keeps finding its runs under the periodic task's own name
    assert got["dj-interval-10s"].options["headers"]["periodic_task_name"] == "interval-10s"


@pytest.fixture(scope="module")
def naive_db(tmp_path_factory):
    """Django with USE_TZ=False: timestamps stored as local time in TIME_ZONE, without an offset."""
    path = tmp_path_factory.mktemp("naive") / "db.sqlite3"
    tasks = [
        {
            "name": "local",
            "task": "t",
            "crontab": {"minute": "0", "hour": "9", "timezone": "UTC"},
            "last_run_at": "2025-01-06T10:00:00",
            "total_run_count": 1,
        }
    ]
    make_database(f"sqlite:///{path}", tasks, use_tz=False, time_zone="Europe/Berlin")
    return f"sqlite:///{path}"


def test_db_timezone_places_timestamps_stored_without_an_offset(url, r, naive_db):
    assert run(url, "import", FLAG, naive_db, "--db-timezone", "Europe/Berlin").returncode == 0
    assert entries(r)["local"].last_run_at == datetime(2025, 1, 6, 9, tzinfo=UTC)  # 10:00 in Berlin
    r.flushall()
    assert run(url, "import", FLAG, naive_db).returncode == 0  # read as UTC
    assert entries(r)["local"].last_run_at == datetime(2025, 1, 6, 10, tzinfo=UTC)


def test_db_timezone_leaves_postgres_timestamps_alone(url, r, postgres_db):
    """PostgreSQL's timestamptz carries the instant: the zone of naive values has nothing to place."""
    dsn, _ = postgres_db
    assert run(url, "import", FLAG, dsn, "--skip-bad", "--db-timezone", "Asia/Tokyo").returncode == 0
    assert entries(r)["cron-weekdays"].last_run_at == datetime(2025, 1, 6, 9, tzinfo=UTC)


def test_large_imports_are_batched(url, r, tmp_path, good_only):
    """Many rows (a progress bar on a terminal): every one written, each scored."""
    with sqlite3.connect(good_only) as db:
        (interval_id,) = db.execute(
            "SELECT interval_id FROM django_celery_beat_periodictask WHERE name = 'interval-10s'"
        ).fetchone()
        columns = (
            "name, task, args, kwargs, enabled, total_run_count, one_off, interval_id, headers, date_changed, "
            "description"
        )
        db.executemany(
            f"INSERT INTO django_celery_beat_periodictask ({columns}) VALUES (?, 't', '[]', '{{}}', 1, 0, 0, ?, "
            "'{}', '2025-01-01 00:00:00', '')",
            [(f"bulk-{i}", interval_id) for i in range(1200)],
        )
    result = run(url, "import", FLAG, str(good_only))
    assert result.returncode == 0, result.stderr
    assert r.zcard("redbeat::schedule") == 1200 + len(GOOD)
    assert (
        r.zscore("redbeat::schedule", "redbeat:bulk-7")
        == datetime(2025, 1, 1, 0, 0, 10, tzinfo=UTC).timestamp()
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([FLAG, "mysql://u@127.0.0.1/db"], ["unsupported database 'mysql'"]),
        ([FLAG, "sqlite:////nonexistent/db.sqlite3"], ["no such file"]),
        ([FLAG, "no-such-file.db"], ["neither a DSN", "nor an existing SQLite file"]),
        (
            [
                FLAG,
                "sqlite:///",
            ],
            ["no file"],
        ),
        ([FLAG, "postgresql://u:s3cret@127.0.0.1:1/db"], [FLAG, "postgresql://u:***@127.0.0.1:1/db"]),
        (["FILE-AND", FLAG, "x"], ["give one source"]),
        (
            [FLAG, "x", "--from-app", "proj:app"],
            ["give one source", "not --from-django-celery-beat and --from-app"],
        ),
        (
            ["--db-timezone", "UTC", "--from-app", "proj:app"],
            ["--db-timezone goes with --from-django-celery-beat"],
        ),
    ],
)
def test_bad_sources_get_one_line(url, r, tmp_path, args, words):
    if args[0] == "FILE-AND":
        file = tmp_path / "entries.jsonl"
        file.write_text("")
        args = [str(file), *args[1:]]
    line = refused(run(url, "import", *args, cwd=tmp_path), 2, *words)
    assert "s3cret" not in line


def test_bad_database_contents_get_one_line(url, r, tmp_path, postgres):
    not_db = tmp_path / "text.db"
    not_db.write_text("hello " * 1000)
    refused(run(url, "import", FLAG, f"sqlite:///{not_db}"), 2, "file is not a database")
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    refused(run(url, "import", FLAG, str(empty)), 2, "no django_celery_beat_periodictask table", "migrate")
    refused(run(url, "import", FLAG, postgres.url_of("nope")), 2, 'database "nope" does not exist')
    refused(run(url, "import", FLAG, postgres.dsn), 2, "no django_celery_beat_periodictask table")


def test_bad_options_get_one_line(url, r, good_only):
    dsn = str(good_only)
    refused(run(url, "import", FLAG, dsn, "--db-timezone", "Nope/Zone"), 2, "--db-timezone", "'Nope/Zone'")
    refused(run(url, "import", FLAG, dsn, "--rename", "dyn-"), 2, "--rename: must contain {name}")
    refused(run(url, "import", FLAG, dsn, "--rename", "{name}-{x}"), 2, "--rename: only {name}")
    assert r.keys("*") == []


def test_an_empty_table_imports_nothing(url, r, good_only):
    with sqlite3.connect(good_only) as db:
        db.execute("DELETE FROM django_celery_beat_periodictask")
    result = run(url, "import", FLAG, str(good_only))
    assert result.returncode == 0 and "nothing to import" in result.stdout


def test_save_many_with_run_state_writes_the_entries_own_and_keeps_a_stored_one(r, clock):
    client = RedBeatClient(r, clock=clock)
    last = clock.now - timedelta(seconds=3)
    fresh = Entry("fresh", "t", Interval(10), last_run_at=last, total_run_count=4)
    never = Entry("never", "t", Interval(10))
    client.save(Entry("kept", "t", Interval(10)))
    kept = Entry("kept", "t", Interval(20), last_run_at=last, total_run_count=9)
    saved = client.save_many([fresh, never, kept], run_state=True)
    assert [(e.last_run_at, e.total_run_count) for e in saved] == [(last, 4), (None, 0), (clock.now, 0)]
    assert client.get("fresh").total_run_count == 4 and client.get("fresh").last_run_at == last
    assert r.zscore("redbeat::schedule", "redbeat:fresh") == int((last + timedelta(seconds=10)).timestamp())
    assert client.get("never").last_run_at is None  # due at once
    assert r.zscore("redbeat::schedule", "redbeat:never") == int(clock.now.timestamp())
    assert client.get("kept").schedule == Interval(20) and client.get("kept").last_run_at == clock.now
    with pytest.raises(ValueError, match="run_state"):
        client.save_many([fresh], run_state="yes")
    with pytest.raises(ValueError, match=r"\[0\]\.total_run_count"):
        client.save_many([Entry("x", "t", Interval(1), total_run_count=-1)], run_state=True)
