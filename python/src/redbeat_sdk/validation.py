"""Checks against the generated schema models, reported as one ValidationError with a field path."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pydantic
from pydantic_core import ErrorDetails

from .errors import ValidationError

_SCHEDULE_TAGS = {"interval", "crontab", "rrule"}

# How deep a stored field's JSON may nest (schema/README.md, "Limits"). Every reader refuses deeper values
# by the same rule: Python's json gives up near 1000 levels, Go's at 10000, JavaScript's not at all.
MAX_DEPTH = 128


def _clean_loc(loc: tuple[int | str, ...]) -> list[int | str]:
    """Drop the union-branch labels pydantic puts into a location (class names, tags, 'list[...]')."""
    out: list[int | str] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and (part[:1].isupper() or "[" in part):
            continue
        if isinstance(part, str) and part in _SCHEDULE_TAGS and i and loc[i - 1] == "schedule":
            continue
        out.append(part)
    return out


def format_path(parts: Sequence[int | str]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_KINDS = {"model_attributes": "object", "model": "object", "dict": "object", "float": "number"}
# a generated pattern such as ^([Dd][Aa][Ii][Ll][Yy]|...)$: a choice of words in any case
_CHOICE = re.compile(r"\^\(((?:\[\w\w\])+(?:\|(?:\[\w\w\])+)*)\)\$")


def _word_choices(pattern: str) -> list[str]:
    match = _CHOICE.fullmatch(pattern)
    return [re.sub(r"\[(\w)\w\]", r"\1", word) for word in match.group(1).split("|")] if match else []


def _describe(errors: list[ErrorDetails]) -> str:
    wrong_type = [e for e in errors if e["type"].endswith("_type") or e["type"] == "model_attributes_type"]
    if len(wrong_type) == len(errors) and len(errors) > 1:
        kinds = sorted(
            {_KINDS.get(e["type"].removesuffix("_type"), e["type"].removesuffix("_type")) for e in errors}
        )
        return "must be one of: " + ", ".join(kinds)
    best = next((e for e in errors if e not in wrong_type), errors[0])
    msg: str = best["msg"]
    if best["type"] == "union_tag_invalid":
        tag = best.get("ctx", {}).get("tag")
        return f"unknown __type__ {tag!r}; expected one of {best.get('ctx', {}).get('expected_tags')}"
    if best["type"] == "extra_forbidden":
        return "unknown field (upstream beat crashes on it)"
    if best["type"] == "string_pattern_mismatch":
        words = _word_choices(best.get("ctx", {}).get("pattern", ""))
        if words:
            return f"must be one of {', '.join(words)} (any case), not {best.get('input')!r}"
    return msg[0].lower() + msg[1:] if msg else best["type"]


def from_pydantic(exc: pydantic.ValidationError, prefix: str = "") -> ValidationError:
    """The first failing field of a pydantic error, with union noise folded into one reason."""
    errors = exc.errors(include_url=False)
    # union branches whose __type__ tag did not match are not what the caller meant
    wrong = {
        err["loc"][:-1]
        for err in errors
        if err["loc"][-1:] == ("__type__",) and err["type"] == "literal_error"
    }
    kept = [err for err in errors if not any(err["loc"][: len(b)] == b for b in wrong)] or errors
    by_path: dict[str, list[ErrorDetails]] = {}
    for err in kept:
        path = format_path(_clean_loc(err["loc"]))
        by_path.setdefault(path, []).append(err)
    # the deepest path is the most specific complaint
    path = max(by_path, key=lambda p: (p.count(".") + p.count("["), -list(by_path).index(p)))
    reason = _describe(by_path[path])
    tags = _refused_tags(errors, path)
    if tags and all(e["type"].endswith("_type") for e in by_path[path]):
        # every tagged branch refused the tag (and no untagged one fits): the tag is what is wrong
        path = f"{path}.__type__" if path else "__type__"
        reason = f"unknown __type__ {tags[0]['input']!r}; expected one of {', '.join(t['ctx']['expected'] for t in tags)}"
    full = ".".join(p for p in (prefix, path) if p) if not path.startswith("[") else prefix + path
    return ValidationError(full, reason)


def _refused_tags(errors: list[ErrorDetails], path: str) -> list[ErrorDetails]:
    """The `__type__` literal errors of the union branches at `path`."""
    return [
        e
        for e in errors
        if e["loc"][-1:] == ("__type__",)
        and e["type"] == "literal_error"
        and format_path(_clean_loc(e["loc"][:-2])) == path
        and "ctx" in e
    ]


def check_model(model: type[pydantic.BaseModel], data: Any, prefix: str = "") -> pydantic.BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, prefix) from None


def check_json_value(value: Any, path: str, room: int = MAX_DEPTH - 1) -> None:
    """Refuse what cannot be stored as task data: only JSON values and datetimes round-trip, nested in at
    most `room` arrays and objects (task data sits in the definition object, which counts as one)."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if room < 1 and isinstance(value, (datetime, list, tuple, dict)):  # a datetime is stored as an object
        raise ValidationError(
            path, f"nested deeper than {MAX_DEPTH} levels (the definition counts as one): readers refuse it"
        )
    if isinstance(value, datetime):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(path, f"{value!r} is not valid JSON")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_json_value(item, f"{path}[{i}]", room - 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(path, f"keys must be strings, not {type(key).__name__} {key!r}")
            check_json_value(item, f"{path}.{key}", room - 1)
        return
    raise ValidationError(path, f"{type(value).__name__} cannot be stored as JSON")
