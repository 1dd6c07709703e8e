"""The table every run prints, and the section of scheduler/README.md a full run rewrites."""

from __future__ import annotations

import contextlib
import os
import platform
import re
from datetime import datetime, timezone
from pathlib import Path

from .outcome import Outcome

BEGIN, END = "<!-- chaos:begin -->", "<!-- chaos:end -->"


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{', ' + cpu if cpu else ''}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(outcomes: list[Outcome]) -> str:
    """One Markdown table: a row per scenario, its outcome, and its figures."""
    lines = ["| scenario | what ran | outcome | figures |", "|---|---|---|---|"]
    for o in outcomes:
        figures = "; ".join(f"{label}: {value}" for label, value in o.figures.items())
        lines.append(f"| {o.scenario} | {_cell(o.setup)} | {_cell(o.verdict())} | {_cell(figures)} |")
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> str:
    return "\n".join(f"- {o.scenario}: {_cell(d)}" for o in outcomes for d in o.details)


def write_readme(path: Path, outcomes: list[Outcome], command: str) -> None:
    """Replace the text between the chaos markers of `path` with this run's table, date and machine."""
    text = path.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: no {BEGIN} ... {END} section to write the figures into")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"{BEGIN}\n"
        f"Measured by `{command}` on {stamp}, on {machine()} (shared with other work: times move from run "
        f"to run).\n\n{table(outcomes)}\n\n{details(outcomes)}\n{END}"
    )
    path.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: body, text, flags=re.DOTALL))
