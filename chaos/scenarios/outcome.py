"""A scenario's result: outcome checks (asserted by the short variants) and figures (only reported)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    scenario: str
    setup: str  # what ran, in a phrase
    checks: dict[str, bool] = field(default_factory=dict)  # outcome -> held
    figures: dict[str, str] = field(default_factory=dict)  # label -> value, for the table only
    details: list[str] = field(default_factory=list)  # why a check failed, seeds, notes
    awaits: str | None = None  # a check that fails until another issue lands, said so in the table

    def check(self, name: str, held: bool, detail: str = "") -> bool:
        self.checks[name] = bool(held)
        if not held and detail:
            self.details.append(f"{name}: {detail}")
        return bool(held)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, held in self.checks.items() if not held]

    def verdict(self) -> str:
        if self.ok:
            return "ok: " + ", ".join(self.checks)
        text = "FAILED: " + ", ".join(self.failed)
        return text + (f" (awaits {self.awaits})" if self.awaits else "")

    def as_json(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "setup": self.setup,
            "ok": self.ok,
            "checks": self.checks,
            "figures": self.figures,
            "details": self.details,
            "awaits": self.awaits,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            data["scenario"],
            data["setup"],
            dict(data["checks"]),
            dict(data["figures"]),
            list(data["details"]),
            data.get("awaits"),
        )
