/**
 * What the reader takes from stored data at the edges of the contract (schema/README.md): nulls upstream
 * reads as missing, integers written as one within the signed 64-bit range (JSON.parse alone cannot tell
 * 1.0 or 1e308 from an integer), dates and offsets a datetime holds, intervals a timedelta holds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEntry, decodeMeta } from "../src/codec.js";
import { CorruptEntry } from "../src/errors.js";
import { parseStoredJson, numberText } from "../src/storedjson.js";

const KEY = "redbeat:job";
const NOW = Date.UTC(2026, 0, 5, 12);
const LAST_RUN =
  '{"__type__": "datetime", "year": 2026, "month": 1, "day": 5, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}';
const RRULE = '{"__type__": "rrule", "freq": 3, "interval": 1, "dtstart": 1767225600, "dtstart_tz": 0}';
const INTERVAL = '{"__type__": "interval", "every": 60.0, "relative": false}';

/** A definition's JSON text; `raw` members replace the defaults as written (number texts kept). */
function definition(schedule = INTERVAL, raw: Record<string, string> = {}): string {
  const members: Record<string, string> = {
    name: '"job"',
    task: '"tasks.ping"',
    args: "null",
    kwargs: "{}",
    options: "{}",
    schedule,
    enabled: "true",
    ...raw,
  };
  return (
    "{" +
    Object.entries(members)
      .map(([k, v]) => `"${k}": ${v}`)
      .join(", ") +
    "}"
  );
}

const meta = (count = "3") => `{"last_run_at": ${LAST_RUN}, "total_run_count": ${count}}`;
const read = (def: string, metaText = meta()) => decodeEntry(KEY, "job", def, metaText, null, NOW);

function refused(fn: () => unknown, path: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CorruptEntry, String(e));
    assert.equal(e.key, KEY);
    assert.ok(new RegExp(`^${path.replace(/\./g, "\\.")}[:.]`).test(e.reason), e.reason);
    return true;
  });
}

test("a null name, rrule dtstart and offsets, relative and run count read as missing ones", () => {
  assert.equal(read(definition(INTERVAL, { name: "null" })).name, "job");
  const nulls = RRULE.replace("1767225600", "null").replace('"dtstart_tz": 0', '"dtstart_tz": null');
  const missing = '{"__type__": "rrule", "freq": 3, "interval": 1}';
  assert.deepEqual(read(definition(nulls)).schedule, read(definition(missing)).schedule);
  assert.equal((read(definition(nulls)).schedule as { dtstart: number }).dtstart, NOW / 1000);
  const until = RRULE.replace("}", ', "until": 1767312000, "until_tz": null}');
  assert.equal((read(definition(until)).schedule as { until_tz: number }).until_tz, 0);
  const relative = '{"__type__": "interval", "every": 60.0, "relative": null}';
  assert.deepEqual(read(definition(relative)).schedule, { __type__: "interval", every: 60, relative: false });
  assert.equal(read(definition(), meta("null")).totalRunCount, 0);
});

test("an integer field takes JSON digits within the signed 64-bit range", () => {
  assert.equal(decodeMeta(KEY, meta("0")).totalRunCount, 0);
  assert.equal(decodeMeta(KEY, meta("9223372036854775807")).totalRunCount, 2 ** 63); // as near as a double gets
  for (const count of [
    "3.0",
    "3e0",
    "1E2",
    "1e308",
    "1e-400",
    "9223372036854775808",
    "18446744073709551616",
  ]) {
    refused(() => decodeMeta(KEY, meta(count)), "meta.total_run_count");
  }
  for (const [field, value] of [
    ["interval", "1e308"],
    ["interval", "2.0"],
    ["freq", "3.0"],
    ["freq", "1e-400"],
    ["count", "9223372036854775808"],
  ]) {
    const rule = RRULE.replace("}", `, "${field}": ${value}}`)
      .replace(`"${field}": 3, `, "")
      .replace(`"${field}": 1, `, "");
    refused(() => read(definition(rule)), `definition.schedule.${field}`);
  }
  refused(
    () => read(definition(), meta().replace('"minute": 0', '"minute": 0.0')),
    "meta.last_run_at.minute",
  );
  refused(() => read(definition('{"__type__": "crontab", "minute": 5.0}')), "definition.schedule.minute");
});

test("numbers elsewhere keep JSON.parse's reading: floats in task data, big integers in args", () => {
  const entry = read(definition(INTERVAL, { args: "[1.0, 2.5e3, 18446744073709551616]" }));
  assert.deepEqual(entry.args, [1, 2500, 18446744073709552000]);
  const parsed = parseStoredJson('{"a": [1.0, 7], "b": 12345678901234567, "c": 5}') as {
    a: number[];
    b: number;
  };
  assert.equal(numberText(parsed.a, 0), "1.0");
  assert.equal(numberText(parsed.a, 1), undefined); // short digits need no text
  assert.equal(numberText(parsed, "b"), "12345678901234567");
  assert.deepEqual(parseStoredJson('{"a": 1, "a": 2.0}'), { a: 2 }); // the last duplicate wins, as JSON.parse
  assert.throws(() => parseStoredJson("[1e400]"), /too large for a double/);
  assert.throws(() => parseStoredJson("[1.0,]"), SyntaxError);
});

test("stamps, offsets and intervals beyond what a datetime and a timedelta hold are corrupt", () => {
  for (const [field, value] of [
    ["dtstart", "253402300800"],
    ["dtstart", "-62135596801"],
    ["dtstart", "123456789012345678901234567890"],
    ["dtstart", "9007199254740993"],
    ["dtstart_tz", "1440"],
    ["dtstart_tz", "1e308"],
    ["dtstart_tz", "-2147483648"],
  ]) {
    const rule = RRULE.replace(new RegExp(`"${field}": [-0-9]+`), `"${field}": ${value}`);
    refused(() => read(definition(rule)), `definition.schedule.${field}`);
  }
  const shifted = RRULE.replace("1767225600", "253402300799").replace(
    '"dtstart_tz": 0',
    '"dtstart_tz": 60.0',
  );
  refused(() => read(definition(shifted)), "definition.schedule.dtstart");
  for (const every of ["86400000000000", "1e308", "123456789012345678901234567890"]) {
    refused(
      () => read(definition(`{"__type__": "interval", "every": ${every}, "relative": false}`)),
      "definition.schedule",
    );
    refused(() => read(definition(every)), "definition.schedule");
  }
});
