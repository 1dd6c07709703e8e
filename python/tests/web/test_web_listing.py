"""What the entries table reads, against a real Redis with a frozen clock: the default view pages straight
from the sorted set (proved by Redis's own command counts), other views scan within their limit; the
metrics scrape; the labels/history adapters."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from redbeat_sdk import Entry, Interval
from redbeat_sdk.web import extensions, metrics
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
    # one ZRANGE by rank with its ZCARD, one load script call; inside it one HMGET and ZSCORE per row
    assert sent.pop("config|resetstat") == 1
    assert sent == {"zrange": 1, "zcard": 1, "evalsha": 1, "hmget": 50, "zscore": 50}
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


def test_labels_appear_when_the_sdk_has_them(client, r, monkeypatch):
    """Entries grow labels with the extensions profile (issue 17); until then the SDK has none and the
    column stays away. Here an SDK with labels is stood in for by labelling the read entries."""
    save(client, 4)
    reader = Reader(client)
    assert not reader.listing(Query()).show_labels
    fake = {"e001": {"team": "ops"}, "e002": ["nightly"]}

    original = extensions.labels_of

    def labelled(entry):
        object.__setattr__(entry, "labels", fake.get(entry.name))
        return original(entry)

    monkeypatch.setattr("redbeat_sdk.web.listing.extensions.labels_of", labelled)
    listing = reader.listing(Query())
    assert listing.show_labels
    assert {row.name: row.labels for row in listing.rows if row.labels} == {
        "e001": {"team": "ops"},
        "e002": {"nightly": ""},
    }
    assert [row.name for row in reader.listing(Query(label="team=ops")).rows] == ["e001"]
    assert [row.name for row in reader.listing(Query(label="nightly")).rows] == ["e002"]


def test_history_adapter():
    class Client:
        def history(self, name):
            from datetime import datetime, timezone

            return [{"at": datetime(2025, 1, 1, tzinfo=timezone.utc), "outcome": "sent"}] * 3

    assert (
        extensions.history_of(Client(), "x", limit=2)
        == [{"at": "2025-01-01T00:00:00+00:00", "outcome": "sent"}] * 2
    )
    assert extensions.history_of(object(), "x") is None


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
