"""Lock tokens: ours name host and pid; upstream's (redis-py's uuid1) tell when they were made."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from redbeat_sdk.lock_token import new_token, parse_token


def test_our_token_round_trips_host_and_pid():
    holder = parse_token(new_token(host="web-1.example", pid=4242))
    assert (holder.kind, holder.host, holder.pid, holder.ours) == (
        "redbeat-scheduler",
        "web-1.example",
        4242,
        True,
    )
    assert holder.describe() == "a redbeat-scheduler beat on web-1.example, pid 4242"


def test_separators_in_a_host_name_are_replaced():
    assert parse_token(new_token(host="odd:host name", pid=1)).host == "odd-host-name"


def test_tokens_are_unique():
    assert new_token(host="h", pid=1) != new_token(host="h", pid=1)


def test_upstreams_uuid1_token_says_when_it_was_made():
    made = datetime(2026, 12, 3, 12, 15, 15, tzinfo=timezone.utc)
    ns100 = int((made - datetime(1582, 10, 15, tzinfo=timezone.utc)).total_seconds() * 10_000_000)
    token = uuid.UUID(
        fields=(
            ns100 & 0xFFFFFFFF,
            (ns100 >> 32) & 0xFFFF,
            (ns100 >> 48) & 0x0FFF | 0x1000,
            0x80,
            0x01,
            0x02FC00000001,
        )
    ).hex
    holder = parse_token(token)
    assert holder.kind == "celery-redbeat" and not holder.ours and holder.made_at == made
    assert "upstream celery-redbeat" in holder.describe()
    assert parse_token(uuid.uuid1().hex).kind == "celery-redbeat"


@pytest.mark.parametrize("token", ["someone", uuid.uuid4().hex, "", "redbeat-scheduler:h:notapid:ab", "ü"])
def test_anything_else_is_unknown(token):
    holder = parse_token(token)
    assert holder.kind == "unknown" and not holder.ours and holder.host is None
