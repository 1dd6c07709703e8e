"""Task messages, byte for byte: Celery's own beat publish against the vectors (scheduler/vectors/), and this
scheduler's three ways to the broker against the same vectors.

`messages.json` holds, for each case (an app configuration, a task, a beat entry), the broker's state after
Celery 5.7's `Scheduler.apply_async`, with the varying parts injected (task id, delivery tag, origin,
reply-to id, clock). The first test runs Celery again: an upgrade of Celery or kombu that changes a byte
fails here (`python scheduler/vectors/celery_messages.py` rewrites the vectors). The second runs a real
`RedBeatScheduler` tick on the same case - the record script queueing the message (atomic), the pipeline
after the record, and Celery's apply_async one at a time - and expects the very same state.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import jsonschema
import pytest
import redis

from redbeat_sdk import Entry, Interval, RedBeatClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "vectors"))
import celery_messages as vectors  # noqa: E402

VECTORS = vectors.load()
CASES = {case["id"]: case for case in VECTORS["cases"]}
PREFIX = "vectors:"


@pytest.fixture
def broker_url(redis_server):
    url = (
        f"redis://127.0.0.1:{redis_server.port}/0"  # the db the vectors were made on (fanout topics name it)
    )
    redis.Redis.from_url(url).flushdb()
    return url


def test_the_vector_file_is_valid():
    schema = json.loads((HERE.parent / "vectors" / "messages.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(VECTORS)
    assert len(CASES) == len(VECTORS["cases"])


@pytest.mark.parametrize("case_id", CASES)
def test_celery_still_sends_the_pinned_messages(case_id, broker_url):
    case = CASES[case_id]
    assert vectors.celery_state(VECTORS, case, broker_url) == case["broker"]


@pytest.mark.parametrize("way", ["atomic", "pipeline", "celery"])
@pytest.mark.parametrize("case_id", CASES)
def test_ours_send_the_pinned_messages(case_id, way, broker_url):
    from redbeat_scheduler import RedBeatScheduler

    case = CASES[case_id]
    # atomic: the broker is the schedule's server and db; pipeline and celery: forced by the setting
    app = vectors.make_app(
        case,
        broker_url,
        redbeat_redis_url=broker_url,
        redbeat_key_prefix=PREFIX,
        redbeat_lock_key=None,
        redbeat_publish="auto" if way == "atomic" else way,
    )
    now = datetime.fromisoformat(VECTORS["injected"]["now"])
    client = redis.Redis.from_url(broker_url)
    scheduler = RedBeatScheduler(app=app)
    try:

        def publish() -> None:
            sdk = RedBeatClient(client, key_prefix=PREFIX, clock=lambda: now - timedelta(seconds=60))
            entry = case["entry"]
            sdk.save(
                Entry("vector", entry["task"], Interval(60), entry["args"], entry["kwargs"], entry["options"])
            )
            task_id = VECTORS["injected"]["task_id"]
            with (
                vectors.injected(VECTORS, app),
                mock.patch("redbeat_scheduler.dispatch.task_ids", lambda count: [task_id] * count),
            ):
                vectors.declare_exchanges(case, scheduler.producer)
                scheduler.tick()

        state = vectors.state_after(client, publish, ignore_prefix=PREFIX)
        stats = scheduler.stats
    finally:
        scheduler.close()
        client.close()
        app.close()
    assert state == case["broker"]
    expected_way = (
        "pipeline" if way == "atomic" and case_id == "fanout" else way
    )  # PUBLISH: not in the script
    assert (stats.sent, getattr(stats, f"sent_{expected_way}")) == (1, 1), stats


def test_task_ids_are_random_uuid4s():
    import uuid

    from redbeat_scheduler.dispatch import task_ids

    ids = task_ids(2000)
    assert len(set(ids)) == 2000 and task_ids(0) == []
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_the_fast_argument_repr_is_celerys_saferepr():
    """argsrepr and kwargsrepr: repr() where it writes what Celery's saferepr writes, saferepr elsewhere.
    Random task data with the characters and shapes where the two differ (quotes, backslashes, newlines,
    non-printable and astral characters, deep nesting, long strings), and the edges by hand."""
    import random
    import string

    from celery.utils.saferepr import saferepr

    from redbeat_scheduler.messages import fast_repr

    rng = random.Random(16)
    alphabet = string.ascii_letters + "'\"\\\n\t é✓😀\u200b\x7f{}[],:"

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, rng.choice([3, 10, 60, 400]))))

    def value(depth: int):
        pick = rng.random()
        if depth > 5 or pick < 0.5:
            scalars = [
                None,
                True,
                False,
                rng.randint(-(10**6), 10**20),
                rng.random() * 10 ** rng.randint(-8, 8),
            ]
            return rng.choice([*scalars, -0.0, text()])
        if pick < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 5))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 5))}

    cases = [[value(1) for _ in range(rng.randint(0, 4))] for _ in range(3_000)]
    cases += [{text(): value(2)} for _ in range(1_000)]
    cases += [(), {}, [[[[1]]]], [[[1]]], [{"a": {"b": 1}}], ["a" * 1100], list(range(300)), [1e300, -0.0]]
    for case in cases:
        assert fast_repr(case, 1024, 3) == saferepr(case, 1024, maxlevels=3), case
