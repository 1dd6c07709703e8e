/**
 * Bad arguments to the public API, as a caller in plain JavaScript can pass them: each gives the
 * SDK's typed error naming the argument (the same paths and reasons as the Python and Go clients),
 * never a TypeError from inside, and nothing is written.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CorruptEntry,
  InvalidUrlError,
  RedBeatClient,
  RedBeatError,
  UnsupportedScheduleError,
  ValidationError,
  ZonedDate,
  crontab,
  interval,
  nextRuns,
  rrule,
} from "../src/index.js";
import { nextRunsFrom } from "../src/schedules.js";
import { clientForSuite } from "./helpers/suite.js";
import { redisMissing } from "./helpers/topology.js";

const T0 = new Date("2025-01-15T12:00:00Z");

/** Asserts that fn throws (or rejects with) a ValidationError at `path`, with `reason` when given. */
async function refused(fn: () => unknown, path: string, reason?: string | RegExp): Promise<ValidationError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(
    thrown instanceof ValidationError,
    `expected a ValidationError at ${path}, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`,
  );
  assert.equal(thrown.path, path, thrown.message);
  if (typeof reason === "string") assert.equal(thrown.reason, reason);
  else if (reason) assert.match(thrown.reason, reason);
  return thrown;
}

/** A stand-in client the constructor accepts: these tests are refused before it is ever called. */
const unusedRedis = {
  evalSha: () => undefined,
  eval: () => undefined,
  zRangeWithScores: () => undefined,
} as never;

describe("time zones", () => {
  test("an unknown zone in a client option is refused at `timezone`", async () => {
    const redis = unusedRedis;
    const e = await refused(
      () => new RedBeatClient(redis, { timezone: "Nope/Zone" }),
      "timezone",
      "unknown IANA time zone 'Nope/Zone'",
    );
    assert.equal(e.message, "timezone: unknown IANA time zone 'Nope/Zone'");
    // An offset is not a beat timezone (Celery's `timezone` setting is a zone name).
    await refused(() => new RedBeatClient(redis, { timezone: 3600 as never }), "timezone", /IANA zone name/);
  });

  test("an unknown zone in a next-runs call or an rrule builder is refused at `tz`", async () => {
    await refused(
      () => nextRuns(interval(5), 1, { tz: "Nope/Zone" }),
      "tz",
      "unknown IANA time zone 'Nope/Zone'",
    );
    await refused(
      () => rrule({ freq: "DAILY", dtstart: T0, tz: "Nope/Zone" }),
      "tz",
      "unknown IANA time zone 'Nope/Zone'",
    );
    await refused(() => nextRuns(interval(5), 1, { tz: "+01:00" }), "tz", "unknown IANA time zone '+01:00'");
  });
});

describe("preview counts", () => {
  test("a negative count is refused at `n` by every preview entry point; 0 gives no runs", async () => {
    const redis = unusedRedis;
    const client = new RedBeatClient(redis, { clock: () => T0 });
    await refused(() => nextRuns(interval(5), -1, { after: T0 }), "n", "must be >= 0");
    await refused(() => client.nextRuns(interval(5), -1), "n", "must be >= 0");
    await refused(
      () => nextRunsFrom(interval(5), { ms: T0.getTime(), zone: "UTC" }, -1, "UTC"),
      "n",
      "must be >= 0",
    );
    await refused(() => nextRuns(crontab({ minute: 0 }), 1.5, { after: T0 }), "n", /must be an integer/);
    await refused(() => nextRuns(interval(5), "3" as never, { after: T0 }), "n", /must be an integer/);
    assert.deepEqual(nextRuns(interval(5), 0, { after: T0 }), []);
    assert.deepEqual(client.nextRuns(rrule({ freq: "DAILY", dtstart: T0 }), 0), []);
  });

  test("previews check what they are given", async () => {
    await refused(() => nextRuns(null as never, 1), "schedule");
    await refused(() => nextRuns({ name: "x", task: "t" } as never, 1), "schedule", /is required/);
    await refused(
      () => nextRuns({ __type__: "interval", every: -1, relative: false }, 1, { after: T0 }),
      "schedule.every",
    );
    await refused(
      () => nextRuns({ __type__: "sundial" } as never, 1, { after: T0 }),
      "schedule",
      /unknown schedule type/,
    );
    await refused(() => nextRuns(interval(5), 1, { after: new Date(Number.NaN) }), "after", /valid Date/);
    await refused(() => nextRuns(interval(5), 1, { after: "2025-01-01" as never }), "after", /valid Date/);
    await refused(() => nextRuns(interval(5), 1, { timezone: "UTC" } as never), "timezone", /unknown option/);
    await refused(() => nextRuns(interval(5), 1, "UTC" as never), "options", /must be an object/);
  });
});

describe("schedule builders from plain JavaScript", () => {
  test("options objects are checked, unknown keys included", async () => {
    // Python's spelling would else be ignored and the crontab would run every day.
    await refused(
      () => crontab({ day_of_week: "mon" } as never),
      "day_of_week",
      /unknown option \(known: minute, hour, dayOfWeek/,
    );
    await refused(() => crontab(null as never), "options", /must be an object/);
    await refused(() => interval(5, { relative: "yes" } as never), "relative", "must be true or false");
    await refused(() => interval(5, null as never), "options");
    await refused(() => rrule(undefined as never), "freq", /is required/);
    await refused(() => rrule(null as never), "options");
    await refused(() => rrule({ freq: "DAILY", byday: "MO" } as never), "byday", /unknown option/);
  });
});

describe("client arguments", () => {
  const redis = unusedRedis;

  test("constructor options are checked before anything is used", async () => {
    await refused(() => new RedBeatClient(null as never), "redis", /node-redis client/);
    await refused(() => new RedBeatClient("redis://localhost" as never), "redis", /fromUrl/);
    await refused(
      () => new RedBeatClient(redis, "redbeat:" as never),
      "options",
      /must be an object of options, not 'redbeat:'/,
    );
    await refused(() => new RedBeatClient(redis, { keyPrefix: "" }), "keyPrefix", /must not be empty/);
    await refused(() => new RedBeatClient(redis, { keyPrefix: 5 as never }), "keyPrefix", "must be a string");
    await refused(() => new RedBeatClient(redis, { batchSize: 0 }), "batchSize", /positive integer/);
    await refused(() => new RedBeatClient(redis, { batchSize: 2.5 }), "batchSize", /positive integer/);
    await refused(() => new RedBeatClient(redis, { clock: T0 as never }), "clock", /must be a function/);
    await refused(
      () => new RedBeatClient(redis, { prefix: "x:" } as never),
      "prefix",
      /unknown option \(known: keyPrefix/,
    );
    await refused(() => new RedBeatClient(redis, { tlsCa: 5 as never }), "tlsCa", /PEM/);
  });

  test("a clock that returns no valid Date is named", async () => {
    const client = new RedBeatClient(redis, { clock: (() => "now") as never });
    await refused(() => client.now(), "clock", "must return a valid Date");
    await refused(() => client.save({ name: "x", task: "t", schedule: interval(5) }), "clock");
  });

  test("every by-name call refuses an empty or reserved name before Redis is asked", async () => {
    const client = new RedBeatClient(redis);
    for (const call of [
      (n: string) => client.get(n),
      (n: string) => client.delete(n),
      (n: string) => client.enable(n),
      (n: string) => client.disable(n),
      (n: string) => client.runNow(n),
    ]) {
      await refused(() => call(""), "name", "must be a non-empty string");
      await refused(() => call(undefined as never), "name", "must be a non-empty string");
      await refused(() => call(":schedule"), "name", /schedule key/);
    }
    await refused(
      async () => {
        for await (const _ of client.list({ onError: "log" } as never)) void _;
      },
      "onError",
      /must be a function/,
    );
    await refused(() => client.saveMany(null as never), "entries", /iterable/);
    await refused(() => client.saveMany({ name: "x" } as never), "entries", /iterable/);
    await refused(() => client.save(null as never), "", "an entry must be an object");
    await refused(
      () => client.saveMany([{ name: "a", task: "t", schedule: interval(5) }, "b" as never]),
      "[1]",
      "an entry must be an object",
    );
  });
});

describe("fromUrl", () => {
  test("an unsupported scheme is an InvalidUrlError naming it and the accepted ones", async () => {
    let thrown: unknown;
    try {
      await RedBeatClient.fromUrl("http://x");
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof InvalidUrlError, String(thrown));
    assert.ok(thrown instanceof ValidationError && thrown instanceof RedBeatError);
    assert.equal(thrown.path, "url");
    assert.match(thrown.message, /^url: unsupported scheme 'http' in 'http:\/\/x\/?'/);
    for (const scheme of ["redis://", "rediss://", "unix://"])
      assert.ok(thrown.message.includes(scheme), thrown.message);
    await assert.rejects(
      RedBeatClient.fromUrl("redis-cluster://127.0.0.1:7000"),
      (e: unknown) => e instanceof InvalidUrlError && /unsupported scheme 'redis-cluster'/.test(e.message),
    );
  });

  test("a malformed URL is the same error, saying so, with the password masked", async () => {
    const malformed = [
      "localhost:6379",
      "redis://:s3cret@[::1",
      "redis://:s3cret@h:notaport",
      "redis://h/not-a-db",
      "",
      "unix://",
    ];
    for (const url of malformed) {
      await assert.rejects(
        RedBeatClient.fromUrl(url),
        (e: unknown) =>
          e instanceof InvalidUrlError &&
          /malformed URL|must be a Redis URL/.test(e.message) &&
          !e.message.includes("s3cret"),
        url,
      );
    }
    await assert.rejects(
      RedBeatClient.fromUrl(undefined as never),
      (e: unknown) => e instanceof InvalidUrlError && /must be a Redis URL string/.test(e.message),
    );
  });

  test("tlsCa needs rediss://", async () => {
    await refused(
      () => RedBeatClient.fromUrl("redis://127.0.0.1:1", { tlsCa: "PEM" }),
      "tlsCa",
      "needs a rediss:// URL, not redis://",
    );
  });
});

describe("against Redis", { skip: redisMissing() }, () => {
  const db = clientForSuite({ clock: () => T0 });

  test("a failing bulk write names the entry by its index and writes none of the batch", async () => {
    const entries = [0, 1, 2, 3, 4].map((i) => ({
      name: `bulk-${i}`,
      task: "t",
      schedule: crontab({ minute: 0, hour: 9 }),
    }));
    entries[3] = { ...entries[3], schedule: { ...entries[3].schedule, hour: 24 } };
    const e = await refused(() => db.client.saveMany(entries), "[3].schedule.hour", "must be <= 23");
    assert.equal(e.message, "[3].schedule.hour: must be <= 23");
    assert.deepEqual(await db.redis.keys("*"), []);
    // The same entry saved alone: no index.
    await refused(() => db.client.save(entries[3]), "schedule.hour", "must be <= 23");
    // A bad name and an rrule this client cannot evaluate carry the index too.
    await refused(() => db.client.saveMany([entries[0], { ...entries[1], name: "" }]), "[1].name");
    // The builder refuses it at once; a hand-built one reaches saveMany.
    const unsupported = { ...rrule({ freq: "YEARLY", dtstart: T0, byeaster: [0, 1] }), bysetpos: 1 };
    await assert.rejects(
      db.client.saveMany([entries[0], entries[1], { ...entries[2], schedule: unsupported }]),
      (err: unknown) => err instanceof UnsupportedScheduleError && err.path === "[2].schedule.bysetpos",
    );
    assert.deepEqual(await db.redis.keys("*"), []);
  });

  test("a zone in task data keeps its data path; one in stored meta is named in the CorruptEntry", async () => {
    const unknownZone = new ZonedDate(T0.getTime(), "Nope/Zone");
    const cases: Array<[{ args?: unknown[]; kwargs?: Record<string, unknown> }, string]> = [
      [{ kwargs: { when: unknownZone } }, "kwargs.when.timezone"],
      [{ args: [unknownZone] }, "args[0].timezone"],
    ];
    for (const [data, path] of cases) {
      await refused(
        () => db.client.save({ name: "z", task: "t", schedule: interval(5), ...data }),
        path,
        "unknown IANA time zone 'Nope/Zone'",
      );
    }
    assert.deepEqual(await db.redis.keys("*"), []);
    await db.redis.hSet("redbeat:z", {
      definition:
        '{"name": "z", "task": "t", "schedule": {"__type__": "interval", "every": 5.0, "relative": false}}',
      meta: '{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "timezone": "Nope/Zone"}}',
    });
    await assert.rejects(
      db.client.get("z"),
      (e: unknown) =>
        e instanceof CorruptEntry &&
        e.reason === "meta.last_run_at.timezone: unknown IANA time zone 'Nope/Zone'",
    );
  });

  test("fromUrl with a bad option opens no connection", async () => {
    const clients = async () =>
      (await db.redis.sendCommand<string>(["CLIENT", "LIST"])).trim().split("\n").length;
    const count = await clients();
    await refused(() => RedBeatClient.fromUrl(db.url, { timezone: "Nope/Zone" }), "timezone");
    await refused(() => RedBeatClient.fromUrl(db.url, { keyPrefix: "" }), "keyPrefix");
    assert.equal(await clients(), count);
  });
});
