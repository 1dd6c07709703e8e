"""No user input makes `redbeat` print a traceback: one `error:` line naming the flag, file, line or field
and why, exit status 2 for a usage error and 1 for an unreachable Redis or a missing entry."""

from __future__ import annotations

import pytest
from clirun import refused, run
from topologies import free_port

from redbeat_sdk import Crontab, Entry, RedBeatClient

ZONE = "unknown IANA time zone 'Nope/Zone'"


def _commands() -> list[str]:
    """The commands `redbeat --help` lists."""
    listing = run(None, "--help").stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [
        line.split()[0]
        for line in listing.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]


def test_help_works_for_every_command_without_redis():
    commands = _commands()
    assert {"add", "edit", "show", "next", "list", "lock", "doctor", "import", "export"} <= set(commands)
    for args in [[], *([name] for name in commands)]:
        result = run(None, *args, "--help")
        assert result.returncode == 0 and "Usage: redbeat" in result.stdout, (args, result.stderr)
    for broken in (["--url", "http://x"], ["--app", "nosuch:app"], ["--timezone", "Nope/Zone"]):
        result = run(None, *broken, "add", "--help")
        assert result.returncode == 0 and "--every" in result.stdout, (broken, result.stderr)


def test_version_prints_the_package_version():
    from importlib.metadata import version

    result = run(None, "--version")
    assert (result.returncode, result.stdout) == (0, f"redbeat {version('redbeat-sdk')}\n")


USAGE = [
    (["add", "x", "--task", "t", "--rrule", "not json"], ["--rrule: not JSON"]),
    (["add", "x", "--task", "t", "--rrule", "[1]"], ["--rrule: must be a JSON object"]),
    (
        ["add", "x", "--task", "t", "--rrule", '{"freq": "DAYLY"}'],
        ["--rrule: freq: must be one of YEARLY", "'DAYLY'"],
    ),
    (["add", "x", "--task", "t", "--rrule", '{"freq": "DAILY", "byhour": [25]}'], ["--rrule: byhour[0]:"]),
    (
        ["add", "x", "--task", "t", "--rrule", '{"freq": "DAILY", "color": 1}'],
        ["--rrule: color: unknown field"],
    ),
    (["--url", "http://x", "list"], ["--url: unsupported scheme 'http'", "redis://", "rediss://", "unix://"]),
    (["--url", "localhost:6379", "list"], ["--url: malformed URL 'localhost:6379'"]),
    (["--app", "nosuch:app", "list"], ["--app 'nosuch:app': cannot import 'nosuch'"]),
    (["--app", "os:nothing", "list"], ["--app 'os:nothing': module 'os' has no attribute 'nothing'"]),
    (["--app", "os:path", "list"], ["--app 'os:path'", "not a Celery app"]),
    (["--timezone", "Nope/Zone", "list"], [f"--timezone: {ZONE}"]),
    (["next", "job", "--tz", "Nope/Zone"], [f"--tz: {ZONE}"]),
    (["next", "job", "-n", "-1"], ["-n: must be >= 0"]),
    (["next", "job", "-n", "x"], ["-n: 'x' is not a valid integer"]),
    (["add", "x", "--task", "t", "--cron", "0 9 * * 7"], ["--cron: day_of_week:"]),
    (["add", "x", "--task", "t", "--cron", "0 9 * *"], ["--cron: takes 5 fields", "not 4"]),
    (["add", "x", "--task", "t", "--every", "5x"], ["--every: '5x' is not a duration", "1h30m"]),
    (["add", "x", "--task", "t", "--every", "30m1h"], ["--every: '30m1h': units go largest first"]),
    (["add", "x", "--task", "t", "--every", "0"], ["--every: ", "greater than 0"]),
    (["add", "x", "--task", "", "--every", "5"], ["--task: must be a non-empty task name"]),
    (["add", ":schedule", "--task", "t", "--every", "5"], ["NAME: key 'redbeat::schedule' would collide"]),
    (
        ["add", "x", "--task", "t", "--every", "5", "--cron", "* * * * *"],
        ["give one schedule, not --every and --cron"],
    ),
    (["add", "x", "--task", "t", "--relative"], ["--relative goes with --every"]),
    (["add", "x", "--every", "5"], ["give NAME, --task and a schedule"]),
    (["add", "x", "--task", "t", "--every", "5", "--kwargs", "[1]"], ["--kwargs: must be a dict"]),
    (["add", "x", "--task", "t", "--every", "5", "--args", "{"], ["--args: not JSON"]),
    (
        ["add", "x", "--task", "t", "--every", "5", "--options", '{"a": NaN}'],
        ["--options: a: nan is not valid JSON"],
    ),
    (
        ["add", "x", "--task", "t", "--every", "5", "--file", "-"],
        ["--file holds the whole entry: drop NAME, --task, --every"],
    ),
    (["add", "--file", "/nonexistent.yaml"], ["--file: ", "does not exist"]),
    (["add", "--file", "/"], ["--file: ", "is a directory"]),
    (["import", "/nonexistent.jsonl"], ["SOURCE: ", "does not exist"]),
    (["export", "-o", "/nonexistent/dir/x.jsonl"], ["-o / --output: ", "No such file or directory"]),
    (["edit", "job"], ["nothing to change"]),
    (["edit", "job", "--relative"], ["--relative goes with --every (job is not an interval)"]),
    (["list", "--bogus"], ["No such option", "--bogus"]),
    (["nosuch"], ["No such command 'nosuch'"]),
]


@pytest.fixture
def url(redis_server, r):
    RedBeatClient(r).save(Entry("job", "t", Crontab(minute=0)))
    return redis_server.url


@pytest.mark.parametrize("args, words", USAGE, ids=[" ".join(a)[:60] for a, _ in USAGE])
def test_a_usage_error_is_one_line_naming_it_and_exit_2(url, r, args, words):
    before = r.dbsize()
    refused(run(url, *args), 2, *words)
    assert r.dbsize() == before


@pytest.mark.parametrize(
    "args",
    [
        ["show", "nope"],
        ["next", "nope"],
        ["enable", "nope"],
        ["disable", "nope"],
        ["run-now", "nope"],
        ["delete", "nope", "--yes"],
        ["edit", "nope", "--task", "t"],
    ],
)
def test_a_missing_entry_is_exit_1(url, args):
    refused(run(url, *args), 1, "no entry 'nope'")


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "job"],
        ["add", "x", "--task", "t", "--every", "5"],
        ["lock"],
        ["doctor"],
        ["export"],
    ],
)
def test_an_unreachable_redis_is_exit_1(args):
    refused(run(f"redis://127.0.0.1:{free_port()}/0", *args), 1, "Redis is unreachable")


def test_a_glob_is_only_a_pattern(url):
    result = run(url, "list", "--json", "--name", "[")
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


def test_errors_name_where_a_bad_setting_came_from(url, tmp_path):
    refused(run(url, "list", env={"REDBEAT_TIMEZONE": "Nope/Zone"}), 2, f"$REDBEAT_TIMEZONE: {ZONE}")
    refused(run("http://x", "list"), 2, "$REDBEAT_REDIS_URL: unsupported scheme 'http'")
    refused(run(None, "list"), 2, "no Redis URL: pass --url, set REDBEAT_REDIS_URL")
    (tmp_path / "zoneapp.py").write_text(
        f"from celery import Celery\napp = Celery('x')\napp.conf.update(broker_url={url!r}, timezone='Nope/Zone')\n"
    )
    refused(run(None, "--app", "zoneapp", "list", cwd=tmp_path), 2, f"--app zoneapp (timezone): {ZONE}")
    (tmp_path / "brokenapp.py").write_text("raise RuntimeError('no settings file')\n")
    refused(
        run(None, "--app", "brokenapp:app", "list", cwd=tmp_path),
        2,
        "--app 'brokenapp:app': importing 'brokenapp' failed: RuntimeError: no settings file",
    )


def test_declining_or_closing_the_delete_prompt_deletes_nothing(url, r):
    refused(run(url, "delete", "job", input="n\n"), 1, "not deleted")
    refused(run(url, "delete", "job", input=""), 1, "aborted")
    assert r.exists("redbeat:job")
