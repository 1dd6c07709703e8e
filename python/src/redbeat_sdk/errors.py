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

    def at(self, prefix: str) -> ValidationError:
        """The same error with `prefix` put in front of its path."""
        path = (
            f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else f"{prefix}{self.path}"
        )
        # the same class with the same attributes (InvalidUrlError keeps its url), only the path moved
        moved = type(self).__new__(type(self))
        moved.__dict__.update(self.__dict__, path=path)
        moved.args = (f"{path}: {self.reason}" if path else self.reason,)
        return moved


class InvalidUrlError(ValidationError):
    """`RedBeatClient.from_url` was given a URL it cannot connect with: malformed, or a scheme it does not
    speak. The path is `url`; the reason names the problem and the accepted schemes, and `url` is the URL
    with its password masked."""

    def __init__(self, url: str, reason: str):
        self.url = url
        super().__init__("url", reason)


class EntryNotFound(RedBeatError, KeyError):
    """No entry hash (with a definition) exists under that name."""

    def __init__(self, name: str, key: str):
        self.name = name
        self.key = key
        super().__init__(f"no entry {name!r} (key {key!r})")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class CorruptEntry(RedBeatError):
    """An entry stored in Redis that the read profile rejects (bad JSON, unknown fields...)."""

    def __init__(self, key: str, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class ConflictError(RedBeatError):
    """The entry changed under every attempt of a write that checks what it read (save, enable, disable,
    run_now); the last attempt wrote nothing. The TypeScript client throws ConflictError too, the Go
    client a *ConflictError matching ErrConflict."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(f"{key}: changed concurrently on every attempt; not written")


class VersionConflict(ConflictError):
    """A conditional write (`save(entry, if_version=...)`, `create`) found another definition than the
    one it was given: the entry was edited, enabled, disabled, deleted or created since it was read.
    Nothing was written. `expected` is the version given (None: no entry expected), `found` the stored
    one (None: no entry)."""

    def __init__(self, key: str, expected: str | None, found: str | None):
        self.key = key
        self.expected = expected
        self.found = found
        if expected is None:
            what = "already exists"
        elif found is None:
            what = "was deleted since it was read"
        else:
            what = "changed since it was read"
        RedBeatError.__init__(self, f"{key}: {what}; not written")


class RedBeatConnectionError(RedBeatError, ConnectionError):
    """Redis could not be reached or the connection broke; nothing is assumed written."""


class ClusterConfigError(RedBeatError):
    """Cluster mode with a prefix whose keys would span several slots."""
