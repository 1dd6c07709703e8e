"""Loading the vector files, each checked against its kind's schema before anything runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .schemas import CONFORMANCE, schema_id, validator

VECTORS = CONFORMANCE / "vectors"
KIND_SCHEMAS = {
    "storage": "conformance/schema/storage.schema.json",
    "invalid": "conformance/schema/invalid.schema.json",
    "next_runs": "conformance/schema/next_runs.schema.json",
}


@dataclass
class VectorFile:
    kind: str
    path: Path
    data: dict

    @property
    def group(self) -> str:
        return f"{self.kind}/{self.path.stem}"


class VectorError(Exception):
    """A vector file that does not match its schema: the suite refuses to run it."""


def load(kind: str, root: Path = VECTORS) -> list[VectorFile]:
    folder = root / kind
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    check = validator(schema_id(KIND_SCHEMAS[kind])) if files else None
    loaded = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        # Generated next-run files hold thousands of uniform cases: the runner checks the file and a
        # sample (tests/test_vector_files.py checks every case); storage and invalid files in full.
        checked = (
            dict(data, cases=data["cases"][:50])
            if kind == "next_runs" and isinstance(data.get("cases"), list)
            else data
        )
        error = next(iter(check.iter_errors(checked)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            raise VectorError(f"{path.relative_to(root)}: /{where}: {error.message[:300]}")
        if kind == "next_runs":
            missing = next(
                (
                    c
                    for c in data["cases"]
                    if not {"id", "schedule", "timezone", "last_run_at", "now", "next_runs"} <= set(c)
                ),
                None,
            )
            if missing is not None:
                raise VectorError(
                    f"{path.relative_to(root)}: case {missing.get('id')!r} lacks a required key"
                )
        loaded.append(VectorFile(kind, path, data))
    return loaded
