"""The protocol loop the Python drivers share (PROTOCOL.md): one JSON request per stdin line, one
JSON answer per stdout line, and the driver's clock, set from each request's `now` before its handler
runs. A driver only maps requests onto its implementation's API."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version
from typing import Any


class Unsupported(Exception):
    """The implementation has no such operation: answered as `unsupported`, reported as skipped."""


class Failure(Exception):
    """A structured error answer: `type` is one of PROTOCOL.md's error types."""

    def __init__(self, type: str, reason: str, path: str | None = None):
        super().__init__(reason)
        self.type, self.reason, self.path = type, reason, path

    def as_dict(self) -> dict:
        return {"type": self.type, "path": self.path, "reason": self.reason}


def upstream_connection(redis_url: str) -> dict:
    """`redbeat_redis_url` and `redbeat_redis_options` for upstream. On the suite's cluster run
    (`redis-cluster://<node>`, PROTOCOL.md) upstream is given its `cluster: True` branch
    (`RedisCluster.from_url`): its `redis-cluster://` branch hands `startup_nodes` to redis-py as dicts,
    which redis-py 8.1 rejects ("'dict' object has no attribute 'name'"), so it cannot connect at all."""
    if not redis_url.startswith("redis-cluster://"):
        return {"redbeat_redis_url": redis_url}
    node = redis_url.split("://", 1)[1].split("/", 1)[0]
    return {"redbeat_redis_url": f"redis://{node}/0", "redbeat_redis_options": {"cluster": True}}


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant (the `now` of a request) as an aware datetime."""
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


class Clock:
    """The one clock of a driver: `serve` sets it to each request's `now`, so an implementation that
    reads time only from it (an injected clock, or Celery's, see `freeze_celery`) is deterministic."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        if self.now is None:
            raise RuntimeError("no request has set the clock yet")
        return self.now

    def freeze_celery(self) -> None:
        """Celery, celery-redbeat and our scheduler all read time through `Celery.now`: make it this
        clock, in the app's timezone."""
        from celery import Celery

        Celery.now = lambda app: self().astimezone(app.timezone)  # type: ignore[method-assign]


CLOCK = Clock()


def format_instant(value: datetime) -> str:
    return value.isoformat()


class Driver:
    """An implementation behind the protocol: the op `x` is answered by the method `x`, for each op in
    `ops`; any other op is answered `unsupported` (`serve`). `start` and `configure` keep the Redis URL
    (a `configure` may leave it out) and hand the prefix and beat timezone to `connect`; `start` then
    names the implementation: `name`, and the versions of `distribution` and its `dependencies`."""

    ops: tuple[str, ...] = ("start", "configure", "stop")
    name = "?"
    distribution = "?"
    dependencies: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.redis_url = ""

    def handlers(self) -> dict[str, Callable[[dict], Any]]:
        return {op: getattr(self, op) for op in self.ops}

    def connect(self, key_prefix: str, timezone: str) -> None:
        raise NotImplementedError

    def start(self, request: dict) -> dict:
        self.configure(request)
        implementation = {"name": self.name, "language": "python", "version": version(self.distribution)}
        if self.dependencies:
            implementation["dependencies"] = {name: version(name) for name in self.dependencies}
        return {"implementation": implementation}

    def configure(self, request: dict) -> dict:
        self.redis_url = request.get("redis_url", self.redis_url)
        self.connect(request["key_prefix"], request["timezone"])
        return {}

    def stop(self, request: dict) -> dict:
        return {}


# A writer, reader and next-run previewer (PROTOCOL.md's table, `tick` aside).
CLIENT_OPS = tuple(
    [
        "start",
        "configure",
        "save",
        "get",
        "list",
        "delete",
        "enable",
        "disable",
        "run_now",
        "next_runs",
        "stop",
    ]
)


def serve(
    handlers: dict[str, Callable[[dict], Any]], classify: Callable[[BaseException], Failure | None]
) -> None:
    """Answer requests until `stop` or end of input, with CLOCK at each request's `now`. `classify`
    turns an implementation's exception into a Failure (None: an internal error)."""
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not corrupt the protocol stream
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.get("op")
        answer: dict[str, Any] = {"seq": request.get("seq", 0)}
        try:
            CLOCK.now = parse_instant(request["now"]) if "now" in request else None
            handler = handlers.get(op)
            if handler is None:
                raise Unsupported(f"op {op!r} is not implemented by this driver")
            answer["result"] = handler(request) or {}
        except Unsupported as exc:
            answer["unsupported"] = {"reason": str(exc)}
        except Failure as exc:
            answer["error"] = exc.as_dict()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                traceback.print_exc(file=sys.stderr)
                failure = Failure("internal", f"{type(exc).__name__}: {exc}")
            answer["error"] = failure.as_dict()
        out.write(json.dumps(answer) + "\n")
        out.flush()
        if op == "stop":
            break
