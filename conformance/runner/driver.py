"""One driver process and the line protocol to it (PROTOCOL.md).

Every request and every answer is checked against schema/protocol/*.json, so a driver that breaks
the protocol fails loudly instead of being misread. A driver that dies or hangs is restarted at
its next request, with the configuration it had.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from .registry import Implementation
from .schemas import protocol_validators

RESULT_SCHEMAS = {
    "start": "StartResult",
    "get": "GetResult",
    "list": "ListResult",
    "delete": "DeleteResult",
    "next_runs": "NextRunsResult",
    "tick": "TickResult",
}


SAMPLE = 20


def _sample(message: dict) -> dict:
    """The message with at most SAMPLE next-run cases: schema validation costs ~0.5 ms a case, and a
    bulk request or answer is uniform; the suite judges every case's own fields anyway."""
    for holder in (message, message.get("result")):
        if (
            isinstance(holder, dict)
            and isinstance(holder.get("cases"), list)
            and len(holder["cases"]) > SAMPLE
        ):
            message = dict(message)
            if holder is message.get("result"):
                message["result"] = dict(holder, cases=holder["cases"][:SAMPLE])
            else:
                message["cases"] = holder["cases"][:SAMPLE]
    return message


class DriverError(Exception):
    """The driver crashed, hung, or broke the protocol."""


@dataclass
class Answer:
    kind: str  # "result" | "error" | "unsupported"
    body: dict

    @property
    def summary(self) -> str:
        if self.kind == "error":
            return f"error {self.body.get('type')} at {self.body.get('path')!r}: {self.body.get('reason')}"
        if self.kind == "unsupported":
            return f"unsupported: {self.body.get('reason')}"
        return "result"


class Driver:
    def __init__(self, impl: Implementation, redis_url: str, timeout: float = 120.0):
        self.impl = impl
        self.redis_url = redis_url
        self.timeout = timeout
        self.config: tuple[str, str] | None = None
        self.declared: dict | None = None
        self.process: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        # the driver's stderr for as long as it runs, read back into error messages
        self.stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.seq = 0
        self.requests, self.responses = protocol_validators()

    # -- process ---------------------------------------------------------------------------------
    def _spawn(self) -> None:
        self.process = subprocess.Popen(
            self.impl.command,
            cwd=self.impl.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, self.lines), daemon=True).start()

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def start(self, key_prefix: str, timezone: str, now: str) -> dict:
        self._spawn()
        answer = self._send(
            "start",
            now,
            {"protocol": 1, "redis_url": self.redis_url, "key_prefix": key_prefix, "timezone": timezone},
        )
        if answer.kind != "result":
            raise DriverError(f"start failed: {answer.summary}")
        declared = answer.body["implementation"]
        if declared["name"] != self.impl.name:
            raise DriverError(f"driver declares name {declared['name']!r}, registered as {self.impl.name!r}")
        probe = self._send("x-unknown-op", now, {})  # the protocol's rule for ops it will grow
        if probe.kind != "unsupported":
            raise DriverError(f"an unknown op must be answered `unsupported`, got {probe.summary}")
        self.declared, self.config = declared, (key_prefix, timezone)
        return declared

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self._send("stop", "1970-01-01T00:00:00Z", {})
                self.process.wait(5)
            except (DriverError, subprocess.TimeoutExpired, OSError):
                self.process.kill()
                self.process.wait()
        self.process = None

    def stderr_tail(self, size: int = 600) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        text = self.stderr.read()
        return text[-size:].strip()

    # -- requests --------------------------------------------------------------------------------
    def configure(self, key_prefix: str, timezone: str, now: str) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start(key_prefix, timezone, now)
            return
        if self.config != (key_prefix, timezone):
            answer = self._send("configure", now, {"key_prefix": key_prefix, "timezone": timezone})
            if answer.kind != "result":
                raise DriverError(f"configure failed: {answer.summary}")
            self.config = (key_prefix, timezone)

    def call(self, op: str, now: str, **fields: Any) -> Answer:
        if self.process is None or self.process.poll() is not None:
            prefix, timezone = self.config or ("redbeat:", "UTC")
            self.start(prefix, timezone, now)
        return self._send(op, now, fields)

    def _send(self, op: str, now: str, fields: dict) -> Answer:
        self.seq += 1
        request = {"seq": self.seq, "op": op, "now": now, **fields}
        error = next(iter(self.requests.iter_errors(_sample(request))), None)
        if error is not None:  # a runner or vector bug, not the driver's
            raise ValueError(f"invalid request {op}: {error.message[:200]}")
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError as exc:
            self._kill()
            raise DriverError(f"cannot write to driver: {exc}; stderr: {self.stderr_tail()}") from exc
        try:
            line = self.lines.get(timeout=self.timeout)
        except queue.Empty:
            self._kill()
            raise DriverError(f"no answer to {op} within {self.timeout:.0f}s") from None
        if line is None:
            self._kill()
            raise DriverError(f"driver exited during {op}; stderr: {self.stderr_tail()}")
        try:
            answer = json.loads(line)
        except ValueError:
            self._kill()
            raise DriverError(f"answer to {op} is not JSON: {line[:200]!r}") from None
        problem = self._check(op, answer)
        if problem:
            raise DriverError(f"answer to {op} breaks the protocol: {problem}; got {line[:300]!r}")
        for kind in ("result", "error", "unsupported"):
            if kind in answer:
                return Answer(kind, answer[kind])
        raise AssertionError("unreachable: the response schema requires one of them")

    def _check(self, op: str, answer: dict) -> str | None:
        answer = _sample(answer)
        error = next(iter(self.responses["response"].iter_errors(answer)), None)
        if error is not None:
            return error.message[:200]
        if answer.get("seq") != self.seq:
            return f"seq {answer.get('seq')} does not match request seq {self.seq}"
        if "result" in answer and op in RESULT_SCHEMAS:
            error = next(iter(self.responses[RESULT_SCHEMAS[op]].iter_errors(answer["result"])), None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path)
                return f"result /{where}: {error.message[:200]}"
        return None

    def _kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
