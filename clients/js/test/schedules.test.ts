/** Next-run semantics: Celery 5.7 interval and crontab, dateutil rrule (cases observed with Celery 5.7.0). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  crontab,
  interval,
  nextRuns,
  rrule,
  UnsupportedScheduleError,
  ValidationError,
  ZonedDate,
} from "../src/index.js";
import { fromWall, toWall } from "../src/zones.js";
import { intervalNextRun } from "../src/interval.js";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString().replace(".000", ""));

test("crontab: Celery's counterexamples to cron libraries (ecosystem.md section 4)", () => {
  const after = new Date("2026-01-01T00:00:00Z");
  const runs = (c: ReturnType<typeof crontab>, tz = "UTC") => iso(nextRuns(c, 2, { after, tz }));
  // day_of_month AND day_of_week
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfMonth: 1, dayOfWeek: "mon" })), [
    "2026-06-01T00:00:00Z",
    "2027-02-01T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfMonth: "*/2", dayOfWeek: "mon" })), [
    "2026-01-05T00:00:00Z",
    "2026-01-19T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 9, dayOfMonth: "1-7", dayOfWeek: "mon" })), [
    "2026-01-05T09:00:00Z",
    "2026-02-02T09:00:00Z",
  ]);
  // wrapping ranges, names anywhere
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfWeek: "fri-mon" })), [
    "2026-01-02T00:00:00Z",
    "2026-01-03T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: "23-1" })), [
    "2026-01-01T01:00:00Z",
    "2026-01-01T23:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: "mar" })), ["2026-01-01T00:03:00Z", "2026-01-01T01:03:00Z"]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfWeek: "jan" })), [
    "2026-01-05T00:00:00Z",
    "2026-01-12T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfMonth: 1, monthOfYear: "mon" })), [
    "2027-01-01T00:00:00Z",
    "2028-01-01T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfWeek: "mon#1" })), [
    "2026-01-05T00:00:00Z",
    "2026-01-12T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfMonth: 29, monthOfYear: 2 })), [
    "2028-02-29T00:00:00Z",
    "2032-02-29T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfWeek: "*/2" })), [
    "2026-01-03T00:00:00Z",
    "2026-01-04T00:00:00Z",
  ]);
  assert.deepEqual(runs(crontab({ minute: 0, hour: 0, dayOfMonth: 31 })), [
    "2026-01-31T00:00:00Z",
    "2026-03-31T00:00:00Z",
  ]);
  // refusals
  for (const bad of [
    { dayOfWeek: 7 },
    { minute: "5/15" },
    { dayOfMonth: "L" },
    { dayOfWeek: "?" },
    { dayOfMonth: 30, monthOfYear: 2 },
  ]) {
    assert.throws(() => crontab(bad), ValidationError, JSON.stringify(bad));
  }
});

test("crontab across DST in the beat timezone: a skipped time runs after the jump, a repeated one once", () => {
  const ny = "America/New_York";
  assert.deepEqual(
    iso(nextRuns(crontab({ minute: 30, hour: 2 }), 2, { after: new Date("2026-03-07T12:00:00Z"), tz: ny })),
    ["2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"],
  );
  assert.deepEqual(
    iso(nextRuns(crontab({ minute: 30, hour: 1 }), 2, { after: new Date("2026-10-31T12:00:00Z"), tz: ny })),
    ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
  );
  // Beat timezone Berlin: hour 9 is 08:00Z in winter (Celery 5.7 matches fields in the app zone).
  assert.deepEqual(
    iso(
      nextRuns(crontab({ minute: 0, hour: 9 }), 1, {
        after: new Date("2025-01-15T12:00:00Z"),
        tz: "Europe/Berlin",
      }),
    ),
    ["2025-01-16T08:00:00Z"],
  );
});

test("interval: every seconds after the last run; relative rounds to the period's resolution", () => {
  assert.deepEqual(iso(nextRuns(interval(5), 3, { after: new Date("2025-01-15T12:00:00Z") })), [
    "2025-01-15T12:00:05Z",
    "2025-01-15T12:00:10Z",
    "2025-01-15T12:00:15Z",
  ]);
  const last = Date.parse("2025-01-15T07:20:00Z");
  assert.equal(new Date(intervalNextRun(3600, true, last, "UTC")).toISOString(), "2025-01-15T08:00:00.000Z");
  assert.equal(
    new Date(intervalNextRun(90, true, Date.parse("2025-01-15T07:20:30Z"), "UTC")).toISOString(),
    "2025-01-15T07:22:00.000Z",
  );
  assert.equal(
    new Date(intervalNextRun(86400, true, last, "Europe/Berlin")).toISOString(),
    "2025-01-15T23:00:00.000Z",
  );
  // Kolkata (+05:30): an hourly relative interval rounds to the local hour, i.e. :30 UTC.
  assert.equal(
    new Date(intervalNextRun(3600, true, last, "Asia/Kolkata")).toISOString(),
    "2025-01-15T07:30:00.000Z",
  );
});

test("rrule: strictly after the last run, exhausted -> no more runs, fixed offset across DST", () => {
  const dtstart = new Date("2025-01-15T12:00:00Z");
  const r = rrule({ freq: "MINUTELY", dtstart, count: 3 });
  assert.deepEqual(iso(nextRuns(r, 5, { after: dtstart })), ["2025-01-15T12:01:00Z", "2025-01-15T12:02:00Z"]);
  // Upstream keeps only the UTC offset: 09:00 -05:00 all year, even in summer.
  const daily = rrule({
    freq: "DAILY",
    dtstart: new Date("2025-01-10T09:00:00-05:00"),
    tz: "America/New_York",
  });
  assert.deepEqual(iso(nextRuns(daily, 1, { after: new Date("2025-07-01T12:00:00Z") })), [
    "2025-07-01T14:00:00Z",
  ]);
  const weekly = rrule({
    freq: "WEEKLY",
    dtstart: new Date("2025-01-06T08:30:00Z"),
    byweekday: ["MO", "WE", "FR"],
    wkst: "SU",
  });
  assert.deepEqual(iso(nextRuns(weekly, 3, { after: new Date("2025-01-15T12:00:00Z") })), [
    "2025-01-17T08:30:00Z",
    "2025-01-20T08:30:00Z",
    "2025-01-22T08:30:00Z",
  ]);
  assert.throws(() => rrule({ freq: "DAILY", dtstart, bymonthday: 0 }), ValidationError);
});

test("zones resolve wall clocks like Python's zoneinfo (fold)", () => {
  const ny = "America/New_York";
  const w = (s: string) => {
    const [d, t] = s.split("T");
    const [year, month, day] = d.split("-").map(Number);
    const [hour, minute] = t.split(":").map(Number);
    return { year, month, day, hour, minute, second: 0, ms: 0 };
  };
  assert.equal(new Date(fromWall(ny, w("2026-03-08T02:30"), 0)).toISOString(), "2026-03-08T07:30:00.000Z"); // gap
  assert.equal(new Date(fromWall(ny, w("2026-11-01T01:30"), 0)).toISOString(), "2026-11-01T05:30:00.000Z"); // overlap, first
  assert.equal(new Date(fromWall(ny, w("2026-11-01T01:30"), 1)).toISOString(), "2026-11-01T06:30:00.000Z"); // overlap, second
  assert.deepEqual(toWall(ny, Date.parse("2026-11-01T06:30:00Z")), w("2026-11-01T01:30"));
  assert.equal(new Date(fromWall(-18000, w("2025-01-15T07:00"))).toISOString(), "2025-01-15T12:00:00.000Z");
});

test("rrule: several byeaster offsets are a union; with bysetpos they are refused as unsupported", () => {
  const dtstart = new Date("2025-01-01T10:00:00Z");
  const easter = rrule({ freq: "YEARLY", dtstart, byeaster: [0, 1] });
  assert.deepEqual(iso(nextRuns(easter, 3, { after: dtstart })), [
    "2025-04-20T10:00:00Z",
    "2025-04-21T10:00:00Z",
    "2026-04-05T10:00:00Z",
  ]);
  const counted = rrule({ freq: "YEARLY", dtstart, byeaster: [1, 0], count: 3 });
  assert.deepEqual(iso(nextRuns(counted, 5, { after: dtstart })), [
    "2025-04-20T10:00:00Z",
    "2025-04-21T10:00:00Z",
    "2026-04-05T10:00:00Z",
  ]);
  assert.throws(
    () => rrule({ freq: "YEARLY", dtstart, byeaster: [0, 1], bysetpos: 1 }),
    UnsupportedScheduleError,
  );
});

test("an entry previews from its stored last run, in the zone it was stored in", () => {
  const lastRunAt = new ZonedDate(Date.parse("2025-01-15T07:20:00Z"), "Asia/Kolkata");
  const entry = { name: "e", task: "t", schedule: interval(3600, { relative: true }), lastRunAt };
  // 12:50 Kolkata + 1 h rounds to 13:00 Kolkata = 07:30Z; later runs are in the beat zone (UTC).
  assert.deepEqual(iso(nextRuns(entry as never, 2)), ["2025-01-15T07:30:00Z", "2025-01-15T08:00:00Z"]);
  assert.deepEqual(iso(nextRuns(interval(60), 1, { now: new Date("2025-01-15T00:00:00Z") })), [
    "2025-01-15T00:01:00Z",
  ]);
});
