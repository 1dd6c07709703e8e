"""Results, the printed matrix and report.json.

A result is one cell entry: `writer` and `reader` (equal for single-implementation checks), the
`check` (write, read, beat, reject, next_runs), the vector group and id, and `ok`: true, false, or
null for a skip (unsupported, or not checked because an earlier check failed) or an informational
outcome (how a reference implementation that does not validate input reacts to invalid input).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

CHECK_ORDER = {"start": 0, "write": 1, "read": 2, "beat": 3, "reject": 4, "next_runs": 5}


@dataclass
class Result:
    writer: str
    reader: str
    check: str
    group: str
    vector: str
    ok: bool | None
    detail: str = ""
    status: str = ""  # pass | fail | skip | info

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "pass" if self.ok else ("fail" if self.ok is False else "skip")


def write_report(
    path: Path,
    implementations: list[dict],
    results: list[Result],
    absent: list[str],
    topology: str = "single",
) -> None:
    path.write_text(
        json.dumps(
            {
                "implementations": implementations,
                "not_present": absent,
                "topology": topology,
                "results": [asdict(r) for r in results],
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )


def _row_label(writer: str, reader: str, check: str) -> str:
    if check in ("write", "reject", "next_runs", "start"):
        return f"{writer} ({check})"
    return f"{writer} -> {reader} ({check})"


def matrix(results: list[Result]) -> str:
    """One table per vector kind. Rows: implementation pairs and checks; columns: the kind's vector
    groups (files); cells: passed/total, or FAIL, skip, info."""
    kinds = sorted(
        {r.group.split("/")[0] for r in results},
        key=lambda k: ("start", "storage", "invalid", "next_runs").index(k)
        if k in ("start", "storage", "invalid", "next_runs")
        else 9,
    )
    return "\n\n".join(_table(kind, [r for r in results if r.group.split("/")[0] == kind]) for kind in kinds)


def _table(kind: str, results: list[Result]) -> str:
    groups = sorted({r.group for r in results})
    cells: dict[tuple, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        cells[(r.writer, r.reader, r.check)][r.group].append(r)
    rows = sorted(cells, key=lambda k: (k[0], CHECK_ORDER.get(k[2], 9), k[1]))
    header = [kind, *[g.split("/", 1)[-1] for g in groups]]
    table = [header] + [[_row_label(*row), *[_cell(cells[row].get(g, [])) for g in groups]] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    out = []
    for n, r in enumerate(table):
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _cell(results: list[Result]) -> str:
    if not results:
        return "."
    passed = sum(r.status == "pass" for r in results)
    failed = sum(r.status == "fail" for r in results)
    skipped = sum(r.status == "skip" for r in results)
    info = sum(r.status == "info" for r in results)
    if failed:
        return f"FAIL {passed}/{passed + failed}"
    if info and not passed:
        return f"info {info}"
    if skipped and not passed:
        return f"skip {skipped}"
    text = f"{passed}/{passed}"
    return text + (f" +{skipped}s" if skipped else "")


def failures(results: list[Result], limit: int = 40) -> str:
    failed = [r for r in results if r.status == "fail"]
    lines = [
        f"FAIL {_row_label(r.writer, r.reader, r.check)} {r.group}#{r.vector}: {r.detail}"
        for r in failed[:limit]
    ]
    if len(failed) > limit:
        lines.append(f"... and {len(failed) - limit} more failures in report.json")
    return "\n".join(lines)
