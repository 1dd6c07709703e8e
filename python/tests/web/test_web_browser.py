"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against `redbeat web` processes
and a real Redis. Each test gets a new browser context (no cookies); the browser and the servers are
shared by the session."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect
from webrun import BASIC, TOKEN

from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient, RRule
from redbeat_sdk.history import encode_record
from redbeat_sdk.lock_token import new_token
from redbeat_sdk.web.site import entry_url

SCHEDULE = "redbeat::schedule"


@pytest.fixture
def sdk(redis_server, r) -> RedBeatClient:
    return RedBeatClient.from_url(redis_server.url, timezone="Europe/Berlin")


def definition(r, name: str) -> dict:
    return json.loads(r.hget(f"redbeat:{name}", "definition"))


def row(page: Page, name: str):
    return page.locator(f'#entries tr[data-name="{name}"]')


def test_list_shows_every_column_and_the_corrupt_ones(web, page, sdk, r):
    sdk.save_many(
        [
            Entry("heartbeat", "app.ping", Interval(30)),
            Entry("report", "app.report", Crontab(minute=0, hour=9, day_of_week="mon-fri")),
            Entry("launch", "app.launch", RRule("WEEKLY", count=4)),
            Entry("paused", "app.paused", Interval(3600), enabled=False),
        ]
    )
    r.hset("redbeat:legacy", "definition", '{"name": "legacy"}')
    r.zadd(SCHEDULE, {"redbeat:legacy": 0})
    ran = {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0}
    ran |= {"second": 6, "microsecond": 0, "timezone": "UTC"}
    r.hset("redbeat:heartbeat", "meta", json.dumps({"last_run_at": ran, "total_run_count": 7}))
    page.goto(web.url)
    expect(page).to_have_url(re.compile(r"/entries$"))
    expect(page.locator("#total")).to_have_text("5 in the schedule")
    expect(row(page, "report")).to_contain_text("cron 0 9 * * mon-fri")
    expect(row(page, "report")).to_contain_text("app.report")
    heartbeat = row(page, "heartbeat").locator("td")
    expect(heartbeat.nth(3)).to_have_text("every 30s")
    expect(heartbeat.nth(5)).to_have_text("2025-01-15 13:00:06 CET")  # last run, in the beat's zone
    expect(heartbeat.nth(6)).to_have_text("7")  # run count
    expect(row(page, "report").locator("td").nth(4)).to_contain_text("09:00:00 CE")  # next run
    expect(row(page, "launch")).to_contain_text("rrule WEEKLY x4")
    expect(row(page, "paused")).to_contain_text("disabled")
    expect(row(page, "legacy")).to_contain_text("corrupt")
    expect(page.locator("#how")).to_contain_text("paged straight from the schedule's sorted set")
    # schedule order: the corrupt one (score 0) first
    assert page.locator("#entries tbody tr").first.get_attribute("data-name") == "legacy"


def test_page_through_1000_entries(web, page, sdk, r):
    sdk.save_many(Entry(f"job-{i:04d}", "app.job", Interval(60 + i)) for i in range(1000))
    expected = r.zrange(SCHEDULE, 0, -1)
    page.goto(web.url + "entries")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        expect(page.locator("#page-of")).to_have_text(f"Page {pages} of 20")
        seen += page.locator("#entries tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
        following = page.locator('a[rel="next"]')
        if not following.count():
            break
        following.click()
    assert pages == 20
    assert seen == [key.removeprefix("redbeat:") for key in expected]  # all of them, in schedule order
    page.locator('a[rel="first"]').click()
    expect(page.locator("#page-of")).to_have_text("Page 1 of 20")
    expect(page.locator("html.js")).to_have_count(1)  # app.js has set the page up
    page.select_option('select[name="size"]', "200")  # applies at once (app.js)
    expect(page.locator("#page-of")).to_have_text("Page 1 of 5")
    expect(page.locator("#entries tbody tr")).to_have_count(200)


def test_search_filters_and_sort(web, page, sdk, r):
    sdk.save_many(
        [
            *(Entry(f"report-{i}", f"app.reports.r{i}", Crontab(minute=i)) for i in range(3)),
            *(Entry(f"sync-{i}", "app.sync", Interval(10 + i), enabled=i != 1) for i in range(4)),
        ]
    )
    page.goto(web.url + "entries")
    page.fill('input[name="q"]', "REPORT")
    page.press('input[name="q"]', "Enter")
    expect(page.locator("#entries tbody tr")).to_have_count(3)
    expect(page.locator("#how")).to_contain_text("reads the schedule entry by entry")
    expect(page.locator("#how")).to_contain_text("7 of 7 examined")
    page.goto(web.url + "entries")
    page.fill('input[name="task"]', "app.sync")
    page.select_option('select[name="state"]', "disabled")
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(row(page, "sync-1")).to_be_visible()
    r.zadd(SCHEDULE, {"redbeat:sync-2": 1_000_000})  # due in 1970: late
    r.hset("redbeat:broken", "definition", "{")
    r.zadd(SCHEDULE, {"redbeat:broken": 2_000_000})
    page.goto(web.url + "entries")
    page.check('input[name="late"]')
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(row(page, "sync-2").locator(".badge.late")).to_have_text("late")
    page.uncheck('input[name="late"]')
    page.check('input[name="corrupt"]')
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(row(page, "broken")).to_contain_text("invalid JSON")
    r.delete("redbeat:broken")
    r.zrem(SCHEDULE, "redbeat:broken")
    page.goto(web.url + "entries")
    page.get_by_role("link", name="name").click()
    names = page.locator("#entries tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names == sorted(names)
    page.get_by_role("link", name="name ▲").click()  # again: descending
    names = page.locator("#entries tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names == sorted(names, reverse=True)


def test_enable_disable_run_now_from_the_table(web, page, sdk, r):
    sdk.save_many([Entry("a", "app.a", Interval(3600)), Entry("b", "app.b", Interval(7200))])
    page.goto(web.url + "entries")
    row(page, "a").get_by_role("button", name="Disable").click()
    expect(page.locator(".flash.ok")).to_have_text("disabled a")
    assert definition(r, "a")["enabled"] is False
    expect(row(page, "a")).to_contain_text("disabled")
    row(page, "a").get_by_role("button", name="Enable").click()
    expect(page.locator(".flash.ok")).to_have_text("enabled a")
    assert definition(r, "a")["enabled"] is True
    before = r.zscore(SCHEDULE, "redbeat:b")
    row(page, "b").get_by_role("button", name="Run now").click()
    expect(page.locator(".flash.ok")).to_have_text("b runs at the next beat tick")
    assert json.loads(r.hget("redbeat:b", "meta"))["last_run_at"] is None
    assert r.zscore(SCHEDULE, "redbeat:b") < before  # due now, no longer in two hours
    assert r.zrange(SCHEDULE, 0, 0) == ["redbeat:b"]


def test_bulk_actions_on_a_selection(web, page, sdk, r):
    sdk.save_many(Entry(f"n{i}", "app.n", Interval(60)) for i in range(5))
    page.goto(web.url + "entries")
    bulk_disable = page.locator(".bulkbar").get_by_role("button", name="Disable")
    expect(bulk_disable).to_be_disabled()  # nothing selected yet
    for name in ("n1", "n3"):
        row(page, name).locator('input[type="checkbox"]').check()
    expect(page.locator("#selected")).to_have_text("2 selected")
    bulk_disable.click()
    expect(page.locator(".flash.ok")).to_have_text("disabled 2 entries")
    assert [definition(r, f"n{i}")["enabled"] for i in range(5)] == [True, False, True, False, True]
    row(page, "n3").locator('input[type="checkbox"]').check()
    page.locator(".bulkbar").get_by_role("button", name="Enable").click()
    expect(page.locator(".flash.ok")).to_have_text("enabled 1 entry")
    assert [definition(r, f"n{i}")["enabled"] for i in range(5)] == [True, False, True, True, True]
    page.locator("#all").check()
    expect(page.locator("#selected")).to_have_text("5 selected")
    page.locator(".bulkbar").get_by_role("button", name="Delete…").click()
    expect(page.locator("h1")).to_have_text("Delete 5 entries?")
    expect(page.locator("#doomed li")).to_have_count(5)
    assert r.zcard(SCHEDULE) == 5  # nothing deleted before the confirmation
    page.locator("#confirm-delete").click()
    expect(page.locator(".flash.ok")).to_have_text("deleted 5 entries")
    assert r.zcard(SCHEDULE) == 0 and not r.keys("redbeat:n*")


def test_entry_page_and_delete_with_confirmation(web, page, sdk, r):
    sdk.save(Entry("nightly: backup ✓", "app.backup", Crontab(minute=30, hour=2), kwargs={"full": True}))
    page.goto(web.url + "entries")
    page.get_by_role("link", name="nightly: backup ✓").click()
    expect(page.locator("#entry-name")).to_contain_text("nightly: backup ✓")
    expect(page.locator("#definition")).to_contain_text('"full": true')
    expect(page.locator("#runs li")).to_have_count(10)
    expect(page.locator("#runs li").first).to_contain_text("02:30:00 CE")  # the beat's zone: Europe/Berlin
    page.fill('input[name="tz"]', "America/New_York")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#runs li").first).to_contain_text(re.compile(r"20:30:00 E[SD]T"))
    expect(page.locator("#raw")).to_contain_text("definition")
    expect(page.locator("#raw")).to_contain_text("meta")
    expect(page.locator("#history")).to_contain_text("No runs recorded")
    expect(page.locator("#extensions")).to_have_count(0)  # it has none
    page.get_by_role("button", name="Delete…").click()
    expect(page.locator("#doomed")).to_have_text("nightly: backup ✓")
    page.get_by_role("link", name="Cancel").click()
    assert r.exists("redbeat:nightly: backup ✓")
    page.get_by_role("button", name="Delete…").click()
    page.locator("#confirm-delete").click()
    expect(page.locator(".flash.ok")).to_have_text("deleted nightly: backup ✓")
    assert not r.exists("redbeat:nightly: backup ✓") and r.zcard(SCHEDULE) == 0


def test_labels_and_history(web, page, sdk, r):
    """Entries saved with labels through the SDK, a run history as redbeat-scheduler writes it."""
    sdk.save_many(
        [
            Entry("plain", "app.plain", Interval(60)),
            Entry("ops-report", "app.report", Interval(300), extensions={"labels": {"team": "ops"}}),
            Entry(
                "web-report",
                "app.report",
                Interval(600),
                extensions={"labels": {"team": "web"}, "timezone": "Asia/Tokyo", "catch_up": "skip"},
            ),
        ]
    )
    due = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    for n in range(3):
        record = encode_record(
            due + timedelta(minutes=10 * n),
            due + timedelta(minutes=10 * n, seconds=n),
            f"id-{n}",
            new_token("b1", 7),
        )
        r.lpush("redbeat::history:web-report", record)
    page.goto(web.url + "entries")
    expect(row(page, "ops-report")).to_contain_text("team=ops")
    expect(row(page, "plain").locator("td").nth(8)).to_have_text("")  # the labels column
    page.fill('input[name="label"]', "team=web")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(page.locator("#how")).to_contain_text("Found through the label index: it lists 1 of the 3 entries")
    page.get_by_role("link", name="web-report").click()
    expect(page.locator("#extensions")).to_contain_text("Asia/Tokyo")
    expect(page.locator("#extensions")).to_contain_text("skip: a run reached late is skipped")
    expect(page.locator("#extensions .label")).to_have_text("team=web")
    runs = page.locator("#history tbody tr")
    expect(runs).to_have_count(3)
    expect(runs.first).to_contain_text("id-2")  # newest first
    expect(runs.first).to_contain_text("2025-03-01 10:20:00 CET")
    expect(runs.first.locator("td").nth(2)).to_have_text("2s")
    expect(runs.last).to_contain_text("b1, pid 7")
    page.goto(web.url + "entries?label=team%3D!")
    expect(page.locator(".flash.error")).to_contain_text("label: 'team=!': a label value is")


def test_add_and_edit(web, page, sdk, r):
    page.goto(web.url + "entries")
    page.get_by_role("link", name="+ New entry").click()
    page.fill("#name", "reports/daily")
    page.fill("#task", "app.reports.daily")
    expect(page.locator("html.js")).to_have_count(1)
    page.check('input[name="kind"][value="crontab"]')
    expect(page.locator("#every")).to_be_hidden()  # only the chosen kind's fields (app.js)
    page.fill("#minute", "15")
    page.fill("#hour", "7")
    page.fill("#day_of_week", "mon-fri")
    page.fill("#kwargs", '{"fmt": "pdf"}')
    page.locator("#save").click()
    expect(page.locator(".flash.ok")).to_contain_text("added reports/daily")
    expect(page.locator("#entry-name")).to_contain_text("reports/daily")
    stored = definition(r, "reports/daily")
    assert stored["schedule"] == {
        "__type__": "crontab",
        "minute": "15",
        "hour": "7",
        "day_of_week": "mon-fri",
        "day_of_month": "*",
        "month_of_year": "*",
    }
    assert stored["kwargs"] == {"fmt": "pdf"}
    sdk.run_now("reports/daily")
    meta = r.hget("redbeat:reports/daily", "meta")
    page.get_by_role("link", name="Edit").click()
    expect(page.locator("#minute")).to_have_value("15")
    page.check('input[name="kind"][value="interval"]')
    page.fill("#every", "1h30m")
    page.fill("#task", "app.reports.hourly")
    page.locator("#save").click()
    expect(page.locator(".flash.ok")).to_contain_text("saved reports/daily")
    stored = definition(r, "reports/daily")
    assert stored["task"] == "app.reports.hourly"
    assert stored["schedule"] == {"__type__": "interval", "every": 5400.0, "relative": False}
    assert r.hget("redbeat:reports/daily", "meta") == meta  # the run state is kept
    page.goto(web.url + "new")
    page.fill("#name", "reports/daily")
    page.fill("#task", "app.other")
    page.fill("#every", "5m")
    page.locator("#save").click()
    expect(page.locator("#error-name")).to_contain_text("exists already")
    assert definition(r, "reports/daily")["task"] == "app.reports.hourly"


def test_validation_errors_show_next_to_the_field(web, page, sdk, r):
    page.goto(web.url + "new")
    page.fill("#name", "bad")
    page.fill("#task", "app.bad")
    page.check('input[name="kind"][value="crontab"]')
    page.fill("#hour", "25")
    page.fill("#day_of_week", "7")
    page.locator("#save").click()
    expect(page.locator("#error-hour")).to_contain_text("outside hour's range 0-23")
    expect(page.locator("#hour")).to_have_value("25")  # what was typed is kept
    expect(page.locator("#hour")).to_have_attribute("aria-invalid", "true")
    page.fill("#hour", "9")
    page.locator("#save").click()
    expect(page.locator("#error-day_of_week")).to_contain_text("outside day_of_week's range 0-6")
    page.fill("#day_of_week", "*")
    page.fill("#args", "[1, 2")
    page.locator("#save").click()
    expect(page.locator("#error-args")).to_contain_text("not JSON")
    page.fill("#args", "[1, 2]")
    page.check('input[name="kind"][value="rrule"]')
    page.fill("#rrule", '{"freq": "DAILY", "byhour": [24]}')
    page.locator("#save").click()
    expect(page.locator("#error-rrule")).to_contain_text(
        "byhour[0]: input should be less than or equal to 23"
    )
    assert not r.exists("redbeat:bad")  # nothing half-written
    page.fill("#rrule", '{"freq": "DAILY", "byhour": [9]}')
    page.locator("#save").click()
    expect(page.locator(".flash.ok")).to_contain_text("added bad")
    assert definition(r, "bad")["args"] == [1, 2]


def test_an_edit_of_an_entry_changed_meanwhile_is_refused(web, page, sdk, r):
    sdk.save(Entry("shared", "app.shared", Interval(60)))
    page.goto(web.url + entry_url("shared", "edit").lstrip("/"))
    page.fill("#task", "app.mine")
    sdk.save(Entry("shared", "app.theirs", Interval(60)))  # someone else, after the form was loaded
    page.locator("#save").click()
    expect(page.locator("#form-error")).to_contain_text("not saved: shared was changed")
    assert definition(r, "shared")["task"] == "app.theirs"
    page.get_by_role("link", name="Reload the current definition").click()
    expect(page.locator("#task")).to_have_value("app.theirs")
    page.fill("#task", "app.mine")
    page.locator("#save").click()
    expect(page.locator(".flash.ok")).to_contain_text("saved shared")
    assert definition(r, "shared")["task"] == "app.mine"


def test_beat_and_doctor_pages(web_metrics, beat_endpoint, page, sdk, r):
    from redbeat_sdk.lock_token import new_token

    web = web_metrics
    sdk.save(Entry("x", "app.x", Interval(60)))
    r.zadd(SCHEDULE, {"redbeat:gone": 5})
    token = new_token(host="beat-host", pid=4242)
    r.set("redbeat::lock", token, px=30_000)
    page.goto(web.url + "beat")
    beat = page.locator("#beats .beat")
    expect(beat.locator("h3")).to_contain_text(beat_endpoint + "/metrics")
    expect(beat.locator(".badge")).to_have_text("leader")
    expect(beat.locator("tr", has_text="tasks_sent")).to_contain_text("42")
    expect(page.locator("#holder-token")).to_have_text(token)
    expect(page.locator("#lock")).to_contain_text("beat-host")
    expect(page.locator("#lock")).to_contain_text("4242")
    expect(page.locator("#lock")).to_contain_text(re.compile(r"in \d+\.\d s unless its beat extends it"))
    page.get_by_role("link", name="Doctor").click()
    expect(page.locator("#findings")).to_contain_text("missing-hash")
    expect(page.locator("#findings")).to_contain_text("redbeat:gone")


def test_read_only_shows_no_action_and_refuses_a_post(web_ro, page, sdk, r):
    sdk.save(Entry("x", "app.x", Interval(60)))
    page.goto(web_ro.url + "entries")
    expect(page.locator(".badge.ro")).to_have_text("read-only")
    expect(page.locator("#entries")).to_contain_text("app.x")
    expect(page.get_by_role("button", name="Disable")).to_have_count(0)
    expect(page.get_by_role("link", name="+ New entry")).to_have_count(0)
    page.get_by_role("link", name="x", exact=True).click()
    expect(page.locator(".actions")).to_have_count(0)
    reply = page.request.post(web_ro.url + "disable?name=x", form={"csrf": "x"})
    assert reply.status == 403 and "read-only" in reply.text()
    assert definition(r, "x")["enabled"] is True
    for path in ("new", "edit?name=x"):  # the forms are not even shown
        assert page.goto(web_ro.url + path).status == 403
        expect(page.locator(".flash.error")).to_contain_text("read-only")
        expect(page.locator("form.entry-form")).to_have_count(0)


def test_token_sign_in(web_token, page, sdk, r):
    sdk.save(Entry("secret-job", "app.s", Interval(60)))
    page.goto(web_token.url + "entries")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("body")).not_to_contain_text("secret-job")
    page.fill("#token", "wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash.error")).to_contain_text("not the dashboard's")
    page.fill("#token", TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(row(page, "secret-job")).to_be_visible()
    row(page, "secret-job").get_by_role("button", name="Disable").click()
    expect(page.locator(".flash.ok")).to_have_text("disabled secret-job")
    page.get_by_role("button", name="sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(web_token.url + "entries")
    expect(page.locator("body")).not_to_contain_text("secret-job")


def test_basic_auth_refuses_without_the_password(web_basic, browser, sdk, r):
    from playwright.sync_api import Error

    sdk.save(Entry("guarded", "app.g", Interval(60)))
    for credentials, allowed in (
        (None, False),
        ({"username": BASIC[0], "password": "wrong"}, False),
        ({"username": "root", "password": BASIC[1]}, False),
        ({"username": BASIC[0], "password": BASIC[1]}, True),
    ):
        context = browser.new_context(http_credentials=credentials)
        try:
            tab = context.new_page()
            try:
                reply = tab.goto(web_basic.url + "entries")
                status, body = reply.status, reply.text()
            except Error as exc:  # Chromium gives up on credentials the server keeps refusing
                assert "ERR_INVALID_AUTH_CREDENTIALS" in str(exc)
                status, body = 401, ""
            assert (status, "guarded" in body) == ((200, True) if allowed else (401, False))
        finally:
            context.close()
