/**
 * Property: whatever is stored in an entry's fields, the reader returns an entry or throws a
 * CorruptEntry (a RedBeatError) naming the key - never a TypeError, a RangeError or a hang. fast-check
 * mutates a good definition and meta; the seed is printed (FC_SEED=<n> replays it, FC_RUNS sets the count;
 * `make chaos` runs more).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEntry } from "../src/codec.js";
import { RedBeatError } from "../src/errors.js";

const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FC_RUNS ?? 500);
const GOOD_DEF = {
  name: "job",
  task: "tasks.ping",
  args: ["job", 1],
  kwargs: { a: 1 },
  options: {},
  schedule: { __type__: "interval", every: 5.0, relative: false },
  enabled: true,
};
const GOOD_META = {
  last_run_at: {
    __type__: "datetime",
    year: 2025,
    month: 1,
    day: 15,
    hour: 12,
    minute: 0,
    second: 0,
    microsecond: 0,
    timezone: "UTC",
  },
  total_run_count: 3,
};

type Tree = Record<string, unknown>;

/** One mutation of a good entry: a value anywhere replaced, a key dropped or added, text broken. */
const mutant = fc.oneof(
  fc.record({
    field: fc.constantFrom("definition", "meta"),
    path: fc.constantFrom(
      "task",
      "args",
      "kwargs",
      "schedule",
      "enabled",
      "name",
      "last_run_at",
      "total_run_count",
    ),
    inner: fc.constantFrom("", "every", "relative", "__type__", "year", "timezone", "month"),
    value: fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(1e308, -1e308, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e-320),
      fc.string({ maxLength: 5000 }),
    ),
    drop: fc.boolean(),
  }),
  fc.record({ raw: fc.string(), field: fc.constantFrom("definition", "meta") }),
  fc.record({ depth: fc.integer({ min: 1, max: 200_000 }), open: fc.constantFrom("[", '{"a":') }),
);

function apply(m: unknown): [string, string] {
  const def: Tree = structuredClone(GOOD_DEF);
  const meta: Tree = structuredClone(GOOD_META);
  const x = m as Record<string, unknown>;
  if ("raw" in x) {
    return x.field === "definition"
      ? [x.raw as string, JSON.stringify(meta)]
      : [JSON.stringify(def), x.raw as string];
  }
  if ("depth" in x) {
    const depth = x.depth as number;
    const close = x.open === "[" ? "]" : "}";
    const nested = (x.open as string).repeat(depth) + "1" + close.repeat(depth);
    return [JSON.stringify(def).replace('["job",1]', `[${nested}]`), JSON.stringify(meta)];
  }
  const root = x.field === "definition" ? def : meta;
  const path = x.path as string;
  const target =
    x.inner && typeof root[path] === "object" && root[path] !== null ? (root[path] as Tree) : root;
  const key = target === root ? path : (x.inner as string);
  if (x.drop) delete target[key];
  else target[key] = x.value;
  return [JSON.stringify(def), JSON.stringify(meta)];
}

test(`stored fields never crash the reader (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  console.log(`fast-check seed ${SEED} (FC_SEED=${SEED} replays it)`);
  fc.assert(
    fc.property(mutant, (m) => {
      const [definition, meta] = apply(m);
      try {
        const entry = decodeEntry("redbeat:job", "job", definition, meta, null, Date.UTC(2025, 0, 15, 12));
        assert.equal(typeof entry.task, "string");
      } catch (e) {
        if (!(e instanceof RedBeatError)) throw e;
        assert.match(e.message, /^redbeat:job: |^redbeat:job/);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
