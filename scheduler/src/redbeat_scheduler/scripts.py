"""The Lua scripts, loaded from `lua/` and registered on a client (EVALSHA, with SCRIPT LOAD on NOSCRIPT).

Scripts move whole JSON strings around and compare them byte for byte; none decodes JSON (Lua's cjson
would turn `[]` into `{}` and `5.0` into `5`).
"""
from __future__ import annotations

from importlib.resources import files

NAMES = ("lock_acquire", "lock_release", "candidates", "load", "record", "drop_vanished", "sync_static",
         "remove_static")


def source(name: str) -> str:
    return files(__package__).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


class Scripts:
    """The registered scripts of one client, as attributes: `scripts.record(keys=..., args=...)`."""

    def __init__(self, client):
        for name in NAMES:
            setattr(self, name, client.register_script(source(name)))
