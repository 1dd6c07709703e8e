"""The two wheels in a new venv outside the checkout: import, the `redbeat` command, a save and a get,
the `redbeat web` dashboard served from the wheel, and a real `celery beat` with our scheduler and a Redis
broker."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request

from beat import TASK, run_until_sent, write_project
from userenv import run, venv_env

SMOKE = """\
import json, sys
import redbeat_sdk, redbeat_scheduler
from redbeat_sdk import Entry, Interval, RedBeatClient

client = RedBeatClient.from_url(sys.argv[1])
client.save(Entry("from-wheel", "tasks.ping", Interval(30), kwargs={"via": "wheel"}))
entry = client.get("from-wheel")
print(json.dumps({"sdk": redbeat_sdk.__file__, "scheduler": redbeat_scheduler.__file__,
                  "task": entry.task, "kwargs": entry.kwargs, "runs": entry.total_run_count}))
"""


def test_import_save_and_get(python_env, workdir, redis_server, r):
    (workdir / "smoke.py").write_text(SMOKE)
    out = run(
        [python_env / "bin" / "python", "smoke.py", redis_server.url], workdir, venv_env(python_env)
    ).stdout
    got = json.loads(out)
    site = str(python_env / "lib")
    assert got["sdk"].startswith(site) and got["scheduler"].startswith(site), (
        got
    )  # not the checkout's sources
    assert (got["task"], got["kwargs"], got["runs"]) == ("tasks.ping", {"via": "wheel"}, 0)
    assert json.loads(r.hget("redbeat:from-wheel", "definition"))["task"] == "tasks.ping"
    assert r.zscore("redbeat::schedule", "redbeat:from-wheel") is not None


def test_redbeat_command(python_env, workdir, redis_server, r):
    env = venv_env(python_env, REDBEAT_REDIS_URL=redis_server.url)
    assert run(["redbeat", "--version"], workdir, env).stdout.strip() == "redbeat 0.1.0"
    run(["redbeat", "add", "nightly", "--task", "tasks.nightly", "--cron", "0 3 * * *"], workdir, env)
    listed = [json.loads(line) for line in run(["redbeat", "export"], workdir, env).stdout.splitlines()]
    assert [e["name"] for e in listed] == ["nightly"]


def test_redbeat_web_from_the_wheel(python_env, workdir, redis_server, r):
    """The [web] extra: templates and static files come from site-packages, a page renders, and an
    action goes through (its CSRF token taken from the page, as a browser would)."""
    env = venv_env(python_env, REDBEAT_REDIS_URL=redis_server.url)
    run(["redbeat", "add", "nightly", "--task", "tasks.nightly", "--cron", "0 3 * * *"], workdir, env)
    web = subprocess.Popen(
        [str(python_env / "bin" / "redbeat"), "web", "--port", "0"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = web.stdout.readline()
        base = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert base, line + web.stdout.read()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(base.group(1) + "entries", timeout=30).read().decode()
        assert 'data-name="nightly"' in page and "cron 0 3 * * *" in page
        assert b"progressive enhancement" in opener.open(base.group(1) + "static/app.js", timeout=30).read()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        form = f"csrf={csrf}".encode()
        opener.open(base.group(1) + "disable?name=nightly", data=form, timeout=30).read()
        assert json.loads(r.hget("redbeat:nightly", "definition"))["enabled"] is False
    finally:
        web.terminate()
        web.wait(10)


def test_celery_beat_with_a_redis_broker(python_env, workdir, redis_server, r):
    """Three ticks' worth of tasks on the broker: kombu's Redis transport (celery[redis]) is installed."""
    where = workdir / "beat"
    where.mkdir()
    write_project(where, redis_server.url)
    held = {}
    sent = run_until_sent(
        [
            str(python_env / "bin" / "celery"),
            "-A",
            "proj",
            "beat",
            "-S",
            "redbeat_scheduler.RedBeatScheduler",
            "--loglevel=INFO",
        ],
        where,
        venv_env(python_env),
        r,
        count=3,
        while_running=lambda r: held.update(
            lock=r.get("redbeat::lock"), entry=r.hget("redbeat:heartbeat", "definition")
        ),
    )
    assert set(sent) == {TASK}
    assert held["lock"], "the beat holds its lock while it runs"
    assert json.loads(held["entry"])["task"] == TASK, "the static entry is kept in Redis"
