"""The next-run suite: every implementation's preview equals each case's runs exactly, instant for
instant (the vector format compares instants, not strings or offsets), many cases per request."""

from __future__ import annotations

from datetime import datetime

from .context import DEFAULT_CONFIG, Context
from .driver import DriverError
from .results import Result
from .vectors import VectorFile

BATCH = 500


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def runs_difference(want: list[str], got: list[str]) -> str | None:
    for number, (w, g) in enumerate(zip(want, got, strict=False)):  # lengths compared below
        try:
            wd, gd = parse(w), parse(g)
        except ValueError:
            return f"run {number}: {g!r} is not an ISO 8601 instant"
        if gd.tzinfo is None:
            return f"run {number}: {g!r} has no UTC offset"
        if wd != gd:
            return f"run {number}: expected {w}, got {g}"
    if len(want) != len(got):
        return f"expected {len(want)} runs, got {len(got)}: {got[len(want) :][:2] or 'fewer'}"
    return None


def run(ctx: Context, files: list[VectorFile]) -> list[Result]:
    results = []
    for vf in files:
        cases = vf.data["cases"]
        # Ask every case for the file's number of runs (a case lists fewer only when its schedule
        # runs out), so an exhausted schedule that keeps producing runs is caught.
        count = vf.data.get("runs") or max((len(c["next_runs"]) for c in cases), default=1) or 1
        for impl in ctx.with_role("next_runs"):
            if vf.data["kind"] == "extensions" and not impl.extensions:
                reason = f"unsupported: {impl.name} does not implement the extension profile"
                results.append(Result(impl.name, impl.name, "next_runs", vf.group, "*", None, reason))
                continue
            results += run_impl(ctx, vf.group, cases, count, impl)
    return results


def run_impl(ctx: Context, group: str, cases: list[dict], count: int, impl) -> list[Result]:
    def result(case_id: str, ok: bool | None, detail: str = "") -> Result:
        return Result(impl.name, impl.name, "next_runs", group, case_id, ok, detail)

    out = []
    for start in range(0, len(cases), BATCH):
        batch = cases[start : start + BATCH]
        payload = [
            {
                "id": c["id"],
                "schedule": c["schedule"],
                "timezone": c["timezone"],
                "last_run_at": c["last_run_at"],
                "now": c["now"],
                "count": count,
                **{k: c[k] for k in ("name", "extensions") if k in c},
            }
            for c in batch
        ]
        try:
            answer = ctx.driver(impl, DEFAULT_CONFIG, batch[0]["now"]).call(
                "next_runs", batch[0]["now"], cases=payload
            )
        except DriverError as exc:
            out += [result(c["id"], False, f"driver: {exc}") for c in batch]
            continue
        if answer.kind == "unsupported":
            return [result("*", None, answer.summary)]
        if answer.kind == "error":
            out += [result(c["id"], False, answer.summary) for c in batch]
            continue
        by_id = {c["id"]: c for c in answer.body["cases"]}
        for case in batch:
            got = by_id.get(case["id"])
            if got is None:
                out.append(result(case["id"], False, "no answer for this case"))
            elif "error" in got:
                out.append(
                    result(
                        case["id"], False, f"error {got['error'].get('type')}: {got['error'].get('reason')}"
                    )
                )
            elif not isinstance(got.get("next_runs"), list) or not all(
                isinstance(r, str) for r in got["next_runs"]
            ):
                out.append(
                    result(
                        case["id"],
                        False,
                        f"breaks the protocol: next_runs is {str(got.get('next_runs'))[:80]}",
                    )
                )
            else:
                problem = runs_difference(case["next_runs"], got["next_runs"])
                out.append(result(case["id"], problem is None, problem or ""))
    return out
