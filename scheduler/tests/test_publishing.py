"""How recorded runs reach the broker (dispatch.py, publishing.py), tick by tick on real servers:

- the broker is the schedule's Redis server and db: the record script queues each message, so a run is
  queued if and only if it is recorded; a list it may not push to (ACL) sends those runs to the pipeline;
- another db or server: a pipeline right after the record, the runs in the outbox until the broker has them;
- a broker that is down: nothing is lost - the runs wait in the outbox and go out (same task ids) once it is
  back, on the pipeline and on Celery's own path; a full outbox stops recording, loudly;
- a new leader publishes what a former one left in the outbox;
- Celery's publish signals fire for exactly the messages queued.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import redis
from beatprocs import BrokerView
from celery import signals
from conftest import snapshot
from topologies import Single
from topologies.base import wait_for

from redbeat_sdk import Entry, Interval

OUTBOX = "redbeat::outbox"


def save(sdk, count: int, **options) -> None:
    for i in range(count):
        sdk.save(Entry(f"e-{i}", "tasks.e", Interval(1), args=[i], options=options))


def runs_recorded(sdk, count: int) -> int:
    return sum(sdk.get(f"e-{i}").total_run_count for i in range(count))


@contextmanager
def publish_receivers(before: Callable | None = None, after: Callable | None = None) -> Iterator[None]:
    """`before` and `after` connected to Celery's before/after_task_publish signals for the block."""
    pairs = [(signals.before_task_publish, before), (signals.after_task_publish, after)]
    pairs = [(signal, receiver) for signal, receiver in pairs if receiver is not None]
    for signal, receiver in pairs:
        signal.connect(receiver, weak=False)
    try:
        yield
    finally:
        for signal, receiver in pairs:
            signal.disconnect(receiver)


@pytest.fixture
def signalled():
    """(before, after): the task ids before_task_publish and after_task_publish were sent for."""
    before: list[str] = []
    after: list[str] = []

    def on_before(headers=None, **kwargs):
        before.append(headers["id"])
        headers["x-traced"] = "yes"  # what tracing does: a header added before the message is serialized

    def on_after(headers=None, **kwargs):
        after.append(headers["id"])

    with publish_receivers(on_before, on_after):
        yield before, after


def test_same_server_and_db_the_record_script_queues_the_messages(
    make_app, make_scheduler, sdk, clock, redis_url, r, signalled
):
    save(sdk, 5)
    beat = make_scheduler(make_app(broker_url=redis_url))
    clock.advance(1)
    beat.tick()
    queued = BrokerView(redis_url).sent("celery")
    assert sorted(s.args[0] for s in queued) == list(range(5))
    assert beat.stats.sent_atomic == 5 and runs_recorded(sdk, 5) == 5
    assert not r.exists(OUTBOX)
    before, after = signalled
    ids = [s.headers["id"] for s in queued]
    assert sorted(before) == sorted(after) == sorted(ids)
    assert all(s.headers["x-traced"] == "yes" for s in queued)


def test_a_run_whose_record_is_refused_is_not_queued(
    make_app, make_scheduler, sdk, clock, redis_url, r, signalled
):
    """A client changes an entry between the beat's read and its record: that run is neither recorded nor
    queued (its before_task_publish fired, as for a publish that fails; its after_task_publish does not)."""
    save(sdk, 3)
    beat = make_scheduler(make_app(broker_url=redis_url))
    plan = beat._dispatcher.plan

    def plan_then_change(fired, runs, mode):
        planned = plan(fired, runs, mode)
        sdk.save(Entry("e-1", "tasks.e", Interval(1), args=[1], kwargs={"changed": True}))
        return planned

    beat._dispatcher.plan = plan_then_change
    clock.advance(1)
    beat.tick()
    queued = BrokerView(redis_url).sent("celery")
    assert sorted(s.args[0] for s in queued) == [0, 2]
    assert beat.stats.stale_decisions == 1 and sdk.get("e-1").total_run_count == 0
    before, after = signalled
    assert len(before) == 3 and sorted(after) == sorted(s.headers["id"] for s in queued)


@pytest.mark.parametrize("replaced", ["redbeat:e-1", "redbeat::schedule"])
def test_a_key_of_another_type_found_by_the_record_script_writes_nothing_half_way(
    replaced, make_app, make_scheduler, sdk, clock, redis_url, r, signalled
):
    """A key the record script writes holds another type by the time it runs (a client's SET between the
    beat's read and its record). Lua does not roll back, so the script checks types before its first
    write: an entry that is no longer a hash is a run not recorded and not queued, the others are; a
    schedule that is not a sorted set stops the whole batch, nothing written."""
    save(sdk, 3)
    beat = make_scheduler(make_app(broker_url=redis_url))
    plan = beat._dispatcher.plan
    before_record = {}

    def plan_then_replace(fired, runs, mode):
        planned = plan(fired, runs, mode)
        r.delete(replaced)
        r.set(replaced, "not what it was")
        before_record.update(snapshot(r))
        return planned

    beat._dispatcher.plan = plan_then_replace
    clock.advance(1)
    beat.tick()
    queued = BrokerView(redis_url).sent("celery")
    if replaced == "redbeat:e-1":
        assert sorted(s.args[0] for s in queued) == [0, 2] and beat.stats.stale_decisions == 1
        assert sdk.get("e-0").total_run_count == sdk.get("e-2").total_run_count == 1
        assert r.get("redbeat:e-1") == "not what it was"
    else:
        assert queued == [] and snapshot(r) == before_record and beat.stats.redis_errors == 1
    after = signalled[1]
    assert sorted(after) == sorted(s.headers["id"] for s in queued)


def test_a_queue_that_is_not_a_list_keeps_its_runs_in_the_outbox(
    make_app, make_scheduler, sdk, clock, redis_url, r, caplog
):
    """The broker's queue key turns into a string between the messages' building and the record: the
    record script finds it before writing anything and the runs take the pipeline, where the broker
    refuses them. Recorded, they wait in the outbox and go out with their task ids once the queue can take
    them."""
    save(sdk, 3)
    beat = make_scheduler(make_app(broker_url=redis_url))
    plan = beat._dispatcher.plan

    def plan_then_spoil(fired, runs, mode):
        planned = plan(fired, runs, mode)
        r.set("celery", "not a list")
        return planned

    beat._dispatcher.plan = plan_then_spoil
    clock.advance(1)
    with caplog.at_level(logging.INFO, logger="redbeat_scheduler"):
        beat.tick()
    beat._dispatcher.plan = plan
    assert "holds a string, not a list" in caplog.text and "in the outbox" in caplog.text
    waiting = r.hgetall(OUTBOX)
    assert runs_recorded(sdk, 3) == 3 and len(waiting) == 3 and beat.stats.sent == 0
    r.delete("celery")
    for _ in range(50):
        if not r.exists(OUTBOX):
            break
        beat._dispatcher.sweep_at = 0  # (the next look comes after a back-off; a test need not wait)
        beat.tick()
    queued = BrokerView(redis_url).sent("celery")
    assert sorted(s.args[0] for s in queued) == [0, 1, 2] and runs_recorded(sdk, 3) == 3
    assert {s.headers["id"] for s in queued} == {field.split(":", 1)[0] for field in waiting}


@pytest.mark.parametrize(
    "grant, why",
    [
        (["~redbeat:*", "~_kombu*"], "no permissions to access one of the keys"),  # refused before it runs
        (["~redbeat:*", "~_kombu*", "~celery*", "-lpush"], "no permission to LPUSH"),  # the script's check
    ],
    ids=["no key access", "no LPUSH"],
)
def test_a_list_the_script_may_not_push_to_goes_by_pipeline(
    grant, why, make_app, make_scheduler, sdk, clock, redis_server, r, caplog
):
    """The schedule's ACL user may not LPUSH to the broker's lists (the broker's user may): the record
    script checks before writing anything, and those runs are published right after the record."""
    keys = [rule for rule in grant if rule.startswith("~")]
    commands = [rule for rule in grant if not rule.startswith("~")]
    r.execute_command(
        "ACL", "SETUSER", "beat", "on", ">pw", *keys, "+@all", "-@dangerous", "+info", *commands
    )
    try:
        schedule_url = f"redis://beat:pw@127.0.0.1:{redis_server.port}/0"
        broker_url = f"redis://127.0.0.1:{redis_server.port}/0"
        save(sdk, 3)
        beat = make_scheduler(make_app(redbeat_redis_url=schedule_url, broker_url=broker_url))
        clock.advance(1)
        with caplog.at_level(logging.INFO, logger="redbeat_scheduler"):
            beat.tick()
        assert sorted(s.args[0] for s in BrokerView(broker_url).sent("celery")) == [0, 1, 2]
        assert beat.stats.sent_pipeline == 3 and beat.stats.sent_atomic == 0
        assert why in caplog.text and "inside the record script" in caplog.text
        assert runs_recorded(sdk, 3) == 3 and not r.exists(OUTBOX)
    finally:
        r.acl_deluser("beat")


def test_another_db_the_messages_follow_the_record_in_one_pipeline(
    make_scheduler, sdk, clock, broker, r, signalled
):
    save(sdk, 4)
    beat = make_scheduler()  # the fixtures' broker is db 1 of the schedule's server
    clock.advance(1)
    beat.tick()
    assert sorted(s.args[0] for s in broker.sent()) == list(range(4))
    assert beat.stats.sent_pipeline == 4 and not r.exists(OUTBOX)
    before, after = signalled
    assert sorted(before) == sorted(after) == sorted(s.headers["id"] for s in broker.sent())
    assert all(s.headers["x-traced"] == "yes" for s in broker.sent())


@pytest.fixture
def broker_server(tmp_path):
    with Single(root=tmp_path) as single:
        yield single


@pytest.mark.parametrize("way", ["pipeline", "celery"])
def test_runs_wait_in_the_outbox_while_the_broker_is_down(
    way, make_app, make_scheduler, sdk, clock, r, broker_server, caplog
):
    """Neither way loses a run to a broker that is away: every run recorded meanwhile goes out once it is
    back, with the task id it was recorded with."""
    broker_url = broker_server.url
    save(sdk, 3)
    beat = make_scheduler(make_app(broker_url=broker_url, redbeat_publish=way))
    clock.advance(1)
    beat.tick()  # the broker is up: 3 runs
    broker_server.server.stop(save=True)
    with caplog.at_level(logging.INFO, logger="redbeat_scheduler"):
        clock.advance(1)
        beat.tick()  # 3 more runs, recorded; the broker is away
        waiting = r.hgetall(OUTBOX)
        assert len(waiting) == 3 and beat.stats.publish_errors >= 1
        assert "wait in the outbox" in caplog.text
        clock.advance(1)
        beat.tick()  # 3 more: they join the others without trying the broker again
        assert r.hlen(OUTBOX) == 6
        broker_server.server.start()
        for _ in range(50):  # the next look at the outbox comes after a back-off of a second
            if not r.exists(OUTBOX):
                break
            beat._dispatcher.sweep_at = 0  # (a test need not wait for it)
            beat.tick()
    assert not r.exists(OUTBOX) and beat.stats.outbox_republished == 6
    sent = BrokerView(broker_url).sent("celery")
    assert sorted(s.args[0] for s in sent) == sorted(list(range(3)) * 3) and runs_recorded(sdk, 3) == 9
    ids = {s.headers["id"] for s in sent}
    assert {field.split(":", 1)[0] for field in waiting} <= ids and len(ids) == 9
    assert "the broker takes messages again" in caplog.text


def test_a_full_outbox_stops_recording_and_says_so(
    make_app, make_scheduler, sdk, clock, r, broker_server, errors
):
    save(sdk, 2)
    beat = make_scheduler(make_app(broker_url=broker_server.url, redbeat_outbox_limit=3))
    clock.advance(1)
    beat.tick()  # the broker is up (beat connects to it, as Celery's beat does, before its first publish)
    broker_server.server.stop(save=True)
    clock.advance(1)
    beat.tick()  # an empty outbox takes a whole batch: 2 runs wait
    clock.advance(1)
    beat.tick()  # 2 more would not fit
    assert r.hlen(OUTBOX) == 2 and runs_recorded(sdk, 2) == 4 and beat.stats.outbox_full == 1
    assert any("NOT RECORDING NEW RUNS" in e.getMessage() for e in errors())
    broker_server.server.start()
    for _ in range(50):
        beat._dispatcher.sweep_at = 0  # (the next look comes after a back-off; a test need not wait)
        beat.tick()
        if runs_recorded(sdk, 2) == 6:
            break
    assert runs_recorded(sdk, 2) == 6 and not r.exists(OUTBOX)
    assert sorted(s.args[0] for s in BrokerView(broker_server.url).sent("celery")) == [0, 0, 0, 1, 1, 1]


def test_a_new_leader_publishes_what_a_former_one_left_in_the_outbox(make_scheduler, sdk, clock, broker, r):
    """A leader killed between its record and its publish leaves the runs in the outbox: the next leader
    publishes them as soon as it takes the lock, with their task ids (at least once)."""
    save(sdk, 1)
    definition = r.hget("redbeat:e-0", "definition")
    r.hset(OUTBOX, mapping={"11111111-2222-4333-8444-555555555555:redbeat:e-0": definition})
    beat = make_scheduler()
    beat.tick()
    [sent] = broker.sent()
    assert sent.headers["id"] == "11111111-2222-4333-8444-555555555555" and sent.args == [0]
    assert not r.exists(OUTBOX) and beat.stats.outbox_republished == 1


def test_a_run_celery_refuses_for_good_is_dropped_from_the_outbox(sdk, make_scheduler, clock, broker, r):
    sdk.save(Entry("bad-options", "tasks.x", Interval(1), options={"countdown": "soon"}))
    beat = make_scheduler()
    clock.advance(1)
    beat.tick()
    assert beat.stats.publish_errors == 1 and not r.exists(OUTBOX) and broker.sent() == []


def test_a_broker_that_is_not_redis_is_published_by_celery(
    make_app, make_scheduler, sdk, clock, r, signalled, caplog
):
    """kombu's in-memory transport stands for any broker but Redis: Celery's own apply_async, one run at a
    time, with the task id recorded in the outbox field, which goes once Celery has published the run."""
    save(sdk, 2)
    app = make_app(broker_url="memory://")
    beat = make_scheduler(app)
    clock.advance(1)
    with caplog.at_level(logging.INFO, logger="redbeat_scheduler"):
        beat.tick()
    assert "the broker is not Redis" in caplog.text
    assert beat.stats.sent_celery == 2 and beat.stats.sent_atomic == beat.stats.sent_pipeline == 0
    assert not r.exists(OUTBOX) and runs_recorded(sdk, 2) == 2
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        messages = [queue.get(timeout=1) for _ in range(2)]
        queue.close()
    assert sorted(m.payload[0][0] for m in messages) == [0, 1]  # protocol 2 body: (args, kwargs, embed)
    before, after = signalled
    assert sorted(m.headers["id"] for m in messages) == sorted(after) == sorted(before)


def test_the_setting_forces_celerys_path(make_app, make_scheduler, sdk, clock, redis_url):
    save(sdk, 2)
    beat = make_scheduler(make_app(broker_url=redis_url, redbeat_publish="celery"))
    clock.advance(1)
    beat.tick()
    assert beat.stats.sent_celery == 2 and beat.stats.sent_atomic == 0


def test_a_task_that_overrides_apply_async_is_published_by_celery(
    make_app, make_scheduler, sdk, clock, redis_url
):
    app = make_app(broker_url=redis_url)
    calls = []

    class Counting(app.Task):
        def apply_async(self, *args, **kwargs):
            calls.append(kwargs.get("task_id"))
            return super().apply_async(*args, **kwargs)

    def custom(*args, **kwargs):
        return None

    app.task(name="tasks.custom", base=Counting, shared=False)(custom)
    sdk.save(Entry("custom", "tasks.custom", Interval(1)))
    sdk.save(Entry("plain", "tasks.plain", Interval(1)))
    beat = make_scheduler(app)
    clock.advance(1)
    beat.tick()
    assert len(calls) == 1 and calls[0]  # our task id, so that a republish would carry it again
    assert (beat.stats.sent_celery, beat.stats.sent_atomic) == (1, 1)
    assert sorted(BrokerView(redis_url).tasks()) == ["tasks.custom", "tasks.plain"]


def test_with_wait_for_replicas_a_message_is_queued_only_once_its_record_is_replicated(
    make_app, make_scheduler, clock, tmp_path
):
    """A message must not be consumable before its record is on a replica: with `wait_for_replicas` the
    messages follow the record's WAIT, never inside the script, even with the broker on the schedule's own
    server and db. A replica that stops acknowledging right before the record: the WAIT gives up, nothing
    is queued and the runs wait in the outbox; once it acknowledges again they go out, same task ids."""
    from redbeat_sdk import RedBeatClient

    with Single(root=tmp_path / "primary") as primary, Single(root=tmp_path / "replica") as replica:
        follower = replica.server.client(decode_responses=True)
        follower.replicaof("127.0.0.1", primary.port)
        leader = redis.Redis.from_url(primary.url, decode_responses=True)
        wait_for(
            lambda: follower.info("replication")["master_link_status"] == "up", 10, "the replica in sync"
        )
        sdk = RedBeatClient(leader, clock=clock)
        save(sdk, 2)
        options = {"wait_for_replicas": 1, "wait_for_replicas_timeout": 0.2}
        app = make_app(redbeat_redis_url=primary.url, broker_url=primary.url, redbeat_redis_options=options)
        beat = make_scheduler(app)
        assert beat._dispatcher.publisher.mode() == "pipeline"
        clock.advance(1)
        beat.tick()  # the replica acknowledges: recorded, then queued
        assert leader.llen("celery") == 2 and beat.stats.sent_pipeline == 2
        plan = beat._dispatcher.plan

        def plan_then_pause(fired, runs, mode):
            planned = plan(fired, runs, mode)
            replica.server.pause()
            return planned

        beat._dispatcher.plan = plan_then_pause
        clock.advance(1)
        beat.tick()
        beat._dispatcher.plan = plan
        waiting = leader.hgetall(OUTBOX)
        assert leader.llen("celery") == 2 and len(waiting) == 2 and runs_recorded(sdk, 2) == 4
        assert beat.stats.redis_errors == 1
        replica.server.resume()
        for _ in range(20):
            beat.tick()  # the clock stands still: no new runs, only the outbox
            if not leader.exists(OUTBOX):
                break
        sent = BrokerView(primary.url).sent("celery")
        assert sorted(s.args[0] for s in sent) == [0, 0, 1, 1] and beat.stats.outbox_republished == 2
        assert {field.split(":", 1)[0] for field in waiting} <= {s.headers["id"] for s in sent}
        assert follower.llen("celery") == 4 and runs_recorded(sdk, 2) == 4
        beat.close()
        leader.close()
        follower.close()


def test_bad_publish_settings_are_named(make_app, make_scheduler):
    from redbeat_scheduler.settings import SettingsError

    with pytest.raises(SettingsError, match="redbeat_publish"):
        make_scheduler(make_app(redbeat_publish="fast"))
    with pytest.raises(SettingsError, match="redbeat_outbox_limit"):
        make_scheduler(make_app(redbeat_outbox_limit=0))


@pytest.mark.parametrize("way", ["atomic", "pipeline"])
def test_a_record_whose_reply_is_lost_is_queued_once(way, make_app, make_scheduler, sdk, clock, redis_url, r):
    """The record script ran, its reply never came (a dropped connection), `retry_period` runs it again:
    the second run finds the entry changed (by the first) and writes nothing. Atomic: the message the first
    run queued is the only one. Pipeline: the first run's outbox field is published on the next look."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    save(sdk, 1)
    app = make_app(broker_url=redis_url, redbeat_publish="auto" if way == "atomic" else way)
    app.conf.redbeat_redis_options = {"retry_period": 5}
    beat = make_scheduler(app)
    beat.store.retrying.sleep = lambda seconds: None
    link, record_sha = beat.store.scripts.link, beat.store.scripts.record.sha
    receive = link.receive
    calls = []

    def reply_lost(pending):
        replies = receive(pending)
        if any(command[:2] == ("EVALSHA", record_sha) for command in pending.commands):
            calls.append(replies)
            if len(calls) == 1:
                raise RedisConnectionError("connection lost before the reply")
        return replies

    link.receive = reply_lost
    clock.advance(1)
    beat.tick()
    beat.tick()  # the next look at the outbox
    sent = BrokerView(redis_url).sent("celery")
    assert len(calls) == 2 and len(sent) == 1 and sdk.get("e-0").total_run_count == 1
    assert not r.exists(OUTBOX)


def test_a_stop_signal_while_pipelining_still_sends_the_batch(make_scheduler, sdk, clock, broker, r):
    """Celery's SIGTERM handler raises SystemExit wherever beat is - here while a message is being built:
    the batch's runs still go out (none left for the next leader), then beat stops."""
    save(sdk, 5)
    beat = make_scheduler()  # the pipeline way (the broker is db 1)
    calls = []

    def interrupt(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit()

    with publish_receivers(before=interrupt):
        clock.advance(1)
        with pytest.raises(SystemExit):
            beat.tick()
    assert sorted(s.args[0] for s in broker.sent()) == list(range(5))
    assert not r.exists(OUTBOX) and runs_recorded(sdk, 5) == 5


@pytest.mark.parametrize("schedule_user", ["admin", "redbeat"])
def test_a_tls_broker(schedule_user, tls, make_app, make_scheduler, sdk, clock):
    """rediss:// on both sides. As an admin the schedule's user may queue the messages itself; the grant
    the README recommends has neither INFO nor the broker's lists, so the messages follow by pipeline."""
    import redis

    info = tls.info()
    ssl_options = {"ssl_ca_certs": info["ca_file"]}
    admin = redis.Redis.from_url(info["admin_url"], decode_responses=True, **ssl_options)
    schedule_url = info["admin_url"] if schedule_user == "admin" else info["url"]
    tls_sdk = type(sdk).from_url(schedule_url, clock=clock, **ssl_options)
    save(tls_sdk, 2)
    beat = make_scheduler(
        make_app(redbeat_redis_url=schedule_url, broker_url=info["admin_url"], broker_use_ssl=ssl_options)
    )
    clock.advance(1)
    beat.tick()
    queued = [json.loads(raw) for raw in admin.lrange("celery", 0, -1)]
    assert sorted(message["headers"]["argsrepr"] for message in queued) == ["[0]", "[1]"]
    way = "sent_atomic" if schedule_user == "admin" else "sent_pipeline"
    assert getattr(beat.stats, way) == 2 and not admin.exists(OUTBOX)
    admin.close()


def test_a_sentinel_broker_that_is_the_schedules_master(make_app, make_scheduler, clock):
    """kombu's sentinel:// transport and the scheduler's redis-sentinel:// find the same master: the record
    script queues the messages there."""
    from redis.sentinel import Sentinel
    from topologies import SentinelGroup

    from redbeat_sdk import RedBeatClient

    with SentinelGroup() as group:
        hosts = [(s["host"], s["port"]) for s in group.info()["sentinels"]]
        master = Sentinel(hosts, socket_timeout=5).master_for(group.service_name, decode_responses=True)
        save(RedBeatClient(master, clock=clock), 2)
        beat = make_scheduler(
            make_app(
                redbeat_redis_url="redis-sentinel://",
                redbeat_redis_options={"sentinels": hosts, "service_name": group.service_name},
                broker_url=";".join(f"sentinel://{host}:{port}" for host, port in hosts),
                broker_transport_options={"master_name": group.service_name},
            )
        )
        clock.advance(1)
        beat.tick()
        assert beat.stats.sent_atomic == 2 and master.llen("celery") == 2
        beat.close()
        master.close()


@pytest.mark.parametrize("way", ["atomic", "pipeline"])
def test_a_sigterm_during_a_batch_is_taken_once_the_batch_is_out(
    way, make_app, make_scheduler, sdk, clock, redis_url, r
):
    """Celery's SIGTERM handler raises SystemExit wherever beat is; held back while a batch goes out, it is
    taken right after: every run recorded is queued, none left in the outbox, every after_task_publish sent."""
    import os
    import signal as signals_module

    save(sdk, 5)
    beat = make_scheduler(make_app(broker_url=redis_url, redbeat_publish="auto" if way == "atomic" else way))
    taken = []

    def handler(signum, frame):
        taken.append(len(BrokerView(redis_url).sent("celery")))
        raise SystemExit()

    def kill_on_first(**kwargs):
        if not queued_before:
            queued_before.append(1)
            os.kill(os.getpid(), signals_module.SIGTERM)

    queued_before: list = []
    after: list = []

    def count(**kwargs):
        after.append(1)

    previous = signals_module.signal(signals_module.SIGTERM, handler)
    try:
        with publish_receivers(before=kill_on_first, after=count):
            clock.advance(1)
            with pytest.raises(SystemExit):
                beat.tick()
    finally:
        signals_module.signal(signals_module.SIGTERM, previous)
    assert taken == [5] and len(after) == 5  # taken once the 5 messages were queued and announced
    assert not r.exists(OUTBOX) and runs_recorded(sdk, 5) == 5
