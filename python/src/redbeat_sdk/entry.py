"""An entry of the schedule: what to run (the definition) and, once read back, its run state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .errors import ValidationError
from .schedules import Schedule, as_schedule
from .validation import check_json_value


@dataclass(frozen=True)
class Entry:
    """One RedBeat entry. `last_run_at`, `total_run_count` and `score` are filled in by reads
    (`RedBeatClient.get`/`list`) and ignored by `save`, which keeps the stored run state."""

    name: str
    task: str
    schedule: Schedule
    args: list[Any] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    last_run_at: datetime | None = field(default=None, kw_only=True, compare=False)
    total_run_count: int = field(default=0, kw_only=True, compare=False)
    score: int | None = field(default=None, kw_only=True, compare=False)
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

    def with_state(
        self,
        last_run_at: datetime | None,
        total_run_count: int,
        score: int | None,
        timezone: tzinfo | None = None,
        clock: Callable[[], datetime] | None = None,
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
        `tz` defaults to the beat timezone of the client that read the entry, `now` to its clock."""
        if now is None and self.clock is not None:
            now = self.clock()
        return self.schedule.next_runs(
            count,
            after if after is not None else self.last_run_at,
            tz if tz is not None else self.timezone,
            now,
        )
