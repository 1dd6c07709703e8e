"""Build and run one Go program in the user module (its go.mod replaces the SDK by the unpacked zip)."""

from __future__ import annotations

from pathlib import Path

from userenv import clean_env, run


def build_and_run(module: Path, name: str, source: str, args: list[str] = ()) -> str:
    where = module / name
    where.mkdir()
    (where / "main.go").write_text(source)
    env = clean_env()
    run(["go", "vet", f"./{name}"], module, env)
    run(["go", "build", "-o", str(where / name), f"./{name}"], module, env)
    return run([str(where / name), *args], module, env, timeout=120).stdout
