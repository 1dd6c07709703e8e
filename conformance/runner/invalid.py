"""The invalid suite: each implementation must refuse the request with the expected error and leave
Redis byte-for-byte as it was. A reference implementation that does not validate input
(`validates_input: false`, i.e. upstream) is run too, but its outcome is informational."""

from __future__ import annotations

from . import state
from .answers import judge
from .context import DEFAULT_CONFIG, Context
from .driver import DriverError
from .results import Result
from .vectors import VectorFile

READ_OPS = {"get"}


def raw_difference(before: dict, after: dict) -> str | None:
    for key in sorted(set(before) | set(after)):
        if key not in after:
            return f"key {key!r} was deleted"
        if key not in before:
            return f"key {key!r} was written: {str(after[key])[:160]}"
        if before[key] != after[key]:
            return f"key {key!r} changed: {str(before[key])[:80]} -> {str(after[key])[:80]}"
    return None


def run(ctx: Context, files: list[VectorFile]) -> list[Result]:
    results = []
    for vf in files:
        for vector in vf.data["vectors"]:
            config = {**DEFAULT_CONFIG, **vector.get("config", {})}
            request = vector["request"]
            role = "reader" if request["op"] in READ_OPS else "writer"
            for impl in ctx.with_role(role):
                if "unsafe" in vector and not impl.validates_input:
                    results.append(
                        Result(
                            impl.name,
                            impl.name,
                            "reject",
                            vf.group,
                            vector["id"],
                            None,
                            f"not sent: {vector['unsafe']}",
                        )
                    )
                    continue
                results.append(run_one(ctx, vf.group, vector, config, impl))
    return results


def run_one(ctx: Context, group: str, vector: dict, config: dict, impl) -> Result:
    request = vector["request"]
    ctx.redis.flushdb()
    state.run_commands(ctx.redis, vector.get("setup", []))
    before = state.dump(ctx.redis)
    fields = {k: request[k] for k in ("entry", "name") if k in request}
    try:
        answer = ctx.driver(impl, config, request["now"]).call(request["op"], request["now"], **fields)
    except DriverError as exc:
        return Result(impl.name, impl.name, "reject", group, vector["id"], False, f"driver: {exc}")
    changed = raw_difference(before, state.dump(ctx.redis))
    if answer.kind == "unsupported":
        return Result(impl.name, impl.name, "reject", group, vector["id"], None, answer.summary)
    if not impl.validates_input:
        outcome = f"rejected ({answer.summary})" if answer.kind == "error" else "accepted"
        if changed:
            outcome += f"; {changed}"
        return Result(impl.name, impl.name, "reject", group, vector["id"], None, outcome, status="info")
    problem = judge({"error": vector["error"]}, answer, impl)
    if changed:
        problem = f"{problem + '; ' if problem else ''}Redis changed: {changed}"
    return Result(impl.name, impl.name, "reject", group, vector["id"], problem is None, problem or "")
