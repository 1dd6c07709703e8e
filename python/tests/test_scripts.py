"""Every Lua script the SDK and the scheduler load is its file in the repository's lua/ folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from redbeat_sdk import scripts

LUA = Path(__file__).resolve().parents[2] / "lua"


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_the_package_ships_every_script_of_the_folder_byte_for_byte():
    shipped = {p.stem: sha1_of(p) for p in Path(scripts.__file__).with_name("lua").glob("*.lua")}
    assert shipped == {p.stem: sha1_of(p) for p in LUA.glob("*.lua")}


@pytest.mark.parametrize("script", scripts.CLIENT_SCRIPTS, ids=lambda s: s.name)
def test_the_client_runs_the_folders_scripts(script):
    assert script.sha == sha1_of(LUA / f"{script.name}.lua")
    assert scripts.BY_SHA[script.sha] is script


def test_the_scheduler_runs_the_folders_scripts(r):
    redbeat_scheduler = pytest.importorskip("redbeat_scheduler.scripts")
    loaded = redbeat_scheduler.Scripts(r)
    try:
        for name in redbeat_scheduler.NAMES:
            assert getattr(loaded, name).sha == sha1_of(LUA / f"{name}.lua"), name
    finally:
        loaded.close()
