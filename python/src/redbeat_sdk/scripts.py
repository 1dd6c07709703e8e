"""The Lua scripts, as shipped in this package: a copy of the repository's `lua/` folder (`make generate`).

Every script is a file of that folder, loaded as it is by the Python SDK, the scheduler, the TypeScript
and the Go clients (lua/README.md lists them and their KEYS/ARGV convention). They only move strings:
JSON is never decoded in Lua (cjson would turn [] into {} and 5.0 into 5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

Command = tuple[Any, ...]  # the arguments of one Redis command: ("ZRANGE", key, 0, 9), ("EVALSHA", ...)


def sha1(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


def source(name: str) -> str:
    """The text of `lua/<name>.lua`."""
    return files(__package__).joinpath("lua").joinpath(f"{name}.lua").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Script:
    name: str
    source: str
    sha: str

    @classmethod
    def named(cls, name: str) -> Script:
        text = source(name)
        return cls(name, text, sha1(text))

    def call(self, keys: Sequence[str], args: Sequence[Any] = ()) -> Command:
        """The EVALSHA command that runs this script (the store loads it on NOSCRIPT)."""
        return ("EVALSHA", self.sha, len(keys), *keys, *args)

    def evaluated(self, call: Command) -> Command:
        """`call` (an EVALSHA of this script) as EVAL with its source: Redis runs it and keeps it."""
        return ("EVAL", self.source, *call[2:])


# The scripts of the client; the scheduler loads its own through `source`.
LOAD = Script.named("load")
SAVE = Script.named("save")
UPDATE = Script.named("update")
DELETE = Script.named("delete")
CLIENT_SCRIPTS = (LOAD, SAVE, UPDATE, DELETE)
BY_SHA = {script.sha: script for script in CLIENT_SCRIPTS}
