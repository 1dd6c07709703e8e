"""The marker rules themselves: what counts as marked, run, or an error."""

from __future__ import annotations

import pytest
from blocks import parse

URL = "redis://127.0.0.1:6379"


def one(fence_info: str, code: str = f"connect({URL!r})\n"):
    [block] = parse("X.md", f"# t\n\n```{fence_info}\n{code}```\n")
    return block


@pytest.mark.parametrize(
    "info, run",
    [
        ("python run=redis", "redis"),
        ("ts run=redis", "redis"),
        ("go run=redis", "redis"),
        ("sh run=shell", "shell"),
        ("sh run=beat", "beat"),
        ("sh norun", None),
        ("json norun", None),
        ("text", None),
    ],
)
def test_valid_markers(info, run):
    block = one(info)
    assert (block.problem, block.run, block.line) == (None, run, 3)


@pytest.mark.parametrize(
    "info, says",
    [
        ("", "a bare fence: no marker"),
        ("python", "no marker"),
        ("sh run=redis", "unknown marker"),
        ("text run=shell", "one marker only"),
        ("python run=redis norun", "one marker only"),
        ("ts run=node", "unknown marker"),
    ],
)
def test_invalid_markers(info, says):
    block = one(info)
    assert block.run is None and says in block.problem


def test_a_redis_block_must_name_the_url_it_gets():
    assert "must connect to" in one("python run=redis", "connect('redis://localhost')\n").problem


def test_indented_code_is_refused():
    [block] = parse("X.md", "# t\n\n    make test\n")
    assert "indented" in block.problem


def test_the_url_is_replaced_keeping_the_path():
    block = one("python run=redis", f"a = '{URL}/0'\nb = '{URL}'\n")
    assert (
        block.for_server("redis://127.0.0.1:40001/0")
        == "a = 'redis://127.0.0.1:40001/0'\nb = 'redis://127.0.0.1:40001'\n"
    )
