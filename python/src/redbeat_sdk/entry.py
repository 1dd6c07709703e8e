"""An entry of the schedule: what to run (the definition) and, once read back, its run state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from . import runs
from .arguments import run_count
from .datetimes import UTC, as_tzinfo, aware
from .errors import ValidationError
from .extensions import Extensions, as_extensions
from .schedules import OneOff, Schedule, as_schedule
from .validation import check_json_value


@dataclass(frozen=True)
class Entry:
    """One RedBeat entry. `last_run_at`, `total_run_count` and `score` are filled in by reads
    (`RedBeatClient.get`/`list`) and ignored by `save`, which keeps the stored run state. `version` names
    the stored definition a read found (`save(entry, if_version=...)` writes only over that one).

    `extensions` (an `Extensions`, or a mapping of its fields) holds what upstream cannot store: the
    entry's own time zone, a window, jitter, a catch-up policy, labels and a description. They are kept in
    a hash field of their own that upstream never reads (schema/README.md, "Extensions")."""

    name: str
    task: str
    schedule: Schedule
    args: list[Any] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    # also taken: a mapping of its fields, or None (both made an Extensions)
    extensions: Extensions = field(default=Extensions(), kw_only=True)
    last_run_at: datetime | None = field(default=None, kw_only=True, compare=False)
    total_run_count: int = field(default=0, kw_only=True, compare=False)
    score: int | None = field(default=None, kw_only=True, compare=False)
    version: str | None = field(default=None, kw_only=True, compare=False)
    # the reading client's beat timezone and clock, the defaults of next_runs()
    timezone: tzinfo | None = field(default=None, kw_only=True, compare=False, repr=False)
    clock: Callable[[], datetime] | None = field(default=None, kw_only=True, compare=False, repr=False)

    def __post_init__(self) -> None:
        name = self.name
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)  # upstream str()s names; 123 is stored as "123"
        if not isinstance(name, str) or not name:
            raise ValidationError("name", f"must be a non-empty string, not {self.name!r}")
        object.__setattr__(self, "name", name)
        if not isinstance(self.task, str) or not self.task:
            raise ValidationError("task", f"must be a non-empty task name, not {self.task!r}")
        try:
            object.__setattr__(self, "schedule", as_schedule(self.schedule))
        except ValidationError as exc:
            raise exc.at("schedule") from None
        if self.args is not None:
            if not isinstance(self.args, (list, tuple)):
                raise ValidationError("args", f"must be a list or None, not {type(self.args).__name__}")
            object.__setattr__(self, "args", list(self.args))
            check_json_value(self.args, "args")
        for name in ("kwargs", "options"):
            value = getattr(self, name)
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise ValidationError(name, f"must be a dict, not {type(value).__name__}")
            object.__setattr__(self, name, value)
            check_json_value(value, name)
        if not isinstance(self.enabled, bool):
            raise ValidationError("enabled", f"must be true or false, not {self.enabled!r}")
        try:
            object.__setattr__(self, "extensions", as_extensions(self.extensions))
        except ValidationError as exc:
            raise exc.at("extensions") from None

    def zone(self, beat_tz: tzinfo) -> tzinfo:
        """Where the schedule is evaluated: the entry's own zone, else the beat's."""
        return self.extensions.zone or beat_tz

    def rules(self, beat_tz: tzinfo = UTC) -> runs.Rules:
        """What the extensions change about when this entry runs (runs.py)."""
        return runs.Rules.of(self.name, self.extensions, beat_tz)

    def schedule_wire(self, now: datetime, beat_tz: tzinfo) -> dict[str, Any]:
        """The schedule as stored (a naive dtstart or one-off time taken in the entry's zone)."""
        return self.schedule.to_wire(now, self.zone(beat_tz))

    def extensions_wire(self, beat_tz: tzinfo) -> dict[str, Any] | None:
        """The `extensions` field's JSON object, or None when the entry has none to store."""
        zone = self.zone(beat_tz)
        marker = self.schedule.marker(zone) if isinstance(self.schedule, OneOff) else None
        if not self.extensions and marker is None:
            return None
        return self.extensions.to_wire(zone, marker)

    def with_state(
        self,
        last_run_at: datetime | None,
        total_run_count: int,
        score: int | None,
        timezone: tzinfo | None = None,
        clock: Callable[[], datetime] | None = None,
        version: str | None = None,
    ) -> Entry:
        """A copy carrying run state read from Redis (no re-validation: the definition is unchanged)."""
        entry = object.__new__(Entry)  # every save and read returns one: no copy.copy, no __init__
        entry.__dict__.update(
            self.__dict__,
            last_run_at=last_run_at,
            total_run_count=total_run_count,
            score=score,
            timezone=timezone,
            clock=clock,
            version=version,
        )
        return entry

    def next_runs(
        self,
        count: int = 5,
        after: datetime | None = None,
        tz: str | tzinfo | None = None,
        now: datetime | None = None,
    ) -> list[datetime]:
        """The next `count` runs after `after` (default: this entry's last run, else now), as aware datetimes.
        `tz` defaults to the beat timezone of the client that read the entry, `now` to its clock. The
        entry's extensions apply: its own zone (then crontab fields match there, whatever `tz`), its
        window and its jitter."""
        if now is None and self.clock is not None:
            now = self.clock()
        after = after if after is not None else self.last_run_at
        tz = tz if tz is not None else self.timezone
        if not self.extensions:
            return self.schedule.next_runs(count, after, tz, now)
        count = run_count(count)
        zone = as_tzinfo(tz, "tz")
        now_ = datetime.now(UTC) if now is None else aware(now)
        after_ = now_ if after is None else aware(after)
        wire = self.schedule_wire(now_, zone)
        return runs.next_runs(wire, self.rules(zone), count, after_, max(now_, after_), zone)
