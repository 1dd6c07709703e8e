"""The beat lock as a fence: who holds it, and the token every fenced write must present.

Upstream takes the lock once at startup, extends it at each tick and exits when the extension fails.
Here the lock is re-examined at every tick instead: a standby tries to take it (and learns how long the
holder's lock still lives, so it can wake up right when it expires), a leader extends it, and a leader
that finds it gone simply becomes a standby. The value on the wire is upstream's (`SET key token NX PX
ms`, extend-to with a token check, token-checked release), so upstream beats and ours contend for the
same lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redbeat_sdk.lock_token import new_token, parse_token

if TYPE_CHECKING:
    from .link import Command
    from .scripts import Scripts

# how a lock call is made: directly, or through the scheduler's retrying
Caller = Callable[[Callable[[], Any]], Any]


def _direct(operation: Callable[[], Any]) -> Any:
    return operation()


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockState:
    held: bool
    ttl: float  # seconds the lock still lives (ours after an extend, the holder's otherwise); <0: no expiry
    holder: str | None = None  # the holder's token when it is not ours


class FencedLock:
    """One scheduler's view of the lock. With `key=None` there is no lock: every instance leads."""

    def __init__(self, scripts: Scripts, key: str | None, timeout: float, *, placeholder_key: str) -> None:
        self.scripts = scripts
        self.key = key
        self.timeout = timeout  # the lease: the TTL each take or extend sets
        self.token = new_token()  # names this host and process (`redbeat lock` shows them)
        # Fenced scripts always declare a first key; with the lock off any key of the same slot will do.
        self._fence_key = key or placeholder_key

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def fence(self) -> tuple[str, str]:
        """(KEYS[1], ARGV[1]) for a fenced script: the lock key and our token ('' when there is no lock)."""
        return self._fence_key, (self.token if self.enabled else "")

    def acquire_or_extend(self, call: Caller = _direct) -> LockState:
        if not self.enabled:
            return LockState(True, float("inf"))
        return self.state(call(lambda: self.scripts.lock_acquire(**self._acquire_arguments())))

    def acquire_call(self) -> Command | None:
        """The acquire-or-extend script call, to send with the tick's first read in one round trip
        (`state()` reads its reply); None when there is no lock."""
        return self.scripts.lock_acquire.call(**self._acquire_arguments()) if self.enabled else None

    def state(self, reply: Any) -> LockState:
        if not self.enabled:
            return LockState(True, float("inf"))
        held, ttl_ms, *holder = reply
        return LockState(
            bool(held), ttl_ms / 1000 if ttl_ms >= 0 else float(ttl_ms), _text(holder[0]) if holder else None
        )

    def _acquire_arguments(self) -> dict[str, Any]:
        return {"keys": [self.key], "args": [self.token, int(self.timeout * 1000)]}

    def release(self, call: Caller = _direct) -> bool:
        key = self.key
        if key is None:  # no lock
            return False
        return bool(call(lambda: self.scripts.lock_release(keys=[key], args=[self.token])))


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class HolderWatch:
    """Warns, once per holder, when the beat a standby waits for is not one of ours or holds the lock
    longer than our lease: the standby would otherwise wait that long in silence (upstream's default
    lock lives 25 minutes after its beat died). Two healthy beats of ours stay quiet."""

    def __init__(self, lock: FencedLock):
        self.lock = lock
        self.warned: str | None = None  # the last holder warned about

    def check(self, state: LockState) -> None:
        token = state.holder
        if token is None or token == self.warned:
            return
        holder = parse_token(token)
        lease = self.lock.timeout
        if holder.ours and 0 <= state.ttl <= lease + 0.001:
            return
        self.warned = token
        if state.ttl < 0:
            expiry = "with no expiry: it stays until deleted (redbeat lock shows it; DEL the key if its beat is gone)"
        else:
            expiry = f"for another {state.ttl:.0f}s if it is not extended"
        logger.warning(
            "beat: standing by: the lock %s is held by %s (token %s), %s; this beat's lease is %ss, "
            "and it takes over only once that lock is released or expires",
            self.lock.key,
            holder.describe(),
            token,
            expiry,
            f"{lease:g}",
        )
