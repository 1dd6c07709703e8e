"""The asyncio client: `AsyncRedBeatClient`, the API of `RedBeatClient` with `await`, on redis.asyncio.

Models, validation and errors are the synchronous client's (import them from `redbeat_sdk`); so is every
rule, through the shared flows (`redbeat_sdk.core`, `redbeat_sdk.operations`).
"""

from .client import AsyncRedBeatClient

__all__ = ["AsyncRedBeatClient"]
