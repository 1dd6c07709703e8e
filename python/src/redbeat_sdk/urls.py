"""The URLs `RedBeatClient.from_url` takes, checked before redis-py sees them, so that a typo is an
InvalidUrlError naming the scheme and the accepted forms rather than redis-py's bare ValueError."""

from __future__ import annotations

import re

from .errors import InvalidUrlError

PLAIN_SCHEMES = ("redis", "rediss", "unix")
CLUSTER_SCHEMES = ("redis-cluster", "rediss-cluster")
SCHEMES = PLAIN_SCHEMES + CLUSTER_SCHEMES
ACCEPTED = (
    "use redis://[[user]:password@]host[:port][/db], rediss:// (TLS), unix:///path/to/socket, "
    "redis-cluster:// or rediss-cluster:// (one node of a Redis Cluster)"
)
_SENTINEL_HINT = "; for Sentinel, pass Sentinel(...).master_for(name) to RedBeatClient(...)"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PASSWORD = re.compile(r"(://[^/@]*?:)[^/@]*@")
_PASSWORD_PARAM = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def redacted(url: str) -> str:
    """The URL with its password masked (`user:***@`, and a `?password=` that redis-py also takes), for
    messages."""
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD.sub(r"\1***@", url))


def scheme_of(url: object) -> str:
    """The URL's scheme, lower-cased; InvalidUrlError when it has none or one from_url does not take."""
    if not isinstance(url, str) or not url.strip():
        shown = repr(url) if isinstance(url, str) else type(url).__name__
        raise InvalidUrlError(str(url), f"must be a Redis URL string, not {shown}: {ACCEPTED}")
    shown = redacted(url)
    match = _SCHEME.match(url)
    if not match:
        raise InvalidUrlError(shown, f"malformed URL {shown!r} (no scheme://): {ACCEPTED}")
    scheme = match.group(1).lower()
    if scheme not in SCHEMES:
        hint = _SENTINEL_HINT if "sentinel" in scheme else ""
        raise InvalidUrlError(shown, f"unsupported scheme {scheme!r} in {shown!r}: {ACCEPTED}{hint}")
    return scheme


def refused(url: str, exc: Exception) -> InvalidUrlError:
    """redis-py's own refusal of a URL that passed the scheme check (a bad port, database, option)."""
    shown = redacted(url)
    return InvalidUrlError(shown, f"malformed URL {shown!r} ({exc}): {ACCEPTED}")
