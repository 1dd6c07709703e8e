"""Entry files for `add --file` / `edit --file` and what `show` prints: one entry or a list of them, each
a definition in the wire form of schema/README.md (what export writes, one per line), as YAML or JSON.

Errors name the file, the line (YAML) and the entry: `e.yaml:7: entry 2: schedule.hour: ...`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import click
import yaml

from .. import codec
from ..entry import Entry
from ..errors import ValidationError
from ..schedules import FREQ_NAMES
from .failures import BadValue
from .transfer import definition_of


@dataclass(frozen=True)
class Place:
    """Where an entry is in its file, for messages."""

    file: str
    number: int | None  # 1-based place in a list of entries; None for a file of one entry
    node: yaml.Node | None  # where it is in a YAML file, for line numbers

    def where(self, path: str = "") -> str:
        """`e.yaml:7: entry 2`: the file, the line of the field at `path` (YAML), the entry."""
        line = _line_of(self.node, path) if self.node is not None else None
        return self.file + (f":{line}" if line else "") + (f": entry {self.number}" if self.number else "")

    def error(self, exc: ValidationError, path: str | None = None) -> BadValue:
        path = exc.path if path is None else path
        return BadValue(f"{self.where(path)}: {path + ': ' if path else ''}{exc.reason}")


@dataclass(frozen=True)
class Item(Place):
    """An entry read from a file, and where it is."""

    entry: Entry


def _line_of(node: yaml.Node, path: str) -> int:
    """The line of the deepest node on `path` ("schedule.hour", "args[0]") that the file has."""
    for part in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = part
        if isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
        elif isinstance(node, yaml.MappingNode) and key:
            found = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None
            )
            if found is None:
                break
            node = found
        else:
            break
    return node.start_mark.line + 1


def read_text(path: str) -> str:
    """A UTF-8 file (or stdin for -); BadValue naming it when it cannot be read."""
    try:
        with click.open_file(path, encoding="utf-8") as stream:
            text: str = stream.read()
            return text
    except UnicodeDecodeError as exc:
        raise BadValue(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BadValue(f"{path}: {exc.strerror}") from None


def _yaml(text: str, path: str) -> tuple[Any, list[yaml.Node | None]]:
    """The document and the node of each entry."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise BadValue(f"{at}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise BadValue(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, list(node.value) if isinstance(node, yaml.SequenceNode) else [node]


def _json(text: str, path: str) -> tuple[Any, list[yaml.Node | None]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (JSON lines, as export writes, go to `redbeat import`)" if exc.msg == "Extra data" else ""
        raise BadValue(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}{hint}") from None
    return data, [None] * (len(data) if isinstance(data, list) else 1)


def load(path: str, default_name: str | None = None) -> list[Item]:
    """Every entry of the file, each validated by the SDK; `.json` is JSON, anything else (and `-`,
    stdin) YAML. `default_name` names an entry that has no `name`."""
    text = read_text(path)
    data, nodes = (_json if path.endswith(".json") else _yaml)(text, path)
    if data is None or data == []:
        raise BadValue(f"{path}: no entries (give one entry or a list of entries)")
    many = isinstance(data, list)
    items = []
    for index, (definition, node) in enumerate(zip(data if many else [data], nodes, strict=True)):
        place = Place(path, index + 1 if many else None, node)
        if not isinstance(definition, dict):
            raise BadValue(
                f"{place.where()}: must be an entry (a mapping of name, task, schedule...), "
                f"not {type(definition).__name__}"
            )
        if default_name is not None and "name" not in definition:
            definition = {"name": default_name, **definition}
        try:
            items.append(Item(path, place.number, node, codec.entry_from_document(definition, path="")))
        except ValidationError as exc:
            raise place.error(exc) from None
    return items


def file_form(entry: Entry) -> dict[str, Any]:
    """The definition as a person writes it in an entry file: the stored wire form, but an rrule's freq
    by name and its unset (null) fields left out. `add --file` reads it back to the same entry."""
    definition = definition_of(entry)
    extensions = definition.get("extensions")
    if extensions is not None:
        extensions.pop("version", None)  # the profile's version: left out of files (the current one)
    schedule = definition["schedule"]
    if isinstance(schedule, dict) and schedule.get("__type__") == "rrule":
        schedule = {key: value for key, value in schedule.items() if value is not None}
        if isinstance(schedule.get("freq"), int):
            schedule["freq"] = FREQ_NAMES[schedule["freq"]]
        definition["schedule"] = schedule
    return definition


def dump_yaml(entry: Entry) -> str:
    return yaml.safe_dump(file_form(entry), sort_keys=False, allow_unicode=True, default_flow_style=False)
