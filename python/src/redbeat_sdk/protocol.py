"""What the client sends Redis and how it reads the replies, without any I/O.

Each operation is a command (the arguments of one Redis command; a script call is an EVALSHA) and a
function that reads its reply. `store.Store` sends them with redis-py; an asyncio store sends the same
commands and reads the same replies. Scripts follow one convention (lua/README.md): KEYS are the lock, the
schedule, the statics set (where a script uses it), then the entry hashes; ARGV[1] is the lock token, '' here (clients write unfenced); a field as
read is '' when absent, else '=' followed by its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .keys import KeyLayout
from .scripts import DELETE, LOAD, SAVE, UPDATE, Command

UNFENCED = ""


class Stored(NamedTuple):
    """An entry as Redis holds it: the hash fields undecoded (None where absent) and its score. A field
    that is not UTF-8 stays bytes: reading it is a CorruptEntry naming it (codec.field_text)."""

    key: str
    definition: str | bytes | None
    meta: str | bytes | None
    score: float | None = None
    extensions: str | bytes | None = None


def text(value: Any) -> Any:
    """A reply value as str: redis-py answers bytes unless the client decodes responses."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def field(value: Any) -> Any:
    """A hash field read undecoded (Store reads LOAD so): its text, or its bytes when not UTF-8."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def as_read(value: str | bytes | None) -> str | bytes:
    if isinstance(value, bytes):
        return b"=" + value
    return "" if value is None else "=" + value


# -- reads ------------------------------------------------------------------------------------------------


def page(keys: KeyLayout, start: int, count: int, reverse: bool = False) -> Command:
    """Up to `count` schedule members from rank `start`, lowest score first (highest with `reverse`)."""
    return ("ZRANGE", keys.schedule, start, start + count - 1, *(("REV",) if reverse else ()))


def size(keys: KeyLayout) -> Command:
    """How many members the schedule has."""
    return ("ZCARD", keys.schedule)


def fields(key: str) -> Command:
    """Every field of an entry hash, as stored (the ones this SDK does not read too)."""
    return ("HGETALL", key)


def field_map(reply: Any) -> dict[str, str]:
    """HGETALL's reply (a dict from redis-py, a flat list from other RESP readers), read undecoded, as a
    dict for people to read: bytes that are not UTF-8 are shown as escapes (\\xff)."""
    pairs = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2], strict=True)
    return {readable(k): readable(v) for k, v in pairs}


def readable(value: str | bytes) -> str:
    """A field's text, or its bytes with what is not UTF-8 escaped."""
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def members(reply: Sequence[Any]) -> list[str]:
    return [text(member) for member in reply]


def load(keys: KeyLayout, entry_keys: Sequence[str]) -> Command:
    """Read entries (their hashes, extensions included, and scores) in one step (lua/load.lua)."""
    return LOAD.call([keys.lock, keys.schedule, *entry_keys], ["extensions"])


def loaded(entry_keys: Sequence[str], reply: Sequence[Any]) -> list[Stored]:
    """The reply of `load(keys, entry_keys)`, one Stored per key."""
    out = []
    for i, key in enumerate(entry_keys):
        definition, meta, score, extensions = reply[4 * i : 4 * i + 4]
        out.append(
            Stored(
                key,
                field(definition),
                field(meta),
                None if score is None else float(score),
                field(extensions),
            )
        )
    return out


def labelled(keys: KeyLayout, key: str, value: str | None) -> Command:
    """The entry keys the label index lists under label `key=value`, or under `key` with any value when
    `value` is None (extension profile)."""
    # members are '<key>=<value>\n<entry key>': a lex range over those that start with the label's part,
    # up to the character after its last one ('\n' + 1; '=' + 1 for any value)
    start = f"{key}=" if value is None else f"{key}={value}\n"
    return ("ZRANGEBYLEX", keys.labels, "[" + start, "(" + start[:-1] + chr(ord(start[-1]) + 1))


def any_labelled(keys: KeyLayout) -> Command:
    """Whether the label index has any member (1) or not (0)."""
    return ("EXISTS", keys.labels)


def label_members(reply: Sequence[Any]) -> list[str]:
    return [text(member).partition("\n")[2] for member in reply]


def history(keys: KeyLayout, name: str, limit: int) -> Command:
    """The entry's recent runs, newest first (at most `limit`; -1: all kept)."""
    return ("LRANGE", keys.history(name), 0, limit - 1 if limit > 0 else -1)


def lock(keys: KeyLayout) -> list[Command]:
    """The lock's value (a token) and its time to live in ms, in one round trip."""
    return [("GET", keys.lock), ("PTTL", keys.lock)]


# -- writes -----------------------------------------------------------------------------------------------


class Save(NamedTuple):
    """One entry's save: a first save writes `first_meta` scored `first_score`; a re-save keeps the stored
    meta, which must be `expected_meta` (None: no meta expected), and writes `score`. `extensions` is the
    extensions field to write (None: the entry has none, the field is removed)."""

    key: str
    definition: str
    first_meta: str
    first_score: int
    expected_meta: str | bytes | None
    score: int
    extensions: str | None = None


# save.lua's value for "no extensions": remove the field ('' would leave it as stored)
NO_EXTENSIONS = "-"


def save(keys: KeyLayout, saves: Sequence[Save]) -> Command:
    """Save entries, each atomically, in one script call (lua/save.lua)."""
    args: list[Any] = [UNFENCED]
    for s in saves:
        args += (
            s.definition,
            s.first_meta,
            s.first_score,
            as_read(s.expected_meta),
            s.score,
            "",
            "",
            s.extensions or NO_EXTENSIONS,
        )
    return SAVE.call([keys.lock, keys.schedule, keys.statics, keys.labels, *(s.key for s in saves)], args)


def saved(reply: Sequence[Any]) -> list[str | bytes | None]:
    """Per entry: None when it was written, else the stored meta to score from before saving it again
    (its bytes when not UTF-8: `codec.decode_meta` reports that)."""
    return [None if result == 1 else field(result[0]) for result in reply]


def update(
    keys: KeyLayout,
    read: Stored,
    definition: str | None = None,
    meta: str | None = None,
    score: int | None = None,
    extensions: str | None = None,
) -> Command:
    """Write the given fields and score if the entry still holds what `read` holds (lua/update.lua);
    `extensions` too when given (NO_EXTENSIONS removes the field), with the label index."""
    args = [
        UNFENCED,
        as_read(read.definition),
        as_read(read.meta),
        definition or "",
        meta or "",
        "" if score is None else score,
    ]
    if extensions is None:
        return UPDATE.call([keys.lock, keys.schedule, read.key], args)
    return UPDATE.call([keys.lock, keys.schedule, read.key, keys.labels], [*args, extensions])


def updated(read: Stored, reply: Any) -> Stored | None:
    """None when the update was written, else the entry as it is now (to compute the update again)."""
    return None if reply == 1 else Stored(read.key, field(reply[0]), field(reply[1]), None, read.extensions)


def delete(keys: KeyLayout, key: str) -> Command:
    """Remove the entry's schedule member, its hash, its label index members and its history together
    (lua/delete.lua)."""
    history = keys.history(keys.name_of(key))
    return DELETE.call([keys.lock, keys.schedule, keys.statics, key, keys.labels, history], [UNFENCED, ""])


def deleted(reply: Any) -> bool:
    """Whether there was anything to delete."""
    return bool(reply == 1)
