"""Entry files: the documented example, `show` output fed back to `add --file`/`edit --file`, and errors
that name the file, the line and the entry."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
import yaml
from clirun import refused, run
from conftest import ROOT

from redbeat_sdk import FR, MO, Crontab, Entry, Interval, RedBeatClient, RRule

EXAMPLE = ROOT / "python" / "examples" / "entries.yaml"


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


def test_the_documented_example_file_is_the_one_in_the_repository_and_adds(url, r):
    readme = (ROOT / "python" / "README.md").read_text()
    assert "python/examples/entries.yaml" in readme
    shown = re.search(r"```yaml norun\n(.*?)```", readme, re.S).group(1)
    assert shown == EXAMPLE.read_text()  # the README shows the file as it is
    result = run(url, "add", "--file", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == "saved launch: disabled, no next run"
    client = RedBeatClient(r)
    assert [e.name for e in sorted(client.list(), key=lambda e: e.name)] == ["heartbeat", "launch", "report"]
    report = client.get("report")
    assert report.schedule == Crontab(minute=0, hour=9, day_of_week="mon-fri") and report.kwargs == {
        "fmt": "pdf"
    }
    launch = client.get("launch")
    assert not launch.enabled and launch.schedule.count == 3
    assert launch.next_runs(1, tz="Europe/Berlin")[0].isoformat() == "2030-01-01T09:00:00+01:00"


ENTRIES = [
    Entry("plain", "t", Interval(90, relative=True)),
    Entry(
        "data",
        "app.tasks.report",
        Crontab(minute=[0, 30], hour="9-17", day_of_week="mon-fri"),
        args=[1, True, None],
        kwargs={
            "fmt": "pdf",
            "nested": {"ok": False, "list": [1.5, "ü"]},
            "when": datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc),
        },
        options={"queue": "reports", "priority": 3},
    ),
    Entry(
        "weekly",
        "t",
        RRule(
            "WEEKLY",
            dtstart=datetime(2025, 1, 6, 9, tzinfo=timezone.utc),
            byweekday=[MO, FR],
            until=datetime(2030, 1, 1, tzinfo=timezone.utc),
        ),
        enabled=False,
    ),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_show_prints_an_entry_file_that_add_takes_back_unchanged(url, r, tmp_path, entry):
    client = RedBeatClient(r)
    client.save(entry)
    stored = r.hget(f"redbeat:{entry.name}", "definition")
    shown = run(url, "show", entry.name)
    assert shown.returncode == 0, shown.stderr
    for python_repr in ("True", "False", "None", "{'", "datetime("):
        assert python_repr not in shown.stdout
    assert yaml.safe_load(shown.stdout)["name"] == entry.name
    as_json = json.loads(run(url, "show", entry.name, "--json").stdout)["definition"]
    assert as_json == yaml.safe_load(shown.stdout)
    (tmp_path / "e.yaml").write_text(shown.stdout)
    (tmp_path / "e.json").write_text(json.dumps(as_json))
    for path in ("e.yaml", "e.json"):
        r.delete(f"redbeat:{entry.name}")
        result = run(url, "add", "--file", str(tmp_path / path))
        assert result.returncode == 0, result.stderr
        assert r.hget(f"redbeat:{entry.name}", "definition") == stored


def test_edit_from_a_file_or_stdin_keeps_the_run_state(url, r, tmp_path):
    client = RedBeatClient(r)
    client.save(Entry("job", "t", Interval(60)))
    r.hset("redbeat:job", "meta", json.dumps({"last_run_at": None, "total_run_count": 7}))
    meta = r.hget("redbeat:job", "meta")
    (tmp_path / "job.yaml").write_text(
        "task: t2\nschedule: {__type__: crontab, minute: '*/5'}\n"
    )  # no name: job
    result = run(url, "edit", "job", "--file", str(tmp_path / "job.yaml"))
    assert result.returncode == 0 and result.stdout.startswith("saved job: next run"), result.stderr
    assert client.get("job").task == "t2" and r.hget("redbeat:job", "meta") == meta
    shown = run(url, "show", "job").stdout.replace("task: t2", "task: t3")
    assert run(url, "edit", "job", "--file", "-", input=shown).returncode == 0
    assert client.get("job").task == "t3" and client.get("job").total_run_count == 7
    refused(run(url, "edit", "nope", "--file", str(tmp_path / "job.yaml")), 1, "no entry 'nope'")
    (tmp_path / "other.yaml").write_text("name: other\ntask: t\nschedule: 5\n")
    refused(
        run(url, "edit", "job", "--file", str(tmp_path / "other.yaml")),
        2,
        "other.yaml:1: name: 'other' is not 'job'",
    )


BAD_FILES = [
    (
        "broken.yaml",
        "- name: a\n  task: t\n  schedule: 5\n- name: b\n  task: t\n   schedule: 5\n",
        "broken.yaml:6:12: invalid YAML: mapping values are not allowed here",
    ),
    (
        "field.yaml",
        "- name: a\n  task: t\n  schedule: 5\n- name: b\n  task: t\n  schedule:\n    __type__: crontab\n"
        "    hour: 25\n",
        "field.yaml:8: entry 2: schedule.hour: ",
    ),
    (
        "tag.yaml",
        "name: a\ntask: t\nschedule: {__type__: cron}\n",
        "tag.yaml:3: schedule.__type__: unknown __type__ 'cron'; expected one of 'interval', 'crontab', 'rrule'",
    ),
    ("missing.yaml", "- name: a\n  schedule: 5\n", "missing.yaml:1: entry 1: task: field required"),
    (
        "collide.yaml",
        "- name: a\n  task: t\n  schedule: 5\n- name: ':lock'\n  task: t\n  schedule: 5\n",
        "collide.yaml:4: entry 2: name: key 'redbeat::lock' would collide",
    ),
    (
        "scalar.yaml",
        "hello\n",
        "scalar.yaml:1: must be an entry (a mapping of name, task, schedule...), not str",
    ),
    ("empty.yaml", "", "empty.yaml: no entries"),
    ("two.yaml", "name: a\n---\nname: b\n", "two.yaml:2:1: invalid YAML: but found another document"),
    (
        "broken.json",
        '{"name": "a", "task": "t", "schedule": 5,}',
        "broken.json:1:42: invalid JSON: Expecting property name",
    ),
    (
        "lines.json",
        '{"name": "a", "task": "t", "schedule": 5}\n{"name": "b", "task": "t", "schedule": 5}\n',
        "lines.json:2:1: invalid JSON: Extra data (JSON lines, as export writes, go to `redbeat import`)",
    ),
    (
        "many.json",
        '[{"name": "a", "task": "t", "schedule": 5}, {"name": "b", "task": "t", "schedule": -5}]',
        "many.json: entry 2: schedule: ",
    ),
]


@pytest.mark.parametrize("name, text, message", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_a_bad_entry_file_is_named_by_file_line_and_entry_and_nothing_is_written(
    url, r, tmp_path, name, text, message
):
    (tmp_path / name).write_text(text)
    line = refused(run(url, "add", "--file", name, cwd=tmp_path), 2)
    assert line.startswith(f"error: {message}"), line
    assert r.dbsize() == 0


def test_a_file_that_is_not_utf8_is_named(url, tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\ntask: t\nschedule: 5\n".encode("latin-1"))
    refused(run(url, "add", "--file", "latin1.yaml", cwd=tmp_path), 2, "latin1.yaml: not UTF-8 text (byte 9)")
    refused(run(url, "import", "latin1.yaml", cwd=tmp_path), 2, "latin1.yaml: not UTF-8 text")
