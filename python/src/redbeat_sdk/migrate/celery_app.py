"""A Celery app's `beat_schedule` as candidates for dynamic entries (`redbeat import --from-app`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ..beat_schedule import static_entry
from ..errors import ValidationError
from ..extensions import Extensions
from .candidates import Candidate
from .django_beat import same_zone


def beat_schedule(app: Any) -> dict[str, Any]:
    schedule = app.conf.beat_schedule or {}
    return {str(name): spec for name, spec in dict(schedule).items()}


def candidates(app: Any, beat_timezone: str) -> Iterator[Candidate]:
    """One candidate per `beat_schedule` item, without run state (the caller supplies it). A crontab is
    evaluated in its app's `timezone`: one from an app in another zone than the beat's keeps it as the
    entry's own zone (extensions.timezone)."""
    app_zone = str(app.conf.timezone or "UTC")
    for name, spec in beat_schedule(app).items():
        kind = _kind(spec)
        try:
            entry, _ = static_entry(name, spec)
            kind = entry.schedule.TYPE
            if kind == "crontab" and not same_zone(app_zone, beat_timezone):
                entry = dataclasses.replace(entry, extensions=Extensions(timezone=app_zone))
        except ValidationError as exc:
            yield Candidate("beat_schedule", name, kind, problem=str(exc))
            continue
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            reason = f"no {exc} key" if isinstance(exc, KeyError) else str(exc)
            yield Candidate("beat_schedule", name, kind, problem=reason)
            continue
        yield Candidate("beat_schedule", name, kind, entry=entry)


def _kind(spec: Any) -> str:
    schedule = spec.get("schedule") if isinstance(spec, dict) else getattr(spec, "schedule", None)
    if isinstance(schedule, (int, float)) or type(schedule).__name__ in ("timedelta", "schedule"):
        return "interval"
    return type(schedule).__name__ if schedule is not None else "none"
