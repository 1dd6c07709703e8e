"""Judging one driver answer against what a vector expects of it."""

from __future__ import annotations

from . import values
from .driver import Answer
from .registry import Implementation


def judge(expect: dict | None, answer: Answer, impl: Implementation) -> str | None:
    """None when the answer is what `expect` asks for (no `expect`: any result)."""
    if expect is None or "result" in expect:
        if answer.kind != "result":
            return f"expected success, got {answer.summary}"
        for key, want in (expect or {}).get("result", {}).items():
            if key in answer.body:  # optional result fields (delete's `deleted`) may be left out
                found = values.diff(want, answer.body[key], key)
                if found:
                    return found
        return None
    want = expect["error"]
    if answer.kind != "error":
        got = "success" if answer.kind == "result" else answer.summary
        return f"expected a {want['type']} error, got {got}"
    if answer.body["type"] != want["type"]:
        return f"expected a {want['type']} error, got {answer.summary}"
    if impl.error_paths and "path" in want and answer.body.get("path") != want["path"]:
        return f"expected the error at path {want['path']!r}, got {answer.body.get('path')!r} ({answer.body.get('reason')})"
    if impl.error_paths and "reason" in want and answer.body.get("reason") != want["reason"]:
        return f"expected the reason {want['reason']!r}, got {answer.body.get('reason')!r}"
    return None
