/**
 * Every next-run vector (conformance/vectors/next_runs/*.json, generated from Celery 5.7.0,
 * celery-redbeat 2.4.2 and python-dateutil): same instants, expressed in the beat timezone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeDatetime } from "../src/codec.js";
import { nextRunsFrom } from "../src/schedules.js";
import { isoInZone } from "../src/zones.js";
import type { Schedule } from "../src/types.js";
import { isCI, vectorsDir } from "./helpers/paths.js";

const dir = process.env.REDBEAT_NEXT_RUNS_DIR ?? join(vectorsDir, "next_runs");
const missing = !existsSync(join(dir, "crontab.json"));
if (missing && isCI)
  throw new Error(`${dir} has no next-run vectors (CI=true: a missing prerequisite fails)`);

interface Case {
  id: string;
  description: string;
  schedule: Schedule;
  timezone: string;
  last_run_at: Parameters<typeof decodeDatetime>[0];
  now: string;
  next_runs: string[];
}

for (const kind of ["interval", "crontab", "rrule"]) {
  test(`next-run vectors: ${kind}`, { skip: missing && `no vectors in ${dir}` }, () => {
    const file = JSON.parse(readFileSync(join(dir, `${kind}.json`), "utf8")) as {
      runs: number;
      cases: Case[];
    };
    assert.ok(file.cases.length > 0);
    const failures: string[] = [];
    for (const c of file.cases) {
      try {
        const got = nextRunsFrom(c.schedule, decodeDatetime(c.last_run_at), file.runs, c.timezone).map((ms) =>
          isoInZone(ms, c.timezone),
        );
        if (JSON.stringify(got) !== JSON.stringify(c.next_runs))
          failures.push(
            `${c.id} (${c.description}): expected ${c.next_runs.join(" ")}, got ${got.join(" ")}`,
          );
      } catch (e) {
        failures.push(`${c.id} (${c.description}): threw ${(e as Error).message}`);
      }
    }
    assert.equal(
      failures.length,
      0,
      `${failures.length}/${file.cases.length} differ:\n${failures.slice(0, 15).join("\n")}`,
    );
  });
}
