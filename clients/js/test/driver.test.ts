/** The conformance driver speaks the protocol: one answer per request, errors typed, unknown ops unsupported. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "./helpers/paths.js";
import { Topology, redisMissing } from "./helpers/topology.js";

test("conformance driver round trip", { skip: redisMissing() }, async () => {
  const server = await Topology.start("single");
  try {
    const now = "2025-01-15T12:00:00Z";
    const entry = {
      name: "a",
      task: "t",
      args: [
        {
          __type__: "datetime",
          year: 2025,
          month: 1,
          day: 1,
          hour: 0,
          minute: 0,
          second: 0,
          microsecond: 5,
          timezone: -18000.0,
        },
      ],
      kwargs: {},
      options: {},
      schedule: { __type__: "interval", every: 5.0, relative: false },
      enabled: true,
    };
    const requests = [
      { op: "start", protocol: 1, redis_url: server.url, key_prefix: "redbeat:", timezone: "UTC" },
      { op: "save", entry },
      { op: "get", name: "a" },
      {
        op: "save",
        entry: {
          ...entry,
          name: "b",
          kwargs: { w: { __type__: "datetime", year: 2025, month: 1, day: 1, timezone: "Nope/Zone" } },
        },
      },
      { op: "run_now", name: "missing" },
      {
        op: "next_runs",
        cases: [
          {
            id: "x",
            schedule: {
              __type__: "crontab",
              minute: "*/15",
              hour: "*",
              day_of_week: "*",
              day_of_month: "*",
              month_of_year: "*",
            },
            timezone: "America/New_York",
            last_run_at: null,
            now: "2025-01-15T12:07:00Z",
            count: 2,
          },
        ],
      },
      { op: "tick" },
      { op: "stop" },
    ].map((r, seq) => JSON.stringify({ seq, now, ...r }));
    const r = spawnSync(process.execPath, [join(packageRoot, "dist", "conformance", "driver.js")], {
      input: requests.join("\n") + "\n",
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const answers = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      answers.map((a) => a.seq),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(answers[0].result.implementation.name, "js");
    assert.deepEqual(answers[1], { seq: 1, result: {} });
    assert.deepEqual(
      answers[2].result.entry.args,
      entry.args.map((a) => ({ ...a, timezone: -18000 })),
    );
    assert.equal(answers[2].result.entry.score, 1736942405);
    assert.deepEqual(answers[3].error, {
      type: "validation",
      path: "kwargs.w.timezone",
      reason: "unknown IANA time zone 'Nope/Zone'",
    });
    assert.equal(answers[4].error.type, "not_found");
    assert.deepEqual(answers[5].result.cases[0].next_runs, [
      "2025-01-15T07:15:00.000000-05:00",
      "2025-01-15T07:30:00.000000-05:00",
    ]);
    assert.ok(answers[6].unsupported);
    assert.deepEqual(answers[7].result, {});
  } finally {
    await server.stop();
  }
});
