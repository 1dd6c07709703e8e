"""The asyncio store: sends what the flows yield with redis.asyncio. It is store.py's loop with `await`;
everything else it uses is shared (redispy.py, flow.py, operations.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import redis.asyncio
from redis.asyncio.cluster import RedisCluster

from .. import redispy
from ..flow import Flow, Run
from ..redispy import redis_errors, replies
from ..scripts import Command

T = TypeVar("T")


class AsyncStore(redispy.Connected):
    """The asyncio store (redis.asyncio): runs flows."""

    plain, cluster = redis.asyncio.Redis, RedisCluster

    @staticmethod
    def abandon(client: Any) -> None:
        """Nothing to close: a redis.asyncio client opens no connection before its first command."""

    async def drive(self, flow: Flow[T]) -> T:
        """Run an operation: each batch of commands it yields in one round trip, its replies sent back."""
        run = Run(flow)
        while not run.done:
            run.send(await self._send(run.commands))
        return run.result

    async def _send(self, commands: Sequence[Command]) -> list[Any]:
        # cancelled, redis.asyncio drops the connection: Redis runs a pipeline it has read in full and
        # none of one it has not, and each script is atomic either way (tests/test_asyncio.py)
        with redis_errors():
            return replies(await redispy.pipeline(self.client, commands).execute(raise_on_error=False))
