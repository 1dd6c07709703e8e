"""The value of the beat lock: a token that says which beat holds it.

Upstream compares the token only with its own, so any unique string is a valid lock value. Ours names the
scheduler, the host and the process (`redbeat-scheduler:<host>:<pid>:<random hex>`), so an operator (and
a standby) can tell who holds the lock without asking every machine. Upstream's beats store redis-py's
token, `uuid1().hex`, which still tells when it was made and, often, the machine's MAC address.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

OURS = "redbeat-scheduler"
_OURS_RE = re.compile(rf"^{OURS}:(?P<host>[^:]*):(?P<pid>\d+):(?P<nonce>[0-9a-f]+)$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_UUID_EPOCH = datetime(1582, 10, 15, tzinfo=timezone.utc)


def new_token(host: str | None = None, pid: int | None = None) -> str:
    """A fresh token of this process (`host` and `pid` default to this machine's and this process's)."""
    host = socket.gethostname() if host is None else host
    # ':' separates the parts and whitespace would make the token awkward to quote in a shell
    host = re.sub(r"[:\s]", "-", host) or "-"
    return f"{OURS}:{host}:{os.getpid() if pid is None else pid}:{uuid.uuid4().hex}"


@dataclass(frozen=True)
class LockHolder:
    """What a token tells about the beat holding the lock."""

    token: str
    kind: str  # "redbeat-scheduler", "celery-redbeat" (upstream) or "unknown"
    host: str | None = None
    pid: int | None = None
    made_at: datetime | None = None  # upstream: when its uuid1 token was made (when that beat started)

    @property
    def ours(self) -> bool:
        return self.kind == OURS

    def describe(self) -> str:
        """One phrase for logs and the CLI: who this is."""
        if self.kind == OURS:
            return f"a redbeat-scheduler beat on {self.host}, pid {self.pid}"
        if self.kind == "celery-redbeat":
            since = f" whose token was made {self.made_at:%Y-%m-%d %H:%M:%S} UTC" if self.made_at else ""
            return f"an upstream celery-redbeat beat{since}"
        return "an unknown holder (not a redbeat-scheduler beat)"


def parse_token(token: str) -> LockHolder:
    """Who holds a lock whose value is `token`; never raises (anything unrecognised is "unknown")."""
    match = _OURS_RE.match(token)
    if match:
        return LockHolder(token, OURS, match["host"], int(match["pid"]))
    if _HEX32.match(token):
        made = _uuid1_time(token)
        if made is not None:
            return LockHolder(token, "celery-redbeat", made_at=made)
    return LockHolder(token, "unknown")


def _uuid1_time(hex32: str) -> datetime | None:
    value = uuid.UUID(hex=hex32)
    if value.version != 1 or value.variant != uuid.RFC_4122:
        return None
    try:
        return _UUID_EPOCH + timedelta(microseconds=value.time // 10)
    except OverflowError:
        return None
