"""The storage suite: for each vector and each writer, write, check the raw state, then have every
reader read it back and every beat fire it (the writer x reader matrix)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import state, values
from .answers import judge
from .context import DEFAULT_CONFIG, Context
from .driver import DriverError
from .registry import Implementation
from .results import Result
from .schemas import write_profile_validators
from .vectors import VectorFile


@dataclass
class Written:
    dump: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)  # (key, field) -> raw text the vector's setup wrote
    now: str = ""
    skip: str = ""
    problem: str = ""


def epoch(instant: str) -> float:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp()


# The writer of read-only vectors, whose state comes from their own Redis commands only: forms that
# only upstream, an old version or a hand-written script produce, which every reader must read.
RAW = Implementation(name="raw", language="-", roles=("writer",), command=[], cwd=Path("."))


def run(ctx: Context, files: list[VectorFile]) -> list[Result]:
    results = []
    for vf in files:
        for vector in vf.data["vectors"]:
            config = {**DEFAULT_CONFIG, **vector.get("config", {})}
            read_only = all(step["op"] == "redis" for step in vector["steps"])
            for writer in [RAW] if read_only else ctx.with_role("writer"):
                results += run_writer(ctx, vf.group, vector, config, writer)
    return results


def run_writer(ctx: Context, group: str, vector: dict, config: dict, writer: Implementation) -> list[Result]:
    def result(reader: str, check: str, ok: bool | None, detail: str = "") -> Result:
        return Result(writer.name, reader, check, group, vector["id"], ok, detail)

    followers = [(r.name, "read") for r in ctx.with_role("reader")]
    if "beat" in vector or "plain_beat" in vector:
        followers += [(b.name, "beat") for b in ctx.with_role("beat")]

    profile = vector.get("extensions", 0)
    if profile and writer is not RAW and writer.extensions < profile:
        skip = f"unsupported: {writer.name} does not write the extension profile {profile}"
        return [result(writer.name, "write", None, skip)] + [
            result(name, check, None, "not checked: the writer skipped this vector")
            for name, check in followers
        ]
    try:
        written = perform(ctx, writer, vector, config)
    except DriverError as exc:
        written = Written(problem=f"driver: {exc}")
    if written.skip:
        return [result(writer.name, "write", None, written.skip)] + [
            result(name, check, None, "not checked: the writer skipped this vector")
            for name, check in followers
        ]
    problem = (
        written.problem
        or state.write_profile_errors(written.dump, written.kept, write_profile_validators())
        or state.compare(vector["state"], written.dump, writer_rule(writer, config, written))
    )
    out = [result(writer.name, "write", problem is None, problem or "")]
    if problem:
        return out + [
            result(name, check, None, f"not checked: {writer.name} wrote a wrong state")
            for name, check in followers
        ]

    for reader in ctx.with_role("reader"):
        try:
            ok, detail = check_reads(ctx, reader, vector, config, written)
        except DriverError as exc:
            ok, detail = False, f"driver: {exc}"
        out.append(result(reader.name, "read", ok, detail))
    if "beat" in vector or "plain_beat" in vector:
        for beat in ctx.with_role("beat"):
            try:
                ok, detail = check_beat(ctx, writer, beat, vector, config, written)
            except DriverError as exc:
                ok, detail = False, f"driver: {exc}"
            out.append(result(beat.name, "beat", ok, detail))
    return out


def writer_rule(
    writer: Implementation, config: dict, written: Written, exact_members: set[str] | None = None
) -> state.WriterRule:
    return state.WriterRule(
        writer.scores, epoch(written.now), exact_members or set(), writer.now_zone, config["timezone"]
    )


def perform(ctx: Context, writer: Implementation, vector: dict, config: dict) -> Written:
    ctx.redis.flushdb()
    written = Written()
    for number, step in enumerate(vector["steps"]):
        if step["op"] == "redis":
            state.run_commands(ctx.redis, step["commands"])
            written.kept = {
                (key, name): raw
                for key, typed in state.dump(ctx.redis).items()
                for name, raw in typed.get("hash", {}).items()
            }
            continue
        driver = ctx.driver(writer, config, step["now"])
        fields = {k: step[k] for k in ("entry", "name", "extensions") if k in step}
        answer = driver.call(step["op"], step["now"], **fields)
        written.now = step["now"]
        if answer.kind == "unsupported":
            written.skip = f"step {number} ({step['op']}) {answer.summary}"
            return written
        problem = judge(step.get("expect"), answer, writer)
        if problem:
            written.problem = f"step {number} ({step['op']}): {problem}"
            return written
    written.dump = state.dump(ctx.redis)
    written.now = written.now or vector.get("now", "")
    return written


def expected_reads(vector: dict, config: dict, dump: dict, extensions: bool = False) -> dict[str, dict]:
    """Name -> what a reader must return: each entry hash as stored (its definition plus its meta;
    the stored state already matched the vector), then the vector's overrides for read-profile
    forms a reader normalises. `extensions`: a reader with the extension profile also returns each
    entry's extensions field (null when it has none)."""
    prefix = config["key_prefix"]
    expected: dict[str, dict] = {}
    for key, typed in dump.items():
        fields = typed.get("hash")
        if not fields or not key.startswith(prefix):
            continue
        try:
            definition = json.loads(fields.get("definition") or "null")
            meta = json.loads(fields["meta"]) if fields.get("meta") else {}
        except ValueError:
            continue  # unreadable: only an override can say what a reader must answer
        if not isinstance(definition, dict) or not isinstance(meta, dict):
            continue
        extended = {}
        if extensions:
            try:
                extended = {
                    "extensions": json.loads(fields["extensions"]) if "extensions" in fields else None
                }
            except ValueError:
                continue
        expected[key[len(prefix) :]] = {
            **extended,
            **{
                k: definition.get(k)
                for k in ("name", "task", "args", "kwargs", "options", "schedule", "enabled")
            },
            "last_run_at": meta.get("last_run_at"),
            "total_run_count": meta.get("total_run_count", 0),
        }
    for name, want in vector.get("read", {}).get("entries", {}).items():
        if isinstance(want, dict) and "error" not in want:
            if not extensions:
                want = {k: v for k, v in want.items() if k != "extensions"}
            elif "extensions" not in want:  # an override of the definition: the field as stored
                want = {**want, "extensions": expected.get(name, {}).get("extensions")}
        expected[name] = want
    return expected


def unnamed_entries(dump: dict, prefix: str) -> set[str]:
    """Names of the entries whose stored definition has no name (missing or null): readers name them
    after their key, upstream "None" (implementations.json, `nameless`)."""
    out = set()
    for key, typed in dump.items():
        raw = typed.get("hash", {}).get("definition") if key.startswith(prefix) else None
        try:
            definition = json.loads(raw) if raw else None
        except ValueError:
            continue
        if isinstance(definition, dict) and definition.get("name") is None:
            out.add(key[len(prefix) :])
    return out


def check_reads(
    ctx: Context, reader: Implementation, vector: dict, config: dict, written: Written
) -> tuple[bool | None, str]:
    prefix = config["key_prefix"]
    driver = ctx.driver(reader, config, written.now)
    expected = expected_reads(vector, config, written.dump, reader.extensions >= vector.get("extensions", 1))
    scores = written.dump.get(prefix + ":schedule", {}).get("zset", {})
    unnamed = unnamed_entries(written.dump, prefix)

    def entry_problem(name: str, want: dict, got: dict) -> str | None:
        want = dict(want)
        if "score" in got:  # the stored score, whatever the writer's rule let it be
            want["score"] = scores.get(prefix + name)
        if name in unnamed and reader.nameless == "None":  # upstream's str(None)
            want["name"] = "None"
        return values.diff(want, got, name)

    for name, want in expected.items():
        answer = driver.call("get", written.now, name=name)
        if answer.kind == "unsupported":
            return None, f"get {answer.summary}"
        if "error" in want:
            problem = judge(want, answer, reader)
            if problem:
                return False, f"get {name!r}: {problem}"
            continue
        if answer.kind != "result":
            return False, f"get {name!r}: {answer.summary}"
        problem = entry_problem(name, want, answer.body["entry"])
        if problem:
            return False, f"get {name!r}: {problem}"

    answer = driver.call("list", written.now)
    if answer.kind == "unsupported":
        return None, f"list {answer.summary}"
    if answer.kind != "result":
        return False, f"list: {answer.summary}"
    listable = {name: want for name, want in expected.items() if prefix + name in scores}
    # the name each is listed under: its own, or upstream's "None" for one stored without a name
    listed = {"None" if n in unnamed and reader.nameless == "None" else n: n for n in listable}
    want_names = sorted(shown for shown, n in listed.items() if "error" not in listable[n])
    got_names = sorted(e["name"] for e in answer.body["entries"])
    if want_names != got_names:
        return False, f"list: expected entries {want_names}, got {got_names}"
    for entry in answer.body["entries"]:
        name = listed[entry["name"]]
        problem = entry_problem(name, listable[name], entry)
        if problem:
            return False, f"list: {problem}"
    want_errors = sorted(
        {m for m in scores if m[len(prefix) :] not in expected or "error" in expected[m[len(prefix) :]]}
    )
    got_errors = sorted(e["key"] for e in answer.body["errors"])
    if want_errors != got_errors:
        return False, f"list: expected errors for {want_errors}, got {got_errors}"
    return True, ""


def _sent_key(task: dict) -> str:
    return json.dumps([task["task"], task["args"], task["kwargs"]], sort_keys=True, ensure_ascii=False)


def check_beat(
    ctx: Context, writer: Implementation, beat: Implementation, vector: dict, config: dict, written: Written
) -> tuple[bool | None, str]:
    plan = vector.get("beat") if beat.extensions >= vector.get("extensions", 0) else vector.get("plain_beat")
    if plan is None:
        return (
            None,
            f"unsupported: the vector has no ticks for a beat {'with' if beat.extensions else 'without'} the extension profile",
        )
    state.restore(ctx.redis, written.dump)
    driver = ctx.driver(beat, config, plan["ticks"][0]["now"])
    for number, tick in enumerate(plan["ticks"]):
        answer = driver.call("tick", tick["now"])
        if answer.kind == "unsupported":
            return None, f"tick {answer.summary}"
        if answer.kind != "result":
            return False, f"tick {number} at {tick['now']}: {answer.summary}"
        want = sorted(tick["sent"], key=_sent_key)
        got = sorted(answer.body["sent"], key=_sent_key)
        problem = values.diff(want, got, "sent")
        if problem:
            return False, f"tick {number} at {tick['now']}: {problem}"
    # Entries the beat ran carry its exact scores; the others keep the writer's.
    fired = {
        key
        for key, typed in plan["state"].items()
        if "hash" in typed
        and typed["hash"].get("meta") != vector["state"].get(key, {}).get("hash", {}).get("meta")
    }
    rule = writer_rule(writer, config, written, exact_members=fired)
    if beat.disabled_scores == "later":
        rule.later_members = {
            key
            for key, typed in plan["state"].items()
            if typed.get("hash", {}).get("definition", {}).get("enabled") is False
        }
    after = state.dump(ctx.redis)
    if not vector.get("extensions"):
        # a vector without the extension profile does not pin the history lists a beat with it keeps
        history = config["key_prefix"] + ":history:"
        after = {key: typed for key, typed in after.items() if not key.startswith(history)}
    problem = state.compare(plan["state"], after, rule)
    if problem:
        return False, f"after tick {len(plan['ticks']) - 1}: {problem}"
    return True, ""
