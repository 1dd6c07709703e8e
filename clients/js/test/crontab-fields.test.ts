import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expandCrontab, type CrontabFields } from "../src/crontab.js";
import { ValidationError } from "../src/errors.js";
import { schemaDir } from "./helpers/paths.js";

interface Case {
  description: string;
  fields: CrontabFields;
  accepted: boolean;
  expanded: Record<string, number[]> | null;
}

const cases: Case[] = JSON.parse(
  readFileSync(join(schemaDir, "examples", "crontab-fields.json"), "utf8"),
).cases;

test("crontab-fields.json has cases", () => assert.ok(cases.length > 100));

test("every crontab-fields case: accepted exactly when Celery 5.7 accepts, with Celery's expanded sets", () => {
  const failures: string[] = [];
  for (const c of cases) {
    try {
      const got = expandCrontab(c.fields);
      if (!c.accepted) failures.push(`${c.description}: accepted, Celery refuses`);
      else assert.deepEqual(got, c.expanded, c.description);
    } catch (e) {
      if (e instanceof assert.AssertionError) failures.push(`${c.description}: ${e.message.split("\n")[0]}`);
      else if (!(e instanceof ValidationError)) failures.push(`${c.description}: threw ${String(e)}`);
      else if (c.accepted) failures.push(`${c.description}: refused (${e.message}), Celery accepts`);
    }
  }
  assert.deepEqual(failures, []);
});

test("a refused field names its path", () => {
  assert.throws(
    () =>
      expandCrontab({ minute: "5/15", hour: "*", day_of_week: "*", day_of_month: "*", month_of_year: "*" }),
    (e: unknown) => e instanceof ValidationError && e.path === "minute",
  );
  assert.throws(
    () => expandCrontab({ minute: "*", hour: "*", day_of_week: "*", day_of_month: "30", month_of_year: "2" }),
    (e: unknown) => e instanceof ValidationError && e.path === "day_of_month",
  );
});
