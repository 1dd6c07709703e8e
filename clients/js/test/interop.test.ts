/**
 * Interop with upstream celery-redbeat 2.4.2 on one Redis: upstream loads (from_key) and fires
 * (RedBeatScheduler.tick, Celery's clock frozen, send_task stubbed) what this client wrote, including
 * `every` written as 5.0 next to an external writer's 5; and this client reads what upstream wrote.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RedBeatClient, crontab, interval, rrule } from "../src/index.js";
import { connect, redisMissing, startRedisServer, type RedisServer } from "./helpers/redis.js";
import { runUpstream, upstreamMissing } from "./helpers/upstream.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();

describe("interop with upstream celery-redbeat", { skip: redisMissing() || upstreamMissing() }, () => {
  let server: RedisServer;
  let redis: Awaited<ReturnType<typeof connect>>;

  before(async () => {
    server = await startRedisServer();
    redis = await connect(server.url);
  });
  after(async () => {
    await redis?.close();
    await server?.stop();
  });

  test("upstream loads and fires entries this client wrote", async () => {
    await redis.flushAll();
    const client = new RedBeatClient(redis, { clock: () => T0 });
    await client.saveMany([
      {
        name: "js-every-5",
        task: "tasks.add",
        schedule: interval(5),
        args: [1, "two", new Date("2025-02-01T08:30:00Z")],
        kwargs: { text: "été" },
      },
      { name: "js-every-2.5", task: "tasks.half", schedule: interval(2.5) },
      {
        name: "js-cron",
        task: "tasks.cron",
        schedule: crontab({ minute: "*/15", hour: "9-17", dayOfWeek: "mon-fri" }),
      },
      {
        name: "js-rrule",
        task: "tasks.rr",
        schedule: rrule({ freq: "SECONDLY", interval: 5, dtstart: T0, count: 3 }),
      },
      { name: "js-off", task: "tasks.off", schedule: interval(5), enabled: false },
    ]);
    // A JSON.stringify writer puts `"every": 5` (no .0): upstream must read that the same way.
    await redis.hSet("redbeat:ext-every-int", {
      definition: JSON.stringify({
        name: "ext-every-int",
        task: "tasks.int",
        args: null,
        kwargs: {},
        options: {},
        schedule: { __type__: "interval", every: 5, relative: false },
        enabled: true,
      }),
    });
    await redis.zAdd("redbeat::schedule", { score: 0, value: "redbeat:ext-every-int" });
    assert.match((await redis.hGet("redbeat:js-every-5", "definition"))!, /"every": 5\.0/);

    const keys = [
      "redbeat:js-every-5",
      "redbeat:js-every-2.5",
      "redbeat:js-cron",
      "redbeat:js-rrule",
      "redbeat:js-off",
      "redbeat:ext-every-int",
    ];
    const loaded = runUpstream({
      op: "load",
      url: server.url,
      prefix: "redbeat:",
      timezone: "UTC",
      now: at(0),
      keys,
    });
    for (const k of keys) assert.equal(loaded[k].error, undefined, `${k}: ${loaded[k].error}`);
    const five = loaded["redbeat:js-every-5"];
    assert.deepEqual(five.schedule, { type: "interval", every: 5, relative: false });
    assert.deepEqual(five.args, [1, "two", { datetime: "2025-02-01T08:30:00+00:00" }]);
    assert.deepEqual(five.kwargs, { text: "été" });
    assert.equal(five.last_run_at.datetime, "2025-01-15T12:00:00+00:00");
    assert.equal(five.score, (await client.get("js-every-5")).score); // upstream scores it where we did
    assert.deepEqual(loaded["redbeat:ext-every-int"].schedule, {
      type: "interval",
      every: 5,
      relative: false,
    });
    assert.deepEqual(loaded["redbeat:js-cron"].schedule.hour, [9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.equal(loaded["redbeat:js-off"].enabled, false);

    // At T0+5 s the 5 s and 2.5 s intervals, the int-every entry and the first rrule occurrence are due.
    const tick = runUpstream({
      op: "tick",
      url: server.url,
      prefix: "redbeat:",
      timezone: "UTC",
      now: at(5),
    });
    const sent = tick.sent.map((s: { task: string }) => s.task).sort();
    assert.deepEqual(sent, ["tasks.add", "tasks.half", "tasks.int", "tasks.rr"]);
    const add = tick.sent.find((s: { task: string }) => s.task === "tasks.add");
    assert.deepEqual(add.args, [1, "two", { datetime: "2025-02-01T08:30:00+00:00" }]);

    // And this client reads back the run state upstream wrote.
    const after5 = await client.get("js-every-5");
    assert.equal(after5.lastRunAt?.toISOString(), at(5));
    assert.equal(after5.totalRunCount, 1);
    assert.equal(after5.score, T0.getTime() / 1000 + 10);
    assert.equal((await client.get("js-off")).totalRunCount, 0);
  });

  test("edits by this client (disable, enable, runNow) are honoured by upstream's beat", async () => {
    await redis.flushAll();
    const client = new RedBeatClient(redis, { clock: () => T0 });
    await client.save({ name: "daily", task: "tasks.daily", schedule: crontab({ minute: 0, hour: 4 }) });
    await client.save({ name: "paused", task: "tasks.paused", schedule: interval(5) });
    await client.disable("paused");
    await client.runNow("daily");
    let tick = runUpstream({ op: "tick", url: server.url, prefix: "redbeat:", timezone: "UTC", now: at(10) });
    assert.deepEqual(
      tick.sent.map((s: { task: string }) => s.task),
      ["tasks.daily"],
    );
    await client.enable("paused");
    tick = runUpstream({ op: "tick", url: server.url, prefix: "redbeat:", timezone: "UTC", now: at(11) });
    assert.deepEqual(
      tick.sent.map((s: { task: string }) => s.task),
      ["tasks.paused"],
    );
    assert.equal((await client.get("daily")).totalRunCount, 1);
    assert.equal(await client.delete("daily"), true);
    tick = runUpstream({
      op: "tick",
      url: server.url,
      prefix: "redbeat:",
      timezone: "UTC",
      now: at(86400 * 2),
    });
    assert.deepEqual(
      tick.sent.map((s: { task: string }) => s.task),
      ["tasks.paused"],
    );
  });

  test("with a custom prefix and beat timezone, upstream fires a crontab when this client scored it", async () => {
    await redis.flushAll();
    const client = new RedBeatClient(redis, {
      keyPrefix: "{rb}:",
      timezone: "America/New_York",
      clock: () => T0,
    });
    const saved = await client.save({
      name: "nine",
      task: "tasks.nine",
      schedule: crontab({ minute: 0, hour: 9 }),
    });
    assert.equal(new Date(saved.score! * 1000).toISOString(), "2025-01-15T14:00:00.000Z");
    const cmd = { url: server.url, prefix: "{rb}:", timezone: "America/New_York" };
    let tick = runUpstream({ op: "tick", ...cmd, now: "2025-01-15T13:59:59+00:00" });
    assert.deepEqual(tick.sent, []);
    tick = runUpstream({ op: "tick", ...cmd, now: "2025-01-15T14:00:00+00:00" });
    assert.deepEqual(
      tick.sent.map((s: { task: string }) => s.task),
      ["tasks.nine"],
    );
    const e = await client.get("nine");
    assert.equal(e.score, Date.parse("2025-01-16T14:00:00Z") / 1000);
    assert.equal(e.lastRunAt?.toISOString(), "2025-01-15T14:00:00.000Z");
  });

  test("this client reads what upstream wrote", async () => {
    await redis.flushAll();
    runUpstream({
      op: "write",
      url: server.url,
      prefix: "redbeat:",
      timezone: "America/New_York",
      now: at(0),
    });
    const client = new RedBeatClient(redis, { timezone: "America/New_York", clock: () => T0 });
    const entries = new Map<string, Awaited<ReturnType<typeof client.get>>>();
    const problems: unknown[] = [];
    for await (const e of client.list({ onError: (p) => problems.push(p) })) entries.set(e.name, e);
    assert.deepEqual(problems, []);
    assert.deepEqual([...entries.keys()].sort(), [
      "up-args",
      "up-cron",
      "up-interval",
      "up-off",
      "up-relative",
      "up-rrule",
    ]);

    const iv = entries.get("up-interval")!;
    assert.deepEqual(iv.schedule, { __type__: "interval", every: 5, relative: false });
    assert.deepEqual(iv.args, [1, 2]);
    assert.equal(iv.totalRunCount, 1);
    assert.equal(iv.lastRunAt?.toISOString(), at(5));
    // Upstream scored its run (at T0+5 s, clock at T0) as last_run_at + (next - now) = T0+15 s.
    assert.equal(iv.score, T0.getTime() / 1000 + 15);

    const args = entries.get("up-args")!;
    assert.deepEqual(args.args, [1, "été", null]);
    assert.equal((args.kwargs.when as Date).toISOString(), "2025-02-01T13:30:00.000Z");
    assert.deepEqual(args.options, { queue: "q1" });
    assert.equal(entries.get("up-off")!.enabled, false);
    assert.deepEqual(entries.get("up-cron")!.schedule, {
      __type__: "crontab",
      minute: "*/15",
      hour: "9-17",
      day_of_week: "mon-fri",
      day_of_month: "*",
      month_of_year: "*",
    });
    const rr = entries.get("up-rrule")!.schedule;
    assert.equal(rr.__type__ === "rrule" && rr.dtstart_tz, -300);
    // Upstream's meta carries the beat zone; we read the same instant.
    assert.equal(entries.get("up-cron")!.lastRunAt?.toISOString(), T0.toISOString());
    // A re-save by this client keeps upstream's meta untouched.
    const metaBefore = await redis.hGet("redbeat:up-interval", "meta");
    await client.save({ name: "up-interval", task: "tasks.add", schedule: interval(5), args: [1, 2] });
    assert.equal(await redis.hGet("redbeat:up-interval", "meta"), metaBefore);
    assert.equal((await client.get("up-interval")).score, T0.getTime() / 1000 + 10);
  });
});
