/**
 * Golden tests: what this client writes is byte-equal to what upstream celery-redbeat 2.4.2 wrote for
 * the same entry at the same frozen time (the `after_save` records of upstream-vectors.json), on a
 * real Redis.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RedBeatClient, crontab, interval, rrule, ValidationError, type EntryInput } from "../src/index.js";
import { redisForSuite, redisMissing } from "./helpers/topology.js";
import { loadUpstreamVectors, type UpstreamRecord } from "./helpers/vectors.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const vectors = loadUpstreamVectors();
const skip = redisMissing();

/** The JS spelling of each upstream constructor (python_constructor_description) saved at T0. */
const ENTRIES: Record<string, EntryInput> = {
  interval_every_5: { name: "interval-5s", task: "tasks.add", schedule: interval(5), args: [1, 2] },
  interval_every_2_5_float: { name: "interval-2.5s", task: "tasks.add", schedule: interval(2.5) },
  interval_timedelta_10min: { name: "interval-10m", task: "tasks.add", schedule: interval(600) },
  interval_from_plain_number: { name: "interval-number", task: "tasks.add", schedule: interval(30) },
  crontab_default_every_minute: { name: "cron-default", task: "tasks.cron", schedule: crontab() },
  crontab_daily_0400: {
    name: "cron-daily-4am",
    task: "tasks.cron",
    schedule: crontab({ minute: "0", hour: "4" }),
  },
  crontab_business_hours_mon_fri: {
    name: "cron-business",
    task: "tasks.cron",
    schedule: crontab({ minute: "*/15", hour: "9-17", dayOfWeek: "mon-fri" }),
  },
  crontab_int_fields_and_day_names: {
    name: "cron-ints",
    task: "tasks.cron",
    schedule: crontab({ minute: 30, hour: 7, dayOfWeek: "sun,wed" }),
  },
  crontab_quarterly_first_of_month: {
    name: "cron-quarterly",
    task: "tasks.cron",
    schedule: crontab({ minute: "0", hour: "0", dayOfMonth: "1", monthOfYear: "*/3" }),
  },
  crontab_full_day_name: {
    name: "cron-monday",
    task: "tasks.cron",
    schedule: crontab({ minute: "5", dayOfWeek: "monday", dayOfMonth: "*/7" }),
  },
  crontab_list_fields: {
    name: "cron-lists",
    task: "tasks.cron",
    schedule: crontab({ minute: [0, 30], hour: [9, 17] }),
  },
  crontab_day_of_week_int: {
    name: "cron-dow-int",
    task: "tasks.cron",
    schedule: crontab({ minute: 0, hour: 12, dayOfWeek: 3 }),
  },
  rrule_minutely_count3: {
    name: "rrule-minutely",
    task: "tasks.rr",
    schedule: rrule({ freq: "MINUTELY", dtstart: T0, count: 3 }),
  },
  rrule_daily_new_york_until: {
    name: "rrule-daily-ny",
    task: "tasks.rr",
    schedule: rrule({
      freq: "DAILY",
      dtstart: new Date("2025-01-10T09:00:00-05:00"),
      until: new Date("2025-02-10T09:00:00-05:00"),
      tz: "America/New_York",
      byhour: [9],
      byminute: [0],
    }),
  },
  rrule_weekly_weekdays_wkst: {
    name: "rrule-weekly",
    task: "tasks.rr",
    schedule: rrule({
      freq: 2,
      dtstart: new Date("2025-01-06T08:30:00Z"),
      byweekday: ["MO", "WE", "FR"],
      wkst: "SU",
    }),
  },
  rrule_one_off_future_count1: {
    name: "rrule-once-future",
    task: "tasks.once",
    schedule: rrule({ freq: "MINUTELY", dtstart: new Date("2025-01-15T13:00:00Z"), count: 1 }),
  },
  rrule_one_off_past_count1: {
    name: "rrule-once-past",
    task: "tasks.once",
    schedule: rrule({ freq: "MINUTELY", dtstart: new Date("2025-01-15T11:00:00Z"), count: 1 }),
  },
  rrule_no_dtstart: {
    name: "rrule-hourly-nodtstart",
    task: "tasks.rr",
    schedule: rrule({ freq: "HOURLY", dtstart: T0 }),
  },
  rrule_naive_dtstart: {
    name: "rrule-monthly-naive",
    task: "tasks.rr",
    schedule: rrule({ freq: "MONTHLY", dtstart: new Date("2025-01-01T08:00:00Z"), bymonthday: [1] }),
  },
  entry_all_fields: {
    name: "full",
    task: "tasks.full",
    schedule: interval(60),
    args: [1, "two", null],
    kwargs: { k: [1, 2], flag: true },
    options: { queue: "q1", expires: 30, priority: 5 },
    enabled: true,
  },
  entry_disabled: { name: "disabled", task: "tasks.off", schedule: interval(60), enabled: false },
  name_unicode_and_spaces: {
    name: "job: ünïcode/1",
    task: "tasks.t",
    schedule: interval(60),
    kwargs: { text: "été" },
  },
  name_integer: { name: "123", task: "tasks.t", schedule: interval(60) },
};

/** Saved with another last run than now upstream: only the definition bytes can match a first save. */
const DEFINITION_ONLY: Record<string, EntryInput> = {
  interval_relative: {
    name: "interval-relative",
    task: "tasks.add",
    schedule: interval(3600, { relative: true }),
  },
  interval_not_relative_same_last_run: {
    name: "interval-absolute",
    task: "tasks.add",
    schedule: interval(3600),
  },
  last_run_at_naive: { name: "lra-naive", task: "tasks.t", schedule: interval(60) },
  last_run_at_fixed_offset: { name: "lra-fixed", task: "tasks.t", schedule: interval(60) },
  last_run_at_datetime_timezone_utc: { name: "lra-tzutc", task: "tasks.t", schedule: interval(60) },
  last_run_at_zoneinfo_micro: { name: "lra-berlin", task: "tasks.t", schedule: interval(60) },
};

/** Custom prefix and beat timezone America/New_York: upstream's meta carries that zone, ours UTC. */
const NEW_YORK: Record<string, EntryInput> = {
  custom_prefix_ny_interval_5: { name: "interval-5s", task: "tasks.add", schedule: interval(5) },
  custom_prefix_ny_crontab_0900: {
    name: "cron-9am-ny",
    task: "tasks.cron",
    schedule: crontab({ minute: 0, hour: 9 }),
  },
  custom_prefix_ny_rrule_no_dtstart: {
    name: "rrule-ny",
    task: "tasks.rr",
    schedule: rrule({
      freq: "DAILY",
      dtstart: T0,
      tz: "America/New_York",
      byhour: [9],
      byminute: [0],
      bysecond: [0],
    }),
  },
};

describe("golden: byte-equal to upstream's after_save records", { skip }, () => {
  const db = redisForSuite();

  const record = (name: string): UpstreamRecord => {
    const r = vectors.get(name);
    assert.ok(r, `no upstream record ${name}`);
    return r;
  };

  async function stored(key: string, scheduleKey: string) {
    const [definition, meta] = await db.redis.hmGet(key, ["definition", "meta"]);
    const score = await db.redis.zScore(scheduleKey, key);
    return { definition, meta, score };
  }

  for (const [name, entry] of Object.entries(ENTRIES)) {
    test(`${name}: definition, meta and score`, async () => {
      const r = record(name);
      const client = new RedBeatClient(db.redis, { clock: () => new Date(r.frozen_now!) });
      await client.save(entry);
      const got = await stored(r.redis_key!, r.zset_key!);
      assert.equal(got.definition, r.redis_hash_fields!.definition);
      assert.equal(got.meta, r.redis_hash_fields!.meta);
      assert.equal(got.score, Number(r.zset_score));
    });
  }

  for (const [name, entry] of Object.entries(DEFINITION_ONLY)) {
    test(`${name}: definition`, async () => {
      const r = record(name);
      const client = new RedBeatClient(db.redis, { clock: () => T0 });
      await client.save(entry);
      assert.equal((await stored(r.redis_key!, r.zset_key!)).definition, r.redis_hash_fields!.definition);
    });
  }

  for (const [name, entry] of Object.entries(NEW_YORK)) {
    test(`${name}: definition and score with prefix "custom", beat timezone New York`, async () => {
      const r = record(name);
      const client = new RedBeatClient(db.redis, {
        keyPrefix: "custom",
        timezone: "America/New_York",
        clock: () => T0,
      });
      await client.save(entry);
      const got = await stored(r.redis_key!, r.zset_key!);
      assert.equal(got.definition, r.redis_hash_fields!.definition);
      assert.equal(got.score, Number(r.zset_score));
      // Same instant, written in UTC: 07:00 New York = 12:00Z.
      const theirs = JSON.parse(r.redis_hash_fields!.meta!).last_run_at;
      assert.equal(theirs.hour, 7);
      assert.equal(
        got.meta,
        '{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}}',
      );
    });
  }

  test("resave_existing_meta_kept: a re-save keeps upstream's meta and scores from its last run", async () => {
    const r = record("resave_existing_meta_kept");
    // The state before the re-save: saved at T0, run once at T0 (meta has total_run_count 1).
    await db.redis.hSet(r.redis_key!, { definition: "{}", meta: r.redis_hash_fields!.meta! });
    const client = new RedBeatClient(db.redis, { clock: () => new Date(r.frozen_now!) });
    const saved = await client.save({ name: "resave", task: "tasks.t2", schedule: interval(120) });
    const got = await stored(r.redis_key!, r.zset_key!);
    assert.equal(got.definition, r.redis_hash_fields!.definition);
    assert.equal(got.meta, r.redis_hash_fields!.meta);
    // Upstream scores from the in-memory now (12:00:05 + 120 s); we score from the stored run (12:00:00 + 120 s).
    assert.equal(Number(r.zset_score), 1736942525);
    assert.equal(got.score, 1736942520);
    assert.equal(saved.totalRunCount, 1);
    assert.equal(saved.score, 1736942520);
  });

  test("upstream's refusals are refusals here too (set-valued crontab field, solar)", async () => {
    assert.equal(record("crontab_set_field_unencodable").redis_hash_fields ?? null, null);
    assert.throws(() => crontab({ minute: new Set([0, 30]) as unknown as number[] }), ValidationError);
    const client = new RedBeatClient(db.redis, { clock: () => T0 });
    await assert.rejects(
      client.save({
        name: "solar",
        task: "tasks.sun",
        schedule: { __type__: "solar", event: "sunset" } as never,
      }),
      (e: unknown) => e instanceof ValidationError && e.path === "schedule",
    );
    assert.equal(await db.redis.exists("redbeat:solar"), 0);
  });
});
