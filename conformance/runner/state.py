"""The raw Redis state of one database: dump it, put it back, check it against a vector.

A dump maps every key to `{"<type>": value}` with the raw strings Redis holds:
`{"hash": {field: text}}`, `{"zset": {member: score}}`, `{"set": [members]}`, `{"string": text}`.
An expected state in a vector has the same shape, except that hash fields holding JSON are given
decoded (compared with `values.diff`), and zset scores follow the score rule of the writer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import redis

from . import values


def dump(client: redis.Redis) -> dict[str, dict]:
    state: dict[str, dict] = {}
    for key in sorted(client.scan_iter(count=1000)):
        kind = client.type(key)
        if kind == "hash":
            state[key] = {"hash": client.hgetall(key)}
        elif kind == "zset":
            state[key] = {"zset": dict(client.zrange(key, 0, -1, withscores=True))}
        elif kind == "set":
            state[key] = {"set": sorted(client.smembers(key))}
        elif kind == "string":
            state[key] = {"string": client.get(key)}
        else:
            state[key] = {kind: None}
    return state


def restore(client: redis.Redis, state: dict[str, dict]) -> None:
    """Make the database hold exactly `state` (a dump): flushed, then written in one transaction (on a
    cluster the keys of one vector share a slot, and FLUSHDB goes to every node on its own)."""
    client.flushdb()
    with client.pipeline(transaction=True) as pipe:
        for key, typed in state.items():
            ((kind, value),) = typed.items()
            if kind == "hash":
                pipe.hset(key, mapping=value)
            elif kind == "zset":
                pipe.zadd(key, value)
            elif kind == "set":
                pipe.sadd(key, *value)
            elif kind == "string":
                pipe.set(key, value)
        pipe.execute()


def run_commands(client: redis.Redis, commands: Iterable[list]) -> None:
    for command in commands:
        client.execute_command(*command)


@dataclass
class WriterRule:
    """How the state a writer left is judged where the contract lets implementations differ
    (PROTOCOL.md, "Writer rules"). The strict values are the contract; the relaxed ones exist for the
    upstream reference, whose data our clients and beats must still read and fire.

    `scores` - `exact`: the vector's score. `at-or-before`: any integer from the entry's stored last
    run up to the vector's score (or up to the write's `now` when the entry is overdue): beat loads
    it no later than the true due time, which schema/README.md calls safe.
    `now_zone` - `utc`: a last run the writer stamps with its clock is in zone "UTC", as the vector
    says. `beat`: it may instead be the same instant in the beat's timezone (`beat_zone`).
    Entries in `exact_members` (those a beat has just run) are judged strictly; entries in `later_members`
    (disabled entries a `disabled_scores: later` beat looked at) may also carry any later score.
    """

    scores: str = "exact"
    now_ts: float = 0.0
    exact_members: set[str] = field(default_factory=set)
    now_zone: str = "utc"
    beat_zone: str = "UTC"
    later_members: set[str] = field(default_factory=set)

    def check(self, member: str, expected: float, actual: float, floor: float | None) -> str | None:
        if actual != int(actual):
            return f"score {actual!r} is not an integer"
        if actual == expected or (member in self.later_members and actual > expected):
            return None
        if self.scores == "exact" or member in self.exact_members or expected == -1:
            return f"expected score {int(expected)}, got {int(actual)}"
        low = expected if floor is None else min(floor, expected)
        high = max(expected, math.floor(self.now_ts))
        if low <= actual <= high:
            return None
        return (
            f"score {int(actual)} outside [{int(low)}, {int(high)}] (due {int(expected)}, rule {self.scores})"
        )

    def meta_alternative(self, key: str, expected_meta: Any) -> Any:
        """The expected meta with its UTC last run shown in the beat zone, when this rule allows that."""
        if self.now_zone != "beat" or key in self.exact_members or not isinstance(expected_meta, dict):
            return None
        last = expected_meta.get("last_run_at")
        if not values.is_datetime(last) or values.wire_zone(last) != "UTC" or self.beat_zone == "UTC":
            return None
        local = values.wire_instant(last).astimezone(ZoneInfo(self.beat_zone))
        shown = {
            "__type__": "datetime",
            "year": local.year,
            "month": local.month,
            "day": local.day,
            "hour": local.hour,
            "minute": local.minute,
            "second": local.second,
            "microsecond": local.microsecond,
            "timezone": self.beat_zone,
        }
        return {**expected_meta, "last_run_at": shown}


def last_run_floor(expected_state: dict, member: str) -> float | None:
    """Epoch seconds of the stored last run of the entry `member`, from the expected state."""
    meta = expected_state.get(member, {}).get("hash", {}).get("meta")
    if isinstance(meta, dict) and values.is_datetime(meta.get("last_run_at")):
        return math.floor(values.wire_instant(meta["last_run_at"]).timestamp())
    return None


def compare(expected: dict, actual: dict, rule: WriterRule) -> str | None:
    """The first difference between an expected state and a dump, or None."""
    for key in expected:
        if key not in actual:
            return f"key {key!r}: missing"
    for key in actual:
        if key not in expected:
            return f"key {key!r}: unexpected ({_short(actual[key])})"
    for key, typed in expected.items():
        ((kind, want),) = typed.items()
        ((got_kind, got),) = actual[key].items()
        if kind != got_kind:
            return f"key {key!r}: expected a {kind}, got a {got_kind}"
        found = _compare_value(kind, want, got, key, expected, rule)
        if found:
            return f"key {key!r}: {found}"
    return None


def _missing_or_unexpected(what: str, want: dict, got: dict) -> str | None:
    for name in want:
        if name not in got:
            return f"{what} {name!r} missing"
    for name in got:
        if name not in want:
            return f"unexpected {what} {name!r}" + (f" (score {got[name]})" if what == "member" else "")
    return None


def _compare_value(
    kind: str, want: Any, got: Any, key: str, expected_state: dict, rule: WriterRule
) -> str | None:
    if kind == "hash":
        found = _missing_or_unexpected("field", want, got)
        if found:
            return found
        for name, value in want.items():
            if isinstance(value, str):
                if got[name] != value:
                    return f"field {name!r}: expected raw {value!r}, got {got[name]!r}"
                continue
            try:
                decoded = json.loads(got[name])
            except ValueError as exc:
                return f"field {name!r} is not JSON ({exc}): {got[name][:80]!r}"
            found = values.diff(value, decoded, name)
            if found and name == "meta":
                alternative = rule.meta_alternative(key, value)
                if alternative is not None and values.diff(alternative, decoded, name) is None:
                    found = None
            if found:
                return found
        return None
    if kind == "zset":
        found = _missing_or_unexpected("member", want, got)
        if found:
            return found
        for member, score in want.items():
            found = rule.check(member, score, got[member], last_run_floor(expected_state, member))
            if found:
                return f"member {member!r}: {found}"
        return None
    if kind == "set":
        if sorted(want) != sorted(got):
            return f"expected members {sorted(want)}, got {sorted(got)}"
        return None
    if want != got:
        return f"expected {want!r}, got {got!r}"
    return None


def _short(typed: dict) -> str:
    text = json.dumps(typed, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def write_profile_errors(dumped: dict, kept: dict[tuple[str, str], str], validators: dict) -> str | None:
    """The first way a dump breaks the write profile, ignoring hash fields a vector's setup wrote
    that are still byte-identical (`kept`): a writer keeps a legacy meta, it does not write it."""
    for key, typed in dumped.items():
        ((kind, value),) = typed.items()
        if kind == "zset":
            for member, score in value.items():
                if score != int(score):
                    return f"key {key!r}: member {member!r} has a non-integer score {score!r}"
        if kind != "hash":
            continue
        for name, raw in value.items():
            if kept.get((key, name)) == raw:
                continue
            if name not in validators:
                return f"key {key!r}: field {name!r} is not part of the write profile"
            try:
                decoded = json.loads(raw)
            except ValueError as exc:
                return f"key {key!r}: field {name!r} is not JSON ({exc})"
            error = next(iter(sorted(validators[name].iter_errors(decoded), key=lambda e: e.path)), None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path)
                return f"key {key!r}: {name} violates write.schema.json at /{where}: {error.message[:200]}"
        if "definition" not in value:
            return f"key {key!r}: entry hash without a definition"
    return None
