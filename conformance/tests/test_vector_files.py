"""The vectors police themselves (the JSON-Schema-Test-Suite habit): every file matches its kind's
schema, ids and descriptions are unique and plain, and seeded vectors agree with upstream's dumps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from runner import schemas, values, vectors

CONFORMANCE = Path(__file__).resolve().parent.parent
UPSTREAM = CONFORMANCE / "upstream" / "upstream-vectors.json"  # generate/upstream_dumps.py writes it

FILES = [
    (kind, path)
    for kind in ("storage", "invalid", "next_runs")
    for path in sorted((CONFORMANCE / "vectors" / kind).glob("*.json"))
]


def test_every_kind_has_vectors():
    kinds = {kind for kind, _ in FILES}
    assert {"storage", "invalid"} <= kinds


@pytest.mark.parametrize(
    "path",
    [*sorted((CONFORMANCE / "schema").rglob("*.json")), CONFORMANCE / "implementations.json"],
    ids=lambda p: str(p.relative_to(CONFORMANCE)),
)
def test_schemas_are_valid_json_schema(path):
    data = json.loads(path.read_text())
    if path.name == "implementations.json":
        validator = schemas.validator(schemas.schema_id("conformance/schema/implementations.schema.json"))
        assert list(validator.iter_errors(data)) == []
    else:
        Draft202012Validator.check_schema(data)


@pytest.mark.parametrize("kind,path", FILES, ids=lambda x: x if isinstance(x, str) else x.name)
def test_file_matches_its_schema(kind, path):
    loaded = vectors.load(kind)  # raises VectorError naming the file and the path of the problem
    assert path in [vf.path for vf in loaded]


def _cases(kind, data):
    return data["cases"] if kind == "next_runs" else data["vectors"]


@pytest.mark.parametrize(
    "kind,path", [f for f in FILES if f[0] != "next_runs"], ids=lambda x: x if isinstance(x, str) else x.name
)
def test_ids_and_descriptions_are_unique_and_plain(kind, path):
    data = json.loads(path.read_text())
    ids = [v["id"] for v in _cases(kind, data)]
    assert len(ids) == len(set(ids)), "duplicate ids"
    descriptions = [v["description"] for v in _cases(kind, data)]
    assert len(descriptions) == len(set(descriptions)), "duplicate descriptions"
    for text in descriptions:
        assert not re.search(r"\b(should|test that|tests that)\b", text, re.I), text


@pytest.fixture(scope="module")
def upstream() -> dict[str, dict]:
    if not UPSTREAM.exists():
        pytest.fail(f"upstream vectors missing: {UPSTREAM} (regenerate them: make upstream-dumps)")
    return {r["case"]: r for r in json.loads(UPSTREAM.read_text(encoding="utf-8"))}


def _replay(commands: list[list]) -> dict:
    """The state HSET and ZADD commands leave, as upstream's dumps show it."""
    state: dict = {}
    for command in commands:
        if command[0] == "HSET":
            state.setdefault(command[1], {}).update(dict(zip(command[2::2], command[3::2], strict=True)))
        elif command[0] == "ZADD":
            state.setdefault(command[1], {})[command[3]] = float(command[2])
    return state


def _seeded():
    out = []
    for kind, path in FILES:
        if kind == "next_runs":
            continue
        for v in json.loads(path.read_text())["vectors"]:
            if "source" in v:
                out.append((kind, path.stem, v))
    return out


@pytest.mark.parametrize(
    "kind,stem,vector", _seeded(), ids=lambda x: x["id"] if isinstance(x, dict) else str(x)
)
def test_seeded_vector_agrees_with_upstream(kind, stem, vector, upstream):
    """The expected (or set-up) hash of a seeded vector is upstream's own dump, decoded; a vector whose
    only step is one save also expects upstream's score."""
    record = upstream[vector["source"].split("#", 1)[1]]
    if record["case"] == "before_ticks_state":  # the saves of the tick sequence are upstream's entries
        before = record["redis_dump"]
        for step in vector["steps"]:
            assert step["entry"] == json.loads(
                before["redbeat:" + step["entry"]["name"]]["value"]["definition"]
            )
        return
    if record["phase"] == "tick":  # the setup recreates what upstream's beat left, byte for byte
        replayed = _replay([c for s in vector["steps"] if s["op"] == "redis" for c in s["commands"]])
        schedule = replayed.pop("redbeat::schedule")
        assert replayed and set(replayed) <= set(record["entries_after"])
        for key, fields in replayed.items():
            assert fields == record["entries_after"][key]["redis_hash_fields"], key
            assert schedule[key] == float(record["entries_after"][key]["zset_score"]), key
        return
    if record.get("redis_before"):  # external-writer records: the setup recreates upstream's before state
        replayed = _replay(
            [c for s in vector.get("steps", []) if s["op"] == "redis" for c in s["commands"]]
            + vector.get("setup", [])
        )
        for key, item in record["redis_before"].items():
            if item["type"] == "hash":
                assert replayed.get(key) == item["value"], key
            else:  # the vector may add members of its own beside upstream's
                assert {m: replayed.get(key, {}).get(m) for m, _ in item["value"]} == dict(item["value"]), key
        return
    fields = record["redis_hash_fields"]
    key = record["redis_key"]
    expected = vector["state"][key]["hash"]
    assert expected["definition"] == json.loads(fields["definition"])
    upstream_meta = json.loads(fields["meta"])
    if record["app"]["timezone"] != "UTC" and len(vector["steps"]) == 1:
        # upstream stamps a first save in the beat zone; the contract (schema/README.md) in UTC
        assert values.wire_instant(expected["meta"]["last_run_at"]) == values.wire_instant(
            upstream_meta["last_run_at"]
        )
        assert expected["meta"]["last_run_at"]["timezone"] == "UTC"
    else:
        assert expected["meta"] == upstream_meta
    saves = [s for s in vector["steps"] if s["op"] != "redis"]
    if len(vector["steps"]) == 1 and len(saves) == 1:
        assert vector["state"][record["zset_key"]]["zset"][key] == int(record["zset_score"])
        assert saves[0]["now"].replace("Z", "+00:00") == record["frozen_now"]
