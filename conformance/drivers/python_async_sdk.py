"""Conformance driver for the Python SDK's asyncio client, `redbeat_sdk.asyncio.AsyncRedBeatClient`.

It is the `python` driver (python_sdk.py: the wire mapping, errors, previews) with the asyncio client in
place of the synchronous one: each call runs to completion on one event loop that lives as long as the
driver, so the client keeps its connections from one request to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from harness import CLOCK, serve
from python_sdk import PythonSDK, classify

from redbeat_sdk import Entry
from redbeat_sdk.asyncio import AsyncRedBeatClient


async def _gather(entries: AsyncIterator[Entry]) -> list[Entry]:
    return [entry async for entry in entries]


class PythonAsyncSDK(PythonSDK):
    name = "python-async"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()

    def connect(self, key_prefix: str, timezone: str) -> None:
        if self.client is not None:  # a vector with another prefix or zone: a new client
            self.done(self.client.aclose())
        self.client = AsyncRedBeatClient.from_url(
            self.redis_url, key_prefix=key_prefix, timezone=timezone, clock=CLOCK
        )

    def done(self, call: Any) -> Any:
        return self.loop.run_until_complete(call)

    def gathered(self, entries: Any) -> list[Entry]:
        return self.done(_gather(entries))

    def stop(self, request: dict) -> dict:
        if self.client is not None:
            self.done(self.client.aclose())
        self.loop.close()
        return {}


if __name__ == "__main__":
    serve(PythonAsyncSDK().handlers(), classify)
