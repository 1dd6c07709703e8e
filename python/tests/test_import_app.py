"""`redbeat import --from-app MODULE[:ATTR]`: a Celery app's `beat_schedule` as dynamic entries, under
names the beat's static sync does not own (`--rename`)."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import pytest
from clirun import refused, run

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule
from redbeat_sdk.extensions import Extensions

UTC = timezone.utc
PROJECT = """
from datetime import datetime, timedelta, timezone

from celery import Celery
from celery.schedules import crontab, solar
from redbeat.schedules import rrule

app = Celery("proj")
app.conf.timezone = {zone!r}
app.conf.beat_schedule = {{
    "ping": {{"task": "tasks.ping", "schedule": 10.0, "args": (1, "a")}},
    "report": {{
        "task": "tasks.report",
        "schedule": crontab(minute=0, hour=9, day_of_week="mon-fri"),
        "kwargs": {{"fmt": "pdf"}},
        "options": {{"queue": "reports"}},
    }},
    "rounded": {{"task": "t", "schedule": timedelta(minutes=5), "relative": True}},
    "launch": {{
        "task": "t",
        "schedule": rrule("DAILY", dtstart=datetime(2030, 1, 1, 9, tzinfo=timezone.utc), count=3),
    }},
    "sunset": {{"task": "t", "schedule": solar("sunset", 48.85, 2.35)}},
    "typo": {{"task": "t", "schedule": 10, "kwarg": {{}}}},
}}
other = Celery("other")
other.conf.beat_schedule = {{"dyn-ping": {{"task": "t", "schedule": 5}}}}
"""
GOOD = ["ping", "report", "rounded", "launch"]


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


@pytest.fixture
def project(tmp_path):
    def write(zone: str = "UTC"):
        (tmp_path / "proj.py").write_text(textwrap.dedent(PROJECT.format(zone=zone)))
        return tmp_path

    return write


def refusals(stderr: str) -> dict[str, str]:
    return {
        line.split("'")[1]: line for line in stderr.splitlines() if line.startswith("refused beat_schedule ")
    }


def test_names_of_the_apps_own_beat_schedule_are_refused_unless_renamed(url, r, project):
    result = run(url, "import", "--from-app", "proj:app", cwd=project())
    assert result.returncode == 2
    found = refusals(result.stderr)
    assert sorted(found) == sorted([*GOOD, "sunset", "typo"])
    assert (
        "'ping' is in the beat_schedule of proj:app: its beat writes that static entry over this one"
        in (found["ping"])
    )
    assert "--rename PATTERN" in found["ping"]
    assert r.keys("*") == []


def test_renamed_items_become_dynamic_entries(url, r, project):
    result = run(
        url, "import", "--from-app", "proj:app", "--rename", "dyn-{name}", "--skip-bad", cwd=project()
    )
    assert result.returncode == 0, result.stderr
    found = refusals(result.stderr)
    assert sorted(found) == ["sunset", "typo"]
    assert "solar schedule (sunset): RedBeat has no solar schedule" in found["sunset"]
    assert "unknown keys ['kwarg']" in found["typo"]
    got = {e.name: e for e in RedBeatClient(r).list()}
    assert sorted(got) == sorted(f"dyn-{n}" for n in GOOD)
    assert (got["dyn-ping"].schedule, got["dyn-ping"].args) == (Interval(10), [1, "a"])
    report = got["dyn-report"]
    assert report.schedule == Crontab(minute=0, hour=9, day_of_week="mon-fri")
    assert (report.kwargs, report.options) == ({"fmt": "pdf"}, {"queue": "reports"})
    assert got["dyn-rounded"].schedule == Interval(300, relative=True)
    launch = got["dyn-launch"].schedule
    assert isinstance(launch, RRule) and launch.count == 3
    assert launch.dtstart == datetime(2030, 1, 1, 9, tzinfo=UTC)
    # a first save's run state: the first run one period after the import
    assert got["dyn-ping"].total_run_count == 0
    due = r.zscore("redbeat::schedule", "redbeat:dyn-ping")
    assert due - got["dyn-ping"].last_run_at.timestamp() == pytest.approx(10, abs=1)


def test_an_item_that_ran_as_a_static_entry_carries_its_run_state_on(url, r, project):
    client = RedBeatClient(r)
    client.save(Entry("ping", "tasks.ping", Interval(10)))
    r.hset("redbeat:ping", "meta", '{"last_run_at": null, "total_run_count": 41}')
    r.sadd("redbeat::statics", "ping")
    result = run(url, "import", "--from-app", "proj", "--rename", "dyn-{name}", "--skip-bad", cwd=project())
    assert result.returncode == 0, result.stderr
    assert client.get("dyn-ping").total_run_count == 41 and client.get("dyn-ping").last_run_at is None
    assert client.get("dyn-report").total_run_count == 0


def test_a_crontab_of_an_app_in_another_zone_keeps_that_zone_as_its_own(url, r, project):
    berlin_app = ("import", "--from-app", "proj", "--rename", "b-{name}", "--skip-bad")
    result = run(url, *berlin_app, cwd=project("Europe/Berlin"))
    assert result.returncode == 0, result.stderr
    assert "report" not in refusals(result.stderr)
    got = {e.name: e for e in RedBeatClient(r).list()}
    assert sorted(got) == ["b-launch", "b-ping", "b-report", "b-rounded"]
    report = got["b-report"]  # 09:00 on weekdays in Berlin, under a beat on UTC
    assert report.extensions == Extensions(timezone="Europe/Berlin")
    assert report.next_runs(1, after=datetime(2025, 1, 6, 9, tzinfo=UTC)) == [
        datetime(2025, 1, 7, 8, tzinfo=UTC)
    ]
    assert got["b-ping"].extensions == Extensions()  # only a crontab reads the app's zone
    # the beat's own zone: the crontab means the same there, with no zone of its own
    r.flushall()
    same = run(url, "--timezone", "Europe/Berlin", *berlin_app, cwd=project("Europe/Berlin"))
    assert same.returncode == 0 and "report" not in refusals(same.stderr)
    assert RedBeatClient(r).get("b-report").extensions == Extensions()


def test_the_beat_apps_beat_schedule_is_checked_too(url, r, project):
    result = run(
        url,
        "--app",
        "proj:other",
        "import",
        "--from-app",
        "proj",
        "--rename",
        "dyn-{name}",
        "--skip-bad",
        "--dry-run",
        cwd=project(),
    )
    found = refusals(result.stderr)
    assert "'dyn-ping' is in the beat_schedule of proj:other" in found["ping"]
    assert result.returncode == 0 and "would import 3 entries" in result.stdout
    assert r.keys("*") == []


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("nope_module", ["--from-app 'nope_module': cannot import 'nope_module'"]),
        ("proj:missing", ["--from-app 'proj:missing': module 'proj' has no attribute 'missing'"]),
        ("proj:GOOD", []),
        (":app", ["--from-app ':app': give module:attribute"]),
    ],
)
def test_a_bad_app_gets_one_line(url, r, project, spec, words):
    folder = project()
    (folder / "proj.py").write_text((folder / "proj.py").read_text() + "\nGOOD = ['x']\n")
    line = refused(run(url, "import", "--from-app", spec, cwd=folder), 2, *words)
    if spec == "proj:GOOD":
        assert "list object is not a Celery app" in line
