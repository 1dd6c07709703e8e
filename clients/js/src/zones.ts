/**
 * Time-zone arithmetic on wall clocks, with Python's semantics: a wall time that a DST gap skips or an
 * overlap repeats resolves by `fold` exactly as `zoneinfo` does (fold 0 = the offset in force before
 * the transition). Celery's schedules are defined in those terms, so no date library's own choice
 * is used here; the offsets come from the platform's tz database through Intl.
 */
import { pyRepr, ValidationError } from "./errors.js";

/** An IANA zone name, or a fixed UTC offset in seconds (east positive). */
export type Zone = string | number;

/** Calendar fields of a wall clock. `ms` may carry a fraction (microseconds). */
export interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Checks a zone of stored or written data: an IANA zone name, or an offset in seconds (upstream's
 * numeric timezone). Returns it as given.
 */
export function checkZone(zone: Zone, path = "timezone"): Zone {
  if (typeof zone === "number") {
    if (!Number.isFinite(zone) || Math.abs(zone) >= 86400)
      throw new ValidationError(path, `offset ${zone} s is not within one day`);
    return zone;
  }
  return checkZoneName(zone, path);
}

/** Checks an IANA zone name given as an option (a beat timezone, an rrule's tz); offsets are not names. */
export function checkZoneName(zone: unknown, path: string): string {
  if (typeof zone !== "string" || zone === "")
    throw new ValidationError(path, "must be an IANA zone name such as 'Europe/Berlin'");
  // Intl also takes offsets ("+01:00") and its own aliases; Python's ZoneInfo, which upstream uses, does not.
  if (!/^[A-Za-z]/.test(zone)) throw new ValidationError(path, `unknown IANA time zone ${pyRepr(zone)}`);
  try {
    formatter(zone);
  } catch {
    throw new ValidationError(path, `unknown IANA time zone ${pyRepr(zone)}`);
  }
  return zone;
}

/** Epoch milliseconds of a wall clock read as UTC (years 1-99 included, unlike Date.UTC). */
export function wallAsUtc(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime() + w.ms;
}

export function utcWall(epochMs: number): Wall {
  const whole = Math.floor(epochMs);
  const d = new Date(whole);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds() + (epochMs - whole),
  };
}

/** UTC offset of `zone` at an instant, in seconds. */
export function offsetAt(zone: Zone, epochMs: number): number {
  if (typeof zone === "number") return zone;
  if (zone === "UTC" || zone === "Etc/UTC") return 0;
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = formatter(zone).formatToParts(new Date(whole));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "0";
  let year = Number(get("year"));
  if (get("era") === "BC" || get("era") === "B") year = 1 - year;
  const wall = wallAsUtc({
    year,
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")),
    minute: Number(get("minute")),
    second: Number(get("second")),
    ms: 0,
  });
  return Math.round((wall - whole) / 1000);
}

/** The wall clock in `zone` at an instant. */
export function toWall(zone: Zone, epochMs: number): Wall {
  return utcWall(epochMs + offsetAt(zone, epochMs) * 1000);
}

/** The one or two instants a wall clock names, and whether it falls in a gap. */
function resolve(
  zone: Zone,
  w: Wall,
): { before: number; after: number; beforeValid: boolean; afterValid: boolean } {
  const local = wallAsUtc(w);
  const oBefore = offsetAt(zone, local - 86_400_000);
  const oAfter = offsetAt(zone, local + 86_400_000);
  const before = local - oBefore * 1000;
  const after = local - oAfter * 1000;
  return {
    before,
    after,
    beforeValid: offsetAt(zone, before) === oBefore,
    afterValid: offsetAt(zone, after) === oAfter,
  };
}

/**
 * The instant of a wall clock in `zone`, as Python's zoneinfo resolves it: in an overlap fold 0 is
 * the first occurrence and fold 1 the second; in a gap fold 0 uses the offset before the transition
 * (02:30 in a 02:00->03:00 gap is 03:30 new time) and fold 1 the offset after.
 */
export function fromWall(zone: Zone, w: Wall, fold: 0 | 1 = 0): number {
  if (typeof zone === "number") return wallAsUtc(w) - zone * 1000;
  const r = resolve(zone, w);
  if (r.beforeValid && r.afterValid) return fold === 0 ? r.before : r.after;
  if (r.beforeValid) return r.before;
  if (r.afterValid) return r.after;
  return fold === 0 ? r.before : r.after;
}

/** True when the wall clock does not exist in `zone` (a DST gap skips it). */
export function isImaginary(zone: Zone, w: Wall): boolean {
  if (typeof zone === "number") return false;
  const r = resolve(zone, w);
  return !r.beforeValid && !r.afterValid;
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** ISO weekday % 7: 0 = Sunday ... 6 = Saturday (Celery's crontab numbering). */
export function cronWeekday(year: number, month: number, day: number): number {
  return utcWallDay(year, month, day).getUTCDay();
}

function utcWallDay(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d;
}

/** The calendar date `days` after the given one. */
export function addDays(
  year: number,
  month: number,
  day: number,
  days: number,
): { year: number; month: number; day: number } {
  const d = utcWallDay(year, month, day);
  d.setUTCDate(d.getUTCDate() + days);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** An instant as ISO 8601 with microseconds and the UTC offset `zone` has then: 2025-01-15T07:00:00.000000-05:00. */
export function isoInZone(epochMs: number, zone: Zone): string {
  const offset = offsetAt(zone, epochMs);
  const w = utcWall(epochMs + offset * 1000);
  const p = (n: number, width = 2) => String(n).padStart(width, "0");
  const micro = Math.round(w.ms * 1000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}.${p(micro, 6)}${sign}${p(Math.floor(abs / 3600))}:${p(Math.floor((abs % 3600) / 60))}`;
}
