"""Typed errors. Everything the SDK raises on purpose is a RedBeatError."""
from __future__ import annotations


class RedBeatError(Exception):
    """Base class of every error raised by redbeat_sdk."""


class ValidationError(RedBeatError, ValueError):
    """A value that cannot be written (or a stored value that cannot be read).

    `path` names the field ("schedule.minute", "meta.last_run_at.timezone", "args[2]"),
    `reason` says what is wrong with it.
    """

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def at(self, prefix: str) -> "ValidationError":
        """The same error with `prefix` put in front of its path."""
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else f"{prefix}{self.path}"
        return type(self)(path, self.reason)


class EntryNotFound(RedBeatError, KeyError):
    """No entry hash (with a definition) exists under that name."""

    def __init__(self, name: str, key: str):
        self.name = name
        self.key = key
        super().__init__(f"no entry {name!r} (key {key!r})")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class CorruptEntry(RedBeatError):
    """An entry stored in Redis that the read profile rejects (bad JSON, unknown fields...)."""

    def __init__(self, key: str, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class RedBeatConnectionError(RedBeatError, ConnectionError):
    """Redis could not be reached or the connection broke; nothing is assumed written."""


class ClusterConfigError(RedBeatError):
    """Cluster mode with a prefix whose keys would span several slots."""
