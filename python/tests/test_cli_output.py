"""What `redbeat` prints: --json on every read command, disabled entries, durations, where settings come
from."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clirun import run
from topologies import free_port

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient

ROW = {
    "name",
    "key",
    "task",
    "schedule",
    "enabled",
    "next_run",
    "last_run",
    "run_count",
    "score",
    "timezone",
    "labels",
    "description",
}


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


def test_every_read_command_has_json_with_the_documented_shape(url, r):
    RedBeatClient(r).save(Entry("report", "app.report", Crontab(minute=0, hour=9), kwargs={"fmt": "pdf"}))
    rows = json.loads(run(url, "list", "--json").stdout)
    assert len(rows) == 1 and set(rows[0]) == ROW and rows[0]["key"] == "redbeat:report"
    shown = json.loads(run(url, "show", "report", "--json").stdout)
    assert set(shown) == ROW | {"definition"} and {k: shown[k] for k in ROW} == rows[0]
    assert shown["definition"]["kwargs"] == {"fmt": "pdf"} and shown["definition"]["schedule"]["hour"] == 9
    runs = json.loads(run(url, "next", "report", "-n", "2", "--tz", "Asia/Tokyo", "--json").stdout)
    assert runs["name"] == "report" and runs["timezone"] == "Asia/Tokyo" and runs["enabled"] is True
    assert [x[11:] for x in runs["runs"]] == [
        "09:00:00+09:00",
        "09:00:00+09:00",
    ]  # --tz is where hour=9 matches
    assert json.loads(run(url, "next", "report", "-n", "0", "--json").stdout)["runs"] == []

    assert json.loads(run(url, "lock", "--json").stdout) == {
        "key": "redbeat::lock",
        "held": False,
        "holder": None,
        "ttl_ms": None,
        "holder_kind": None,
        "host": None,
        "pid": None,
    }
    r.set("redbeat::lock", "token-1", px=60_000)
    held = json.loads(run(url, "lock", "--json").stdout)
    assert held["held"] and held["holder"] == "token-1" and 0 < held["ttl_ms"] <= 60_000
    r.persist("redbeat::lock")
    assert json.loads(run(url, "lock", "--json").stdout)["ttl_ms"] is None
    assert "no expiry set" in run(url, "lock").stdout

    clean = run(url, "doctor", "--json")
    assert clean.returncode == 0 and json.loads(clean.stdout) == {"problems": 0, "findings": []}
    r.zadd("redbeat::schedule", {"redbeat:gone": 1})
    found = run(url, "doctor", "--json")
    assert found.returncode == 1
    assert json.loads(found.stdout) == {
        "problems": 1,
        "findings": [
            {
                "check": "missing-hash",
                "key": "redbeat:gone",
                "detail": "schedule member without an entry hash (evicted or deleted)",
                "problem": True,
            }
        ],
    }


def test_a_disabled_entry_has_no_next_run_wherever_it_is_printed(url, r):
    added = run(url, "add", "off", "--task", "t", "--every", "60", "--disabled")
    assert added.stdout == "saved off: disabled, no next run\n"
    assert json.loads(run(url, "list", "--json").stdout)[0]["next_run"] is None
    assert json.loads(run(url, "show", "off", "--json").stdout)["next_run"] is None
    assert "# next run: - (disabled)" in run(url, "show", "off").stdout
    edited = run(url, "edit", "off", "--task", "t2")
    assert edited.stdout == "saved off: disabled, no next run\n"
    preview = run(url, "next", "off", "-n", "1")
    assert len(preview.stdout.split()) == 1 and "off is disabled" in preview.stderr
    assert run(url, "enable", "off").returncode == 0
    assert json.loads(run(url, "list", "--json").stdout)[0]["next_run"] is not None


@pytest.mark.parametrize(
    "text, seconds, words",
    [
        ("90", 90.0, "every 1m30s"),
        ("0.5", 0.5, "every 500ms"),
        ("90s", 90.0, "every 1m30s"),
        ("5m", 300.0, "every 5m"),
        ("1h30m", 5400.0, "every 1h30m"),
        ("1d", 86400.0, "every 1d"),
        ("250ms", 0.25, "every 250ms"),
        ("1.5h", 5400.0, "every 1h30m"),
    ],
)
def test_every_takes_durations_and_list_prints_them_back(url, r, text, seconds, words):
    assert run(url, "add", "job", "--task", "t", "--every", text).returncode == 0
    assert json.loads(r.hget("redbeat:job", "definition"))["schedule"]["every"] == seconds
    assert json.loads(run(url, "list", "--json").stdout)[0]["schedule"] == words


def test_edit_keeps_what_it_is_not_told_to_change(url, r):
    client = RedBeatClient(r)
    client.save(Entry("job", "t", Interval(60), args=[1], kwargs={"a": 1}))
    assert run(url, "edit", "job", "--relative").returncode == 0
    assert client.get("job").schedule == Interval(60, relative=True)
    assert run(url, "edit", "job", "--kwargs", '{"b": 2}').returncode == 0
    job = client.get("job")
    assert (job.args, job.kwargs, job.schedule, job.task) == ([1], {"b": 2}, Interval(60, relative=True), "t")


def test_flags_win_then_the_app_then_the_environment(url, r, tmp_path):
    client = RedBeatClient(r, key_prefix="{app}:")
    client.save(Entry("x", "t", Interval(timedelta(minutes=5))))
    RedBeatClient(r, key_prefix="{flag}:").save(Entry("y", "t", Interval(5)))
    (tmp_path / "beatapp.py").write_text(
        "from celery import Celery\napp = Celery('x')\n"
        f"app.conf.update(redbeat_redis_url={url!r}, redbeat_key_prefix='{{app}}:', timezone='Asia/Kolkata')\n"
    )
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = {"REDBEAT_KEY_PREFIX": "env:", "REDBEAT_TIMEZONE": "Nope/Zone"}
    # run from the project's folder without PYTHONPATH, as `celery -A beatapp` is run
    from_app = run(dead, "--app", "beatapp", "list", "--json", env=env, cwd=tmp_path)
    assert from_app.returncode == 0, from_app.stderr
    assert [row["key"] for row in json.loads(from_app.stdout)] == ["{app}:x"]
    flagged = run(
        dead, "--app", "beatapp:app", "--prefix", "{flag}:", "list", "--json", env=env, cwd=tmp_path
    )
    assert [row["key"] for row in json.loads(flagged.stdout)] == ["{flag}:y"]
    zone = run(dead, "--app", "beatapp", "next", "x", "-n", "1", "--json", env=env, cwd=tmp_path)
    assert json.loads(zone.stdout)["timezone"] == "Asia/Kolkata" and json.loads(zone.stdout)["runs"][
        0
    ].endswith("+05:30")
