"""The contract in schema/: well-formed, write ⊂ read on the examples, and true to upstream's dumps."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT

SCHEMA = ROOT / "schema"
WRITE = json.loads((SCHEMA / "write.schema.json").read_text())
READ = json.loads((SCHEMA / "read.schema.json").read_text())
write_validator = jsonschema.Draft202012Validator(WRITE)
read_validator = jsonschema.Draft202012Validator(READ)


def examples(folder: str) -> list:
    files = sorted((SCHEMA / "examples" / folder).glob("*.json"))
    assert files, f"no examples in {folder}"
    return [pytest.param(json.loads(f.read_text())["hash"], id=f.stem) for f in files]


@pytest.mark.parametrize("schema", [WRITE, READ], ids=["write", "read"])
def test_schemas_are_valid_2020_12(schema):
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("schema", [WRITE, READ], ids=["write", "read"])
def test_every_union_of_typed_objects_carries_a_discriminator(schema):
    for name, sub in schema["$defs"].items():
        if "oneOf" in sub:
            assert sub.get("discriminator") == {"propertyName": "__type__"}, name
            for branch in sub["oneOf"]:
                target = schema["$defs"][branch["$ref"].rsplit("/", 1)[1]]
                assert "__type__" in target["required"], name


@pytest.mark.parametrize("entry_hash", examples("valid/write"))
def test_write_examples_are_valid_under_both_profiles(entry_hash):
    write_validator.validate(entry_hash)
    read_validator.validate(entry_hash)  # write ⊂ read


@pytest.mark.parametrize("entry_hash", examples("valid/read"))
def test_read_examples_are_read_only(entry_hash):
    read_validator.validate(entry_hash)
    assert not write_validator.is_valid(entry_hash), "belongs in valid/write"


@pytest.mark.parametrize("entry_hash", examples("invalid"))
def test_invalid_examples_are_rejected_by_both_profiles(entry_hash):
    assert not read_validator.is_valid(entry_hash)
    assert not write_validator.is_valid(entry_hash)


def test_layout_matches_the_key_builders():
    from redbeat_sdk.keys import (
        DEFAULT_PREFIX,
        HISTORY_PREFIX,
        LABELS_SUFFIX,
        LOCK_SUFFIX,
        OUTBOX_SUFFIX,
        SCHEDULE_SUFFIX,
        STATICS_SUFFIX,
    )

    layout = json.loads((SCHEMA / "layout.json").read_text())
    assert layout["default_prefix"] == DEFAULT_PREFIX
    assert layout["suffixes"] == {
        "schedule": SCHEDULE_SUFFIX,
        "statics": STATICS_SUFFIX,
        "lock": LOCK_SUFFIX,
        "outbox": OUTBOX_SUFFIX,
        "labels": LABELS_SUFFIX,
    }
    assert layout["prefixes"] == {"history": HISTORY_PREFIX}


def _hash_of(fields: dict) -> dict | None:
    """Both hash fields JSON-decoded, or None when one is not JSON at all."""
    try:
        return {name: json.loads(raw) for name, raw in fields.items() if raw}
    except ValueError:
        return None


def _upstream_outcome(record: dict) -> str:
    """What upstream's tick did with a hand-written entry: loaded it, dropped it, or crashed."""
    if record.get("error"):
        return "crashed"
    if any("Failed to load" in line for line in record.get("logs", [])):
        return "dropped"
    return "loaded"


def test_every_hash_upstream_wrote_is_valid_under_write(upstream_vectors):
    checked = 0
    for case, record in upstream_vectors.items():
        dumps = [record.get("redis_hash_fields")]
        dumps += [e.get("redis_hash_fields") for e in (record.get("entries_after") or {}).values()]
        for fields in filter(None, dumps):
            if record.get("phase") == "external_writer":
                continue  # hand-written inputs, checked below
            entry_hash = _hash_of(fields)
            assert entry_hash is not None and write_validator.is_valid(entry_hash), case
            checked += 1
    assert checked >= 40


def test_hand_written_hashes_follow_upstreams_outcome(upstream_vectors):
    outcomes = {}
    for case, record in upstream_vectors.items():
        if record.get("phase") != "external_writer":
            continue
        hashes = [v["value"] for v in (record.get("redis_before") or {}).values() if v["type"] == "hash"]
        if not hashes:
            continue  # external_missing_hash: nothing to validate
        outcome = _upstream_outcome(record)
        for fields in hashes:
            entry_hash = _hash_of(fields)
            accepted = (
                entry_hash is not None and "definition" in entry_hash and read_validator.is_valid(entry_hash)
            )
            assert accepted == (outcome == "loaded"), (
                f"{case}: upstream {outcome}, read profile accepted={accepted}"
            )
        outcomes[case] = outcome
    assert {"loaded", "dropped", "crashed"} <= set(outcomes.values())
