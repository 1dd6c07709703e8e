"""Judging an error answer: type, then path, then (where a vector pins one) the exact reason."""

from pathlib import Path

from runner.answers import judge
from runner.driver import Answer
from runner.registry import Implementation

WANT = {
    "error": {
        "type": "validation",
        "path": "options.eta.timezone",
        "reason": "unknown IANA time zone 'Nope/Zone'",
    }
}


def impl(error_paths: bool = True) -> Implementation:
    return Implementation(
        name="x", language="x", roles=("writer",), command=["x"], cwd=Path("."), error_paths=error_paths
    )


def error(path: str, reason: str) -> Answer:
    return Answer("error", {"type": "validation", "path": path, "reason": reason})


def test_the_pinned_reason_passes():
    assert judge(WANT, error("options.eta.timezone", "unknown IANA time zone 'Nope/Zone'"), impl()) is None


def test_another_reason_fails_and_names_both():
    problem = judge(WANT, error("options.eta.timezone", 'unknown time zone "Nope/Zone"'), impl())
    assert (
        problem
        == "expected the reason \"unknown IANA time zone 'Nope/Zone'\", got 'unknown time zone \"Nope/Zone\"'"
    )


def test_the_path_is_judged_first():
    assert "path" in judge(WANT, error("options.eta", "unknown IANA time zone 'Nope/Zone'"), impl())


def test_a_reference_without_error_paths_is_judged_on_the_type_only():
    assert judge(WANT, error("", "anything"), impl(error_paths=False)) is None
