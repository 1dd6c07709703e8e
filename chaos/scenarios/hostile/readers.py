"""Every reader of the format, pointed at one Redis: the clients through their conformance drivers
(`list`: the entries read, and the errors with their keys; conformance/PROTOCOL.md) and the scheduler as
a real `celery beat` process (what it fired, and the keys it logged as unreadable).

Each reader's view is a `Verdicts`: key -> None (read, or fired) or the reason it refused the entry."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from dataclasses import dataclass, field

from beatprocs import Beat, Drain, wait_until

from .corpus import PREFIX, ROOT

sys.path.insert(0, str(ROOT / "conformance"))
from runner.driver import Driver, DriverError
from runner.registry import Implementation, build, load

CLIENTS = ("python", "python-async", "js", "go")  # python-async: the SDK's asyncio client
_UNREADABLE = re.compile(r"skipping unreadable entry (\S+): (.*?) \(left in Redis", re.DOTALL)
_SENDING = re.compile(r"Sending due task (\S+) \(")


@dataclass
class Verdicts:
    reader: str
    verdicts: dict[str, str | None] = field(default_factory=dict)  # key -> None (read) or the reason
    failure: str | None = None  # the reader itself failed (a crash, a driver error)
    seconds: float = 0.0


def _built(impl: Implementation) -> bool:
    """The driver's program exists already (the conformance suite and the clients' tests build it)."""
    programs = [part for part in impl.command if "/" in part and not part.startswith("/")]
    return all((impl.cwd / part).exists() for part in programs)


def client_verdicts(names: tuple[str, ...], redis_url: str, rebuild: bool = True) -> list[Verdicts]:
    """`rebuild` False: build a driver only when its program is missing."""
    present = {impl.name: impl for impl in load()[0]}
    out = []
    for name in names:
        result = Verdicts(name)
        out.append(result)
        impl = present.get(name)
        if impl is None:
            result.failure = "not present (conformance/implementations.json)"
            continue
        problem = build(impl) if rebuild or not _built(impl) else None
        if problem:
            result.failure = problem
            continue
        driver = Driver(impl, redis_url, timeout=600)
        started = time.monotonic()
        try:
            driver.start(PREFIX, "UTC", "2026-01-05T12:00:00Z")
            answer = driver.call("list", "2026-01-05T12:00:00Z")
            if answer.kind != "result":
                result.failure = f"list failed: {answer.summary}"
                continue
            for entry in answer.body["entries"]:
                result.verdicts[PREFIX + entry["name"]] = None
            for error in answer.body["errors"]:
                reason = error["error"].get("reason") or error["error"]["type"]
                # the client read it; only its driver could not put it in wire form
                read = reason.startswith("read, but not expressible in wire form")
                result.verdicts[error["key"]] = None if read else reason
        except DriverError as exc:
            result.failure = str(exc)[:500]
        finally:
            result.seconds = time.monotonic() - started
            driver.stop()
    return out


def scheduler_verdicts(
    redis_url: str, broker_url: str, keys: set[str], timeout: float | None = None
) -> Verdicts:
    """A real beat over the corpus until every key has been fired or logged unreadable (or `timeout`,
    by default a minute plus 50 ms an entry: the beat logs every unreadable one, reasons included)."""
    result = Verdicts("scheduler")
    started = time.monotonic()
    timeout = 60 + 0.05 * len(keys) if timeout is None else timeout
    with Drain(broker_url):  # keeps the broker small
        beat = Beat(
            "redbeat_scheduler.RedBeatScheduler",
            redis_url,
            broker_url,
            lock_timeout=30,
            max_interval=5,
            name="hostile",
        )
        offset = 0
        try:

            def seen() -> bool:
                nonlocal offset
                with open(beat.log_path, "rb") as log:  # only what was written since the last look
                    log.seek(offset)
                    chunk = log.read()
                cut = chunk.rfind(b"\n[")  # up to the start of the last record, which may be unfinished
                if cut <= 0:
                    return not beat.alive
                offset += cut + 1
                text = chunk[:cut].decode("utf-8", "replace")
                for name in _SENDING.findall(text):
                    result.verdicts.setdefault(PREFIX + name, None)
                for key, reason in _UNREADABLE.findall(text):
                    result.verdicts[key] = reason
                return keys <= result.verdicts.keys() or not beat.alive

            with contextlib.suppress(AssertionError):  # not all seen in time: the judge says which
                wait_until(seen, timeout, poll=1.0)
            if not beat.alive or "beat raised exception" in beat.log():
                tail = "\n".join(beat.log().splitlines()[-5:])
                result.failure = f"the beat died: {tail[-500:]}"
        finally:
            beat.stop()
    result.seconds = time.monotonic() - started
    return result
