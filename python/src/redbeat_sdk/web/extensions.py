"""What the dashboard shows of the extension profile: the label filter of the entries page (answered by the
label index), an entry's extensions and its run history as redbeat-scheduler records it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from .. import arguments
from ..cli import describe
from ..client import RedBeatClient
from ..datetimes import aware
from ..errors import CorruptEntry, ValidationError
from ..extensions import Extensions
from ..lock_token import parse_token

HISTORY_SHOWN = 50  # records the entry page reads at most (the scheduler keeps 10 unless configured)
_CATCH_UP = {
    "once": "once: a late run runs, one for all it missed (Celery's way)",
    "skip": "skip: a run reached late is skipped",
}


def label_filter(text: str) -> dict[str, str | None]:
    """The label filter as typed: `team=ops`, `team` (any value), several separated by commas or spaces,
    as label -> value (None: any). A ValidationError at `label` names a term that cannot be a label."""
    wanted: dict[str, str | None] = {}
    for term in re.split(r"[,\s]+", text.strip()):
        if not term:
            continue
        key, has_value, value = term.partition("=")
        if key in wanted:
            raise ValidationError("label", f"{key!r} is given twice")
        try:
            arguments.labels({key: value})  # the profile's rules for a label (a value may be empty)
        except ValidationError as exc:  # its reason repeats the key or value: the rule alone
            part, rule = "key" if exc.path == "labels" else "value", exc.reason.split(": ", 1)[-1]
            raise ValidationError("label", f"{term[:70]!r}: a label {part} is {rule}") from None
        wanted[key] = value if has_value else None
    return wanted


def label_matches(labels: dict[str, str], wanted: dict[str, str | None]) -> bool:
    return all(key in labels and value in (None, labels[key]) for key, value in wanted.items())


def facts(extensions: Extensions, tz: tzinfo) -> list[tuple[str, str]]:
    """The entry's extensions as (what, words), labels aside; naive window ends are placed in the entry's
    zone, else `tz` (the beat's), as the scheduler places them."""
    out: list[tuple[str, str]] = []
    zone = extensions.zone or tz
    if extensions.timezone is not None:
        out.append(("zone", f"{extensions.timezone} (the schedule is evaluated there)"))
    start, end = extensions.start_at, extensions.end_at
    if start is not None or end is not None:
        window = [f"from {_when(start, zone)}"] if start is not None else []
        window += [f"until {_when(end, zone)}"] if end is not None else []
        out.append(("window", " ".join(window)))
    if extensions.jitter is not None:
        out.append(("jitter", f"each run delayed by a fixed offset below {_seconds(extensions.jitter)}"))
    policy = extensions.catch_up
    if policy is not None:
        late = "" if isinstance(policy, str) else describe.duration(float(policy))
        text = _CATCH_UP.get(str(policy)) or f"a run reached {late} late or later is skipped"
        out.append(("catch-up", text))
    if extensions.description is not None:
        out.append(("description", extensions.description))
    return out


@dataclass(frozen=True)
class Run:
    """One history record as the entry page shows it."""

    due: str
    recorded: str
    lateness: str
    task_id: str
    beat: str  # who ran it, in words
    token: str  # the beat's lock token as recorded


def history(client: RedBeatClient, name: str) -> tuple[list[Run], str | None]:
    """The entry's recorded runs, newest first, in the beat's zone; a reason instead when a record cannot
    be read (the page still shows the rest of the entry)."""
    tz = client.timezone
    try:
        records = client.history(name, limit=HISTORY_SHOWN)
    except CorruptEntry as exc:
        return [], exc.reason
    return [
        Run(
            describe.when(r.due, tz) if r.due else "- (never ran before)",
            describe.when(r.recorded, tz),
            "-" if r.lateness is None else _seconds(r.lateness),
            r.task_id,
            _beat(r.beat),
            r.beat,
        )
        for r in records
    ], None


def _beat(token: str) -> str:
    holder = parse_token(token)
    if holder.ours:
        return f"{holder.host}, pid {holder.pid}"
    return holder.kind if holder.kind != "unknown" else token[:40]


def _seconds(value: timedelta) -> str:
    return describe.duration(value.total_seconds())


def _when(value: datetime, tz: tzinfo) -> str:
    return describe.when(aware(value, tz), tz)
