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


def write_readme(path: Path, outcomes: list[Outcome], command: str, keep: bool = False) -> None:
    """Replace the text between the chaos markers of `path` with this run's table, date and machine;
    with `keep`, only the rows and details of the scenarios that ran (`merged`)."""
    text = path.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: no {BEGIN} ... {END} section to write the figures into")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    old = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    inner = (
        merged(old, outcomes, command, stamp, machine())
        if keep
        else f"Measured by `{command}` on {stamp}, on {machine()} (shared with other work: times move from run "
        f"to run).\n\n{table(outcomes)}\n\n{details(outcomes)}"
    )
    body = f"{BEGIN}\n{inner}\n{END}"
    path.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: body, text, flags=re.DOTALL))


def merged(section: str, outcomes: list[Outcome], command: str, stamp: str, where: str) -> str:
    """A written chaos section with the rows and details of `outcomes`' scenarios replaced (in place; new
    ones appended) and every other scenario's kept word for word, and a line saying what was re-run."""
    fresh = {o.scenario: o for o in outcomes}
    rows = {o.scenario: line for o, line in zip(outcomes, table(outcomes).splitlines()[2:], strict=True)}
    lines = section.strip("\n").splitlines()
    head = [line for line in lines if not line.startswith(("|", "- ")) and line.strip()]
    # an earlier re-run line stays unless this run re-ran all it names
    head = [line for line in head if not set(_rerun(line)) or not set(_rerun(line)) <= fresh.keys()]
    head.append(f"Re-run since: {', '.join(fresh)} by `{command}` on {stamp}, on {where}.")
    table_lines: list[str] = []
    for line in (line for line in lines if line.startswith("|")):
        name = line.split(" | ")[0].removeprefix("| ")
        table_lines.append(rows.pop(name) if name in fresh else line)
    table_lines += rows.values()
    kept = [line for line in lines if line.startswith("- ") and line[2:].split(": ")[0] not in fresh]
    return "\n".join([head[0], *head[1:], "", *table_lines, "", *kept, *details(outcomes).splitlines()])


def _rerun(line: str) -> list[str]:
    """The scenarios a "Re-run since: a, b by `...`" line names (none for any other line)."""
    if not line.startswith("Re-run since: "):
        return []
    return line.removeprefix("Re-run since: ").split(" by `")[0].split(", ")
