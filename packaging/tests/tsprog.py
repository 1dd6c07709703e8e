"""Compile and run one TypeScript program in the user npm project, as its own tsc project."""

from __future__ import annotations

import json
from pathlib import Path

from userenv import clean_env, run


def compile_and_run(project: Path, name: str, source: str, args: list[str] = ()) -> str:
    """`project/progs/<name>/main.ts`, type-checked strictly (lib checks included: our .d.ts must hold
    up in a user's project) and emitted as an ES module; returns what node printed."""
    where = project / "progs" / name
    where.mkdir(parents=True)
    (where / "main.ts").write_text(source)
    (where / "tsconfig.json").write_text(
        json.dumps(
            {"extends": "../../tsconfig.json", "include": ["main.ts"], "compilerOptions": {"outDir": "out"}}
        )
    )
    env = clean_env()
    run([str(project / "node_modules" / ".bin" / "tsc"), "-p", str(where)], project, env)
    return run(["node", str(where / "out" / "main.js"), *args], project, env, timeout=120).stdout
