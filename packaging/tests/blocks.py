"""The fenced code blocks of every README.md, and what their info string says about running them.

The markers (`python run=redis`, `ts run=redis`, `go run=redis`, `sh run=shell`, `sh run=beat`, `<lang> norun`,
`text`) and the Redis URL rule are documented once, in the root README ("Development: code blocks in the
READMEs"); this module enforces them, and test_readmes.py runs the blocks.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

REDIS_URL = "redis://127.0.0.1:6379"
RUNNABLE = {"python": {"redis"}, "ts": {"redis"}, "go": {"redis"}, "sh": {"shell", "beat"}}
OUTPUT_LANGS = {"text"}


@dataclass(frozen=True)
class Block:
    path: str  # relative to the repository root
    line: int  # 1-based line of the opening fence
    lang: str
    run: str | None  # what it needs, None when it is not run
    code: str
    problem: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def slug(self) -> str:
        return self.id.replace("/", "_").replace(".", "_").replace(":", "_")

    def for_server(self, url: str) -> str:
        """The code with every `redis://127.0.0.1:6379` pointing at the server of `url`."""
        host_port = url.split("/")[2]
        return self.code.replace(REDIS_URL, f"redis://{host_port}")


def readmes(root: Path) -> list[str]:
    """Every README.md git keeps (tracked, or new and not ignored: never node_modules or a venv)."""
    out = subprocess.run(
        [
            "git",
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
            ":(glob)README.md",
            ":(glob)**/README.md",
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted({p for p in out.split("\0") if p and (root / p).exists()})


def parse(path: str, text: str) -> list[Block]:
    blocks = []
    for token in MarkdownIt("commonmark").parse(text):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "code_block":
            blocks.append(
                Block(
                    path,
                    line,
                    "",
                    None,
                    token.content,
                    "an indented code block cannot carry a marker: fence it (```lang norun)",
                )
            )
        elif token.type == "fence":
            blocks.append(_classify(path, line, token.info, token.content))
    return blocks


def _classify(path: str, line: int, info: str, code: str) -> Block:
    words = info.split()
    lang, attrs = (words[0], words[1:]) if words else ("", [])
    runs = [a.removeprefix("run=") for a in attrs if a.startswith("run=")]
    norun = "norun" in attrs
    problem = None
    if runs and (norun or lang in OUTPUT_LANGS or len(runs) > 1):
        problem = f"`{info}`: one marker only (run=..., norun, or a text block)"
    elif runs and runs[0] not in RUNNABLE.get(lang, ()):
        known = ", ".join(f"{lang_} run={'|'.join(sorted(n))}" for lang_, n in RUNNABLE.items())
        problem = f"`{info}`: unknown marker (known: {known})"
    elif runs and runs[0] == "redis" and REDIS_URL not in code:
        problem = f"`{info}`: a run=redis block must connect to {REDIS_URL} (the test server replaces it)"
    elif not runs and not norun and lang not in OUTPUT_LANGS:
        problem = (
            f"`{info}`" if info else "a bare fence"
        ) + ": no marker: add run=... or norun, or make it a text block"
    return Block(path, line, lang, runs[0] if runs and not problem else None, code, problem)


def all_blocks(root: Path) -> list[Block]:
    return [b for p in readmes(root) for b in parse(p, (root / p).read_text())]
