/**
 * The wire encoding: entry definitions and meta to and from the exact JSON text upstream writes and
 * reads. Writing goes through the write profile, reading through the (wider) read profile.
 */
import { className } from "./arguments.js";
import { CorruptEntry, ValidationError } from "./errors.js";
import type { Datetime } from "./generated/write-types.js";
import { PyFloat, pyDumps } from "./pyjson.js";
import type { Entry, EntryInput, Schedule } from "./types.js";
import { validate } from "./validate.js";
import { checkZone, daysInMonth, fromWall, toWall, utcWall, type Zone } from "./zones.js";
import { ZonedDate } from "./zoned-date.js";
import { expandCrontab } from "./crontab.js";
import { checkRRuleSupported, dateutilRefuses, neverMatches } from "./rrule.js";
import { writeSchema } from "./generated/schemas.js";
import { RedBeatError } from "./errors.js";
import { parseStoredJson } from "./storedjson.js";
import {
  checkExtensions,
  checkOneOff,
  extensionsFromWire,
  extensionsWire,
  matchOneOff,
  noExtensions,
  oneOffMarker,
  oneOffRRule,
  type Extensions,
  type OneOff,
} from "./extensions.js";

// The rrule fields our writers always store, null when unset: the write schema's required ones beyond
// those given a value here.
const RRULE_WRITTEN_NULL = (
  writeSchema.$defs as Record<string, { required: string[] }>
).RRule.required.filter((k) => !["__type__", "freq", "interval", "dtstart", "dtstart_tz"].includes(k));

/** An instant with the zone its wall clock was written in. */
export interface ZonedInstant {
  ms: number;
  zone: Zone;
}

/** The upstream datetime object of an instant, wall clock in `zone` (all nine keys). */
export function encodeDatetime(ms: number, zone: Zone = "UTC"): Datetime {
  const w = zone === "UTC" ? utcWall(ms) : toWall(zone, ms);
  return {
    __type__: "datetime",
    year: w.year,
    month: w.month,
    day: w.day,
    hour: w.hour,
    minute: w.minute,
    second: w.second,
    microsecond: Math.min(999999, Math.round(w.ms * 1000)),
    timezone: typeof zone === "number" ? (new PyFloat(zone) as unknown as number) : zone,
  };
}

// The keys of a stored datetime, as the write schema lists them.
const DATETIME_KEYS = new Set(
  Object.keys(
    (writeSchema.$defs as Record<string, { properties: Record<string, unknown> }>).Datetime.properties,
  ),
);

/** Reads an upstream datetime object (missing time fields are 0, a missing timezone is UTC). */
export function decodeDatetime(d: Partial<Datetime>): ZonedInstant {
  if (d === null || typeof d !== "object") throw new ValidationError("", "a datetime must be an object");
  for (const k of Object.keys(d))
    if (!DATETIME_KEYS.has(k))
      throw new ValidationError(k, "unknown datetime field (upstream crashes on it)");
  const limits: Array<[keyof Datetime, number, number, boolean]> = [
    ["year", 1, 9999, true],
    ["month", 1, 12, true],
    ["day", 1, 31, true],
    ["hour", 0, 23, false],
    ["minute", 0, 59, false],
    ["second", 0, 59, false],
    ["microsecond", 0, 999999, false],
  ];
  for (const [k, lo, hi, required] of limits) {
    const v = d[k];
    if (v === undefined && !required) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi)
      throw new ValidationError(k, `must be an integer in ${lo}..${hi}`);
  }
  if (d.day! > daysInMonth(d.year!, d.month!))
    throw new ValidationError("day", `${d.year}-${d.month} has no day ${d.day}`);
  if (d.timezone === null)
    throw new ValidationError(
      "timezone",
      "must be an IANA zone name or an offset in seconds (null crashes upstream)",
    );
  const zone: Zone = d.timezone === undefined ? "UTC" : checkZone(d.timezone);
  const micro = d.microsecond ?? 0;
  const wall = {
    year: d.year!,
    month: d.month!,
    day: d.day!,
    hour: d.hour ?? 0,
    minute: d.minute ?? 0,
    second: d.second ?? 0,
    ms: micro / 1000,
  };
  return { ms: fromWall(zone, wall, 0), zone };
}

/** A wire datetime as the Date this client hands out (zone and microseconds kept). */
export function zonedDate(d: Partial<Datetime>): ZonedDate {
  const z = decodeDatetime(d);
  return new ZonedDate(z.ms, z.zone, d.microsecond ?? 0);
}

function isTyped(v: unknown, type: string): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    (v as Record<string, unknown>).__type__ === type
  );
}

/** Task arguments to wire values: a Date becomes an upstream (UTC) datetime. */
export function argsToWire(v: unknown, path: string): unknown {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new ValidationError(path, "invalid Date");
    if (v instanceof ZonedDate)
      return encodeDatetime(v.preciseTime, checkZone(v.timezone, path ? `${path}.timezone` : "timezone"));
    return encodeDatetime(v.getTime());
  }
  if (Array.isArray(v)) return v.map((x, i) => argsToWire(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new ValidationError(path, `cannot store a ${className(v) ?? "non-plain"} object`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = argsToWire(x, path ? `${path}.${k}` : k);
    return out;
  }
  if (typeof v === "function" || typeof v === "symbol" || v === undefined)
    throw new ValidationError(path, `cannot store ${typeof v}`);
  return v;
}

/** Wire values to task arguments: upstream datetimes anywhere become ZonedDates, as upstream's decoder does. */
function argsFromWire(v: unknown, path = ""): unknown {
  if (isTyped(v, "datetime")) {
    try {
      return zonedDate(v);
    } catch (e) {
      if (e instanceof ValidationError && path) throw e.at(path);
      throw e;
    }
  }
  if (Array.isArray(v)) return v.map((x, i) => argsFromWire(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = argsFromWire(x, path ? `${path}.${k}` : k);
    return out;
  }
  return v;
}

/** The schedule object with upstream's key order and float markers. */
export function scheduleToWire(s: Schedule): Record<string, unknown> {
  switch (s.__type__) {
    case "interval":
      return { __type__: "interval", every: new PyFloat(s.every), relative: s.relative };
    case "crontab":
      return {
        __type__: "crontab",
        minute: s.minute,
        hour: s.hour,
        day_of_week: s.day_of_week,
        day_of_month: s.day_of_month,
        month_of_year: s.month_of_year,
      };
    case "rrule": {
      const tz = (m: number) => (m === 0 ? 0 : new PyFloat(m));
      const out: Record<string, unknown> = {
        __type__: "rrule",
        freq: s.freq,
        interval: s.interval,
        wkst: s.wkst,
        count: s.count,
        bysetpos: s.bysetpos,
        bymonth: s.bymonth,
        bymonthday: s.bymonthday,
        byyearday: s.byyearday,
        byeaster: s.byeaster,
        byweekno: s.byweekno,
        byweekday: s.byweekday,
        byhour: s.byhour,
        byminute: s.byminute,
        bysecond: s.bysecond,
        dtstart: s.dtstart,
        dtstart_tz: tz(s.dtstart_tz),
      };
      if (s.until !== undefined) {
        out.until = s.until;
        out.until_tz = tz(s.until_tz ?? 0);
      }
      return out;
    }
    default:
      return s;
  }
}

/** Replaces float markers by numbers, so the object can be schema-checked. */
function plain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function checkRange(name: string, v: unknown, lo: number, hi: number, zeroOk: boolean): void {
  if (v === null || v === undefined) return;
  const items = Array.isArray(v) ? v : [v];
  items.forEach((x, i) => {
    const path = Array.isArray(v) ? `schedule.${name}[${i}]` : `schedule.${name}`;
    if (!Number.isInteger(x) || x < lo || x > hi || (!zeroOk && x === 0)) {
      throw new ValidationError(
        path,
        `must be an integer in ${lo}..${hi}${zeroOk ? "" : ", not 0"} (python-dateutil refuses it)`,
      );
    }
  });
}

/** The value ranges python-dateutil enforces (or would loop forever on): beat crashes on a rule outside them. */
function checkRRuleValues(r: Extract<Schedule, { __type__: "rrule" }>): void {
  checkRange("bysetpos", r.bysetpos, -366, 366, false);
  checkRange("bymonth", r.bymonth, 1, 12, true);
  checkRange("bymonthday", r.bymonthday, -31, 31, false);
  checkRange("byyearday", r.byyearday, -366, 366, false);
  checkRange("byweekno", r.byweekno, -53, 53, false);
  checkRange("byhour", r.byhour, 0, 23, true);
  checkRange("byminute", r.byminute, 0, 59, true);
  checkRange("bysecond", r.bysecond, 0, 59, true);
}

/** Checks what the schema cannot say: crontab values Celery accepts, rrules this client evaluates. */
export function checkSchedule(s: Schedule): void {
  if (s.__type__ === "crontab") {
    try {
      expandCrontab(s);
    } catch (e) {
      if (e instanceof ValidationError) throw e.at("schedule");
      throw e;
    }
  } else if (s.__type__ === "rrule") {
    checkRRuleValues(s);
    const refused = dateutilRefuses(s);
    if (refused) throw new ValidationError(`schedule.${refused[0]}`, refused[1]);
    try {
      checkRRuleSupported(s);
    } catch (e) {
      if (e instanceof RedBeatError) throw e;
      throw new ValidationError(
        "schedule",
        `python-dateutil would refuse this rule: ${(e as Error).message}`,
      );
    }
  }
}

/**
 * Checks a schedule on its own, as a save would (write profile, then checkSchedule): for previews
 * of schedules built by hand, which no save has checked. Paths start with `schedule`.
 */
export function validateSchedule(s: Schedule): void {
  if (s === null || typeof s !== "object")
    throw new ValidationError("schedule", "is required (use interval(), crontab() or rrule())");
  validate(
    "write",
    "Definition",
    plain({
      name: "x",
      task: "x",
      args: null,
      kwargs: {},
      options: {},
      schedule: scheduleToWire(s),
      enabled: true,
    }),
  );
  checkSchedule(s);
}

/** Runs `fn`, putting `prefix` in front of the path of a ValidationError it throws. */
function under<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ValidationError) throw e.at(prefix);
    throw e;
  }
}

/** An entry's extensions, checked (paths start with `extensions`). */
export function entryExtensions(entry: EntryInput): Extensions {
  return under("extensions", () => checkExtensions(entry.extensions));
}

/** Where an entry's schedule is evaluated and its naive-free Dates written: its own zone, else the beat's. */
export function entryZone(entry: EntryInput, beatZone: Zone): Zone {
  return entryExtensions(entry).timezone ?? beatZone;
}

/** The schedule as stored: a one-off becomes its rrule of one run, its time's offset in `zone`. */
export function storedSchedule(s: Schedule | OneOff, zone: Zone): Schedule {
  if (s === null || typeof s !== "object" || s.__type__ !== "one_off") return s;
  under("schedule", () => checkOneOff(s));
  return oneOffRRule(s, zone);
}

/**
 * The `extensions` JSON text of this entry (the Python SDK's bytes), or null when it has nothing to
 * store; `beatZone` places Dates when the entry has no zone of its own.
 */
export function encodeExtensions(entry: EntryInput, beatZone: Zone = "UTC"): string | null {
  const extensions = entryExtensions(entry);
  const zone = extensions.timezone ?? beatZone;
  const s = entry.schedule;
  const marker =
    s !== null && typeof s === "object" && s.__type__ === "one_off" ? oneOffMarker(s, zone) : null;
  if (noExtensions(extensions) && marker === null) return null;
  return pyDumps(extensionsWire(extensions, zone, marker));
}

/**
 * The `definition` JSON text upstream would write for this entry; throws ValidationError first. A
 * one-off's rrule keeps its time's offset in the entry's zone, else `beatZone`.
 */
export function encodeDefinition(entry: EntryInput, beatZone: Zone = "UTC"): string {
  if (entry === null || typeof entry !== "object")
    throw new ValidationError("", "an entry must be an object");
  // An Entry read back can be saved as is: its run state (key, lastRunAt, ...) is not definition.
  const known = new Set([
    "name",
    "task",
    "schedule",
    "args",
    "kwargs",
    "options",
    "enabled",
    "extensions",
    "key",
    "lastRunAt",
    "totalRunCount",
    "score",
  ]);
  for (const k of Object.keys(entry))
    if (!known.has(k))
      throw new ValidationError(k, "unknown field (upstream beat crashes on fields it does not know)");
  if (entry.schedule === null || typeof entry.schedule !== "object")
    throw new ValidationError("schedule", "is required (use interval(), crontab(), rrule() or oneOff())");
  const schedule =
    entry.schedule.__type__ === "one_off"
      ? storedSchedule(entry.schedule, entryZone(entry, beatZone))
      : entry.schedule;
  const wire: Record<string, unknown> = {
    name: entry.name,
    task: entry.task,
    args: entry.args === undefined ? null : argsToWire(entry.args, "args"),
    kwargs: entry.kwargs === undefined ? {} : argsToWire(entry.kwargs, "kwargs"),
    options: entry.options === undefined ? {} : argsToWire(entry.options, "options"),
    schedule: scheduleToWire(schedule),
    enabled: entry.enabled === undefined ? true : entry.enabled,
  };
  validate("write", "Definition", plain(wire));
  checkSchedule(schedule);
  const never = schedule.__type__ === "rrule" ? neverMatches(schedule) : null;
  if (never) throw new ValidationError(`schedule.${never[0]}`, never[1]); // a beat would search it to year 9999
  return pyDumps(wire);
}

/** `{"last_run_at": ...}` (and the run count when given), as upstream writes meta. */
export function encodeMeta(lastRunMs: number | null, totalRunCount?: number): string {
  const meta: Record<string, unknown> = {
    last_run_at: lastRunMs === null ? null : encodeDatetime(lastRunMs),
  };
  if (totalRunCount !== undefined) meta.total_run_count = totalRunCount;
  return pyDumps(meta);
}

export interface DecodedMeta {
  lastRun: ZonedInstant | null;
  lastRunAt?: ZonedDate | null;
  totalRunCount: number | undefined;
}

/**
 * How deep a stored field's JSON may nest (schema/README.md, "Limits"): every reader refuses deeper
 * values by the same rule (JSON.parse has no limit, Python's json gives up near 1000 levels).
 */
export const MAX_DEPTH = 128;

/** True when the JSON text nests arrays and objects deeper than `max` (brackets in strings aside). */
export function nestsDeeper(text: string, max: number = MAX_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c) i++;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function parseJson(key: string, field: string, text: string): unknown {
  if (nestsDeeper(text)) throw new CorruptEntry(key, `${field}: JSON nested deeper than ${MAX_DEPTH} levels`);
  try {
    return parseStoredJson(text);
  } catch (e) {
    throw new CorruptEntry(key, `${field} is not valid JSON (${(e as Error).message})`);
  }
}

/** Runs `fn`, turning a ValidationError about a stored field into a CorruptEntry naming it. */
function stored<T>(key: string, field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ValidationError) throw new CorruptEntry(key, `${e.at(field).message}`);
    throw e;
  }
}

function readChecked(key: string, part: "Definition" | "Meta", value: unknown): void {
  stored(key, part.toLowerCase(), () => validate("read", part, value));
}

/** Reads the `meta` field; absent or empty means never run. */
export function decodeMeta(key: string, raw: string | null | undefined): DecodedMeta {
  if (raw === null || raw === undefined || raw === "") return { lastRun: null, totalRunCount: undefined };
  const meta = parseJson(key, "meta", raw) as {
    last_run_at: Datetime | null;
    total_run_count?: number | null;
  };
  readChecked(key, "Meta", meta);
  return stored(key, "meta.last_run_at", () => ({
    lastRun: meta.last_run_at === null ? null : decodeDatetime(meta.last_run_at),
    lastRunAt: meta.last_run_at === null ? null : zonedDate(meta.last_run_at),
    totalRunCount: meta.total_run_count === null ? 0 : meta.total_run_count, // null reads as 0
  }));
}

const FREQS = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"];

/** A schedule as upstream reads it, in the form this client writes (defaults filled in). */
function scheduleFromWire(key: string, s: unknown, nowMs: number): Schedule {
  if (typeof s === "number") return { __type__: "interval", every: s, relative: false };
  const o = s as Record<string, unknown>;
  switch (o.__type__) {
    case "interval": // a null relative reads as false, as upstream reads it
      return { __type__: "interval", every: o.every as number, relative: o.relative === true };
    case "crontab": {
      const f = (k: string) => (o[k] === undefined ? "*" : o[k]) as string;
      const c = {
        __type__: "crontab" as const,
        minute: f("minute"),
        hour: f("hour"),
        day_of_week: f("day_of_week"),
        day_of_month: f("day_of_month"),
        month_of_year: f("month_of_year"),
      };
      try {
        expandCrontab(c);
      } catch (e) {
        if (e instanceof ValidationError)
          throw new CorruptEntry(key, `definition.schedule.${e.message} (upstream beat crashes on it)`);
        throw e;
      }
      return c;
    }
    default: {
      const freq = typeof o.freq === "string" ? FREQS.indexOf(o.freq.toUpperCase()) : (o.freq as number);
      // a null dtstart or offset reads as a missing one, as upstream's decoder reads it
      const r = {
        ...(o as object),
        freq,
        interval: o.interval ?? 1,
        dtstart: o.dtstart ?? Math.floor(nowMs / 1000),
        dtstart_tz: o.dtstart_tz ?? 0,
      } as Record<string, unknown>;
      checkStamp(key, "dtstart", r.dtstart as number, r.dtstart_tz as number);
      const refused = dateutilRefuses(r as unknown as Extract<Schedule, { __type__: "rrule" }>);
      if (refused) throw new CorruptEntry(key, `definition.schedule.${refused[0]}: ${refused[1]}`);
      for (const k of RRULE_WRITTEN_NULL) {
        if (r[k] === undefined) r[k] = null;
      }
      // A weekday's `n` (FR(+1)) is read by upstream but never written: its encoder drops it, so does this reader.
      const dropN = (w: unknown) => (isTyped(w, "weekday") ? { __type__: "weekday", wkday: w.wkday } : w);
      r.wkst = dropN(r.wkst);
      r.byweekday = Array.isArray(r.byweekday) ? r.byweekday.map(dropN) : dropN(r.byweekday);
      if (r.until !== undefined && (r.until_tz === undefined || r.until_tz === null)) r.until_tz = 0;
      if (typeof r.until === "number") checkStamp(key, "until", r.until, r.until_tz as number);
      return r as unknown as Schedule;
    }
  }
}

// The seconds of 0001-01-01T00:00:00 and 9999-12-31T23:59:59: the wall times a Python datetime holds.
const FIRST_WALL = -62135596800;
const LAST_WALL = 253402300799;

/** A stored stamp whose wall time in its offset is no date upstream's decoder can build is corrupt (the
 * schema bounds the instant; the offset can still carry it past year 9999 or before year 1). */
function checkStamp(key: string, name: string, epoch: number, offsetMinutes: number): void {
  const wall = Math.trunc(epoch) + offsetMinutes * 60;
  if (wall < FIRST_WALL || wall >= LAST_WALL + 1)
    throw new CorruptEntry(
      key,
      `definition.schedule.${name}: ${epoch} s at offset ${offsetMinutes} min is no date in years 1-9999`,
    );
}

/**
 * The extensions and one-off marker of a raw `extensions` field (null: none); CorruptEntry when it
 * breaks the extension profile (a reader cannot honour rules it cannot read).
 */
export function decodeExtensions(
  key: string,
  raw: string | null | undefined,
): ReturnType<typeof extensionsFromWire> {
  if (raw === null || raw === undefined) return { extensions: {}, oneOff: null };
  const data = parseJson(key, "extensions", raw);
  return stored(key, "extensions", () => extensionsFromWire(data));
}

/** An entry from its raw hash fields; throws CorruptEntry for anything the read profile rejects. */
export function decodeEntry(
  key: string,
  name: string,
  rawDefinition: string,
  rawMeta: string | null | undefined,
  score: number | null,
  nowMs: number,
  rawExtensions: string | null = null,
): Entry {
  const def = parseJson(key, "definition", rawDefinition) as Record<string, unknown>;
  readChecked(key, "Definition", def);
  const meta = decodeMeta(key, rawMeta);
  // Definition-level last_run_at/total_run_count are constructor keywords that meta overrides;
  // upstream reads absent meta as {"last_run_at": null}, so only the count can survive from there.
  const totalRunCount = meta.totalRunCount ?? (def.total_run_count as number | undefined) ?? 0;
  const { extensions, oneOff } = decodeExtensions(key, rawExtensions);
  const schedule = scheduleFromWire(key, def.schedule, nowMs);
  return {
    name: typeof def.name === "string" ? def.name : name,
    task: def.task as string,
    schedule: stored(key, "extensions.one_off", () => matchOneOff(schedule, oneOff)),
    args:
      def.args === undefined || def.args === null
        ? null
        : stored(key, "definition", () => argsFromWire(def.args, "args") as unknown[]),
    kwargs: def.kwargs
      ? stored(key, "definition", () => argsFromWire(def.kwargs, "kwargs") as Record<string, unknown>)
      : {},
    options: def.options
      ? stored(key, "definition", () => argsFromWire(def.options, "options") as Record<string, unknown>)
      : {},
    enabled: def.enabled === undefined ? true : def.enabled === true,
    extensions,
    key,
    lastRunAt: meta.lastRunAt ?? null,
    totalRunCount,
    score,
  };
}

/** The last run stored in raw meta, with its zone, for scoring. */
export function storedLastRun(key: string, rawMeta: string | null | undefined): ZonedInstant | null {
  return decodeMeta(key, rawMeta).lastRun;
}
