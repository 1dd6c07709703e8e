"""The dashboard over plain HTTP against a real `redbeat web` and a real Redis: bad input gets a message
and never a 500, CSRF, read-only, authentication, and no secret in a page or a log."""

from __future__ import annotations

import json
import re
import socket
import subprocess

import pytest
import redis
from clirun import REDBEAT, refused
from webrun import BASIC, TOKEN, WEB_PASSWORD, Http, start_web

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient
from redbeat_sdk.lock_token import new_token
from redbeat_sdk.web.site import entry_url

ODD_NAMES = ["a/b", "what? #1", "100%", "nightly: backup ✓", " spaced ", "../etc"]


@pytest.fixture
def sdk(redis_server, r) -> RedBeatClient:
    return RedBeatClient.from_url(redis_server.url, timezone="Europe/Berlin")


def seed(sdk: RedBeatClient, r) -> None:
    sdk.save_many(
        [
            Entry("heartbeat", "app.ping", Interval(30)),
            Entry("report", "app.report", Crontab(minute=0, hour=9, day_of_week="mon-fri"), kwargs={"f": 1}),
            Entry("paused", "app.paused", Interval(3600), enabled=False),
            *(Entry(name, "app.odd", Interval(60)) for name in ODD_NAMES),
        ]
    )
    r.hset("redbeat:legacy", "definition", json.dumps({"name": "legacy", "task": "t", "schedule": 5, "x": 1}))
    r.hset("redbeat:binary", mapping={"definition": b'{"task": "\xff"}', "meta": b"\xfe"})
    r.zadd("redbeat::schedule", {"redbeat:legacy": 1, "redbeat:evicted": 2, "redbeat:binary": 3})


BAD_GETS = [
    ("/entries?page=abc", 400, "page: &#39;abc&#39; is not a whole number"),
    ("/entries?page=0", 400, "page: 0 is outside"),
    ("/entries?size=100000", 400, "size: 100000 is outside 1-200"),
    ("/entries?size=-3", 400, "size: -3 is outside"),
    ("/entries?sort=score%27%3B--", 400, "sort: &#34;score&#39;;--&#34; is not one of"),
    ("/entries?state=maybe", 400, "state: &#39;maybe&#39; is not enabled or disabled"),
    ("/entries?page=9999", 200, "No entries in this schedule."),
    ("/entries?task=%5B&q=%00%ff", 200, "No entry matches."),
    ("/entry?name=nope", 404, "no entry &#39;nope&#39;"),
    ("/entry", 400, "which entry? the URL has no ?name="),
    ("/entry?name=", 400, "which entry?"),
    ("/entry?name=report&tz=Nope/Zone", 400, "tz: unknown IANA time zone"),
    ("/entry?name=report&tz=../../etc/passwd", 400, "tz: "),
    ("/entry?name=%ZZ", 404, "no entry &#39;%ZZ&#39;"),
    ("/entry/report", 404, "no page at /entry/report"),
    ("/edit?name=nope", 404, "no entry &#39;nope&#39;"),
    ("/edit?name=legacy", 422, "cannot be edited here"),
    ("/nothing/here", 404, "no page at /nothing/here"),
    ("/static/nope.css", 404, "no page at /static/nope.css"),
]


@pytest.mark.parametrize(("path", "status", "words"), BAD_GETS)
def test_bad_input_gets_a_message_never_a_500(web, http, sdk, r, path, status, words):
    seed(sdk, r)
    reply = http.get(path)
    assert (reply.status, words in reply.text) == (status, True), reply.text[-3000:]
    assert "Traceback" not in reply.text


def test_every_page_renders_with_odd_and_corrupt_entries(web, http, sdk, r):
    seed(sdk, r)
    entries = http.get("/entries")
    assert entries.status == 200
    assert entries.has("definition.x: unknown field", "no definition (the hash is missing", "not valid UTF-8")
    binary = http.get(entry_url("binary"))  # shown escaped, with the reason
    assert binary.status == 200 and binary.has("\\xff", "\\xfe", "not valid UTF-8"), binary.text[-3000:]
    for name in [*ODD_NAMES, "report", "..", "."]:
        if name in ("..", "."):
            sdk.save(Entry(name, "app.dots", Interval(60)))
        page = http.get(entry_url(name))
        assert page.status == 200 and f"<code>redbeat:{name}</code>" in page.text, name
        assert http.get(entry_url(name, "edit")).status == 200, name
    assert http.get(entry_url("legacy")).has("This entry cannot be read", "definition.x: unknown field")
    assert http.get(entry_url("evicted")).has("No hash: the schedule lists this key")
    assert http.get(entry_url("evicted", "edit")).status == 404
    for path in ("/beat", "/doctor", "/new", "/entries?sort=name&desc=1", "/entries?corrupt=1&q=leg"):
        assert http.get(path).status == 200, path
    assert http.get("/entries?corrupt=1").has('data-name="legacy"', 'data-name="evicted"')


def test_actions_on_corrupt_entries_get_a_message(web, http, sdk, r):
    seed(sdk, r)
    deep = json.dumps({"name": "deep", "task": "t", "args": ["X"], "schedule": 5}).replace(
        '"X"', "[" * 100_000
    )
    r.hset("redbeat:deep", "definition", deep)  # past Python's recursion limit
    r.zadd("redbeat::schedule", {"redbeat:deep": 6})
    token = http.csrf()
    for name in ("binary", "legacy", "evicted", "deep"):
        for action in ("enable", "disable", "run-now"):
            reply = http.post(f"/{action}?name={name}", {"csrf": token, "back": "/entries"})
            assert reply.status in (303, 422), (name, action, reply.status, reply.text[-2000:])
            assert reply.status == 303 or reply.has(f"redbeat:{name}: definition"), reply.text[-2000:]
            assert "Traceback" not in http.get("/entries").text
    for name in ("binary", "legacy", "evicted", "deep"):
        assert http.post(f"/delete?name={name}", {"csrf": token, "confirm": "yes"}).status == 303, name
        assert r.zscore("redbeat::schedule", f"redbeat:{name}") is None


def test_hostile_numbers_and_nesting_get_a_message_never_a_500(web, http, sdk, r):
    ran = {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0}
    meta = json.dumps({"last_run_at": ran | {"second": 0, "microsecond": 0, "timezone": "UTC"}})
    base = {"task": "t", "args": [], "kwargs": {}, "options": {}, "enabled": True}
    for name, every in (("huge", 1e20), ("big", 3e12), ("far", 1e11)):  # as another writer may store them
        schedule = {"__type__": "interval", "every": every, "relative": False}
        r.hset(f"redbeat:{name}", "definition", json.dumps({"name": name, **base, "schedule": schedule}))
        r.hset(f"redbeat:{name}", "meta", meta)
        r.zadd("redbeat::schedule", {f"redbeat:{name}": 5})
    deep = json.dumps({"name": "deep", "task": "t", "args": ["X"], "schedule": 5}).replace(
        '"X"', "[" * 100_000
    )
    r.hset("redbeat:deep", "definition", deep)  # past Python's recursion limit
    r.zadd("redbeat::schedule", {"redbeat:deep": 6})
    names = ("huge", "big", "far", "deep")
    for path in ("/entries", "/entries?sort=name", "/entries?q=e", "/doctor", *map(entry_url, names)):
        page = http.get(path)
        assert page.status == 200, (path, page.text[-2000:])
    assert http.get("/entries").has("falls after year 9999")
    assert http.get("/entries?q=deep").has("JSON nested deeper than 128 levels")
    assert http.get("/doctor").has("redbeat:huge", "redbeat:big", "falls after year 9999")
    assert http.get(entry_url("far")).has("Next 2 runs", "5193-", "8362-")  # the preview ends where dates do
    token = http.csrf()
    for field, value in (("every", "99999999999999999999d"), ("args", "[" * 500 + "]" * 500)):
        form = {"csrf": token, "name": "n", "task": "t", "kind": "interval", "every": "5", field: value}
        reply = http.post("/new", form)
        assert reply.status == 400, reply.text[-2000:]
        # a day count past a timedelta is refused by the schema, a smaller one past year 9999 by the date
        shown = rf'id="error-{field}"[^>]*>[^<]*(year 9999|less than or equal to|nested deeper than 128)'
        assert re.search(shown, reply.text)
    assert not r.exists("redbeat:n")


def test_wrong_methods_and_bad_forms(web, http, sdk, r):
    seed(sdk, r)
    assert http.post("/entries", {}).status == 405
    token = http.csrf()
    too_big = http.post("/new", body=b"x" * 10, headers={"Content-Length": "2000000"})
    assert too_big.status in (413, 400)
    reply = http.post("/new", {"csrf": token, "kind": "sometimes", "name": "n", "task": "t"})
    assert reply.status == 400 and reply.has("choose interval, crontab, rrule")
    reply = http.post(
        "/new", {"csrf": token, "kind": "interval", "every": "30m1h", "name": "n", "task": "t", "args": "{"}
    )
    assert reply.status == 400 and reply.has("units go largest first", "not JSON")
    reply = http.post("/edit?name=report", {"csrf": token, "kind": "interval", "every": "5m", "task": "t"})
    assert reply.status == 400 and reply.has("the form has no version")
    assert http.post("/enable", {"csrf": token}).status == 400  # no ?name=
    gone = http.post("/enable?name=nope", {"csrf": token, "back": "/entries"})
    assert gone.status == 303 and gone.headers["location"] == "/entries"
    assert http.get("/entries").has("no entry &#39;nope&#39;: it was deleted")  # shown once
    assert not http.get("/entries").has("no entry &#39;nope&#39;")
    bulk = http.post(
        "/bulk", {"csrf": token, "action": "explode", "name": "report", "back": "//evil.example/"}
    )
    assert bulk.status == 303 and bulk.headers["location"] == "/entries"  # never off the site
    follow = http.get("/entries")
    assert follow.has("unknown action &#39;explode&#39;")
    assert r.hget("redbeat:n", "definition") is None


def test_a_form_without_this_browsers_csrf_token_changes_nothing(web, http, sdk, r):
    seed(sdk, r)
    before = r.hgetall("redbeat:report")
    other = Http(web.url)
    other_token = other.csrf()
    for form in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": other_token}):
        reply = http.post("/disable?name=report", form)
        assert reply.status == 403 and reply.has("security token is missing or expired"), reply.text[-500:]
    token = http.csrf()
    cross = http.post("/disable?name=report", {"csrf": token}, headers={"Origin": "https://evil.example"})
    assert cross.status == 403 and cross.has("posted from another site")
    assert r.hgetall("redbeat:report") == before
    assert http.post("/disable?name=report", {"csrf": token}).status == 303
    assert json.loads(r.hget("redbeat:report", "definition"))["enabled"] is False


POSTS = ("/new", "/edit", "/enable", "/disable", "/run-now", "/delete", "/bulk", "/login", "/logout")


def test_every_form_carries_a_csrf_token_and_every_post_checks_it(web, web_token, http, sdk, r):
    seed(sdk, r)
    token = http.csrf()
    confirm = http.post("/delete?name=report", {"csrf": token})  # the confirmation page's form
    assert confirm.status == 200 and confirm.has('id="confirm-delete"')
    signed_out = Http(web_token.url).get("/entries")
    pages = [http.get(p).text for p in ("/entries", "/entry?name=report", "/new", "/edit?name=report")]
    forms = re.findall(r"<form[^>]*>.*?</form>", "".join([*pages, confirm.text, signed_out.text]), re.S)
    posting = [form for form in forms if 'method="post"' in form]
    assert len(posting) >= 6
    for form in posting:
        assert re.search(r'name="csrf" value="[0-9a-f]{64}"', form), form[:300]
    for server in (web, web_token):
        for path in POSTS:
            form = {"name": "report", "action": "delete", "confirm": "yes", "task": "t", "token": TOKEN}
            reply = Http(server.url).post(f"{path}?name=report", form)
            assert reply.status in (401, 403), (server.args, path, reply.status)
            assert server is web_token or reply.has("security token is missing"), path
    assert r.exists("redbeat:report") and json.loads(r.hget("redbeat:report", "definition"))["enabled"]


def test_host_header_of_another_name_is_refused(web, http):
    reply = http.get("/entries", headers={"Host": "rebound.evil.example"})
    assert reply.status == 400 and reply.has("unexpected Host header")
    assert http.get("/entries", headers={"Host": "localhost"}).status == 200


def test_security_headers_and_cookies(web, http):
    reply = http.get("/entries")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_read_only_hides_and_refuses_every_action(web_ro, sdk, r, redis_server):
    seed(sdk, r)
    http = Http(web_ro.url)
    r = redis.Redis.from_url(redis_server.url)  # bytes: one entry is not UTF-8
    before = {key: r.hgetall(key) for key in r.keys("redbeat:*") if r.type(key) == b"hash"}
    for path in ("/entries", "/entry?name=report"):
        page = http.get(path)
        assert page.status == 200 and page.has("read-only")
        assert 'method="post"' not in page.text and 'href="/new"' not in page.text
    actions = ("/new", "/edit", "/enable", "/disable", "/run-now", "/delete", "/bulk")
    for path in (f"{action}?name=report" for action in actions):
        reply = http.post(
            path, {"csrf": "x", "name": "report", "action": "delete", "confirm": "yes", "task": "t"}
        )
        assert reply.status == 403 and reply.has("read-only"), path
    assert {key: r.hgetall(key) for key in before} == before


def test_token_auth(web_token, sdk, r):
    seed(sdk, r)
    http = Http(web_token.url)
    first = http.get("/entries")
    assert first.status == 401 and first.has("Sign in", 'name="token"') and "report" not in first.text
    assert http.get("/entries", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    assert http.get("/entries", headers={"Authorization": "Bearer nope"}).status == 401
    assert http.get("/entries?token=wrong").status == 401
    assert http.post("/disable?name=report", {"csrf": "x"}).status == 401
    wrong = http.post("/login", {"csrf": http.csrf("/login"), "token": "wrong", "back": "/entries"})
    assert wrong.status == 401 and wrong.has("not the dashboard")
    link = http.get(f"/entries?q=rep&token={TOKEN}")
    assert link.status == 303 and link.headers["location"] == "/entries?q=rep"  # the token leaves the URL
    assert http.get("/entries").status == 200  # the session cookie
    assert TOKEN not in web_token.log(), web_token.log()
    assert "token=***" in web_token.log()


def test_basic_auth(web_basic, sdk, r):
    import base64

    http = Http(web_basic.url)
    plain = http.get("/entries")
    assert plain.status == 401 and plain.headers["www-authenticate"].startswith("Basic")

    def auth(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert http.get("/entries", headers=auth(BASIC[0], "nope")).status == 401
    assert http.get("/entries", headers=auth("nobody", BASIC[1])).status == 401
    assert http.get("/entries", headers={"Authorization": "Basic !!!"}).status == 401
    assert http.get("/entries", headers=auth(*BASIC)).status == 200


def test_no_secret_in_pages_or_logs(web, web_token, web_basic, http, sdk, r):
    seed(sdk, r)
    r.set("redbeat::lock", new_token(), px=5000)
    paths = ("/entries", "/entry?name=report", "/beat", "/doctor", "/new", "/nope", "/entry?name=x")
    pages = [http.get(p).text for p in paths]
    assert all(WEB_PASSWORD not in text for text in pages)
    assert "redis://web-operator:***@127.0.0.1" in pages[0]
    signed_in = Http(web_basic.url).get("/entries", headers={"Authorization": "Basic " + basic_header()})
    assert signed_in.status == 200 and BASIC[1] not in signed_in.text
    for server in (web, web_token, web_basic):
        assert WEB_PASSWORD not in server.log() and TOKEN not in server.log()
        assert BASIC[1] not in server.log() and basic_header() not in server.log()
        assert "***@127.0.0.1" in server.log()


def basic_header() -> str:
    import base64

    return base64.b64encode(":".join(BASIC).encode()).decode()


def test_redis_unreachable_is_a_message_on_every_page(redis_server):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start_web(f"redis://127.0.0.1:{port}/0")
    try:
        assert "warning: Redis is unreachable" in server.log()
        http = Http(server.url)
        for path in ("/entries", "/entry?name=x", "/beat", "/doctor", "/entries?q=x"):
            reply = http.get(path)
            assert reply.status == 503 and reply.has("Redis is unreachable"), path
        reply = http.post("/run-now?name=x", {"csrf": http.csrf("/new")})
        assert reply.status == 503
    finally:
        server.stop()


def run_web(*args: str, env: dict | None = None, url: str = "redis://127.0.0.1:1/0"):
    cmd = [str(REDBEAT), "--url", url, "web", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "0.0.0.0"], ["--host", "0.0.0.0 is reachable from other machines", "--token"]),
        (["--host", "::"], ["--host", "reachable from other machines"]),
        (["--host", "192.0.2.1"], ["--host", "reachable from other machines"]),
        (["--basic-auth", "nocolon"], ["--basic-auth", "USER:PASSWORD"]),
        (["--token", ""], ["--token", "must not be empty"]),
        (["--metrics-url", "ftp://x"], ["--metrics-url", "not an http"]),
        (["--port", "70000"], ["--port"]),
        (["--scan-limit", "0"], ["--scan-limit"]),
    ],
)
def test_refused_at_start(args, words):
    """Binding beyond loopback without credentials (and any bad flag) is refused before listening."""
    refused(run_web(*args), 2, *words)


def test_a_port_in_use_is_one_error_line(redis_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused(run_web("--port", str(port), url=redis_server.url), 1, "--port", "cannot listen", str(port))


def test_help_needs_no_redis():
    result = subprocess.run([str(REDBEAT), "web", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--read-only" in result.stdout and "--basic-auth" in result.stdout


def test_odd_forms_are_refused_with_a_message(web, http, sdk, r):
    token = http.csrf()
    collide = http.post(
        "/new", {"csrf": token, "name": ":schedule", "task": "t", "kind": "interval", "every": "5"}
    )
    assert collide.status == 400 and collide.has('id="error-name"', "collide with the schedule")
    assert r.type("redbeat::schedule") == "none"  # nothing was written over it
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhello\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    upload = http.post(
        "/new", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert upload.status == 400 and upload.has("the form could not be read")
    garbled = http.post("/new", body=b"csrf=" + token.encode() + b"&name=%ff%fe&task=\xff", headers={})
    assert garbled.status in (400, 409) and "Traceback" not in garbled.text
    assert http.get("/login").status == 303  # no token to sign in with


def test_passwords_are_masked_in_every_url_form():
    from redbeat_sdk.urls import redacted

    assert redacted("redis://u:p%40ss@h:1/0?password=zz&db=2") == "redis://u:***@h:1/0?password=***&db=2"
    assert redacted("unix:///tmp/r.sock?db=1&password=sec") == "unix:///tmp/r.sock?db=1&password=***"
