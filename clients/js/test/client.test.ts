/** RedBeatClient operations against a real Redis, with a frozen clock. */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ConcurrentModification,
  ConflictError,
  CorruptEntry,
  EntryNotFound,
  RedBeatClient,
  RedBeatConnectionError,
  ValidationError,
  crontab,
  interval,
  rrule,
  type Entry,
} from "../src/index.js";
import { Topology, redisForSuite, redisMissing } from "./helpers/topology.js";
import { loadUpstreamVectors } from "./helpers/vectors.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const T0s = T0.getTime() / 1000;
const META_T0 =
  '{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}}';

describe("RedBeatClient", { skip: redisMissing() }, () => {
  const db = redisForSuite();
  let now: Date;
  let client: RedBeatClient;

  beforeEach(async () => {
    await db.redis.flushAll();
    now = T0;
    client = new RedBeatClient(db.redis, { clock: () => now });
  });

  const raw = async (key: string) => ({
    definition: await db.redis.hGet(key, "definition"),
    meta: await db.redis.hGet(key, "meta"),
    score: await db.redis.zScore("redbeat::schedule", key),
  });

  test("a first save writes definition, meta {last_run_at: now} in UTC and the score from it", async () => {
    const saved = await client.save({
      name: "every-5",
      task: "tasks.add",
      schedule: interval(5),
      args: [1, 2],
    });
    const got = await raw("redbeat:every-5");
    assert.equal(got.meta, META_T0);
    assert.equal(got.score, T0s + 5);
    assert.deepEqual(
      {
        lastRunAt: saved.lastRunAt?.toISOString(),
        zone: saved.lastRunAt?.timezone,
        totalRunCount: saved.totalRunCount,
        score: saved.score,
        key: saved.key,
      },
      { lastRunAt: T0.toISOString(), zone: "UTC", totalRunCount: 0, score: T0s + 5, key: "redbeat:every-5" },
    );
  });

  test("a re-save keeps the stored meta and scores from the stored last run", async () => {
    await client.save({ name: "c", task: "t", schedule: interval(60) });
    now = new Date(T0.getTime() + 3_600_000);
    await client.save({ name: "c", task: "t2", schedule: crontab({ minute: "*/15" }) });
    const got = await raw("redbeat:c");
    assert.equal(got.meta, META_T0);
    assert.equal(got.score, T0s + 15 * 60); // next quarter hour after the stored run, not after now
    assert.match(got.definition!, /"task": "t2"/);
  });

  test("a re-save over never-run meta scores now", async () => {
    await db.redis.hSet("redbeat:n", {
      definition: "{}",
      meta: '{"last_run_at": null, "total_run_count": 2}',
    });
    now = new Date(T0.getTime() + 1234);
    const saved = await client.save({ name: "n", task: "t", schedule: interval(60) });
    assert.equal((await raw("redbeat:n")).score, T0s + 1);
    assert.equal(saved.totalRunCount, 2);
    assert.equal(saved.lastRunAt, null);
  });

  test("get returns the entry with lastRunAt, totalRunCount and score", async () => {
    await client.save({
      name: "g",
      task: "t",
      schedule: rrule({ freq: "HOURLY", dtstart: T0 }),
      kwargs: { when: new Date("2025-02-01T00:00:00Z") },
    });
    await db.redis.hSet("redbeat:g", "meta", META_T0.replace("}}", '}, "total_run_count": 7}'));
    const e = await client.get("g");
    assert.equal(e.task, "t");
    assert.equal(e.lastRunAt?.toISOString(), T0.toISOString());
    assert.equal(e.totalRunCount, 7);
    assert.equal(e.score, T0s + 3600);
    assert.equal(e.enabled, true);
    assert.equal((e.kwargs.when as Date).toISOString(), "2025-02-01T00:00:00.000Z");
    assert.equal(e.schedule.__type__, "rrule");
  });

  test("get of a missing entry throws EntryNotFound; a corrupt one CorruptEntry", async () => {
    await assert.rejects(
      client.get("nope"),
      (e: unknown) => e instanceof EntryNotFound && e.key === "redbeat:nope",
    );
    await db.redis.hSet("redbeat:bad", "definition", "{not json");
    await assert.rejects(client.get("bad"), CorruptEntry);
    await db.redis.hSet(
      "redbeat:extra",
      "definition",
      '{"name": "extra", "task": "t", "description": "x", "schedule": 5}',
    );
    await assert.rejects(
      client.get("extra"),
      (e: unknown) => e instanceof CorruptEntry && /description/.test(e.reason),
    );
  });

  test("list walks the schedule in score order, reports corrupt and missing hashes and goes on", async () => {
    now = T0;
    await client.saveMany([
      { name: "b", task: "t", schedule: interval(20) },
      { name: "a", task: "t", schedule: interval(10) },
      { name: "c", task: "t", schedule: interval(30) },
    ]);
    await db.redis.zAdd("redbeat::schedule", [
      { score: T0s + 15, value: "redbeat:ghost" },
      { score: T0s + 16, value: "redbeat:broken" },
    ]);
    await db.redis.hSet("redbeat:broken", "definition", "{not json");
    const problems: CorruptEntry[] = [];
    const small = new RedBeatClient(db.redis, { clock: () => now, batchSize: 2 });
    const names: string[] = [];
    for await (const e of small.list({ onError: (p) => problems.push(p) })) names.push(e.name);
    assert.deepEqual(names, ["a", "b", "c"]);
    assert.deepEqual(problems.map((p) => p.key).sort(), ["redbeat:broken", "redbeat:ghost"]);
  });

  test("a field that is not UTF-8, or JSON nested deeper than 128 levels, is corrupt: reported, never replaced", async () => {
    await client.save({ name: "ok", task: "t", schedule: interval(60), args: ["x"] });
    const def = (await db.redis.hGet("redbeat:ok", "definition"))!;
    const meta = (await db.redis.hGet("redbeat:ok", "meta"))!;
    const nested = (depth: number, name: string) =>
      def
        .replace('["x"]', "[".repeat(depth) + "]".repeat(depth))
        .replace('"name": "ok"', `"name": "${name}"`);
    const bytes = (text: string, marker: string, bad: number[]) => {
      const [head, tail] = text.split(marker);
      return Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]);
    };
    const stored: Record<string, [string | Buffer, string | Buffer]> = {
      "bad-def": [bytes(def, '"x"', [0x22, 0x78, 0xff, 0x22]), meta],
      "bad-meta": [def, bytes(meta, '"UTC"', [0x22, 0x55, 0xc3, 0x28, 0x22])],
      deep: [nested(129, "deep"), meta],
      "deep-ok": [nested(127, "deep-ok"), meta], // with the definition's own object: 128 levels
    };
    for (const [name, [d, m]] of Object.entries(stored)) {
      await db.redis.hSet(`redbeat:${name}`, { definition: d, meta: m });
      await db.redis.zAdd("redbeat::schedule", { score: 1, value: `redbeat:${name}` });
    }
    const seen: Record<string, string> = {};
    for await (const e of client.list({ onError: (p) => (seen[p.key.slice(8)] = p.reason) }))
      seen[e.name] = "read";
    assert.deepEqual(seen, {
      ok: "read",
      "deep-ok": "read",
      "bad-def": "definition: not valid UTF-8",
      "bad-meta": "meta: not valid UTF-8",
      deep: "definition: JSON nested deeper than 128 levels",
    });
    await assert.rejects(
      client.get("bad-def"),
      (e: CorruptEntry) => e.reason === "definition: not valid UTF-8",
    );
    await assert.rejects(client.disable("bad-meta"), CorruptEntry);
  });

  test("delete removes the hash and the schedule member together", async () => {
    await client.save({ name: "d", task: "t", schedule: interval(5) });
    assert.equal(await client.delete("d"), true);
    assert.equal(await db.redis.exists("redbeat:d"), 0);
    assert.equal(await db.redis.zScore("redbeat::schedule", "redbeat:d"), null);
    assert.equal(await client.delete("d"), false);
  });

  test("disable changes only `enabled`, byte for byte; enable re-scores from stored meta", async () => {
    // As an external writer stored it: int `every`, a 1.0 in args, enabled absent, odd key order.
    const def =
      '{"task": "t", "args": [1.0, {"enabled": true}], "schedule": {"__type__": "interval", "every": 5, "relative": false}, "name": "x"}';
    await db.redis.hSet("redbeat:x", { definition: def, meta: META_T0 });
    await db.redis.zAdd("redbeat::schedule", { score: 0, value: "redbeat:x" });
    await client.disable("x");
    assert.equal((await raw("redbeat:x")).definition, def.slice(0, -1) + ', "enabled": false}');
    assert.equal((await raw("redbeat:x")).score, 0);
    assert.equal((await raw("redbeat:x")).meta, META_T0);
    now = new Date(T0.getTime() + 60_000);
    await client.enable("x");
    const got = await raw("redbeat:x");
    assert.equal(got.definition, def.slice(0, -1) + ', "enabled": true}');
    assert.equal(got.score, T0s + 5);
    assert.equal((await client.get("x")).enabled, true);
    await assert.rejects(client.disable("missing"), EntryNotFound);
  });

  test("runNow sets last_run_at null keeping total_run_count and scores now", async () => {
    await client.save({ name: "r", task: "t", schedule: crontab({ minute: 0, hour: 4 }) });
    await db.redis.hSet("redbeat:r", "meta", META_T0.replace("}}", '}, "total_run_count": 3}'));
    now = new Date(T0.getTime() + 90_500);
    await client.runNow("r");
    const got = await raw("redbeat:r");
    assert.equal(got.meta, '{"last_run_at": null, "total_run_count": 3}');
    assert.equal(got.score, T0s + 90);
    await assert.rejects(client.runNow("missing"), EntryNotFound);
  });

  test("invalid input is refused with the field path before anything is written", async () => {
    const cases: Array<[unknown, string]> = [
      [
        {
          name: "v",
          task: "t",
          schedule: {
            __type__: "crontab",
            minute: "5/15",
            hour: "*",
            day_of_week: "*",
            day_of_month: "*",
            month_of_year: "*",
          },
        },
        "schedule.minute",
      ],
      [
        {
          name: "v",
          task: "t",
          schedule: {
            __type__: "crontab",
            minute: 61,
            hour: "*",
            day_of_week: "*",
            day_of_month: "*",
            month_of_year: "*",
          },
        },
        "schedule.minute",
      ],
      [
        { name: "v", task: "t", schedule: { __type__: "interval", every: 0, relative: false } },
        "schedule.every",
      ],
      [{ name: "v", task: "t", schedule: { __type__: "interval", every: 5 } }, "schedule.relative"],
      [{ name: "v", task: "", schedule: interval(5) }, "task"],
      [{ name: "v", task: "t", schedule: interval(5), kwargs: [] }, "kwargs"],
      [{ name: "v", task: "t", schedule: interval(5), args: [1, NaN] }, "args[1]"],
      [{ name: "v", task: "t", schedule: interval(5), description: "x" }, "description"],
      [{ name: ":schedule", task: "t", schedule: interval(5) }, "name"],
      [{ name: "", task: "t", schedule: interval(5) }, "name"],
    ];
    for (const [entry, path] of cases) {
      await assert.rejects(
        client.saveMany([{ name: "ok", task: "t", schedule: interval(5) }, entry as never]),
        (e: unknown) => e instanceof ValidationError && e.path === `[1].${path}`,
        `expected a ValidationError at [1].${path} for ${JSON.stringify(entry)}`,
      );
      await assert.rejects(
        client.save(entry as never),
        (e: unknown) => e instanceof ValidationError && e.path === path,
        `save: expected a ValidationError at ${path} for ${JSON.stringify(entry)}`,
      );
    }
    assert.deepEqual(await db.redis.keys("*"), []);
  });

  test("saveMany writes every entry atomically and scores each one", async () => {
    const entries = Array.from({ length: 1200 }, (_, i) => ({
      name: `e${i}`,
      task: "t",
      schedule: interval(i + 1),
    }));
    const saved: Entry[] = await client.saveMany(entries);
    assert.equal(saved.length, 1200);
    assert.equal(await db.redis.zCard("redbeat::schedule"), 1200);
    assert.equal(await db.redis.zScore("redbeat::schedule", "redbeat:e1199"), T0s + 1200);
  });

  test("the same name twice in one batch: the second is scored from the first's meta", async () => {
    now = T0;
    const saved = await client.saveMany([
      { name: "dup", task: "t1", schedule: interval(10) },
      { name: "dup", task: "t2", schedule: interval(20) },
    ]);
    const got = await raw("redbeat:dup");
    assert.match(got.definition!, /"task": "t2"/);
    assert.equal(got.score, T0s + 20);
    assert.equal(saved[1].score, T0s + 20);
  });

  test("the beat timezone decides crontab scores", async () => {
    const ny = new RedBeatClient(db.redis, { timezone: "America/New_York", clock: () => T0 });
    await ny.save({ name: "nine", task: "t", schedule: crontab({ minute: 0, hour: 9 }) });
    assert.equal((await raw("redbeat:nine")).score, Date.parse("2025-01-15T14:00:00Z") / 1000);
    assert.throws(() => new RedBeatClient(db.redis, { timezone: "Mars/Olympus" }), ValidationError);
  });

  test("an exhausted rrule scores -1", async () => {
    await client.save({
      name: "once",
      task: "t",
      schedule: rrule({ freq: "MINUTELY", dtstart: new Date(T0.getTime() - 3_600_000), count: 1 }),
    });
    assert.equal((await raw("redbeat:once")).score, -1);
  });

  test("reads what upstream wrote (its external-writer records)", async () => {
    const vectors = loadUpstreamVectors();
    const readable = [
      "external_definition_only_score_0",
      "external_minimal_definition_crontab",
      "external_meta_null_last_run_at",
      "external_name_mismatch",
      "external_no_name",
      "external_datetime_variants_in_meta",
      "external_disabled_due",
      "external_negative_score",
      "external_future_score_peek",
    ];
    const refused = [
      "external_interval_missing_relative",
      "external_invalid_json",
      "external_meta_without_last_run_at",
      "external_unknown_definition_field",
      "external_unknown_schedule_type",
    ];
    for (const name of [...readable, ...refused]) {
      await db.redis.flushAll();
      const before = vectors.get(name)!.redis_before as Record<string, { type: string; value: unknown }>;
      for (const [key, v] of Object.entries(before)) {
        if (v.type === "hash") await db.redis.hSet(key, v.value as Record<string, string>);
        else
          for (const [m, s] of v.value as [string, number][])
            await db.redis.zAdd(key, { score: s, value: m });
      }
      const problems: CorruptEntry[] = [];
      const listed: Entry[] = [];
      for await (const e of client.list({ onError: (p) => problems.push(p) })) listed.push(e);
      if (readable.includes(name))
        assert.equal(listed.length, 1, `${name}: ${problems.map((p) => p.message).join("; ")}`);
      else assert.equal(problems.length, 1, `${name} should be reported corrupt`);
    }
    await db.redis.flushAll();
    await db.redis.hSet(
      "redbeat:dtv",
      vectors.get("external_datetime_variants_in_meta")!.redis_before!["redbeat:dtv" as never]["value"],
    );
    const dtv = await client.get("dtv");
    assert.equal(dtv.lastRunAt?.toISOString(), "2025-01-15T11:59:00.000Z"); // 12:59 at +3600 s
    assert.equal(dtv.schedule.__type__ === "interval" && dtv.schedule.every, 5);
  });

  test("datetimes keep the zone and microseconds they were stored with through get and save", async () => {
    const when =
      '{"__type__": "datetime", "year": 2025, "month": 2, "day": 1, "hour": 8, "minute": 30, "second": 0, "microsecond": 123456, "timezone": "America/New_York"}';
    const fixed =
      '{"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 6, "minute": 59, "second": 30, "microsecond": 0, "timezone": -18000.0}';
    const def = `{"name": "z", "task": "t", "args": [${fixed}], "kwargs": {"when": ${when}}, "options": {}, "schedule": {"__type__": "interval", "every": 60.0, "relative": false}, "enabled": true}`;
    await db.redis.hSet("redbeat:z", { definition: def, meta: `{"last_run_at": ${when}}` });
    const e = await client.get("z");
    assert.equal(e.lastRunAt?.timezone, "America/New_York");
    assert.equal(e.lastRunAt?.microsecond, 123456);
    assert.equal(e.lastRunAt?.toISOString(), "2025-02-01T13:30:00.123Z");
    await client.save(e);
    assert.equal(await db.redis.hGet("redbeat:z", "definition"), def);
  });

  test("a concurrent meta change is detected and the save re-scored", async () => {
    // Seed a meta the client does not expect: the first attempt conflicts, the second scores from it.
    await db.redis.hSet("redbeat:cc", {
      definition: "{}",
      meta: META_T0.replace('"hour": 12', '"hour": 11'),
    });
    const saved = await client.save({ name: "cc", task: "t", schedule: interval(60) });
    assert.equal(saved.score, T0s - 3600 + 60);
  });

  test("an entry that changes before every attempt ends in ConflictError, the last attempt unwritten", async () => {
    await client.save({ name: "busy", task: "t", schedule: interval(60) });
    // A beat that records a run between each read and write: every script call first sees a new meta.
    let runs = 0;
    type Call = { keys: string[]; arguments: string[] };
    const busy = {
      eval: (script: string, options: Call) => db.redis.eval(script, options),
      evalSha: async (sha: string, options: Call) => {
        if (options.arguments.length === 6) {
          runs += 1; // an update: a run is recorded just before it
          await db.redis.hSet("redbeat:busy", "meta", META_T0.replace('"second": 0', `"second": ${runs}`));
        }
        return db.redis.evalSha(sha, options);
      },
      zRangeWithScores: (key: string, start: number, stop: number) =>
        db.redis.zRangeWithScores(key, start, stop),
    };
    const racing = new RedBeatClient(busy, { clock: () => now });
    const error = await racing.runNow("busy").catch((e: unknown) => e);
    assert.ok(error instanceof ConflictError);
    assert.equal(error.key, "redbeat:busy");
    assert.equal(runs, 10);
    assert.ok(!(await db.redis.hGet("redbeat:busy", "meta"))!.includes('"last_run_at": null'));
    // The former name stays, deprecated, as the same class.
    assert.equal(ConcurrentModification, ConflictError);
  });
});

describe("connection failures", { skip: redisMissing() }, () => {
  test("a dead server gives RedBeatConnectionError", async () => {
    const server = await Topology.start("single");
    const url = server.url;
    await server.stop();
    await assert.rejects(RedBeatClient.fromUrl(url), RedBeatConnectionError);
  });

  test("fromUrl owns and closes its connection", async () => {
    const server = await Topology.start("single");
    try {
      const client = await RedBeatClient.fromUrl(server.url, { clock: () => T0 });
      await client.save({ name: "u", task: "t", schedule: interval(5) });
      assert.equal((await client.get("u")).score, T0s + 5);
      await client.close();
      await assert.rejects(client.get("u"), RedBeatConnectionError);
    } finally {
      await server.stop();
    }
  });
});
