/**
 * The extension profile (schema/extensions.schema.json, schema/README.md "Extensions"): what an entry
 * carries beyond upstream's format, in the entry hash's `extensions` field, which upstream never reads.
 * The Python SDK has the same rules in redbeat_sdk/extensions.py; error paths name the stored field
 * (`extensions.start_at`, `extensions.labels.tenant`) as the Python SDK's do.
 */
import { describe } from "./arguments.js";
import { ValidationError } from "./errors.js";
import { writeSchema } from "./generated/schemas.js";
import type { RRule } from "./generated/write-types.js";
import type { Schedule } from "./types.js";
import { validate } from "./validate.js";
import { ZonedDate } from "./zoned-date.js";
import { checkZoneName, daysInMonth, offsetAt, utcWall, type Zone } from "./zones.js";

export const EXTENSIONS_VERSION = 1;

/** What a beat does with a run it reaches late: `once` (Celery's behaviour), `skip`, or seconds. */
export type CatchUp = "once" | "skip" | number;

/**
 * Per-entry rules upstream cannot express; every field is optional. An entry without any has no
 * `extensions` field in Redis.
 */
export interface Extensions {
  /** IANA zone the schedule is evaluated in, instead of the beat's timezone. */
  timezone?: string;
  /** No run before this instant (a ZonedDate is written in its own zone, a Date in the entry's zone). */
  startAt?: Date;
  /** No run after this instant (jitter included); never before startAt. */
  endAt?: Date;
  /** Each run is delayed by a deterministic offset in [0, jitter) milliseconds: 1 to 86,400,000. */
  jitter?: number;
  /** `once` (default: run however late), `skip` (skip a run 1 s late or more), or N seconds (1 to 31,536,000). */
  catchUp?: CatchUp;
  /** A string map for finding entries: `client.list({ labels })`. */
  labels?: Record<string, string>;
  /** Free text for people, at most 1000 characters. */
  description?: string;
}

/**
 * One run at `at` (a whole second), stored in upstream's own form, an rrule with count 1 starting at
 * `at`, plus a marker in the extensions so that it reads back as a one-off. With `deleteAfterRun`,
 * redbeat-scheduler deletes the entry in the step that records its run.
 */
export interface OneOff {
  __type__: "one_off";
  at: Date;
  deleteAfterRun: boolean;
}

/** The extensions' `one_off` object as stored. */
export interface OneOffMarker {
  at: string;
  delete_after_run: boolean;
}

/** A one-off schedule at `at` (a whole second). */
export function oneOff(at: Date, options: { deleteAfterRun?: boolean } = {}): OneOff {
  const known = ["deleteAfterRun"];
  if (options === null || typeof options !== "object")
    throw new ValidationError("options", `must be an object of options, not ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!known.includes(key)) throw new ValidationError(key, `unknown option (known: ${known.join(", ")})`);
  const deleteAfterRun = options.deleteAfterRun ?? false;
  if (typeof deleteAfterRun !== "boolean")
    throw new ValidationError("deleteAfterRun", `must be true or false, not ${describe(deleteAfterRun)}`);
  const o: OneOff = { __type__: "one_off", at, deleteAfterRun };
  checkOneOff(o);
  return o;
}

/** The checks a one-off's own fields pass (paths relative to the schedule). */
export function checkOneOff(o: OneOff): void {
  if (!(o.at instanceof Date) || Number.isNaN(o.at.getTime()))
    throw new ValidationError("at", `must be a valid Date, not ${describe(o.at)}`);
  if (preciseMs(o.at) % 1000 !== 0)
    // dtstart holds whole seconds: a run rounded down would be early, one rounded up surprising
    throw new ValidationError("at", `must be a whole second, not ${encodeInstant(o.at, "UTC")}`);
  if (typeof o.deleteAfterRun !== "boolean")
    throw new ValidationError("delete_after_run", `must be true or false, not ${describe(o.deleteAfterRun)}`);
}

function preciseMs(d: Date): number {
  return d instanceof ZonedDate ? d.preciseTime : d.getTime();
}

/** The zone a Date is written in: a ZonedDate's own, else `zone`. */
function zoneOf(d: Date, zone: Zone): Zone {
  return d instanceof ZonedDate ? d.timezone : zone;
}

/** The rrule a one-off is stored as (upstream fires it once too): its time's offset in `zone` kept. */
export function oneOffRRule(o: OneOff, zone: Zone): RRule {
  const ms = preciseMs(o.at);
  return {
    __type__: "rrule",
    freq: 3, // DAILY
    interval: 1,
    wkst: null,
    count: 1,
    bysetpos: null,
    bymonth: null,
    bymonthday: null,
    byyearday: null,
    byeaster: null,
    byweekno: null,
    byweekday: null,
    byhour: null,
    byminute: null,
    bysecond: null,
    dtstart: Math.floor(ms / 1000),
    dtstart_tz: offsetAt(zoneOf(o.at, zone), ms) / 60,
  };
}

/** The extensions' `one_off` marker of a one-off. */
export function oneOffMarker(o: OneOff, zone: Zone): OneOffMarker {
  return { at: encodeInstant(o.at, zone), delete_after_run: o.deleteAfterRun };
}

// The rrule's by* fields, as the write schema lists them.
const BY_FIELDS = Object.keys(
  (writeSchema.$defs as Record<string, { properties: Record<string, unknown> }>).RRule.properties,
).filter((k) => k.startsWith("by")) as Array<keyof RRule & `by${string}`>;

/**
 * `schedule` as a OneOff when the marker describes it (an rrule of one run at `at`, no until, no by*),
 * else as it is: a marker left beside a schedule someone changed without the profile is ignored.
 */
export function matchOneOff(schedule: Schedule, marker: OneOffMarker | null): Schedule | OneOff {
  if (marker === null || schedule.__type__ !== "rrule" || schedule.count !== 1) return schedule;
  const at = decodeInstant(marker.at);
  if (schedule.dtstart * 1000 !== at.preciseTime) return schedule;
  if (schedule.until !== undefined && schedule.until !== null) return schedule;
  if (BY_FIELDS.some((k) => schedule[k] !== null && schedule[k] !== undefined)) return schedule;
  return { __type__: "one_off", at, deleteAfterRun: marker.delete_after_run };
}

// -- checks ------------------------------------------------------------------------------------------------

const KEYS = ["timezone", "startAt", "endAt", "jitter", "catchUp", "labels", "description"] as const;
export const MAX_JITTER_MS = 86_400_000;
export const MAX_CATCH_UP = 365 * 86400;
export const MAX_LABELS = 64;
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

function plainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function instant(v: unknown, path: string): Date | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Date) || Number.isNaN(v.getTime()))
    throw new ValidationError(path, `must be a valid Date, not ${describe(v)}`);
  return v;
}

/** A label filter or an entry's labels, checked by the schema's rules (Labels) with a reason to act on. */
export function checkLabels(value: unknown, path = "labels"): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!plainObject(value))
    throw new ValidationError(path, `must be an object of strings, not ${describe(value)}`);
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS)
    throw new ValidationError(path, `at most ${MAX_LABELS} labels, not ${entries.length}`);
  for (const [key, item] of entries) {
    if (!LABEL_KEY.test(key))
      throw new ValidationError(
        path,
        `key ${describe(key)}: 1-63 of A-Z a-z 0-9 . _ / -, starting and ending with a letter or digit`,
      );
    if (typeof item !== "string" || !LABEL_VALUE.test(item))
      throw new ValidationError(
        `${path}.${key}`,
        `${describe(item)}: 0-63 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit`,
      );
  }
  return { ...(value as Record<string, string>) };
}

function checkJitter(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new ValidationError("jitter", `must be a number of milliseconds, not ${describe(v)}`);
  if (!Number.isInteger(v)) throw new ValidationError("jitter", `must be whole milliseconds, not ${v}`);
  if (v <= 0 || v > MAX_JITTER_MS)
    throw new ValidationError("jitter", `must be above 0 and at most ${MAX_JITTER_MS} ms (a day), not ${v}`);
  return v;
}

function checkCatchUp(v: unknown): CatchUp | undefined {
  if (v === undefined || v === "once" || v === "skip") return v;
  if (typeof v === "number" && Number.isInteger(v) && v >= 1) {
    if (v > MAX_CATCH_UP)
      throw new ValidationError("catch_up", `must be at most ${MAX_CATCH_UP} seconds (a year), not ${v}`);
    return v;
  }
  throw new ValidationError("catch_up", `must be 'once', 'skip' or seconds (1 or more), not ${describe(v)}`);
}

/**
 * The extensions of an entry, checked (paths relative to the `extensions` field, as the Python SDK
 * names them); undefined and null give none.
 */
export function checkExtensions(value: unknown): Extensions {
  if (value === undefined || value === null) return {};
  if (!plainObject(value))
    throw new ValidationError("", `must be an object of extensions, not ${describe(value)}`);
  for (const key of Object.keys(value))
    if (!(KEYS as readonly string[]).includes(key)) throw new ValidationError(key, "unknown extension");
  const v = value as Extensions;
  const out: Extensions = {};
  if (v.timezone !== undefined) out.timezone = checkZoneName(v.timezone, "timezone");
  const startAt = instant(v.startAt, "start_at");
  const endAt = instant(v.endAt, "end_at");
  if (startAt && endAt && preciseMs(endAt) < preciseMs(startAt))
    throw new ValidationError("end_at", "must not be before start_at");
  if (startAt) out.startAt = startAt;
  if (endAt) out.endAt = endAt;
  const jitter = checkJitter(v.jitter);
  if (jitter !== undefined) out.jitter = jitter;
  const catchUp = checkCatchUp(v.catchUp);
  if (catchUp !== undefined) out.catchUp = catchUp;
  const labels = checkLabels(v.labels);
  if (Object.keys(labels).length) out.labels = labels;
  if (v.description !== undefined) {
    if (typeof v.description !== "string")
      throw new ValidationError("description", `must be a string, not ${describe(v.description)}`);
    out.description = v.description;
  }
  validate("extensions", "RedBeatExtensions", extensionsWire(out, "UTC")); // what the schema adds (lengths)
  return out;
}

/** True when the extensions hold nothing to store. */
export function noExtensions(e: Extensions): boolean {
  return Object.keys(e).length === 0;
}

/**
 * The field's JSON object, keys in the schema's order. `zone` places a Date that is not a ZonedDate
 * (the entry's zone when it has one, else the beat's).
 */
export function extensionsWire(
  e: Extensions,
  zone: Zone,
  marker: OneOffMarker | null = null,
): Record<string, unknown> {
  const z = e.timezone ?? zone;
  const out: Record<string, unknown> = { version: EXTENSIONS_VERSION };
  if (e.timezone !== undefined) out.timezone = e.timezone;
  if (marker !== null) out.one_off = marker;
  if (e.startAt !== undefined) out.start_at = encodeInstant(e.startAt, z);
  if (e.endAt !== undefined) out.end_at = encodeInstant(e.endAt, z);
  if (e.jitter !== undefined) out.jitter_ms = e.jitter;
  if (e.catchUp !== undefined) out.catch_up = e.catchUp;
  if (e.labels !== undefined && Object.keys(e.labels).length) out.labels = e.labels;
  if (e.description !== undefined) out.description = e.description;
  return out;
}

/**
 * The extensions and the one-off marker of the field's decoded JSON, checked against the profile
 * (ValidationError, its path relative to the field).
 */
export function extensionsFromWire(data: unknown): { extensions: Extensions; oneOff: OneOffMarker | null } {
  validate("extensions", "RedBeatExtensions", data);
  const d = data as Record<string, unknown>;
  const at = (name: string) => {
    if (d[name] === undefined) return undefined;
    try {
      return decodeInstant(d[name] as string);
    } catch (e) {
      if (e instanceof ValidationError) throw e.at(name);
      throw e;
    }
  };
  const extensions = checkExtensions(
    Object.fromEntries(
      Object.entries({
        timezone: d.timezone,
        startAt: at("start_at"),
        endAt: at("end_at"),
        jitter: d.jitter_ms,
        catchUp: d.catch_up,
        labels: d.labels,
        description: d.description,
      }).filter(([, v]) => v !== undefined),
    ),
  );
  return { extensions, oneOff: (d.one_off as OneOffMarker | undefined) ?? null };
}

// -- instants: RFC 3339 with an explicit offset -----------------------------------------------------------

const p2 = (n: number) => String(n).padStart(2, "0");

/**
 * RFC 3339 in the Date's own zone (a ZonedDate's) or `zone`: `Z` for a zero offset, microseconds only
 * when there are any - the text the Python SDK writes.
 */
export function encodeInstant(d: Date, zone: Zone): string {
  const ms = preciseMs(d);
  const whole = Math.floor(ms / 1000) * 1000;
  const micro = d instanceof ZonedDate ? d.microsecond : Math.round((ms - whole) * 1000);
  const offset = offsetAt(zoneOf(d, zone), whole);
  const w = utcWall(whole + offset * 1000);
  let text = `${String(w.year).padStart(4, "0")}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
  if (micro) text += `.${String(micro).padStart(6, "0")}`;
  if (offset === 0) return `${text}Z`;
  const abs = Math.abs(offset);
  text += `${offset < 0 ? "-" : "+"}${p2(Math.floor(abs / 3600))}:${p2(Math.floor(abs / 60) % 60)}`;
  return abs % 60 ? `${text}:${p2(abs % 60)}` : text;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** A ZonedDate (in its fixed offset, `UTC` for a zero one) from an RFC 3339 instant the schema accepts. */
export function decodeInstant(text: string): ZonedDate {
  const m = INSTANT.exec(text);
  if (!m) throw new ValidationError("", `not an RFC 3339 instant with an offset: ${describe(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offsetMin = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    year < 1 ||
    Math.abs(offsetMin) >= 1440
  )
    throw new ValidationError("", `not a valid instant: ${describe(text)}`);
  const micro = Number((m[7] ?? "").padEnd(6, "0"));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const whole = d.getTime() - offsetMin * 60_000;
  return new ZonedDate(whole + micro / 1000, offsetMin === 0 ? "UTC" : offsetMin * 60, micro);
}
