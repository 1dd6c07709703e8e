"""The suite can fail: a changed expected value, a writer with wrong scores and a driver that breaks
the protocol each make the run exit non-zero and name the vector and the first difference; a driver
that supports nothing is skipped, never passed. Each run starts its own redis-server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from runner import schemas

CONFORMANCE = Path(__file__).resolve().parent.parent
FAUX = Path(__file__).resolve().parent / "fauxmplementations"
UPSTREAM = {
    "name": "upstream",
    "language": "python",
    "roles": ["writer", "reader"],
    "scores": "at-or-before",
    "command": ["{python}", "drivers/upstream.py"],
    "error_paths": False,
    "validates_input": False,
}
BEAT = {
    "name": "upstream-beat",
    "language": "python",
    "roles": ["beat"],
    "command": ["{python}", "drivers/upstream_beat.py"],
}


def faux(name: str, script: str, roles: list[str]) -> dict:
    return {"name": name, "language": "python", "roles": roles, "command": ["{python}", str(FAUX / script)]}


def run_suite(
    tmp_path: Path, implementations: list[dict], files: dict[str, list[str]]
) -> tuple[int, str, dict]:
    """Run the runner on copies of the named vector files (kind -> file names), plus whatever the
    test already put under tmp_path/vectors."""
    root = tmp_path / "vectors"
    for kind, names in files.items():
        (root / kind).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(CONFORMANCE / "vectors" / kind / name, root / kind / name)
    kinds = sorted(p.name for p in root.iterdir())
    registry = tmp_path / "implementations.json"
    registry.write_text(json.dumps({"implementations": implementations}))
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runner",
            "--vectors",
            str(root),
            "--implementations",
            str(registry),
            "--report",
            str(report),
            *[a for kind in kinds for a in ("--kind", kind)],
        ],
        cwd=CONFORMANCE,
        capture_output=True,
        text=True,
        timeout=240,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, done.stdout + done.stderr, data


def test_unchanged_vectors_pass(tmp_path):
    code, out, report = run_suite(tmp_path, [UPSTREAM, BEAT], {"storage": ["interval.json"]})
    assert code == 0, out
    assert {r["status"] for r in report["results"]} == {"pass"}
    assert (
        list(
            schemas.validator(schemas.schema_id("conformance/schema/report.schema.json")).iter_errors(report)
        )
        == []
    )


def test_one_changed_expected_value_fails_naming_it(tmp_path):
    root = tmp_path / "vectors" / "storage"
    root.mkdir(parents=True)
    data = json.loads((CONFORMANCE / "vectors/storage/interval.json").read_text())
    vector = next(v for v in data["vectors"] if v["id"] == "every-5-seconds")
    vector["state"]["redbeat:interval-5s"]["hash"]["definition"]["schedule"]["every"] = 6.0
    (root / "interval.json").write_text(json.dumps(data))
    code, out, report = run_suite(tmp_path, [UPSTREAM, BEAT], {})
    assert code == 1, out
    failed = [r for r in report["results"] if r["status"] == "fail"]
    assert [(r["vector"], r["check"]) for r in failed] == [("every-5-seconds", "write")]
    assert "definition.schedule.every: expected 6.0, got 5.0" in failed[0]["detail"]
    assert "storage/interval#every-5-seconds" in out
    followers = [r for r in report["results"] if r["vector"] == "every-5-seconds" and r["check"] != "write"]
    assert followers and all(r["ok"] is None for r in followers)  # not checked, never passed


def test_writer_with_late_scores_fails(tmp_path):
    code, out, report = run_suite(
        tmp_path,
        [faux("faux-off-by-one", "off_by_one.py", ["writer"]), UPSTREAM],
        {"storage": ["interval.json"]},
    )
    assert code == 1, out
    failed = [r for r in report["results"] if r["writer"] == "faux-off-by-one" and r["status"] == "fail"]
    assert failed and all(r["check"] == "write" for r in failed)
    assert "member 'redbeat:interval-5s': expected score 1736942405, got 1736942406" in next(
        r["detail"] for r in failed if r["vector"] == "every-5-seconds"
    )
    assert all(r["status"] == "pass" for r in report["results"] if r["writer"] == "upstream")


def test_protocol_breaking_driver_fails(tmp_path):
    code, out, report = run_suite(
        tmp_path,
        [faux("faux-garbage", "garbage.py", ["writer", "reader"])],
        {"storage": ["interval.json"], "invalid": ["stored.json"]},
    )
    assert code == 1, out
    mine = [r for r in report["results"] if r["writer"] == "faux-garbage"]
    assert mine and not any(r["status"] == "pass" for r in mine)
    assert any("not JSON" in r["detail"] for r in mine)


def test_driver_supporting_nothing_is_skipped_not_passed(tmp_path):
    code, out, report = run_suite(
        tmp_path,
        [faux("faux-nothing", "nothing.py", ["writer", "reader", "beat", "next_runs"])],
        {"storage": ["operations.json"], "invalid": ["stored.json"]},
    )
    statuses = {r["status"] for r in report["results"]}
    assert statuses == {"skip"}, out
    assert code == 0, out
    assert "skip" in out and "0 passed" in out


def test_absent_implementation_is_not_listed(tmp_path):
    ghost = dict(UPSTREAM, name="go", requires=["../clients/go/no-such-driver"])
    code, out, report = run_suite(tmp_path, [UPSTREAM, ghost], {"storage": ["names.json"]})
    assert code == 0, out
    assert report["not_present"] == ["go"]
    assert all("go" not in (r["writer"], r["reader"]) for r in report["results"])
