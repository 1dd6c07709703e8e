"""Conformance driver for the Python SDK, `redbeat_sdk`.

Wire input becomes SDK objects the way a user builds them (Entry, Interval/Crontab/RRule, aware
datetimes); entries read back become wire objects through the SDK's own codec.
"""

from __future__ import annotations

import json
from typing import Any

from harness import CLIENT_OPS, CLOCK, Driver, Failure, parse_instant, serve

from redbeat_sdk import (
    CorruptEntry,
    Entry,
    EntryNotFound,
    RedBeatClient,
    RedBeatConnectionError,
    ValidationError,
    codec,
)
from redbeat_sdk.core import ClientCore
from redbeat_sdk.datetimes import decode_datetime, encode_datetime
from redbeat_sdk.schedules import schedule_from_wire


def to_entry(wire: dict) -> Entry:
    try:
        schedule = schedule_from_wire(wire.get("schedule"))
    except ValidationError as exc:
        raise exc.at("schedule") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValidationError("schedule", f"not a schedule: {exc!r}") from None
    return Entry(
        name=wire.get("name"),
        task=wire.get("task"),
        schedule=schedule,
        args=codec.task_datetimes(wire.get("args"), "args"),
        kwargs=codec.task_datetimes(wire.get("kwargs"), "kwargs"),
        options=codec.task_datetimes(wire.get("options"), "options"),
        enabled=wire.get("enabled", True),
    )


def with_extensions(entry: Entry, extensions: dict | None, tz) -> Entry:
    """The entry with the extensions of a request (the field's stored form), read as the SDK reads the
    field: a one-off marker makes its rrule a OneOff."""
    if extensions is None:
        return entry
    document = {
        **json.loads(codec.encode_definition(codec.definition_wire(entry, CLOCK(), tz))),
        "extensions": extensions,
    }
    return codec.entry_from_document(document, entry.name)


def to_wire(entry: Entry, client: ClientCore[Any]) -> dict:
    definition = codec.definition_wire(entry, client.now(), client.timezone)
    out = json.loads(codec.encode_definition(definition))
    out["last_run_at"] = None if entry.last_run_at is None else encode_datetime(entry.last_run_at)
    out["total_run_count"] = entry.total_run_count
    out["score"] = entry.score
    out["extensions"] = entry.extensions_wire(client.timezone)
    return out


class PythonSDK(Driver):
    ops = CLIENT_OPS
    name = "python"
    distribution = "redbeat-sdk"

    def __init__(self) -> None:
        super().__init__()
        self.client: Any = None  # a RedBeatClient; an AsyncRedBeatClient in python_async_sdk.py

    def connect(self, key_prefix: str, timezone: str) -> None:
        self.client = RedBeatClient.from_url(
            self.redis_url, key_prefix=key_prefix, timezone=timezone, clock=CLOCK
        )

    # What a client call gives back: the asyncio driver (python_async_sdk.py) awaits it, and gathers
    # `list` with `async for`; every other line of this driver serves both clients.

    def done(self, call: Any) -> Any:
        return call

    def gathered(self, entries: Any) -> list[Entry]:
        return list(entries)

    def save(self, request: dict) -> dict:
        entry = with_extensions(to_entry(request["entry"]), request.get("extensions"), self.client.timezone)
        self.done(self.client.save(entry))
        return {}

    def get(self, request: dict) -> dict:
        return {"entry": to_wire(self.done(self.client.get(request["name"])), self.client)}

    def list(self, request: dict) -> dict:
        errors: list[dict] = []

        def report(problem: Any) -> None:
            errors.append(
                {"key": problem.key, "error": {"type": "corrupt", "path": None, "reason": problem.reason}}
            )

        entries = [to_wire(e, self.client) for e in self.gathered(self.client.list(on_error=report))]
        return {"entries": entries, "errors": errors}

    def delete(self, request: dict) -> dict:
        return {"deleted": self.done(self.client.delete(request["name"]))}

    def enable(self, request: dict) -> dict:
        self.done(self.client.enable(request["name"]))
        return {}

    def disable(self, request: dict) -> dict:
        self.done(self.client.disable(request["name"]))
        return {}

    def run_now(self, request: dict) -> dict:
        self.done(self.client.run_now(request["name"]))
        return {}

    def next_runs(self, request: dict) -> dict:
        return {"cases": [self.preview(case) for case in request["cases"]]}

    def preview(self, case: dict) -> dict:
        try:
            schedule = schedule_from_wire(case["schedule"])
            after = None if case["last_run_at"] is None else decode_datetime(case["last_run_at"])
            if "extensions" in case:  # an extension case: the entry's zone, window and jitter apply
                entry = codec.entry_from_document(
                    {
                        "name": case["name"],
                        "task": "t",
                        "schedule": case["schedule"],
                        "extensions": case["extensions"],
                    }
                )
                runs = entry.next_runs(
                    case["count"], after=after, tz=case["timezone"], now=parse_instant(case["now"])
                )
            else:
                runs = schedule.next_runs(
                    case["count"], after=after, tz=case["timezone"], now=parse_instant(case["now"])
                )
            return {"id": case["id"], "next_runs": [run.isoformat() for run in runs]}
        except Exception as exc:  # one case's failure must not hide the others' results
            failure = classify(exc) or Failure("internal", f"{type(exc).__name__}: {exc}")
            return {"id": case["id"], "error": failure.as_dict()}


def classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, ValidationError):
        return Failure("validation", exc.reason, exc.path)
    if isinstance(exc, EntryNotFound):
        return Failure("not_found", str(exc))
    if isinstance(exc, CorruptEntry):
        return Failure("corrupt", exc.reason)
    if isinstance(exc, RedBeatConnectionError):
        return Failure("connection", str(exc))
    return None


if __name__ == "__main__":
    serve(PythonSDK().handlers(), classify)
