"""The Lua scripts, loaded from redbeat-sdk (which ships the repository's `lua/` folder) and called
through the scheduler's `Link` (EVALSHA, with SCRIPT LOAD on NOSCRIPT).

Scripts move whole JSON strings around and compare them byte for byte; none decodes JSON (Lua's cjson
would turn `[]` into `{}` and `5.0` into `5`).
"""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

from redbeat_sdk.scripts import source

from .link import Command, Link

NAMES = ("lock_acquire", "lock_release", "load", "record", "drop_vanished", "sync_static", "remove_static")


class Script:
    def __init__(self, link: Link, text: str):
        self.link = link
        self.source = text
        self.sha = hashlib.sha1(text.encode("utf-8")).hexdigest()
        link.script(self.sha, text)

    def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> Any:
        return self.link.run(self.call(keys, args))

    def call(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> Command:
        """This script's call as a command, to send with others in one round trip (`Link.run_many`)."""
        return ("EVALSHA", self.sha, len(keys), *keys, *args)


class Scripts:
    """The scripts of one scheduler, as attributes: `scripts.record(keys=..., args=...)`."""

    def __init__(self, client):
        self.link = Link(client)
        for name in NAMES:
            setattr(self, name, Script(self.link, source(name)))

    def close(self) -> None:
        self.link.close()
