/**
 * Schedule builders (the wire objects upstream stores) and the next-run preview: when beat runs an
 * entry next, by Celery 5.7's rules for interval and crontab and dateutil's for rrule.
 */
import { ValidationError } from "./errors.js";
import type { Crontab, Interval, RRule, Weekday } from "./generated/write-types.js";
import { writeSchema } from "./generated/schemas.js";
import {
  checkSchedule,
  entryExtensions,
  storedSchedule,
  validateSchedule,
  type ZonedInstant,
} from "./codec.js";
import type { OneOff } from "./extensions.js";
import { isPlain, nextRunsWithRules, PLAIN, rulesOf } from "./runs.js";
import { crontabNextRun, expandCrontab, type CronField } from "./crontab.js";
import { intervalNextRun } from "./interval.js";
import { rruleNextRun, rruleNextRuns } from "./rrule.js";
import type { Entry, EntryInput, Schedule } from "./types.js";
import { ZonedDate } from "./zoned-date.js";
import { checkZoneName, offsetAt, type Zone } from "./zones.js";
import { optionalDate, optionsObject, runCount } from "./arguments.js";

/** Run every `every` seconds after the last run; `relative` rounds the due time to the period's resolution. */
export function interval(every: number, options: { relative?: boolean } = {}): Interval {
  const relative = optionsObject(options, "options", ["relative"]).relative ?? false;
  if (typeof every !== "number" || !Number.isFinite(every) || every <= 0)
    throw new ValidationError("every", "must be a positive number of seconds");
  if (typeof relative !== "boolean") throw new ValidationError("relative", "must be true or false");
  return { __type__: "interval", every, relative };
}

export interface CrontabOptions {
  minute?: CronField;
  hour?: CronField;
  dayOfWeek?: CronField;
  dayOfMonth?: CronField;
  monthOfYear?: CronField;
}

/**
 * A Celery crontab, evaluated in the beat's timezone. Each field is a Celery crontab string, an
 * integer or a list of integers, stored exactly as given; day_of_week 0 = Sunday; a day must match
 * both day_of_month and day_of_week. Throws ValidationError for values Celery 5.7 refuses.
 */
export function crontab(options: CrontabOptions = {}): Crontab {
  options = optionsObject(options, "options", ["minute", "hour", "dayOfWeek", "dayOfMonth", "monthOfYear"]);
  const c: Crontab = {
    __type__: "crontab",
    minute: (options.minute ?? "*") as Crontab["minute"],
    hour: (options.hour ?? "*") as Crontab["hour"],
    day_of_week: (options.dayOfWeek ?? "*") as Crontab["day_of_week"],
    day_of_month: (options.dayOfMonth ?? "*") as Crontab["day_of_month"],
    month_of_year: (options.monthOfYear ?? "*") as Crontab["month_of_year"],
  };
  expandCrontab(c);
  return c;
}

export const Frequency = {
  YEARLY: 0,
  MONTHLY: 1,
  WEEKLY: 2,
  DAILY: 3,
  HOURLY: 4,
  MINUTELY: 5,
  SECONDLY: 6,
} as const;
export type FrequencyName = keyof typeof Frequency;
export const Weekdays = { MO: 0, TU: 1, WE: 2, TH: 3, FR: 4, SA: 5, SU: 6 } as const;
export type WeekdayName = keyof typeof Weekdays;

/** A weekday for rrule options: dateutil numbering (0 = Monday), a name, or a stored weekday object. */
export type RRuleWeekday = number | WeekdayName | Weekday;
type IntOrList = number | number[] | null;

export interface RRuleOptions {
  freq: FrequencyName | number;
  /** First occurrence; whole seconds are kept (upstream stores epoch seconds). Default: now. */
  dtstart?: Date;
  until?: Date;
  /** IANA zone whose UTC offset at dtstart/until is stored (upstream keeps only the offset). Default UTC. */
  tz?: string;
  interval?: number;
  wkst?: RRuleWeekday | null;
  count?: number | null;
  bysetpos?: IntOrList;
  bymonth?: IntOrList;
  bymonthday?: IntOrList;
  byyearday?: IntOrList;
  byeaster?: IntOrList;
  byweekno?: IntOrList;
  byweekday?: RRuleWeekday | RRuleWeekday[] | null;
  byhour?: IntOrList;
  byminute?: IntOrList;
  bysecond?: IntOrList;
}

function weekdayToWire(w: RRuleWeekday, path: string): number | Weekday {
  if (typeof w === "string") {
    if (!(w in Weekdays)) throw new ValidationError(path, `unknown weekday ${JSON.stringify(w)} (MO..SU)`);
    return { __type__: "weekday", wkday: Weekdays[w] };
  }
  return w;
}

/**
 * The rrule builder's options: freq, dtstart, until and tz (the zone of both), then the rule's other
 * fields as the write schema lists them (wkst, count, the by* fields).
 */
const RRULE_OPTIONS = [
  "freq",
  "dtstart",
  "until",
  "tz",
  ...Object.keys(
    (writeSchema.$defs as Record<string, { properties: Record<string, unknown> }>).RRule.properties,
  ).filter((k) => !["__type__", "freq", "dtstart", "until"].includes(k) && !k.endsWith("_tz")),
];

/** A RedBeat rrule (python-dateutil semantics). */
export function rrule(options: RRuleOptions): RRule {
  if (options === undefined)
    throw new ValidationError("freq", "is required (an options object with at least freq)");
  options = optionsObject(options, "options", RRULE_OPTIONS);
  const freq =
    typeof options.freq === "string" ? Frequency[options.freq.toUpperCase() as FrequencyName] : options.freq;
  if (freq === undefined || !Number.isInteger(freq) || freq < 0 || freq > 6)
    throw new ValidationError("freq", "must be YEARLY..SECONDLY or 0..6");
  const zone: Zone = checkZoneName(options.tz ?? "UTC", "tz");
  const dtstart = options.dtstart ?? new Date();
  if (!(dtstart instanceof Date) || Number.isNaN(dtstart.getTime()))
    throw new ValidationError("dtstart", "must be a valid Date");
  const offsetMinutes = (d: Date) => offsetAt(zone, d.getTime()) / 60;
  const byweekday = options.byweekday ?? null;
  const r: RRule = {
    __type__: "rrule",
    freq,
    interval: options.interval ?? 1,
    wkst: options.wkst === undefined || options.wkst === null ? null : weekdayToWire(options.wkst, "wkst"),
    count: options.count ?? null,
    bysetpos: options.bysetpos ?? null,
    bymonth: options.bymonth ?? null,
    bymonthday: options.bymonthday ?? null,
    byyearday: options.byyearday ?? null,
    byeaster: options.byeaster ?? null,
    byweekno: options.byweekno ?? null,
    byweekday:
      byweekday === null
        ? null
        : Array.isArray(byweekday)
          ? byweekday.map((w, i) => weekdayToWire(w, `byweekday[${i}]`))
          : weekdayToWire(byweekday, "byweekday"),
    byhour: options.byhour ?? null,
    byminute: options.byminute ?? null,
    bysecond: options.bysecond ?? null,
    dtstart: Math.floor(dtstart.getTime() / 1000),
    dtstart_tz: offsetMinutes(dtstart),
  };
  if (options.until !== undefined) {
    if (!(options.until instanceof Date) || Number.isNaN(options.until.getTime()))
      throw new ValidationError("until", "must be a valid Date");
    r.until = Math.floor(options.until.getTime() / 1000);
    r.until_tz = offsetMinutes(options.until);
  }
  try {
    checkSchedule(r);
  } catch (e) {
    // Name the builder's option, not the entry field.
    if (e instanceof ValidationError && e.path.startsWith("schedule."))
      throw new ValidationError(e.path.slice("schedule.".length), e.reason);
    throw e;
  }
  return r;
}

/**
 * When beat next runs a schedule after a run at `last` (epoch ms and the zone the stored last run
 * was written in), with crontabs evaluated in the beat timezone `beatZone`. Epoch ms, or null when
 * an rrule has no further occurrence.
 */
export function nextRunAfter(schedule: Schedule, last: ZonedInstant, beatZone: Zone): number | null {
  switch (schedule.__type__) {
    case "interval":
      return intervalNextRun(schedule.every, schedule.relative, last.ms, last.zone);
    case "crontab":
      return crontabNextRun(expandCrontab(schedule), last.ms, beatZone);
    case "rrule":
      return rruleNextRun(schedule, last.ms);
  }
}

/**
 * The next `count` runs after a stored last run: the first from `last` (in the zone it was stored
 * in), each later one from the previous run, which beat stores in its own timezone `beatZone`.
 */
export function nextRunsFrom(
  schedule: Schedule,
  last: ZonedInstant,
  count: number,
  beatZone: Zone,
): number[] {
  runCount(count);
  // An rrule ignores zones: one walk of its occurrences gives all of them.
  if (schedule.__type__ === "rrule") return rruleNextRuns(schedule, last.ms, count);
  const out: number[] = [];
  let prev = last;
  while (out.length < count) {
    const next = nextRunAfter(schedule, prev, beatZone);
    if (next === null) break;
    out.push(next);
    prev = { ms: next, zone: beatZone };
  }
  return out;
}

export interface NextRunsOptions {
  /** The last run: runs come strictly after it. Default: an entry's `lastRunAt`, else now. */
  after?: Date;
  /** The beat's Celery timezone (crontab fields are matched there). Default UTC. */
  tz?: string;
  /** "Now", when `after` is not given and there is no last run. Default: the system clock. */
  now?: Date;
}

/** A Date as an instant with its zone: a ZonedDate keeps the zone it was stored in, others count as `zone`. */
function zoned(d: Date, zone: Zone): ZonedInstant {
  return d instanceof ZonedDate ? { ms: d.preciseTime, zone: d.timezone } : { ms: d.getTime(), zone };
}

/**
 * The next `count` runs of an entry or schedule, as beat would make them if each run happened
 * exactly on time: every run is computed from the previous one. Fewer than `count` when an rrule
 * runs out. An entry's extensions apply: its own zone (crontab fields match there, whatever `tz`; the
 * runs are given in it), its window and its jitter.
 */
export function nextRuns(
  entryOrSchedule: EntryInput | Entry | Schedule | OneOff,
  count: number,
  options: NextRunsOptions = {},
): Date[] {
  if (entryOrSchedule === null || typeof entryOrSchedule !== "object") {
    throw new ValidationError(
      "schedule",
      "must be a schedule (interval(), crontab(), rrule() or oneOff()) or an entry",
    );
  }
  const entry = "__type__" in entryOrSchedule ? null : entryOrSchedule;
  runCount(count);
  const o = optionsObject(options, "options", ["after", "tz", "now"]);
  const zone = checkZoneName(o.tz ?? "UTC", "tz");
  const extensions = entry === null ? {} : entryExtensions(entry);
  const own = extensions.timezone ?? zone;
  const schedule = storedSchedule(
    entry === null ? (entryOrSchedule as Schedule | OneOff) : entry.schedule,
    own,
  );
  validateSchedule(schedule);
  const stored = entry !== null && "lastRunAt" in entry ? (entry as Entry).lastRunAt : null;
  const now = optionalDate(o.now, "now");
  const after = optionalDate(o.after, "after") ?? stored ?? now ?? new Date();
  const rules = entry === null ? PLAIN : rulesOf(entry.name, extensions);
  if (isPlain(rules))
    return nextRunsFrom(schedule, zoned(after, zone), count, zone).map((ms) => ZonedDate.at(ms, zone));
  const last = zoned(after, zone);
  const nowMs = Math.max(now === undefined ? Date.now() : zoned(now, zone).ms, last.ms);
  return nextRunsWithRules(schedule, rules, count, last, nowMs, zone).map((ms) => ZonedDate.at(ms, own));
}
