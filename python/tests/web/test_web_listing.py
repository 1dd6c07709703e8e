"""What the entries table reads, against a real Redis with a frozen clock: the default view pages straight
from the sorted set (proved by Redis's own command counts), other views scan within their limit; the
metrics scrape; labels through the label index, the extensions and the run history on the entry page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from redbeat_sdk import Entry, Interval
from redbeat_sdk.web import metrics
from redbeat_sdk.web.listing import Query, Reader, parse_query


def save(client, count: int, **kw) -> list[str]:
    client.save_many(Entry(f"e{i:03d}", f"app.t{i % 3}", Interval(60 + i), **kw) for i in range(count))
    return [f"e{i:03d}" for i in range(count)]


def calls(r) -> dict[str, int]:
    stats = r.info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def test_the_default_view_reads_one_page_whatever_the_size(client, r):
    save(client, 300)
    reader = Reader(client)
    reader.listing(Query())  # the load script is known to Redis from here on
    r.config_resetstat()
    listing = reader.listing(Query(page=3, size=50))
    sent = calls(r)
    # one ZRANGE by rank with its ZCARD, one load script call (inside it one HMGET and ZSCORE per row);
    # no row has labels: whether any entry has (EXISTS of the label index: the labels column and filter)
    assert sent.pop("config|resetstat") == 1
    assert sent == {"zrange": 1, "zcard": 1, "evalsha": 1, "hmget": 50, "zscore": 50, "exists": 1}
    assert (listing.total, listing.matched, listing.examined, listing.pages) == (300, 300, 50, 6)
    keys = r.zrange("redbeat::schedule", 100, 149)
    assert [row.key for row in listing.rows] == keys
    assert listing.rows[0].view["schedule"] == "every 2m40s"
    backwards = reader.listing(Query(desc=True, size=10))
    assert [row.key for row in backwards.rows] == r.zrange("redbeat::schedule", -10, -1)[::-1]
    assert reader.listing(Query(page=99)).rows == []


def test_filters_scan_and_say_how_far(client, r, clock):
    save(client, 90)
    client.disable("e004")
    reader = Reader(client)
    by_task = reader.listing(Query(task="app.t1", size=100))
    assert [row.name for row in by_task.rows] == [f"e{i:03d}" for i in range(1, 90, 3)]
    assert (by_task.examined, by_task.capped) == (90, False)
    assert [row.name for row in reader.listing(Query(state="disabled")).rows] == ["e004"]
    assert {row.name for row in reader.listing(Query(q="E00", size=100)).rows} == {
        f"e00{i}" for i in range(10)
    }
    assert reader.listing(Query(q="APP.T2", size=100)).matched == 30  # the task too, any case
    capped = Reader(client, scan_limit=40).listing(Query(task="app.*", size=100))
    assert (capped.examined, capped.matched, capped.capped, capped.total) == (40, 40, True, 90)


def test_sorts(client, r, clock):
    save(client, 5)
    client.run_now("e002")
    r.hset("redbeat:e003", "meta", json.dumps({"last_run_at": None, "total_run_count": 7}))
    reader = Reader(client)

    def names(**kw) -> list[str]:
        return [row.name for row in reader.listing(Query(**kw)).rows]

    r.hset("redbeat:a-bad", "definition", "{")
    r.zadd("redbeat::schedule", {"redbeat:a-bad": 0})
    assert names(sort="name", desc=True) == ["e004", "e003", "e002", "e001", "e000", "a-bad"]
    assert names(sort="name") == ["e000", "e001", "e002", "e003", "e004", "a-bad"]  # unreadable: last
    # a scan by next run keeps schedule order, unreadable rows where they stand (as the default view)
    assert names(sort="next", desc=True, q="a") == ["e004", "e003", "e001", "e000", "e002", "a-bad"]
    assert names(sort="runs", desc=True)[0] == "e003"
    assert names(sort="next")[:2] == ["a-bad", "e002"]  # run now: first after the unreadable one (score 0)
    assert names(sort="last")[:2] == ["e002", "e003"]  # never run (run now cleared it) sorts first


def test_late_and_corrupt(client, r, clock):
    save(client, 6)
    client.disable("e001")
    r.hset("redbeat:zz-bad", "definition", "{not json")
    r.zadd("redbeat::schedule", {"redbeat:zz-bad": 10**10, "redbeat:zz-gone": 10**10 + 1})
    reader = Reader(client)
    assert reader.listing(Query(late=True)).rows == []  # nothing due yet
    clock.advance(62 + 60 + 1)  # e000 (due at 60 s), e001 (61 s, disabled), e002 (62 s): a minute overdue
    late = reader.listing(Query(late=True))
    assert [row.name for row in late.rows] == ["e000", "e002"] and all(row.late for row in late.rows)
    assert late.examined == 4 and not late.capped  # schedule order: it stops at the first one not late
    corrupt = reader.listing(Query(corrupt=True))
    assert [(row.name, row.problem is not None) for row in corrupt.rows] == [
        ("zz-bad", True),
        ("zz-gone", True),
    ]
    assert "invalid JSON" in corrupt.rows[0].problem and "no definition" in corrupt.rows[1].problem
    straight = reader.listing(Query(size=10))
    assert [row.name for row in straight.rows][-2:] == ["zz-bad", "zz-gone"]  # shown, not skipped


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"page": "x"}, "page: 'x' is not a whole number; using 1"),
        ({"size": "0"}, "size: 0 is outside 1-200; using 50"),
        ({"sort": "score"}, "sort: 'score' is not one of next, name, task, last, runs, enabled"),
        ({"state": "on"}, "state: 'on' is not enabled or disabled"),
    ],
)
def test_parse_query_refuses_with_a_message(params, problem):
    query, problems = parse_query(params)
    assert problems and problems[0].startswith(problem) and query.straight


def test_query_urls_keep_only_what_differs():
    query = Query(q="a b", sort="name", page=3)
    assert query.url(page=4) == "/entries?q=a+b&sort=name&page=4"
    assert query.sort_url("name") == "/entries?q=a+b&sort=name&desc=1"
    assert Query().url() == "/entries"


def label(client, name: str, labels: dict[str, str], **kw) -> None:
    client.save(Entry(name, "app.labelled", Interval(30), extensions={"labels": labels}, **kw))


def test_labels_are_read_through_the_label_index(client, r):
    save(client, 4)
    reader = Reader(client)
    plain = reader.listing(Query())
    assert not plain.labelled and all(row.labels == {} for row in plain.rows)  # no column, no filter
    label(client, "ops-a", {"team": "ops", "tier": "gold"})
    label(client, "ops-b", {"team": "ops"}, enabled=False)
    label(client, "web", {"team": "web", "canary": ""})
    second = reader.listing(Query(size=3, page=2))  # labelled rows on no page but the first
    assert second.labelled and {row.name: row.labels for row in second.rows} == {
        n: {} for n in ("e000", "e001", "e002")
    }
    assert {row.name: row.labels for row in reader.listing(Query()).rows if row.labels} == {
        "ops-a": {"team": "ops", "tier": "gold"},
        "ops-b": {"team": "ops"},
        "web": {"team": "web", "canary": ""},
    }

    def names(**kw) -> list[str]:
        return [row.name for row in reader.listing(Query(**kw)).rows]

    reader.listing(Query(label="team=ops"))  # the load script is known to Redis from here on
    r.config_resetstat()
    ops = reader.listing(Query(label="team=ops"))
    sent = calls(r)
    sent.pop("config|resetstat")
    # the index (one ZRANGEBYLEX), the schedule's size, one load of those two hashes: no walk of the schedule
    assert sent == {"zrangebylex": 1, "zcard": 1, "evalsha": 1, "hmget": 2, "zscore": 2}
    assert [row.name for row in ops.rows] == ["ops-a", "ops-b"]
    assert (ops.indexed, ops.examined, ops.matched, ops.total, ops.capped) == (True, 2, 2, 7, False)
    assert names(label="team") == ["ops-a", "ops-b", "web"]  # any value
    assert names(label="canary") == names(label="canary=") == ["web"]  # the empty value is a value
    assert names(label="team=ops, tier=gold") == names(label="team=ops tier") == ["ops-a"]
    assert names(label="team=ops", state="enabled") == ["ops-a"]  # with the other filters
    assert names(label="team", sort="name", desc=True) == ["web", "ops-b", "ops-a"]
    assert names(label="team=nobody") == []
    # the index lists an entry whose labels a writer without the profile took away: the entry decides
    r.hdel("redbeat:ops-b", "extensions")
    assert names(label="team=ops") == ["ops-a"]
    r.hset("redbeat:ops-a", "extensions", "{not json")  # corrupt: it carries no label one can read
    assert names(label="team") == ["web"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("team=o!ps", "label: 'team=o!ps': a label value is 0-63 of A-Z a-z 0-9 . _ -,"),
        ("-team", "label: '-team': a label key is 1-63 of A-Z a-z 0-9 . _ / -,"),
        ("x" * 300, f"label: '{'x' * 70}': a label key is 1-63"),
        ("team=a,team=b", "label: 'team' is given twice"),
    ],
)
def test_a_bad_label_filter_is_a_message(text, problem):
    query, problems = parse_query({"label": text})
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert problems[0].endswith("; showing every label") and query.label == ""
    assert parse_query({"label": " , "})[0] == Query()  # nothing to filter by


def test_the_entry_page_shows_the_extensions_and_the_history(client, r, redis_url):
    """History records as redbeat-scheduler writes them: LPUSH of `encode_record`, trimmed to its length."""
    from webrun import Http, start_web

    from redbeat_sdk.history import encode_record
    from redbeat_sdk.lock_token import new_token
    from redbeat_sdk.web.site import entry_url

    client.save(
        Entry(
            "tokyo",
            "app.report",
            Interval(3600),
            extensions={
                "timezone": "Asia/Tokyo",
                "start_at": datetime(2030, 1, 1, 9),
                "jitter": 30,
                "catch_up": 300,
                "labels": {"tenant": "acme", "canary": ""},
                "description": "Tokyo's morning report",
            },
        )
    )
    beat = new_token("beathost", 4242)
    due = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    for n in range(12):  # the scheduler keeps 10 by default
        recorded = due + timedelta(hours=n, milliseconds=250 * n)
        r.lpush(
            "redbeat::history:tokyo", encode_record(due + timedelta(hours=n), recorded, f"task-{n}", beat)
        )
        r.ltrim("redbeat::history:tokyo", 0, 9)
    r.lpush("redbeat::history:tokyo", encode_record(None, due, "task-first", beat))
    server = start_web(redis_url)
    try:
        http = Http(server.url)
        page = http.get(entry_url("tokyo"))
        assert page.status == 200
        text = page.text
        assert page.has("Asia/Tokyo (the schedule is evaluated there)", "from 2030-01-01 09:00:00 JST")
        assert page.has("each run delayed by a fixed offset below 30s", "5m late or later is skipped")
        assert page.has("Tokyo&#39;s morning report", ">tenant=acme<", ">canary<")
        order = [text.index(f"<code>task-{n}</code>") for n in (11, 10, 5, 2)]
        assert order == sorted(order) and "task-1<" not in text and "task-0<" not in text  # newest first
        assert page.has(
            "<td>2.75s</td>", "beathost, pid 4242", "- (never ran before)", "2025-03-01 10:00:00 CET"
        )
        assert text.index("task-first") < order[0]

        r.lpush("redbeat::history:tokyo", "{broken")
        broken = http.get(entry_url("tokyo"))
        assert broken.status == 200 and broken.has(
            "The run history cannot be read", "history record: invalid JSON"
        )
        assert broken.has("Tokyo&#39;s morning report")  # the rest of the page is there

        client.save(Entry("plain", "app.plain", Interval(60)))
        plain = http.get(entry_url("plain"))
        assert plain.status == 200 and 'id="extensions"' not in plain.text
        assert plain.has("No runs recorded")
    finally:
        server.stop()


def test_metrics_scrape(beat_endpoint):
    beat = metrics.scrape(beat_endpoint + "/metrics")
    assert beat.error is None and beat.leading is True
    figures = {f.name: f for f in beat.figures}
    assert figures["tasks_sent"].value == 42 and figures["tasks_sent"].kind == "counter"
    assert figures["tick_duration_seconds"].mean == pytest.approx(0.25)
    assert set(figures) == {"tasks_sent", "lock_held", "tick_duration_seconds"}  # no *_created timestamps
    assert "HTTP 404" in metrics.scrape(beat_endpoint + "/elsewhere").error
    assert "unreachable" in metrics.scrape("http://127.0.0.1:1/metrics", timeout=1).error
    assert (
        metrics.scrape("http://user:pw@127.0.0.1:1/metrics", timeout=1).url
        == "http://user:***@127.0.0.1:1/metrics"
    )


def test_the_beat_page_shows_leader_or_standby(beat_endpoint, redis_url, r):
    from webrun import Http, start_web

    server = start_web(
        redis_url, "--metrics-url", beat_endpoint + "/metrics", "--metrics-url", "http://127.0.0.1:1/"
    )
    try:
        page = Http(server.url).get("/beat")
        assert page.status == 200
        assert page.has("leader", "tasks_sent", "42", "unreachable", "No beat holds the lock")
    finally:
        server.stop()


def test_late_after_is_a_minute(client, clock):
    """The `late` mark: enabled, and due more than LATE_AFTER seconds ago."""
    client.save(Entry("x", "app.x", Interval(10)))
    reader = Reader(client)
    clock.advance(10 + 59)
    assert not reader.listing(Query()).rows[0].late
    clock.now += timedelta(seconds=2)
    assert reader.listing(Query()).rows[0].late
