"""`retry_period`: retry a Redis operation on connection errors for up to that many seconds.

Upstream wraps only the client's direct methods, so pipelines and the lock were never retried (#252).
Here every operation the scheduler performs (lock scripts and pipelines included) goes through one
`Retrying`, so a blip is ridden out wherever it hits. Back-off doubles from 1 s and is capped at 30 s,
as upstream's. A fenced write is safe to repeat: a script either ran completely or not at all, and a
repeated record whose first attempt did run fails its compare with what was read instead of advancing
twice (that run is then not sent: at most once, as upstream).
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from typing import TypeVar

from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# MasterNotFoundError (Sentinel) is a ConnectionError subclass.
RETRYABLE = (RedisConnectionError, RedisTimeoutError)


def passing(exc: BaseException) -> bool:
    """Connection trouble that may pass. A refused login or an untrusted certificate will not (redis-py
    reports both as ConnectionError): retrying them would hide a configuration error behind warnings,
    and hang beat for good with `retry_period: -1`."""
    return not (
        isinstance(exc, AuthenticationError) or isinstance(exc.__context__, ssl.SSLCertVerificationError)
    )


class Retrying:
    def __init__(
        self,
        period: float | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        cap: float = 30.0,
    ):
        self.period = period
        self.sleep = sleep
        self.monotonic = monotonic
        self.cap = cap

    def __call__(self, operation: Callable[[], T], what: str = "redis") -> T:
        if not self.period:
            return operation()
        started = self.monotonic()
        delay = 1.0
        while True:
            try:
                return operation()
            except RETRYABLE as exc:
                if not passing(exc):
                    raise
                waited = self.monotonic() - started
                if self.period >= 0 and waited + delay > self.period:
                    raise
                logger.warning("%s failed (%s); retrying in %.0f s", what, exc, delay)
                self.sleep(delay)
                delay = min(delay * 2, self.cap)
