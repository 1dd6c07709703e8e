"""Prometheus metrics, scraped over HTTP from a scheduler with a frozen clock."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from redbeat_scheduler.settings import RedBeatSettings, SettingsError
from redbeat_sdk import Entry, Interval

LOCK = "redbeat::lock"


def scrape(beat) -> dict:
    """{(sample name, labels as a sorted tuple): value} from the beat's /metrics endpoint."""
    with urllib.request.urlopen(f"http://127.0.0.1:{beat.metrics.port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_are_served_and_count_what_the_beat_did(sdk, make_app, make_scheduler, clock, r):
    sdk.save(Entry("every-10", "tasks.ping", Interval(10)))
    sdk.save(Entry("hourly", "tasks.h", Interval(3600)))
    r.hset("redbeat:broken", mapping={"definition": "{not json"})
    r.zadd("redbeat::schedule", {"redbeat:broken": 0})
    beat = make_scheduler(make_app(redbeat_metrics_port=0))
    assert beat.metrics.port is None  # not started before the first tick
    clock.advance(12)  # every-10 was due at +10: sent 2 s late
    beat.tick()
    samples = scrape(beat)

    assert value(samples, "redbeat_tasks_sent_total") == 1
    assert value(samples, "redbeat_lateness_seconds_count") == 1
    assert value(samples, "redbeat_lateness_seconds_bucket", le="1.0") == 0
    assert value(samples, "redbeat_lateness_seconds_bucket", le="2.5") == 1
    assert 2.0 <= value(samples, "redbeat_lateness_seconds_sum") < 2.5
    assert value(samples, "redbeat_tick_duration_seconds_count") == 1
    assert value(samples, "redbeat_ticks_total") == 1
    assert value(samples, "redbeat_corrupt_entries") == 1
    assert value(samples, "redbeat_corrupt_entries_found_total") == 1
    assert value(samples, "redbeat_lock_held") == 1
    assert value(samples, "redbeat_lock_acquired_total") == 1
    assert value(samples, "redbeat_failovers_total") == 0
    assert value(samples, "redbeat_due_entries") == 0  # all three handled: sent, skipped, not due

    r.hset(
        "redbeat:broken",
        "definition",
        '{"name": "broken", "task": "tasks.b", "args": null, "kwargs": {}, '
        '"options": {}, "schedule": {"__type__": "interval", "every": 5.0, "relative": false}, "enabled": true}',
    )
    clock.advance(60)  # the corrupt entry is looked at again after max_interval; now readable
    beat.tick()
    samples = scrape(beat)
    assert value(samples, "redbeat_corrupt_entries") == 0
    assert value(samples, "redbeat_corrupt_entries_found_total") == 1
    assert value(samples, "redbeat_tasks_sent_total") == 3  # every-10 again, and broken's first run
    assert value(samples, "redbeat_lateness_seconds_count") == 2  # a first run has no due time
    assert value(samples, "redbeat_tick_duration_seconds_count") == 2


def test_a_takeover_counts_as_a_failover_and_the_backlog_is_reported(sdk, make_app, make_scheduler, clock, r):
    sdk.save_many([Entry(f"b{i}", "tasks.b", Interval(30)) for i in range(7)])
    leader = make_scheduler(make_app(redbeat_metrics_port=0))
    standby = make_scheduler(make_app(redbeat_metrics_port=0))
    leader.tick()
    standby.tick()
    assert value(scrape(standby), "redbeat_lock_held") == 0
    r.delete(LOCK)  # the leader died; its lock expired
    standby.first_batch_size = 3
    clock.advance(30)
    assert standby.tick() == 0  # took over; 3 of 7 due sent, more to read
    samples = scrape(standby)
    assert value(samples, "redbeat_lock_held") == 1
    assert value(samples, "redbeat_failovers_total") == 1
    assert value(samples, "redbeat_tasks_sent_total") == 3
    assert value(samples, "redbeat_due_entries") == 4
    leader.tick()  # finds the lock taken
    samples = scrape(leader)
    assert value(samples, "redbeat_lock_held") == 0 and value(samples, "redbeat_lock_lost_total") == 1


def test_metrics_listen_on_loopback_by_default_and_stop_on_close(make_app, make_scheduler):
    beat = make_scheduler(make_app(redbeat_metrics_port=0))
    beat.tick()
    host, port = beat.metrics._server.server_address[:2]
    assert host == "127.0.0.1" and port == beat.metrics.port
    beat.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_no_metrics_unless_configured(make_scheduler):
    beat = make_scheduler()
    beat.tick()
    assert not beat.metrics.enabled and beat.metrics.port is None


@pytest.mark.parametrize("port, expected", [(9808, 9808), ("9808", 9808), (0, 0), (None, None)])
def test_metrics_port_setting(port, expected):
    from celery import Celery

    app = Celery("m", set_as_current=False)
    app.conf.update(redbeat_redis_url="redis://127.0.0.1:1/0", redbeat_metrics_port=port)
    settings = RedBeatSettings.from_app(app)
    assert settings.metrics_port == expected and settings.metrics_addr == "127.0.0.1"


@pytest.mark.parametrize("port", [-1, 70000, "http", True, 1.5])
def test_a_bad_metrics_port_names_the_setting(port):
    from celery import Celery

    app = Celery("m", set_as_current=False)
    app.conf.update(redbeat_redis_url="redis://127.0.0.1:1/0", REDBEAT_METRICS_PORT=port)
    with pytest.raises(SettingsError) as caught:
        RedBeatSettings.from_app(app)
    assert caught.value.setting == "redbeat_metrics_port"


def test_the_ways_out_and_the_outbox_are_counted(sdk, make_app, make_scheduler, clock, r, redis_url):
    sdk.save(Entry("every-1", "tasks.ping", Interval(1)))
    sdk.save(Entry("later", "tasks.eta", Interval(1), options={"countdown": 5}))  # Celery's own path
    beat = make_scheduler(make_app(broker_url=redis_url, redbeat_metrics_port=0))
    clock.advance(1)
    beat.tick()
    samples = scrape(beat)
    assert value(samples, "redbeat_tasks_sent_total") == 2
    assert value(samples, "redbeat_tasks_queued_atomically_total") == 1
    assert value(samples, "redbeat_tasks_sent_by_celery_total") == 1
    assert value(samples, "redbeat_tasks_sent_pipelined_total") == 0
    assert value(samples, "redbeat_outbox_runs") == 0
    # a former leader's run left in the outbox: published again by this one when it next takes the lock
    definition = r.hget("redbeat:every-1", "definition")
    r.hset("redbeat::outbox", "00000000-0000-4000-8000-000000000000:redbeat:every-1", definition)
    beat._dispatcher.lock_taken()
    beat.tick()
    samples = scrape(beat)
    assert value(samples, "redbeat_outbox_republished_total") == 1
    assert value(samples, "redbeat_outbox_runs") == 0 and value(samples, "redbeat_outbox_full_total") == 0
    assert value(samples, "redbeat_publish_errors_total") == 0


def test_the_dashboards_beat_page_tells_the_leader_from_the_standby(
    sdk, make_app, make_scheduler, r, redis_url
):
    """`redbeat web --metrics-url` (once per beat) against two real schedulers' endpoints: the lock holder
    with its pid, which beat leads, and their figures, as the scheduler names them."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    sdk.save(Entry("every-10", "tasks.ping", Interval(10)))
    leader = make_scheduler(make_app(redbeat_metrics_port=0))
    standby = make_scheduler(make_app(redbeat_metrics_port=0))
    leader.tick()
    standby.tick()
    urls = [f"http://127.0.0.1:{beat.metrics.port}/metrics" for beat in (leader, standby)]
    redbeat = Path(sys.executable).with_name("redbeat")
    args = ["--url", redis_url, "web", "--port", "0", "--metrics-url", urls[0], "--metrics-url", urls[1]]
    web = subprocess.Popen([str(redbeat), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        address = None
        for line in web.stdout:  # the address is printed once the socket listens
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            if found:
                address = found.group(1)
                break
        assert address, "redbeat web did not start"
        with urllib.request.urlopen(address + "beat", timeout=30) as reply:
            page = reply.read().decode()
    finally:
        web.terminate()
        web.wait(10)
    token = r.get(LOCK)
    assert token and f'<code id="holder-token">{token}</code>' in page
    assert f"<dt>pid</dt><dd>{os.getpid()}</dd>" in page
    sections = page.split('<div class="beat">')[1:]
    assert len(sections) == 2
    assert urls[0] in sections[0] and 'badge on">leader' in sections[0]
    assert urls[1] in sections[1] and 'badge off">standby' in sections[1]
    assert "<code>tasks_sent</code>" in sections[0] and "<code>lock_held</code>" in sections[1]
    assert "_created</code>" not in page  # a family's start time is no figure
