"""The `redbeat` command, run as a subprocess against a real Redis."""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
import yaml
from clirun import run

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


def test_add_list_show_next_and_json(url, r):
    assert run(url, "add", "beat", "--task", "app.ping", "--every", "10").returncode == 0
    assert (
        run(
            url,
            "add",
            "report",
            "--task",
            "app.report",
            "--cron",
            "0 9 * * mon-fri",
            "--kwargs",
            '{"fmt": "pdf"}',
        ).returncode
        == 0
    )
    listed = run(url, "list")
    assert listed.returncode == 0
    assert "every 10s" in listed.stdout and "cron 0 9 * * mon-fri" in listed.stdout
    rows = json.loads(run(url, "list", "--json").stdout)
    assert [row["name"] for row in rows] == ["beat", "report"]
    assert rows[1]["next_run"].endswith("09:00:00+00:00") and rows[1]["run_count"] == 0
    assert json.loads(run(url, "list", "--json", "--task", "app.rep*").stdout)[0]["name"] == "report"
    runs = run(url, "next", "report", "-n", "3", "--tz", "America/New_York").stdout.split()
    assert len(runs) == 3 and all(x.endswith("T09:00:00-05:00") for x in runs)
    shown = run(url, "show", "report")
    assert yaml.safe_load(shown.stdout)["kwargs"] == {"fmt": "pdf"} and "# redbeat:report" in shown.stdout


def test_enable_disable_run_now_edit_delete(url, r):
    run(url, "add", "job", "--task", "t", "--every", "60")
    assert run(url, "disable", "job").returncode == 0
    assert json.loads(run(url, "list", "--json", "--disabled").stdout)[0]["name"] == "job"
    assert run(url, "enable", "job").returncode == 0
    assert run(url, "run-now", "job").returncode == 0
    assert json.loads(r.hget("redbeat:job", "meta"))["last_run_at"] is None
    assert run(url, "edit", "job", "--task", "t2", "--cron", "*/5 * * * *").returncode == 0
    assert json.loads(r.hget("redbeat:job", "definition"))["schedule"]["minute"] == "*/5"
    refused = run(url, "delete", "job", input="n\n")
    assert refused.returncode == 1 and r.exists("redbeat:job")
    assert run(url, "delete", "job", "--yes").returncode == 0 and not r.exists("redbeat:job")
    missing = run(url, "delete", "job", "--yes")
    assert missing.returncode == 1 and "no entry" in missing.stderr


def test_bad_input_is_refused_with_the_field_and_nothing_written(url, r):
    result = run(url, "add", "job", "--task", "t", "--cron", "0 9 * * 7")
    assert result.returncode == 2 and "--cron: day_of_week" in result.stderr
    assert r.dbsize() == 0
    assert run(url, "show", "nope").returncode == 1


def test_add_from_json_and_yaml_files(url, r, tmp_path):
    (tmp_path / "one.json").write_text(
        json.dumps(
            {"name": "a", "task": "t", "schedule": {"__type__": "interval", "every": 5, "relative": False}}
        )
    )
    (tmp_path / "many.yaml").write_text(
        "- {name: b, task: t, schedule: {__type__: crontab, minute: '*/15'}}\n- {name: c, task: t, schedule: 30}\n"
    )
    assert run(url, "add", "--file", str(tmp_path / "one.json")).returncode == 0
    assert run(url, "add", "--file", str(tmp_path / "many.yaml")).returncode == 0
    assert sorted(r.zrange("redbeat::schedule", 0, -1)) == ["redbeat:a", "redbeat:b", "redbeat:c"]
    (tmp_path / "bad.yaml").write_text("- {name: d, task: t, schedule: {__type__: crontab, hour: 25}}\n")
    bad = run(url, "add", "--file", str(tmp_path / "bad.yaml"))
    assert (
        bad.returncode == 2
        and "bad.yaml:1: entry 1: schedule.hour" in bad.stderr
        and not r.exists("redbeat:d")
    )


def test_import_validates_every_line_first(url, r, tmp_path):
    lines = [
        json.dumps(
            {
                "name": f"job-{i}",
                "task": "t",
                "schedule": {"__type__": "interval", "every": 60.0, "relative": False},
                "args": [i],
            }
        )
        for i in range(10_000)
    ]
    broken = list(lines)
    broken[10] = "{not json"
    broken[500] = json.dumps(
        {"name": "x", "task": "t", "schedule": {"__type__": "crontab", "day_of_week": 7}}
    )
    broken[9999] = json.dumps({"name": "y", "task": "t", "schedule": {"__type__": "solar"}})
    path = tmp_path / "entries.jsonl"
    path.write_text("\n".join(broken) + "\n")
    result = run(url, "import", str(path))
    assert result.returncode == 2
    assert [line.split(": ")[0] for line in result.stderr.splitlines()] == [
        f"{path}:11",
        f"{path}:501",
        f"{path}:10000",
        "error",
    ]
    assert "schedule.day_of_week" in result.stderr and "unknown __type__ 'solar'" in result.stderr
    assert "3 bad line(s); nothing written" in result.stderr
    assert r.dbsize() == 0
    path.write_text("\n".join(lines) + "\n")
    assert "10000 entries valid" in run(url, "import", str(path), "--dry-run").stdout and r.dbsize() == 0
    assert run(url, "import", str(path)).returncode == 0
    assert r.zcard("redbeat::schedule") == 10_000
    exported = run(url, "export").stdout.splitlines()
    assert len(exported) == 10_000 and json.loads(exported[0])["schedule"]["every"] == 60.0


def test_lock_shows_the_holder(url, r):
    assert "free" in run(url, "lock").stdout
    r.set("redbeat::lock", "token-1", px=60_000)
    shown = run(url, "lock").stdout
    assert "token-1" in shown and "unknown holder" in shown
    seconds = float(re.search(r"expires in ([0-9.]+)s unless", shown).group(1))
    assert 0 < seconds <= 60
    r.set("redbeat::lock", "redbeat-scheduler:box-3:4242:ab12", px=60_000)
    shown = run(url, "lock").stdout
    assert "a redbeat-scheduler beat on box-3, pid 4242" in shown
    as_json = json.loads(run(url, "lock", "--json").stdout)
    assert (as_json["holder_kind"], as_json["host"], as_json["pid"]) == ("redbeat-scheduler", "box-3", 4242)
    r.set("redbeat::lock", uuid.uuid1().hex)
    shown = run(url, "lock").stdout
    assert "upstream celery-redbeat" in shown and "no expiry" in shown


def test_doctor_is_quiet_on_a_clean_keyspace_and_names_each_planted_problem(url, r):
    client = RedBeatClient(r)
    client.save(Entry("fine", "t", Interval(60)))
    r.hset("redbeat:never-run", "definition", json.dumps({"name": "never-run", "task": "t", "schedule": 5}))
    r.zadd("redbeat::schedule", {"redbeat:never-run": 0})  # definition without meta: valid, never run
    clean = run(url, "doctor")
    assert clean.returncode == 0 and "no problems found" in clean.stdout

    r.zadd("redbeat::schedule", {"redbeat:gone": 1})
    r.hset("redbeat:orphan", "definition", json.dumps({"name": "orphan", "task": "t", "schedule": 5}))
    r.hset("redbeat:bad", "definition", "{oops")
    r.zadd("redbeat::schedule", {"redbeat:bad": 2})
    client.save(Entry("late", "t", Crontab(minute=0)))
    r.zadd("redbeat::schedule", {"redbeat:late": 4_000_000_000})
    client.save(Entry("dead", "t", Interval(60)))
    r.zadd("redbeat::schedule", {"redbeat:dead": -1})
    r.config_set("maxmemory", "512mb")
    r.config_set("maxmemory-policy", "allkeys-lru")
    try:
        found = run(url, "doctor")
    finally:
        r.config_set("maxmemory", "0")
        r.config_set("maxmemory-policy", "noeviction")
    assert found.returncode == 1
    for check, key in [
        ("missing-hash", "redbeat:gone"),
        ("orphan-hash", "redbeat:orphan"),
        ("corrupt", "redbeat:bad"),
        ("late-score", "redbeat:late"),
        ("dead-score", "redbeat:dead"),
        ("eviction", "allkeys-lru"),
    ]:
        assert any(check in line and key in line for line in found.stdout.splitlines()), (check, found.stdout)
    assert "redbeat:fine" not in found.stdout and "redbeat:never-run" not in found.stdout


def test_prefix_and_app_settings(url, r, tmp_path):
    assert run(url, "add", "x", "--task", "t", "--every", "5", prefix="{rb}:").returncode == 0
    assert r.zrange("{rb}::schedule", 0, -1) == ["{rb}:x"]
    (tmp_path / "beatapp.py").write_text(
        "from celery import Celery\napp = Celery('x')\n"
        f"app.conf.update(redbeat_redis_url={url!r}, redbeat_key_prefix='{{rb}}:', timezone='Asia/Kolkata')\n"
    )
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{env_path}"
    try:
        result = run("", "--app", "beatapp:app", "list", "--json")
    finally:
        os.environ["PYTHONPATH"] = env_path
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["name"] == "x"
