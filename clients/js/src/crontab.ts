/**
 * Celery 5.7 crontab semantics, reimplemented from its observed behaviour (pinned by
 * schema/examples/crontab-fields.json and conformance/vectors/next_runs): which field values Celery's
 * `crontab()` accepts, what set each expands to, and the next run after a given last run.
 *
 * No cron library matches Celery (names in every field, wrapping ranges, day-of-month AND
 * day-of-week, 0 = Sunday, no `L`/`#`/`?`/`N/step`), hence this module.
 */
import { ValidationError } from "./errors.js";
import { addDays, cronWeekday, daysInMonth, fromWall, toWall, type Wall, type Zone } from "./zones.js";

export type CronField = string | number | number[];

export interface CrontabFields {
  minute: CronField;
  hour: CronField;
  day_of_week: CronField;
  day_of_month: CronField;
  month_of_year: CronField;
}

/** The expanded sets, sorted ascending. */
export interface ExpandedCrontab {
  minute: number[];
  hour: number[];
  day_of_week: number[];
  day_of_month: number[];
  month_of_year: number[];
}

/** [size, lowest value] of each field: the value range is lowest .. lowest + size - 1. */
const RANGES: Record<keyof CrontabFields, [number, number]> = {
  minute: [60, 0],
  hour: [24, 0],
  day_of_week: [7, 0],
  day_of_month: [31, 1],
  month_of_year: [12, 1],
};

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

// Python's `\w` on str: letters, numbers and underscore, in any script.
const WORD = "[\\p{L}\\p{N}_]";
// Celery anchors these only at the start (re.match), so trailing text after a match is ignored.
const RANGE_STEPS = new RegExp(`^(${WORD}+?)-(${WORD}+)/(${WORD}+)?`, "u");
const RANGE = new RegExp(`^(${WORD}+?)-(${WORD}+)`, "u");
const STAR_STEPS = new RegExp(`^\\*/(${WORD}+)?`, "u");
const STAR = /^\*$/;

// The whitespace Python's int() strips: ASCII " \t\n\v\f\r", and above U+007F what str.isspace() calls
// space (U+001C..U+001F are spaces to str.isspace() but int() keeps them, and Celery refuses the value).
const PY_SPACE = /^[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u;
const ND = /\p{Nd}/u;

class ParseFailure extends Error {}

/** Value of a Unicode decimal digit: Nd characters come in contiguous runs of 0..9. */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Python's `int(str)` in base 10, or null where Python raises ValueError. */
export function pyInt(text: string): number | null {
  const chars = Array.from(text);
  let a = 0;
  let b = chars.length;
  while (a < b && PY_SPACE.test(chars[a])) a++;
  while (b > a && PY_SPACE.test(chars[b - 1])) b--;
  let sign = 1;
  if (a < b && (chars[a] === "+" || chars[a] === "-")) {
    if (chars[a] === "-") sign = -1;
    a++;
  }
  if (a >= b) return null;
  let value = 0;
  let lastWasDigit = false;
  for (let i = a; i < b; i++) {
    const ch = chars[i];
    if (ch === "_") {
      if (!lastWasDigit || i === b - 1) return null;
      lastWasDigit = false;
      continue;
    }
    if (!ND.test(ch)) return null;
    value = value * 10 + digitValue(ch);
    lastWasDigit = true;
  }
  return sign * value;
}

function nameValue(text: string, names: string[], base: number): number | null {
  const i = names.indexOf(Array.from(text).slice(0, 3).join("").toLowerCase());
  return i < 0 ? null : i + base;
}

class FieldParser {
  constructor(
    private readonly size: number,
    private readonly low: number,
  ) {}

  parse(spec: string): Set<number> {
    const acc = new Set<number>();
    for (const part of spec.split(",")) {
      if (!part) throw new ParseFailure("empty part between commas");
      for (const n of this.part(part)) acc.add(n);
    }
    return acc;
  }

  private part(part: string): number[] {
    let m = RANGE_STEPS.exec(part);
    if (m) {
      if (!m[3]) throw new ParseFailure(`empty step in ${JSON.stringify(part)}`);
      return this.step(this.range(m[1], m[2]), m[3]);
    }
    m = RANGE.exec(part);
    if (m) return this.range(m[1], m[2]);
    m = STAR_STEPS.exec(part);
    if (m) {
      if (!m[1]) throw new ParseFailure(`empty step in ${JSON.stringify(part)}`);
      return this.step(this.star(), m[1]);
    }
    if (STAR.test(part)) return this.star();
    return [this.number(part)];
  }

  private star(): number[] {
    return Array.from({ length: this.size }, (_, i) => i + this.low);
  }

  private range(fromText: string, toText: string): number[] {
    const from = this.number(fromText);
    const to = this.number(toText);
    const out: number[] = [];
    if (to < from) {
      // A reversed range wraps around the end of the field: fri-mon, 23-1.
      for (let i = from; i < this.low + this.size; i++) out.push(i);
      for (let i = this.low; i <= to; i++) out.push(i);
    } else {
      for (let i = from; i <= to; i++) out.push(i);
    }
    return out;
  }

  private step(values: number[], stepText: string): number[] {
    const step = pyInt(stepText);
    if (step === null) throw new ParseFailure(`step ${JSON.stringify(stepText)} is not a number`);
    if (step === 0) throw new ParseFailure("step must not be zero");
    if (step < 0) {
      // Python slicing with a negative step walks the list backwards.
      const out: number[] = [];
      for (let i = values.length - 1; i >= 0; i += step) out.push(values[i]);
      return out;
    }
    return values.filter((_, i) => i % step === 0);
  }

  private number(text: string): number {
    if (text === "") throw new ParseFailure("empty value");
    if (text[0] === "-") throw new ParseFailure("negative numbers are not supported");
    let n = pyInt(text);
    if (n === null) n = nameValue(text, MONTHS, 1);
    if (n === null) n = nameValue(text, WEEKDAYS, 0);
    if (n === null)
      throw new ParseFailure(`${JSON.stringify(text)} is neither a number nor a month or weekday name`);
    const max = this.low + this.size - 1;
    if (n > max) throw new ParseFailure(`${n} is above ${max}`);
    if (n < this.low) throw new ParseFailure(`${n} is below ${this.low}`);
    return n;
  }
}

function expandField(name: keyof CrontabFields, value: unknown): number[] {
  const [size, low] = RANGES[name];
  let set: Set<number>;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new ValidationError(name, `${value} is not an integer`);
    set = new Set([value]);
  } else if (typeof value === "string") {
    try {
      set = new FieldParser(size, low).parse(value);
    } catch (e) {
      if (e instanceof ParseFailure)
        throw new ValidationError(name, `Celery rejects ${JSON.stringify(value)}: ${e.message}`);
      throw e;
    }
  } else if (Array.isArray(value)) {
    if (value.length === 0) throw new ValidationError(name, "an empty list never matches");
    value.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isInteger(v))
        throw new ValidationError(`${name}[${i}]`, "must be an integer");
    });
    set = new Set(value as number[]);
  } else {
    throw new ValidationError(name, "must be a string, an integer or a list of integers");
  }
  for (const n of set) {
    if (n < low || n >= low + size)
      throw new ValidationError(name, `${n} is outside ${low}-${low + size - 1}`);
  }
  return [...set].sort((a, b) => a - b);
}

/** Expands and checks the five fields as Celery 5.7's `crontab()` constructor does. */
export function expandCrontab(fields: CrontabFields): ExpandedCrontab {
  const out = {} as ExpandedCrontab;
  for (const name of Object.keys(RANGES) as (keyof CrontabFields)[])
    out[name] = expandField(name, fields[name]);
  // Celery refuses day/month sets that can never meet (30 February); February counts 29 days.
  const possible = out.month_of_year.some((m) => out.day_of_month.some((d) => d <= daysInMonth(2000, m)));
  if (!possible) {
    throw new ValidationError(
      "day_of_month",
      `no day in ${JSON.stringify(fields.day_of_month)} exists in month(s) ${JSON.stringify(fields.month_of_year)}`,
    );
  }
  return out;
}

function dateMatches(c: ExpandedCrontab, year: number, month: number, day: number): boolean {
  return (
    c.month_of_year.includes(month) &&
    c.day_of_month.includes(day) &&
    c.day_of_week.includes(cronWeekday(year, month, day))
  );
}

/** 400 years: past the longest cycle a valid day/month/weekday combination can need (29 Feb on a weekday: 28 years). */
const MAX_DAYS = 400 * 366;

/**
 * The next wall-clock minute strictly after the minute of `last`, matching every field
 * (day_of_month AND day_of_week). Null only if nothing matches within 400 years.
 */
export function nextCronWall(c: ExpandedCrontab, last: Wall): Wall | null {
  const at = (y: number, mo: number, d: number, h: number, mi: number): Wall => ({
    year: y,
    month: mo,
    day: d,
    hour: h,
    minute: mi,
    second: 0,
    ms: 0,
  });
  if (dateMatches(c, last.year, last.month, last.day)) {
    if (c.hour.includes(last.hour)) {
      const minute = c.minute.find((m) => m > last.minute);
      if (minute !== undefined) return at(last.year, last.month, last.day, last.hour, minute);
    }
    const hour = c.hour.find((h) => h > last.hour);
    if (hour !== undefined) return at(last.year, last.month, last.day, hour, c.minute[0]);
  }
  for (let i = 1; i <= MAX_DAYS; i++) {
    const d = addDays(last.year, last.month, last.day, i);
    if (dateMatches(c, d.year, d.month, d.day)) return at(d.year, d.month, d.day, c.hour[0], c.minute[0]);
  }
  return null;
}

/**
 * Celery's next run after `lastMs` for a crontab evaluated in `zone` (the beat's Celery timezone):
 * the matching wall time, resolved with fold 0 (a time skipped by DST runs at the same offset as
 * before the jump; a repeated time runs at its first occurrence).
 */
export function crontabNextRun(c: ExpandedCrontab, lastMs: number, zone: Zone): number | null {
  const wall = nextCronWall(c, toWall(zone, lastMs));
  return wall === null ? null : fromWall(zone, wall, 0);
}
