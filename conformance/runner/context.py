"""What a suite run needs: the Redis under test and one driver per implementation."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from .driver import Driver
from .registry import Implementation

DEFAULT_CONFIG = {"key_prefix": "redbeat:", "timezone": "UTC"}


@dataclass
class Context:
    redis: redis.Redis
    redis_url: str
    implementations: list[Implementation]
    drivers: dict[str, Driver] = field(default_factory=dict)

    def with_role(self, role: str) -> list[Implementation]:
        return [impl for impl in self.implementations if impl.has(role)]

    def driver(self, impl: Implementation, config: dict, now: str) -> Driver:
        """The implementation's driver, (re)started if needed and configured for this vector."""
        driver = self.drivers.get(impl.name)
        if driver is None:
            driver = self.drivers[impl.name] = Driver(impl, self.redis_url)
        driver.configure(config["key_prefix"], config["timezone"], now)
        return driver

    def close(self) -> None:
        for driver in self.drivers.values():
            driver.stop()
