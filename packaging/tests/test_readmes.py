"""Every fenced code block of every README.md either runs and passes, or says it is not run (blocks.py has
the rules). The programs run against the installed artifacts, never the checkout's sources."""

from __future__ import annotations

import os

import pytest
from beat import run_until_sent, write_project
from blocks import all_blocks
from goprog import build_and_run
from tsprog import compile_and_run
from userenv import DIST, ROOT, new_venv, run, venv_env

BLOCKS = all_blocks(ROOT)
RUNS = [b for b in BLOCKS if b.run]


def test_every_block_is_marked():
    problems = [f"{b.id}: {b.problem}" for b in BLOCKS if b.problem]
    assert not problems, "README code blocks without a valid marker:\n" + "\n".join(problems)


def test_the_quick_starts_run():
    """The marker is not a way out for the blocks the READMEs lead with."""
    runs = {(b.path, b.lang) for b in RUNS}
    for expected in [
        ("README.md", "python"),
        ("README.md", "ts"),
        ("README.md", "go"),
        ("README.md", "sh"),
        ("python/README.md", "python"),
        ("clients/js/README.md", "ts"),
        ("clients/go/README.md", "go"),
        ("scheduler/README.md", "sh"),
    ]:
        assert expected in runs, f"{expected[0]} has no {expected[1]} block that runs"


@pytest.mark.parametrize("block", RUNS, ids=[b.id for b in RUNS])
def test_block(block, request, workdir, redis_server, r):
    code = block.for_server(redis_server.url)
    if block.lang == "python":
        env_dir = request.getfixturevalue("python_env")
        where = workdir / "blocks" / block.slug
        where.mkdir(parents=True)
        (where / "block.py").write_text(code)
        run([str(env_dir / "bin" / "python"), "block.py"], where, venv_env(env_dir), timeout=120)
    elif block.lang == "ts":
        compile_and_run(request.getfixturevalue("js_env"), block.slug, code)
    elif block.lang == "go":
        build_and_run(request.getfixturevalue("go_env")[0], block.slug, code)
    else:
        _shell(block, code, workdir, redis_server, r)


def _shell(block, code, workdir, redis_server, r):
    """A new empty directory (dist/ linked in) with a new venv first on PATH, as a user's shell would be."""
    where = workdir / "blocks" / block.slug
    where.mkdir(parents=True)
    os.symlink(DIST, where / "dist")
    env = venv_env(new_venv(where / ".venv"))
    (where / "block.sh").write_text(code)
    cmd = ["bash", "-euo", "pipefail", "block.sh"]
    if block.run == "shell":
        run(cmd, where, env, timeout=600)
    else:  # beat
        write_project(where, redis_server.url)
        run_until_sent(cmd, where, env, r, count=1)
