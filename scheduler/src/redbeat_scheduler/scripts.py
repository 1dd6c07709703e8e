"""The Lua scripts, loaded from redbeat-sdk (which ships the repository's `lua/` folder) and called
through the scheduler's `Link` (EVALSHA, with SCRIPT LOAD on NOSCRIPT).

Scripts move whole JSON strings around and compare them byte for byte; none decodes JSON (Lua's cjson
would turn `[]` into `{}` and `5.0` into `5`). lua/README.md lists them and their KEYS/ARGV convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redbeat_sdk import scripts as sdk_scripts

from .connection import Client
from .link import Command, Link

NAMES = ("lock_acquire", "lock_release", "load", "record", "drop_vanished", "save", "delete")


class Script:
    def __init__(self, link: Link, script: sdk_scripts.Script):
        self.link = link
        self.script = script
        self.source = script.source
        self.sha = script.sha
        link.script(self.sha, self.source)

    def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = (), raw: bool = False) -> Any:
        return self.link.run_many([self.call(keys, args)], raw)[0]

    def call(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> Command:
        """This script's call as a command, to send with others in one round trip (`Link.run_many`)."""
        return self.script.call(keys, args)


class Scripts:
    """The scripts of one scheduler, as attributes: `scripts.record(keys=..., args=...)`."""

    # one per name in NAMES
    lock_acquire: Script
    lock_release: Script
    load: Script
    record: Script
    drop_vanished: Script
    save: Script
    delete: Script

    def __init__(self, client: Client) -> None:
        self.link = Link(client)
        for name in NAMES:
            setattr(self, name, Script(self.link, sdk_scripts.Script.named(name)))

    def close(self) -> None:
        self.link.close()
