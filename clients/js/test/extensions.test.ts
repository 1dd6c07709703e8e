/** The extension profile: encoding (the Python SDK's bytes), checks, previews and the client against Redis. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CorruptEntry,
  ValidationError,
  ZonedDate,
  crontab,
  encodeDefinition,
  encodeExtensions,
  interval,
  jitterOffset,
  nextRuns,
  oneOff,
  rrule,
  type EntryInput,
} from "../src/index.js";
import { isCI, venvPython } from "./helpers/paths.js";
import { clientForSuite } from "./helpers/suite.js";
import { redisMissing } from "./helpers/topology.js";

const T0 = new Date("2025-01-15T12:00:00Z");

/** Entries with every extension, and the same entries as the Python SDK's constructor arguments. */
const SAMPLES: Array<{ entry: EntryInput; python: string; tz: string }> = [
  {
    entry: {
      name: "invoices",
      task: "t",
      schedule: crontab({ minute: 0, hour: 9 }),
      extensions: {
        timezone: "Europe/Berlin",
        startAt: new Date("2025-01-01T00:00:00Z"),
        endAt: new ZonedDate(Date.parse("2025-12-31T23:59:59Z"), "UTC"),
        jitter: 30000,
        catchUp: "skip",
        labels: { tenant: "acme", team: "billing" },
        description: "monthly invoices – ünïcode",
      },
    },
    python: `Entry(name="invoices", task="t", schedule=Crontab(minute=0, hour=9), extensions=Extensions(
      timezone="Europe/Berlin", start_at=datetime(2025, 1, 1, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin")),
      end_at=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), jitter=30, catch_up="skip",
      labels={"tenant": "acme", "team": "billing"}, description="monthly invoices \\u2013 \\u00fcn\\u00efcode"))`,
    tz: "UTC",
  },
  {
    entry: {
      name: "launch",
      task: "t",
      schedule: oneOff(new ZonedDate(Date.parse("2025-02-01T08:00:00Z"), "Europe/Paris"), {
        deleteAfterRun: true,
      }),
    },
    python: `Entry(name="launch", task="t", schedule=OneOff(datetime(2025, 2, 1, 9, tzinfo=ZoneInfo("Europe/Paris")), delete_after_run=True))`,
    tz: "UTC",
  },
  {
    entry: {
      name: "window",
      task: "t",
      schedule: interval(60),
      extensions: { startAt: new Date("2025-03-01T12:00:00.250Z"), catchUp: 3600 },
    },
    python: `Entry(name="window", task="t", schedule=Interval(60), extensions={"start_at": datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC).astimezone(ZoneInfo("America/New_York")), "catch_up": 3600})`,
    tz: "America/New_York",
  },
];

/** What the Python SDK writes for each sample: [definition, extensions] texts. */
function pythonTexts(): Array<[string, string | null]> | null {
  if (!existsSync(venvPython())) {
    if (isCI) throw new Error(`no Python venv at ${venvPython()} (make venv)`);
    return null;
  }
  const script = [
    "import json",
    "from datetime import datetime, timezone",
    "from zoneinfo import ZoneInfo",
    "from redbeat_sdk import Entry, Crontab, Interval",
    "from redbeat_sdk.extensions import Extensions",
    "from redbeat_sdk.schedules import OneOff",
    "from redbeat_sdk import codec",
    "UTC = timezone.utc",
    "NOW = datetime(2025, 1, 15, 12, tzinfo=UTC)",
    "out = []",
    ...SAMPLES.map(
      (s) =>
        `e = ${s.python.replace(/\n\s*/g, " ")}; tz = ZoneInfo(${JSON.stringify(s.tz)}); out.append([codec.encode_definition(codec.definition_wire(e, NOW, tz)), codec.encode_extensions(e, tz)])`,
    ),
    "print(json.dumps(out))",
  ].join("\n");
  const run = spawnSync(venvPython(), ["-c", script], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as Array<[string, string | null]>;
}

describe("the extensions field", () => {
  test("is encoded byte for byte as the Python SDK encodes it, definition included", () => {
    const python = pythonTexts();
    if (python === null) return;
    SAMPLES.forEach((s, i) => {
      assert.equal(encodeDefinition(s.entry, s.tz), python[i][0], s.entry.name);
      assert.equal(encodeExtensions(s.entry, s.tz), python[i][1], s.entry.name);
    });
  });

  test("an entry without extensions has no field", () => {
    assert.equal(encodeExtensions({ name: "a", task: "t", schedule: interval(5) }), null);
    assert.equal(encodeExtensions({ name: "a", task: "t", schedule: interval(5), extensions: {} }), null);
  });

  test("bad extensions are refused at the Python SDK's field paths", () => {
    const cases: Array<[Record<string, unknown>, string, RegExp?]> = [
      [{ timezone: "Nope/Zone" }, "extensions.timezone", /unknown IANA time zone 'Nope\/Zone'/],
      [{ jitter: 0 }, "extensions.jitter"],
      [{ jitter: 0.5 }, "extensions.jitter", /whole milliseconds/],
      [{ jitter: 86_400_001 }, "extensions.jitter"],
      [{ catchUp: 0 }, "extensions.catch_up"],
      [{ catchUp: "x" }, "extensions.catch_up"],
      [{ catchUp: 40_000_000 }, "extensions.catch_up", /at most 31536000/],
      [{ labels: { "bad key": "x" } }, "extensions.labels", /key 'bad key'/],
      [{ labels: { k: "bad value" } }, "extensions.labels.k"],
      [{ labels: Object.fromEntries([...Array(65).keys()].map((i) => [`k${i}`, "v"])) }, "extensions.labels"],
      [{ description: "x".repeat(1001) }, "extensions.description"],
      [{ description: 5 }, "extensions.description"],
      [
        { startAt: new Date("2025-02-01T00:00:00Z"), endAt: new Date("2025-01-01T00:00:00Z") },
        "extensions.end_at",
        /must not be before start_at/,
      ],
      [{ foo: 1 }, "extensions.foo", /unknown extension/],
      [{ startAt: "2025" }, "extensions.start_at"],
    ];
    for (const [extensions, path, reason] of cases) {
      const entry = { name: "a", task: "t", schedule: interval(5), extensions } as EntryInput;
      assert.throws(
        () => encodeExtensions(entry),
        (e: unknown) => e instanceof ValidationError && e.path === path && (!reason || reason.test(e.reason)),
        path,
      );
    }
    assert.throws(
      () => oneOff(new Date("2025-01-01T00:00:00.005Z")),
      (e: unknown) => e instanceof ValidationError && e.path === "at",
    );
  });

  test("jitter is the README's offset: demo at 2025-01-15T12:00:00Z with 60 s is 5057 ms", () => {
    assert.equal(jitterOffset("demo", T0.getTime(), 60000), 5057);
    assert.equal(jitterOffset("demo", T0.getTime(), 0), 0);
  });

  test("nextRuns honours the entry's zone, window and jitter", () => {
    const entry: EntryInput = {
      name: "tokyo",
      task: "t",
      schedule: crontab({ minute: 0, hour: 9 }),
      extensions: { timezone: "Asia/Tokyo", startAt: new Date("2025-01-20T00:00:00Z") },
    };
    const runs = nextRuns(entry, 2, { now: T0, tz: "UTC" });
    assert.deepEqual(
      runs.map((d) => d.toISOString()),
      ["2025-01-20T00:00:00.000Z", "2025-01-21T00:00:00.000Z"],
    );
    assert.equal((runs[0] as ZonedDate).timezone, "Asia/Tokyo");
    // a zoned rrule keeps 09:00 New York across the spring change
    const daily: EntryInput = {
      name: "ny",
      task: "t",
      schedule: rrule({ freq: "DAILY", dtstart: new Date("2025-03-07T14:00:00Z") }),
      extensions: { timezone: "America/New_York" },
    };
    const after = new Date("2025-03-08T15:00:00Z");
    assert.deepEqual(
      nextRuns(daily, 2, { after, now: after }).map((d) => d.toISOString()),
      ["2025-03-09T13:00:00.000Z", "2025-03-10T13:00:00.000Z"],
    );
  });
});

describe("RedBeatClient with extensions", { skip: redisMissing() }, () => {
  const db = clientForSuite({ clock: () => T0 });

  const labelled = (name: string, labels: Record<string, string>): EntryInput => ({
    name,
    task: "t",
    schedule: interval(60),
    extensions: { labels },
  });

  test("save writes the field and the label index; get reads them back", async () => {
    const saved = await db.client.save(SAMPLES[0].entry);
    assert.equal(await db.redis.hGet("redbeat:invoices", "extensions"), encodeExtensions(SAMPLES[0].entry));
    assert.deepEqual((await db.redis.zRange("redbeat::labels", 0, -1)).sort(), [
      "team=billing\nredbeat:invoices",
      "tenant=acme\nredbeat:invoices",
    ]);
    // scored at 09:00 Berlin (jitter added), not 09:00 UTC
    const nominal = Date.parse("2025-01-16T08:00:00Z");
    assert.equal(saved.score, Math.floor((nominal + jitterOffset("invoices", nominal, 30000)) / 1000));
    const got = await db.client.get("invoices");
    assert.equal(got.extensions.timezone, "Europe/Berlin");
    assert.equal(got.extensions.startAt?.toISOString(), "2025-01-01T00:00:00.000Z");
    assert.equal((got.extensions.startAt as ZonedDate).timezone, 3600); // its stored offset
    assert.deepEqual(got.extensions.labels, { tenant: "acme", team: "billing" });
    assert.equal(got.extensions.catchUp, "skip");
    // a re-save of what was read writes the same bytes
    await db.client.save(got);
    assert.equal(await db.redis.hGet("redbeat:invoices", "extensions"), encodeExtensions(SAMPLES[0].entry));
  });

  test("a one-off is stored as an rrule of one run and reads back as a one-off", async () => {
    await db.client.save(SAMPLES[1].entry);
    const definition = JSON.parse((await db.redis.hGet("redbeat:launch", "definition"))!);
    assert.equal(definition.schedule.count, 1);
    assert.equal(definition.schedule.dtstart, Date.parse("2025-02-01T08:00:00Z") / 1000);
    const got = await db.client.get("launch");
    assert.equal(got.schedule.__type__, "one_off");
    assert.equal(got.schedule.__type__ === "one_off" && got.schedule.deleteAfterRun, true);
    assert.equal(got.score, Date.parse("2025-02-01T08:00:00Z") / 1000);
  });

  test("list({labels}) finds entries through the index; re-save and delete keep it right", async () => {
    await db.client.saveMany([
      labelled("a", { tenant: "acme", team: "x" }),
      labelled("b", { tenant: "acme" }),
      labelled("c", { tenant: "other" }),
    ]);
    const names = async (labels: Record<string, string>) => {
      const out: string[] = [];
      for await (const e of db.client.list({ labels })) out.push(e.name);
      return out.sort();
    };
    assert.deepEqual(await names({ tenant: "acme" }), ["a", "b"]);
    assert.deepEqual(await names({ tenant: "acme", team: "x" }), ["a"]);
    await db.client.save(labelled("a", { tenant: "other" }));
    assert.deepEqual(await names({ tenant: "acme" }), ["b"]);
    await db.client.save({ name: "b", task: "t", schedule: interval(60) }); // extensions removed
    assert.equal(await db.redis.hExists("redbeat:b", "extensions"), 0);
    assert.deepEqual(await names({ tenant: "acme" }), []);
    await db.redis.lPush("redbeat::history:c", "{}");
    assert.equal(await db.client.delete("c"), true);
    assert.deepEqual(await names({ tenant: "other" }), ["a"]);
    assert.equal(await db.redis.exists("redbeat::history:c"), 0);
    assert.deepEqual(await db.redis.zRange("redbeat::labels", 0, -1), ["tenant=other\nredbeat:a"]);
    await assert.rejects(
      names({ "bad key": "x" }),
      (e: unknown) => e instanceof ValidationError && e.path === "labels",
    );
  });

  test("history() reads the scheduler's records, newest first; a bad one is CorruptEntry", async () => {
    await db.client.save(labelled("h", { k: "v" }));
    assert.deepEqual(await db.client.history("h"), []);
    const record = (task: string, due: string | null, late: number | null) =>
      JSON.stringify({
        due,
        recorded: "2025-01-15T12:00:01.5Z",
        task_id: task,
        lateness_ms: late,
        beat: "b",
      });
    await db.redis.lPush("redbeat::history:h", [
      record("1", null, null),
      record("2", "2025-01-15T13:00:00+01:00", 1500),
    ]);
    const history = await db.client.history("h");
    assert.deepEqual(
      history.map((r) => [r.taskId, r.due?.toISOString() ?? null, r.latenessMs, r.recorded.toISOString()]),
      [
        ["2", "2025-01-15T12:00:00.000Z", 1500, "2025-01-15T12:00:01.500Z"],
        ["1", null, null, "2025-01-15T12:00:01.500Z"],
      ],
    );
    assert.equal((await db.client.history("h", { limit: 1 })).length, 1);
    await db.redis.lPush("redbeat::history:h", '{"due": 5}');
    await assert.rejects(
      db.client.history("h"),
      (e: unknown) => e instanceof CorruptEntry && e.key === "redbeat::history:h",
    );
  });

  test("an extensions field that breaks the profile makes the entry corrupt", async () => {
    await db.client.save(labelled("x", { k: "v" }));
    await db.redis.hSet("redbeat:x", "extensions", '{"version": 2}');
    await assert.rejects(
      db.client.get("x"),
      (e: unknown) => e instanceof CorruptEntry && /^extensions\.version/.test(e.reason),
    );
  });
});
