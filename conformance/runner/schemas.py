"""JSON Schemas the suite checks against: the wire contract (../schema), the vector formats
(schema/*.schema.json) and the protocol (schema/protocol/*.json), all in one registry so that
`$ref`s between them resolve by `$id`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

CONFORMANCE = Path(__file__).resolve().parent.parent
WIRE = CONFORMANCE.parent / "schema"


def schema_files() -> list[Path]:
    return sorted([*WIRE.glob("*.schema.json"), *(CONFORMANCE / "schema").rglob("*.schema.json")])


@cache
def registry() -> tuple[Registry, dict[str, dict]]:
    by_name: dict[str, dict] = {}
    resources = []
    for path in schema_files():
        schema = json.loads(path.read_text())
        by_name[str(path.relative_to(CONFORMANCE.parent))] = schema
        resources.append((schema.get("$id", path.as_uri()), Resource.from_contents(schema)))
    return Registry().with_resources(resources), by_name


def validator(ref: str) -> Draft202012Validator:
    """A validator for `ref`, a `$id` with an optional `#/...` pointer."""
    reg, _ = registry()
    return Draft202012Validator({"$ref": ref}, registry=reg)


def schema_id(relative: str) -> str:
    """The `$id` of a schema file, given its path relative to the repository root."""
    _, by_name = registry()
    return by_name[relative].get("$id", (CONFORMANCE.parent / relative).as_uri())


@cache
def write_profile_validators() -> dict[str, Draft202012Validator]:
    """Validators of the entry hash fields: the two of the write profile, and the extension profile's."""
    base = schema_id("schema/write.schema.json")
    return {
        "definition": validator(f"{base}#/$defs/Definition"),
        "meta": validator(f"{base}#/$defs/Meta"),
        "extensions": validator(schema_id("schema/extensions.schema.json")),
    }


@cache
def protocol_validators() -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    request = schema_id("conformance/schema/protocol/request.schema.json")
    response = schema_id("conformance/schema/protocol/response.schema.json")
    results = {
        name: validator(f"{response}#/$defs/{name}")
        for name in ("StartResult", "GetResult", "ListResult", "DeleteResult", "NextRunsResult", "TickResult")
    }
    return validator(request), {"response": validator(response), **results}
