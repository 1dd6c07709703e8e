"""The implementations under test, read from implementations.json.

An implementation takes part only when every path in its `requires` exists (its driver has landed);
one that is absent is not listed at all, so it can never show up as passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .schemas import schema_id, validator

CONFORMANCE = Path(__file__).resolve().parent.parent
ROLES = ("writer", "reader", "beat", "next_runs")


@dataclass
class Implementation:
    name: str
    language: str
    roles: tuple[str, ...]
    command: list[str]
    cwd: Path
    build: list[str] | None = None
    scores: str = "exact"
    error_paths: bool = True
    validates_input: bool = True
    now_zone: str = "utc"
    disabled_scores: str = "kept"
    extensions: int = 0  # the extension profile version it implements (0: none)
    nameless: str = "key"
    notes: str = ""
    requires: list[str] = field(default_factory=list)

    def has(self, role: str) -> bool:
        return role in self.roles


def _expand(text: str) -> str:
    # {python} is the interpreter running the suite: the repo venv when started by the Makefile.
    return os.path.expandvars(text.replace("{python}", sys.executable))


def load(path: Path = CONFORMANCE / "implementations.json") -> tuple[list[Implementation], list[str]]:
    """The present implementations, and the names of the registered but absent ones."""
    data = json.loads(path.read_text())
    error = next(
        iter(validator(schema_id("conformance/schema/implementations.schema.json")).iter_errors(data)), None
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise ValueError(f"{path}: /{where}: {error.message}")
    present, absent = [], []
    for item in data["implementations"]:
        if not all((CONFORMANCE / p).exists() for p in item.get("requires", [])):
            absent.append(item["name"])
            continue
        present.append(
            Implementation(
                name=item["name"],
                language=item["language"],
                roles=tuple(item["roles"]),
                command=[_expand(part) for part in item["command"]],
                cwd=(CONFORMANCE / item.get("cwd", ".")).resolve(),
                build=[_expand(part) for part in item["build"]] if item.get("build") else None,
                scores=item.get("scores", "exact"),
                error_paths=item.get("error_paths", True),
                validates_input=item.get("validates_input", True),
                now_zone=item.get("now_zone", "utc"),
                disabled_scores=item.get("disabled_scores", "kept"),
                extensions=item.get("extensions", 0),
                nameless=item.get("nameless", "key"),
                notes=item.get("notes", ""),
                requires=item.get("requires", []),
            )
        )
    return present, absent


def build(impl: Implementation) -> str | None:
    """Run the implementation's build command; the error text when it fails."""
    if not impl.build:
        return None
    done = subprocess.run(impl.build, cwd=impl.cwd, capture_output=True, text=True)
    if done.returncode != 0:
        return (
            f"build {' '.join(impl.build)!r} exited {done.returncode}: {(done.stderr or done.stdout)[-800:]}"
        )
    return None
