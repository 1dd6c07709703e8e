"""The client a command talks through, made on first use: `--help` and flag errors never need Redis."""

from __future__ import annotations

from collections.abc import Mapping

import click

from ..client import RedBeatClient
from . import config
from .failures import blame

CONNECT_TIMEOUT = 10  # seconds: a firewalled host fails in time instead of after the OS's minutes


class Session:
    def __init__(self, flags: Mapping[str, str | None], app: str | None):
        self.flags = dict(flags)
        self.app = app
        self._target: config.Target | None = None
        self._client: RedBeatClient | None = None

    @property
    def target(self) -> config.Target:
        if self._target is None:
            self._target = config.resolve(self.flags, self.app)
        return self._target

    @property
    def client(self) -> RedBeatClient:
        if self._client is None:
            t = self.target
            with blame(
                url=t.sources["url"],
                timezone=t.sources["timezone"],
                key_prefix=t.sources["prefix"],
                lock_key=t.sources["lock_key"],
            ):
                self._client = RedBeatClient.from_url(
                    t.url,
                    key_prefix=t.prefix,
                    timezone=t.timezone,
                    lock_key=t.lock_key,
                    socket_connect_timeout=CONNECT_TIMEOUT,
                )
        return self._client


def client_of(ctx: click.Context) -> RedBeatClient:
    return session_of(ctx).client


def session_of(ctx: click.Context) -> Session:
    session = ctx.find_object(Session)
    if session is None:  # the redbeat group makes one before any command runs
        raise RuntimeError("a redbeat command ran outside the redbeat group")
    return session
