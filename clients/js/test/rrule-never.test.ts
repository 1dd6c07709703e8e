/**
 * rrules that provably never match (`neverMatches`, the Python SDK's rule): dateutil would search them up
 * to year 9999, so the preview answers nothing at once and a save refuses them with the field's path.
 * Rules python-dateutil refuses to build are corrupt on read and refused on save (`dateutilRefuses`).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EntryNotFound, ValidationError, nextRuns, rrule, type RRuleOptions } from "../src/index.js";
import { decodeEntry } from "../src/codec.js";
import { CorruptEntry } from "../src/errors.js";
import { clientForSuite } from "./helpers/suite.js";
import { redisMissing } from "./helpers/topology.js";

const T0 = new Date("2025-01-15T12:00:00Z");

const NEVER: [Partial<RRuleOptions>, string][] = [
  [{ freq: "SECONDLY", bysetpos: [2] }, "bysetpos"],
  [{ freq: "MINUTELY", bysecond: [0, 30], bysetpos: [3, -3] }, "bysetpos"],
  [{ freq: "HOURLY", byminute: [0, 15], bysecond: [0, 1], bysetpos: 5 }, "bysetpos"],
  [{ freq: "DAILY", byhour: [] }, "byhour"],
  [{ freq: "WEEKLY", byminute: [] }, "byminute"],
];
const CAN: Partial<RRuleOptions>[] = [
  { freq: "SECONDLY", bysetpos: [1] },
  { freq: "MINUTELY", bysecond: [0, 30], bysetpos: [-2] },
  { freq: "DAILY", byhour: [9, 17], byminute: [0, 30], bysetpos: [4] },
  { freq: "MINUTELY", byhour: [] }, // a coarser field, empty: no filter at all
];

const rule = (o: Partial<RRuleOptions>) => rrule({ ...o, dtstart: T0 } as RRuleOptions);

test("a rule that never matches previews nothing, at once; one that can match is previewed", () => {
  for (const [options] of NEVER) assert.deepEqual(nextRuns(rule(options), 3, { after: T0 }), []);
  for (const options of CAN) assert.equal(nextRuns(rule(options), 1, { after: T0 }).length, 1);
});

test("a rule python-dateutil refuses to build is corrupt on read and refused when built", () => {
  const stored = (schedule: string) =>
    `{"name": "job", "task": "t", "args": null, "kwargs": {}, "options": {}, "schedule": ${schedule}, "enabled": true}`;
  for (const [schedule, path] of [
    ['{"__type__": "rrule", "freq": 3, "bysetpos": [1, 0], "dtstart": 0}', "definition.schedule.bysetpos[1]"],
    [
      '{"__type__": "rrule", "freq": 4, "interval": 2, "byhour": [1], "dtstart": 0}',
      "definition.schedule.byhour",
    ],
    ['{"__type__": "rrule", "freq": 4, "byhour": [], "dtstart": 0}', "definition.schedule.byhour"],
  ]) {
    assert.throws(
      () => decodeEntry("redbeat:job", "job", stored(schedule), null, null, T0.getTime()),
      (e: unknown) => e instanceof CorruptEntry && e.reason.startsWith(`${path}: `),
    );
  }
  assert.throws(
    () => rrule({ freq: "HOURLY", interval: 2, byhour: [1], dtstart: T0 }),
    (e: unknown) => e instanceof ValidationError && e.path === "byhour",
  );
  // reachable: 12:00 + 2 h steps reach 14:00
  assert.equal(
    nextRuns(rrule({ freq: "HOURLY", interval: 2, byhour: [14], dtstart: T0 }), 1, { after: T0 }).length,
    1,
  );
});

describe("saving a rule that never matches", { skip: redisMissing() }, () => {
  const db = clientForSuite({ clock: () => T0 });

  test("is refused with the field's path, and nothing of the batch is written", async () => {
    for (const [options, field] of NEVER) {
      await assert.rejects(
        db.client.save({ name: "never", task: "t", schedule: rule(options) }),
        (e: unknown) => e instanceof ValidationError && e.path === `schedule.${field}`,
      );
      await assert.rejects(
        db.client.saveMany([
          { name: "ok", task: "t", schedule: rule({ freq: "DAILY" }) },
          { name: "never", task: "t", schedule: rule(options) },
        ]),
        (e: unknown) => e instanceof ValidationError && e.path === `[1].schedule.${field}`,
      );
      await assert.rejects(db.client.get("ok"), EntryNotFound);
    }
    for (const options of CAN) await db.client.save({ name: "can", task: "t", schedule: rule(options) });
  });
});
