"""`--every` durations: `90` (seconds), `0.5`, `90s`, `5m`, `1h30m`, `1d`, `250ms`, `1.5h`.

Grammar: a plain number of seconds, or one or more NUMBER UNIT parts with units d, h, m, s, ms, each
used once and largest first; NUMBER is digits with an optional fraction. No spaces, signs or exponents.
Whether the length is allowed (more than 0) is the SDK's rule, checked by Interval. A few lines of
regular expression are plainer than a dependency whose grammar would need documenting anyway.
"""

from __future__ import annotations

import re
from typing import Any

import click

UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})(ms|d|h|m|s)")
EXAMPLES = (
    "seconds (90, 0.5) or a number with units d, h, m, s, ms, largest first (90s, 5m, 1h30m, 1d, 250ms)"
)


def parse_duration(text: str) -> float:
    """Seconds; ValueError naming the problem."""
    if not text:
        raise ValueError(f"an empty duration: give {EXAMPLES}")
    if re.fullmatch(_NUMBER, text):
        return float(text)
    total, pos, order = 0.0, 0, list(UNITS)
    last = -1
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match:
            raise ValueError(f"{text!r} is not a duration: give {EXAMPLES}")
        rank = order.index(match.group(2))
        if rank <= last:
            raise ValueError(f"{text!r}: units go largest first, each once (1h30m, not 30m1h)")
        total += float(match.group(1)) * UNITS[match.group(2)]
        last, pos = rank, match.end()
    return total


class Duration(click.ParamType):  # type: ignore[type-arg]  # generic only in recent clicks (>=8.1 allowed)
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
