"""A generated corpus of hostile entries beside good ones, written into Redis as raw hash fields.

Good entries are what the Python SDK writes (its wire encoder), due at once: every one of them must be
read by every reader and fired by the scheduler. Each hostile entry is a good one with one mutation -
a wrong type, a huge or negative number, invalid UTF-8, deep nesting, a huge string, a missing field, an
unknown type or field, broken JSON, an unknown time zone - drawn by Hypothesis from a seed (printed, for
replay: `python run.py --only hostile --seed N`).

The verdict on each mutant comes from outside the readers: bytes that are not UTF-8 or not JSON, and
anything `schema/read.schema.json` (the contract) refuses, is bad, as is an unknown time zone (the schema
checks only its form). Every reader must report each bad entry with its key. A mutant the schema accepts
(a 64 KiB task name, args nested 50 deep, a run count of 2**53 + 1, an rrule that never matches) is an
edge case: the readers must agree on it, either all reading it or all refusing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from redbeat_sdk import Crontab, Entry, Interval, RRule
from redbeat_sdk.codec import definition_wire, meta_wire

ROOT = Path(__file__).resolve().parents[3]
PREFIX = "redbeat:"
# A fixed instant, so that a seed replays the same bytes any day: in the past, so every good entry is due at
# once, and a few days before the clients' drivers' clock (readers.py). The SDK asks an old rrule from a
# later dtstart (next_run._fast_forward), so the beat's walk from a dtstart long gone stays short.
LAST_RUN = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = LAST_RUN
BAD_UTF8 = [
    b"\xff",
    b"\xfe\xfe",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"\xf8\x88\x80\x80\x80",
]
HUGE_NUMBERS = [
    "1e400",
    "-1e400",
    "1e308",
    "-1e308",
    "18446744073709551616",
    "-9223372036854775809",
    "9007199254740993",
    "1e-400",
    "123456789012345678901234567890",
]
MARK = "\u2603MUTANT\u2603"  # replaced in the encoded bytes (invalid UTF-8, raw number text)


@dataclass
class Case:
    key: str
    fields: dict[str, bytes]  # hash fields as stored (definition and/or meta)
    kind: str  # "good" or the mutation
    verdict: str = "good"  # "good", "bad" or "edge"
    why: str = ""  # what the mutation did
    name: str = field(default="")


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    """The read profile, its integers as the contract reads them (schema/README.md, "Limits no schema can
    state"): written as one - JSON digits, which `json` alone reads as int - where JSON Schema also takes
    1.0 and 1e308; the signed 64-bit range is in the schema itself."""
    schema = json.loads((ROOT / "schema" / "read.schema.json").read_text())
    base = jsonschema.validators.validator_for(schema)
    written_as_one = base.TYPE_CHECKER.redefine("integer", lambda _checker, value: type(value) is int)
    return jsonschema.validators.extend(base, type_checker=written_as_one)(schema)


# -- good entries --------------------------------------------------------------------------------------

_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # not encodable in UTF-8
_text = st.text(st.characters(codec="utf-8", exclude_categories=_SURROGATES), max_size=12)
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(-1e9, 1e9, allow_nan=False), _text
)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_schedules = st.one_of(
    st.builds(lambda s: Interval(float(s)), st.integers(1, 86_400)),
    st.builds(
        lambda m, h: Crontab(minute=m, hour=h),
        st.sampled_from(["*", "0", "*/5", "1,31", "7-9"]),
        st.sampled_from(["*", "3", "*/2"]),
    ),
    st.builds(
        lambda f, i: RRule(f, interval=i, dtstart=LAST_RUN - timedelta(days=1)),
        st.sampled_from(["DAILY", "HOURLY", "MINUTELY"]),
        st.integers(1, 2),  # an occurrence between the last run and now: due at once
    ),
)


def good_wire(name: str, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    entry = Entry(
        name,
        data.draw(st.sampled_from(["tasks.ping", "app.tasks.report", "ünïcode.task"])),
        data.draw(_schedules),
        args=[name, *data.draw(st.lists(_json, max_size=3))],
        kwargs=data.draw(st.dictionaries(_text, _json, max_size=3)),
    )
    return definition_wire(entry, NOW, timezone.utc), meta_wire(LAST_RUN, data.draw(st.integers(0, 10**6)))


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# -- mutations: each takes (definition, meta, draw) and returns the hash fields and what it did --------

Fields = dict[str, bytes]


def _paths(definition: dict[str, Any], meta: dict[str, Any]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [("definition", k) for k in definition]
    out += [("meta", k) for k in meta]
    out += [("definition", "schedule", k) for k in definition["schedule"]]
    out += [("meta", "last_run_at", k) for k in meta["last_run_at"]]
    return out


def _get(root: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = root
    for part in path:
        value = value[part]
    return value


def _set(root: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    _get(root, path[:-1])[path[-1]] = value


def _fields(root: dict[str, Any]) -> Fields:
    return {k: encode(v) for k, v in root.items()}


def wrong_type(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    path = draw(st.sampled_from(_paths(root["definition"], root["meta"])))
    old = _get(root, path)
    kinds = {bool: "b", int: "n", float: "n", str: "s", list: "l", dict: "d", type(None): "0"}
    new = draw(
        st.one_of(
            st.booleans(),
            st.integers(-5, 5),
            _text,
            st.lists(_scalar, max_size=2),
            st.dictionaries(_text, _scalar, max_size=2),
            st.none(),
        ).filter(lambda v: kinds[type(v)] != kinds[type(old)])
    )
    _set(root, path, new)
    return _fields(root), f"{'.'.join(path)} = {json.dumps(new)[:40]}"


def huge_number(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    numeric = [p for p in _paths(root["definition"], root["meta"]) if type(_get(root, p)) in (int, float)]
    path = draw(st.sampled_from(numeric or [("meta", "total_run_count")]))
    text = draw(st.sampled_from(HUGE_NUMBERS))
    _set(root, path, MARK)
    fields = _fields(root)
    quoted = json.dumps(MARK, ensure_ascii=False).encode()
    return {k: v.replace(quoted, text.encode()) for k, v in fields.items()}, f"{'.'.join(path)} = {text}"


def negative_number(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    numeric = [p for p in _paths(root["definition"], root["meta"]) if type(_get(root, p)) in (int, float)]
    path = draw(st.sampled_from(numeric or [("meta", "total_run_count")]))
    new = draw(st.sampled_from([-1, -1.5, -86400, -(2**31)]))
    _set(root, path, new)
    return _fields(root), f"{'.'.join(path)} = {new}"


def invalid_utf8(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    where = draw(
        st.sampled_from(
            [
                ("definition", "task"),
                ("definition", "name"),
                ("definition", "args"),
                ("meta", "last_run_at", "timezone"),
            ]
        )
    )
    bad = draw(st.sampled_from(BAD_UTF8))
    if where == ("definition", "args"):
        root["definition"]["args"] = root["definition"]["args"] + [MARK]
    else:
        _set(root, where, "x" + MARK)
    fields = _fields(root)
    fields = {k: v.replace(MARK.encode(), bad) for k, v in fields.items()}
    return fields, f"{'.'.join(where)} holds bytes {bad!r}"


def deep_nesting(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    depth = draw(st.sampled_from([10, 50, 127, 129, 600, 5_000, 100_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]))
    root["definition"]["args"] = [MARK]
    fields = _fields(root)
    nested = (opener * depth + "1" + closer * depth).encode()
    quoted = json.dumps(MARK, ensure_ascii=False).encode()
    return {
        k: v.replace(quoted, nested) for k, v in fields.items()
    }, f"args[0] nested {depth} deep ({opener.strip()})"


def huge_string(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    size = draw(st.sampled_from([4_096, 16_384, 65_536]))
    where = draw(st.sampled_from([("definition", "task"), ("definition", "args"), ("definition", "kwargs")]))
    text = "é" * (size // 2)
    if where == ("definition", "args"):
        root["definition"]["args"].append(text)
    elif where == ("definition", "kwargs"):
        root["definition"]["kwargs"]["big"] = text
    else:
        root["definition"]["task"] = "t" + text
    return _fields(root), f"{'.'.join(where)} holds a {size:,}-byte string"


def missing_field(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    choices = [p for p in _paths(root["definition"], root["meta"])] + [("definition",), ("meta",)]
    path = draw(st.sampled_from(choices))
    del _get(root, path[:-1])[path[-1]]
    return _fields(root), f"no {'.'.join(path)}"


def unknown_type(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    name = draw(st.sampled_from(["solar", "clocked", "Interval", "", "datetimez", "rrule2"]) | _text)
    where = draw(st.sampled_from(["schedule", "last_run_at", "args"]))
    if where == "schedule":
        root["definition"]["schedule"]["__type__"] = name
    elif where == "last_run_at":
        root["meta"]["last_run_at"]["__type__"] = name
    else:
        root["definition"]["args"].append({"__type__": name, "value": 1})
    return _fields(root), f"{where} has __type__ {name!r}"


def unknown_field(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    key = draw(st.sampled_from(["priority", "queue", "fold", "tz", "x"]) | _text)
    where = draw(
        st.sampled_from([("definition",), ("meta",), ("meta", "last_run_at"), ("definition", "schedule")])
    )
    target = _get(root, where)
    if key in target:
        key = key + "_"
    target[key] = draw(_scalar)
    return _fields(root), f"{'.'.join(where)} has an unknown key {key!r}"


def broken_json(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    fields = _fields(root)
    which = draw(st.sampled_from(["definition", "meta"]))
    raw = fields[which]
    how = draw(st.sampled_from(["truncated", "trailing", "empty", "nan", "single-quoted"]))
    if how == "truncated":
        raw = raw[: draw(st.integers(1, max(1, len(raw) - 1)))]
    elif how == "trailing":
        raw = raw + b" }{"
    elif how == "empty":
        raw = b""
    elif how == "nan":
        raw = (
            raw.replace(b'"task": ', b'"nan": NaN, "task": ', 1)
            if which == "definition"
            else b'{"last_run_at": NaN}'
        )
    else:
        raw = raw.replace(b'"', b"'")
    fields[which] = raw
    return fields, f"{which} {how}"


def bad_zone(root: dict[str, Any], draw: Callable[..., Any]) -> tuple[Fields, str]:
    zone = draw(st.sampled_from(["Mars/Olympus", "Europe/Atlantis", "UTC/Two", "Etc/GMT+99"]))
    root["meta"]["last_run_at"]["timezone"] = zone
    return _fields(root), f"last_run_at.timezone = {zone}"


MUTATIONS: dict[str, Callable[[dict[str, Any], Callable[..., Any]], tuple[Fields, str]]] = {
    "wrong type": wrong_type,
    "huge number": huge_number,
    "negative number": negative_number,
    "invalid UTF-8": invalid_utf8,
    "deep nesting": deep_nesting,
    "huge string": huge_string,
    "missing field": missing_field,
    "unknown type": unknown_type,
    "unknown field": unknown_field,
    "broken JSON": broken_json,
    "unknown zone": bad_zone,
}
ALWAYS_BAD = {"invalid UTF-8", "unknown zone"}


MAX_DEPTH = 128  # schema/README.md, "Limits"


def depth(text: str) -> int:
    """How deep the JSON text nests arrays and objects (brackets inside strings aside)."""
    deepest = level = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        if token.group() in "[{":
            level += 1
            deepest = max(deepest, level)
        elif token.group() in "]}":
            level -= 1
    return deepest


def verdict(kind: str, fields: Fields) -> str:
    """bad: not UTF-8, not JSON, nested deeper than the format allows, refused by the read schema (an
    integer field holding anything but digits within int64 included), or an unknown zone; else edge. An
    empty meta field is no meta (never run), as the contract says."""
    if kind in ALWAYS_BAD:
        return "bad"
    doc = {}
    for name, raw in fields.items():
        if name == "meta" and raw == b"":
            continue
        try:
            text = raw.decode("utf-8")
            if depth(text) > MAX_DEPTH:
                return "bad"
            doc[name] = json.loads(text)
        except (ValueError, RecursionError):
            return "bad"
    return "edge" if _validator().is_valid(doc) else "bad"


def _collect(count: int, seed_value: int, body: Callable[[st.DataObject], Case]) -> list[Case]:
    """`count` cases drawn by Hypothesis from `seed_value` (a generation-only run of a property)."""
    out: list[Case] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(seed_value)
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        out.append(body(data))

    draw()
    return out[:count]


def generate(mutants: int, good: int, seed_value: int) -> list[Case]:
    """`good` good entries and `mutants` mutated ones, drawn by Hypothesis from `seed_value`; the keys
    say which is which (`redbeat:good-00001`, `redbeat:bad-00002`)."""

    def good_case(data: st.DataObject) -> Case:
        definition, meta = good_wire("good", data)
        return Case("", {"definition": encode(definition), "meta": encode(meta)}, "good")

    def mutant(data: st.DataObject) -> Case:
        kind = data.draw(st.sampled_from(sorted(MUTATIONS)))
        definition, meta = good_wire("bad", data)
        fields, why = MUTATIONS[kind]({"definition": definition, "meta": meta}, data.draw)
        return Case("", fields, kind, verdict(kind, fields), why)

    cases = _collect(good, seed_value, good_case) + _collect(mutants, seed_value + 1, mutant)
    for i, case in enumerate(cases):
        case.name = f"{'good' if case.kind == 'good' else 'bad'}-{i:05d}"
        case.key = PREFIX + case.name
        case.fields = {k: _renamed(v, case.name) for k, v in case.fields.items()}
    return cases


def _renamed(raw: bytes, name: str) -> bytes:
    """The drawn entry was named "good" or "bad"; give it its own name (in `name` and `args[0]`)."""
    for old in (b'"good"', b'"bad"'):
        raw = raw.replace(old, json.dumps(name).encode())
    return raw
