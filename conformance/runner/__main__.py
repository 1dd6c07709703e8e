"""`python -m runner`: run the conformance suite and print the matrix.

Exit status 0 only when no cell failed; skips never count as passes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import invalid, next_runs, registry, storage, topology
from .context import DEFAULT_CONFIG, Context
from .driver import Driver, DriverError
from .results import Result, failures, matrix, write_report
from .schemas import CONFORMANCE
from .vectors import VectorError, load

SUITES = {"storage": storage.run, "invalid": invalid.run, "next_runs": next_runs.run}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__)
    parser.add_argument("--impl", action="append", help="only these implementations (repeatable)")
    parser.add_argument(
        "--kind", action="append", choices=sorted(SUITES), help="only these vector kinds (repeatable)"
    )
    parser.add_argument("--vectors", type=Path, default=CONFORMANCE / "vectors", help="vector root folder")
    parser.add_argument("--implementations", type=Path, default=CONFORMANCE / "implementations.json")
    parser.add_argument("--report", type=Path, default=CONFORMANCE / "report.json")
    parser.add_argument("--redis-server", default="redis-server")
    parser.add_argument(
        "--topology",
        choices=["single", "cluster"],
        default="single",
        help="one redis-server, or a 3-master Redis Cluster with hash-tagged prefixes (runner/topology.py)",
    )
    return parser.parse_args(argv)


def start_drivers(ctx: Context, results: list[Result], prefix: str = DEFAULT_CONFIG["key_prefix"]) -> None:
    """Build and start every implementation; one that cannot start fails and leaves the run."""
    now = "2025-01-15T12:00:00Z"
    kept = []
    for impl in ctx.implementations:
        problem = registry.build(impl)
        if problem is None:
            driver = ctx.drivers[impl.name] = Driver(impl, ctx.redis_url)
            try:
                driver.start(prefix, DEFAULT_CONFIG["timezone"], now)
            except (DriverError, OSError) as exc:
                problem = (
                    f"{exc}; stderr: {driver.stderr_tail()}" if isinstance(exc, DriverError) else str(exc)
                )
                driver.stop()
                del ctx.drivers[impl.name]
        if problem:
            results.append(Result(impl.name, impl.name, "start", "start", "start", False, problem))
        else:
            kept.append(impl)
    ctx.implementations = kept


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        implementations, absent = registry.load(args.implementations)
    except ValueError as exc:
        print(f"invalid implementations file: {exc}", file=sys.stderr)
        return 2
    if args.impl:
        unknown = set(args.impl) - {i.name for i in implementations}
        if unknown:
            print(f"not present or not registered: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        implementations = [i for i in implementations if i.name in args.impl]
    kinds = args.kind or list(SUITES)
    try:
        files = {kind: load(kind, args.vectors) for kind in kinds}
    except VectorError as exc:
        print(f"invalid vector file: {exc}", file=sys.stderr)
        return 2

    if args.topology == "cluster" and "storage" in files:
        for vf in files["storage"]:
            vf.data["vectors"] = [topology.tag_vector(v) for v in vf.data["vectors"]]

    started = time.monotonic()
    results: list[Result] = []
    where = topology.start(args.topology, args.redis_server)
    try:
        ctx = Context(where.client, where.url, implementations)
        try:
            # a cluster client refuses an untagged prefix from the start
            start_drivers(
                ctx,
                results,
                topology.tagged(DEFAULT_CONFIG["key_prefix"])
                if args.topology == "cluster"
                else DEFAULT_CONFIG["key_prefix"],
            )
            for kind in kinds:
                results += SUITES[kind](ctx, files[kind])
        finally:
            ctx.close()
    finally:
        where.stop()

    declared = [
        {"name": d.impl.name, "roles": list(d.impl.roles), **(d.declared or {})} for d in ctx.drivers.values()
    ]
    write_report(args.report, declared, results, absent, args.topology)
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "skip", "info")}
    print(matrix(results))
    print(
        "\ncells: passed/checked; +Ns: N skipped (unsupported, or not checked after a wrong write); "
        "info: outcome of a reference that validates nothing; .: not applicable"
    )
    if absent:
        print(f"not present (not run): {', '.join(absent)}")
    listed = failures(results)
    if listed:
        print(listed)
    print(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped, "
        f"{counts['info']} informational in {time.monotonic() - started:.1f}s; report: {args.report}"
    )
    return 1 if counts["fail"] or not results else 0


if __name__ == "__main__":
    sys.exit(main())
