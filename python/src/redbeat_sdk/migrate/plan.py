"""What an import will do with each candidate: its final name (`--rename`), and whether it is written,
replaces an entry, or is refused because the beat's static sync would delete or overwrite it.

Upstream's beat, and redbeat-scheduler, sync `beat_schedule` at start: every configured name is
written over whatever entry has it, and every name in the `P:statics` set that left the configuration
is deleted. A dynamic entry under such a name would silently change or vanish, so it is refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..entry import Entry
from ..errors import ValidationError
from ..keys import KeyLayout
from .candidates import Candidate

PLACEHOLDER = "{name}"
CREATE, REPLACE, REFUSED = "create", "replace", "refused"


def check_pattern(pattern: str) -> None:
    """A --rename pattern holds `{name}` (so distinct names stay distinct) and nothing else in braces."""
    if PLACEHOLDER not in pattern:
        raise ValueError(f"must contain {PLACEHOLDER}, such as 'dyn-{PLACEHOLDER}', not {pattern!r}")
    rest = pattern.replace(PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        raise ValueError(f"only {PLACEHOLDER} may be in braces, not {pattern!r}")


def renamed(pattern: str | None, name: str) -> str:
    return name if pattern is None else pattern.replace(PLACEHOLDER, name)


@dataclass(frozen=True)
class Planned:
    candidate: Candidate
    name: str  # the entry's name in Redis
    action: str  # create, replace or refused
    entry: Entry | None = None
    problem: str | None = None


def plan(
    candidates: Iterable[Candidate],
    pattern: str | None,
    keys: KeyLayout,
    statics: set[str],
    static_configs: Mapping[str, set[str]],
    existing: set[str],
) -> list[Planned]:
    """`statics`: the names in the schedule's statics set; `static_configs`: for each Celery app whose
    beat may run this schedule (`proj:app`), its `beat_schedule` names; `existing`: the final names that
    already have an entry."""
    out = []
    for c in candidates:
        name = renamed(pattern, c.name)
        if c.entry is None:
            out.append(Planned(c, name, REFUSED, problem=c.problem))
            continue
        problem = _collision(name, keys, statics, static_configs)
        if problem is not None:
            out.append(Planned(c, name, REFUSED, problem=problem))
            continue
        entry = c.entry if name == c.name else dataclasses.replace(c.entry, name=name)
        out.append(Planned(c, name, REPLACE if name in existing else CREATE, entry=entry))
    return out


def _collision(name: str, keys: KeyLayout, statics: set[str], configs: Mapping[str, set[str]]) -> str | None:
    hint = "; --rename PATTERN imports it under another name (such as --rename 'dyn-{name}')"
    try:
        keys.check_name(name)
    except ValidationError as exc:
        return f"name {name!r}: {exc.reason}"
    for app, names in configs.items():
        if name in names:
            return (
                f"name {name!r} is in the beat_schedule of {app}: its beat writes that static entry over "
                f"this one at every start{hint}"
            )
    if name in statics:
        return (
            f"name {name!r} is a static entry of this schedule ({keys.statics}): the beat deletes it at its "
            f"next start once it is not in beat_schedule{hint}"
        )
    return None
