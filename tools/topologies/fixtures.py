"""pytest fixtures every Python suite shares, loaded with `pytest_plugins = ("topologies.fixtures",)`:
one Redis server for the session, and a client on it emptied for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from .single import Single


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Single]:
    with Single() as server:
        yield server


@pytest.fixture
def r(redis_server: Single) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.flushall()
    yield client
    client.close()
