/**
 * An entry's runs under its extension profile: its own zone, its window and its jitter
 * (schema/README.md, "Extensions"). Pure functions, no Redis; the Python SDK's redbeat_sdk/runs.py
 * states the same rules (`first_due`), which every score and preview follows:
 *
 * 1. zone: the schedule is evaluated in the entry's zone instead of the beat's;
 * 2. window: a nominal run before `start_at` is replaced by the schedule's first run at or after it (an
 *    interval's by `start_at` itself); a run that would happen after `end_at` (jitter included) does not
 *    happen, nor does any later one;
 * 3. jitter: the run happens `jitterOffset` after its nominal time, never before.
 */
import { createHash } from "node:crypto";
import type { ZonedInstant } from "./codec.js";
import { crontabNextRun, expandCrontab } from "./crontab.js";
import { noExtensions, type Extensions } from "./extensions.js";
import { intervalNextRun } from "./interval.js";
import { rruleNextRun } from "./rrule.js";
import { nextRunAfter, nextRunsFrom } from "./schedules.js";
import type { Schedule } from "./types.js";
import { ZonedDate } from "./zoned-date.js";
import type { Zone } from "./zones.js";

/** What an entry's extensions change about when it runs. `name` is the entry's name (jitter's input). */
export interface Rules {
  name: string;
  zone: string | null;
  /** epoch ms (microseconds as the fraction) */
  startMs: number | null;
  endMs: number | null;
  jitterMs: number;
}

export const PLAIN: Rules = { name: "", zone: null, startMs: null, endMs: null, jitterMs: 0 };

const ms = (d: Date | undefined) =>
  d === undefined ? null : d instanceof ZonedDate ? d.preciseTime : d.getTime();

/** The rules of an entry named `name` with these (checked) extensions. */
export function rulesOf(name: string, e: Extensions | undefined): Rules {
  if (e === undefined || noExtensions(e)) return PLAIN;
  return {
    name,
    zone: e.timezone ?? null,
    startMs: ms(e.startAt),
    endMs: ms(e.endAt),
    jitterMs: e.jitter ?? 0,
  };
}

export function isPlain(r: Rules): boolean {
  return r.zone === null && r.startMs === null && r.endMs === null && !r.jitterMs;
}

/**
 * The delay (ms) of the run of entry `name` nominally due at `nominalMs`: in [0, jitterMs), the same in
 * every implementation. SHA-256 of the UTF-8 bytes of `name + "\n" + epoch milliseconds (floor)`; H = its
 * first 8 bytes, big-endian unsigned; the offset is floor(H * jitterMs / 2^64).
 */
export function jitterOffset(name: string, nominalMs: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const digest = createHash("sha256")
    .update(`${name}\n${Math.floor(nominalMs)}`, "utf8")
    .digest();
  return Number((digest.readBigUInt64BE(0) * BigInt(jitterMs)) >> 64n);
}

/** The plain schedule's next run after `after`, in the entry's zone when it has one, else the beat's. */
function step(schedule: Schedule, rules: Rules, after: ZonedInstant, beatZone: Zone): number | null {
  const zone = rules.zone;
  if (zone === null) return nextRunAfter(schedule, after, beatZone);
  // as a beat whose timezone is the entry's zone: a relative interval rounds there, an rrule runs on its wall clock
  switch (schedule.__type__) {
    case "interval":
      return intervalNextRun(schedule.every, schedule.relative, after.ms, zone);
    case "crontab":
      return crontabNextRun(expandCrontab(schedule), after.ms, zone);
    case "rrule":
      return rruleNextRun(schedule, after.ms, zone);
  }
}

/** A run: its nominal time and when it happens, jitter added (epoch ms). */
export interface Due {
  nominal: number;
  at: number;
}

const JUST_BEFORE = 0.001; // one microsecond

/**
 * The entry's first run strictly after `last` (null: it never ran, so it is due `nowMs`), or null when it
 * never runs again.
 */
export function firstDue(
  schedule: Schedule,
  rules: Rules,
  last: ZonedInstant | null,
  nowMs: number,
  beatZone: Zone,
): Due | null {
  const { startMs: start, endMs: end } = rules;
  let after: ZonedInstant;
  if (last === null) {
    if (end !== null && nowMs > end) return null;
    if (start === null || nowMs >= start) return { nominal: nowMs, at: nowMs }; // never run: due at once
    if (schedule.__type__ === "interval") return jittered(rules, start); // before the window: its first run in it
    after = { ms: start - JUST_BEFORE, zone: "UTC" };
  } else {
    after = last;
  }
  for (let i = 0; i < 3; i++) {
    // a second look at most: the first run at or after start_at
    const found = step(schedule, rules, after, beatZone);
    if (found === null) return null;
    let nominal = found;
    if (start !== null && nominal < start) {
      if (schedule.__type__ === "interval")
        nominal = start; // an interval starts with the window
      else {
        after = { ms: start - JUST_BEFORE, zone: "UTC" };
        continue;
      }
    }
    return jittered(rules, nominal);
  }
  return null;
}

function jittered(rules: Rules, nominal: number): Due | null {
  const at = nominal + jitterOffset(rules.name, nominal, rules.jitterMs);
  if (rules.endMs !== null && at > rules.endMs) return null;
  return { nominal, at };
}

/**
 * The next `count` runs after `last` as a beat ticking at each one fires them (each run's time is the
 * next one's last run), epoch ms.
 */
export function nextRunsWithRules(
  schedule: Schedule,
  rules: Rules,
  count: number,
  last: ZonedInstant,
  nowMs: number,
  beatZone: Zone,
): number[] {
  if (isPlain(rules)) return nextRunsFrom(schedule, last, count, beatZone);
  const runs: number[] = [];
  let clock = nowMs;
  while (runs.length < count) {
    const due = firstDue(schedule, rules, last, clock, beatZone);
    if (due === null) break;
    runs.push(due.at);
    last = { ms: due.at, zone: "UTC" };
    clock = due.at;
  }
  return runs;
}
