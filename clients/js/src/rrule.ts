/**
 * RedBeat `rrule` schedules (python-dateutil semantics) evaluated with the npm `rrule` package, a port
 * of dateutil's algorithm. Upstream stores dtstart/until as epoch seconds plus a fixed UTC offset in
 * minutes, and dateutil iterates wall clocks in that fixed offset; the same is done here by shifting
 * instants into "floating" UTC wall clocks, which is how the npm package computes.
 *
 * The npm package takes a single byeaster offset; several are evaluated here as the union dateutil
 * makes of them. What cannot be evaluated exactly (several byeaster offsets with bysetpos) raises
 * UnsupportedScheduleError instead of giving a different answer (README: "rrule support").
 */
import rrulePkg from "rrule";
import type { Options as RRuleLibOptions } from "rrule";
import { UnsupportedScheduleError } from "./errors.js";
import type { RRule as WireRRule, Weekday as WireWeekday } from "./generated/write-types.js";
import { fromWall, toWall, utcWall, wallAsUtc } from "./zones.js";

const { RRule: RRuleLib } = rrulePkg;

type IntList = null | number | number[];

function list(v: IntList | undefined): number[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : [v];
}

function weekdayNumber(w: number | WireWeekday): number {
  return typeof w === "number" ? w : w.wkday;
}

/**
 * How an instant becomes the floating wall clock the npm package computes in, and back: by dtstart's
 * fixed offset (upstream's reading), or on an IANA zone's wall clock (an entry's own zone, extension
 * profile: dtstart and until placed in the zone, each occurrence its wall time at fold 0, as
 * python-dateutil with a zoneinfo dtstart).
 */
interface Clock {
  toFloating(ms: number): number;
  toInstant(floating: number): number;
}

function fixedClock(r: WireRRule): Clock {
  const offsetMs = r.dtstart_tz * 60_000;
  return { toFloating: (ms) => ms + offsetMs, toInstant: (f) => f - offsetMs };
}

function zoneClock(zone: string): Clock {
  return {
    toFloating: (ms) => wallAsUtc(toWall(zone, ms)),
    toInstant: (f) => fromWall(zone, utcWall(f), 0),
  };
}

/**
 * The rrule as the npm package wants it, in the floating wall clock of `clock`, with at most one
 * byeaster offset (the package takes one; several are handled by Rule as a union).
 */
function libOptions(r: WireRRule, byeaster: number | null, clock: Clock): Partial<RRuleLibOptions> {
  const byweekday =
    r.byweekday === null
      ? null
      : (Array.isArray(r.byweekday) ? r.byweekday : [r.byweekday]).map(weekdayNumber);
  const opts: Partial<RRuleLibOptions> = {
    freq: r.freq,
    dtstart: new Date(clock.toFloating(r.dtstart * 1000)),
    interval: r.interval,
    wkst: r.wkst === null ? null : weekdayNumber(r.wkst),
    count: r.count,
    bysetpos: list(r.bysetpos),
    bymonth: list(r.bymonth),
    bymonthday: list(r.bymonthday),
    byyearday: list(r.byyearday),
    byeaster,
    byweekno: list(r.byweekno),
    byweekday: byweekday,
    byhour: list(r.byhour),
    byminute: list(r.byminute),
    bysecond: list(r.bysecond),
  };
  if (r.until !== undefined) {
    // dateutil compares occurrences with `until` as instants; in dtstart's wall clock that is:
    opts.until = new Date(clock.toFloating(r.until * 1000));
  }
  // The npm package fills unset options from dtstart exactly like dateutil, but only when they are
  // absent rather than null.
  for (const k of Object.keys(opts) as (keyof RRuleLibOptions)[]) if (opts[k] === null) delete opts[k];
  return opts;
}

type LibRule = InstanceType<typeof RRuleLib>;

/** The first `n` occurrences, in the rule's order, that `after` accepts (fewer when the rule runs out). */
interface Rule {
  nextN(after: (d: Date) => boolean, n: number): Date[];
}

/** One walk from dtstart (as dateutil does) that stops after `n` occurrences `after` accepts. */
function libNextN(rule: LibRule, after: (d: Date) => boolean, n: number): Date[] {
  const out: Date[] = [];
  rule.all((d) => {
    if (after(d)) out.push(d);
    return out.length < n;
  });
  return out;
}

/** Most count-limited unions are small; beyond this the rule is refused rather than enumerated. */
const MAX_UNION_COUNT = 100_000;

/**
 * dateutil accepts several byeaster offsets: each adds its day to the day filter, so without
 * bysetpos the occurrences are the union of one rule per offset, and `count` counts that union.
 */
function easterUnion(r: WireRRule, offsets: number[], clock: Clock): Rule {
  if (list(r.bysetpos)) {
    throw new UnsupportedScheduleError(
      "schedule.bysetpos",
      "bysetpos together with several byeaster offsets is not supported by this client",
    );
  }
  const parts: LibRule[] = [...new Set(offsets)].map(
    (o) => new RRuleLib({ ...libOptions(r, o, clock), count: undefined }),
  );
  if (r.count === null) {
    return {
      nextN(after, n) {
        const times = [...new Set(parts.flatMap((p) => libNextN(p, after, n).map((d) => d.getTime())))].sort(
          (a, b) => a - b,
        );
        return times.slice(0, n).map((t) => new Date(t));
      },
    };
  }
  if (r.count > MAX_UNION_COUNT)
    throw new UnsupportedScheduleError(
      "schedule.count",
      `count above ${MAX_UNION_COUNT} with several byeaster offsets`,
    );
  // The union's first `count` occurrences are among each part's first `count`.
  const times = [...new Set(parts.flatMap((p) => p.all((_, i) => i < r.count!).map((d) => d.getTime())))]
    .sort((a, b) => a - b)
    .slice(0, r.count);
  return {
    nextN(after, n) {
      return times
        .filter((x) => after(new Date(x)))
        .slice(0, n)
        .map((t) => new Date(t));
    },
  };
}

function build(r: WireRRule, clock: Clock): Rule {
  const offsets = list(r.byeaster);
  if (offsets && offsets.length > 1) return easterUnion(r, offsets, clock);
  const rule = new RRuleLib(libOptions(r, offsets ? offsets[0] : null, clock));
  return { nextN: (after, n) => libNextN(rule, after, n) };
}

const cache = new Map<string, Rule>();

function compiled(r: WireRRule, zone: string | null = null): Rule {
  const key = JSON.stringify([r, zone]);
  let rule = cache.get(key);
  if (!rule) {
    rule = build(r, zone === null ? fixedClock(r) : zoneClock(zone));
    if (cache.size > 256) cache.clear();
    cache.set(key, rule);
  }
  return rule;
}

/** The levels of the BYxxx fields that pick times of day, and the most days one period of each frequency spans. */
const TIME_FIELDS = [
  ["byhour", 4],
  ["byminute", 5],
  ["bysecond", 6],
] as const;
const PERIOD_DAYS: Record<number, number> = { 0: 366, 1: 31, 2: 7 };

/**
 * [field, reason] when the rule provably has no occurrence at all (the Python SDK's
 * next_run.never_matches states the same rule), else null. dateutil expands each period (a year, month,
 * week, day, hour, minute or second) into its days times the times of day the BYxxx fields finer than
 * the frequency give - each given field one time per value, a missing one the default from dtstart -
 * and bysetpos picks positions in that set. A finer field given as an empty list leaves every set
 * empty; a bysetpos whose every position lies beyond the largest set picks nothing. dateutil (and
 * upstream's beat) would search such a rule up to year 9999, minutes per question for a secondly one.
 */
export function neverMatches(r: WireRRule): [string, string] | null {
  let size = PERIOD_DAYS[r.freq] ?? 1;
  for (const [name, level] of TIME_FIELDS) {
    const values = r[name];
    if (r.freq >= level || !Array.isArray(values)) continue;
    if (values.length === 0) return [name, "an empty list never matches: no period holds an occurrence"];
    size *= new Set(values).size;
  }
  const positions = list(r.bysetpos);
  if (!positions || positions.length === 0) return null;
  const nearest = Math.min(...positions.map(Math.abs));
  if (nearest <= size) return null;
  return [
    "bysetpos",
    `never matches: a period holds at most ${size} occurrence${size === 1 ? "" : "s"}, and position ${nearest} is the nearest asked for`,
  ];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * [field, reason] for a rule python-dateutil refuses to build (upstream's reader then fails), else null:
 * a bysetpos of 0, or an hourly, minutely or secondly rule whose own BYxxx field holds no value its
 * interval reaches from dtstart (dateutil: "generates an empty set").
 */
export function dateutilRefuses(r: WireRRule): [string, string] | null {
  const zero = list(r.bysetpos)?.indexOf(0) ?? -1;
  if (zero >= 0) return [`bysetpos[${zero}]`, "must not be 0 (dateutil refuses it)"];
  const own = { 4: ["byhour", 24, 3600], 5: ["byminute", 60, 60], 6: ["bysecond", 60, 1] } as const;
  const field = own[r.freq as 4 | 5 | 6] as (typeof own)[4 | 5 | 6] | undefined;
  const values = field ? list(r[field[0]]) : null;
  if (!field || values === null) return null;
  const [name, base, unit] = field;
  const wall = r.dtstart + r.dtstart_tz * 60;
  const start = Math.floor((((wall % 86400) + 86400) % 86400) / unit) % base;
  const step = gcd(Math.max(r.interval, 1), base);
  if (values.some((v) => step === 1 || (((v - start) % step) + step) % step === 0)) return null;
  return [name, `no value can be reached every ${r.interval} from dtstart (dateutil: empty set)`];
}

/** Throws UnsupportedScheduleError when this client cannot evaluate the rule exactly. */
export function checkRRuleSupported(r: WireRRule): void {
  compiled(r);
}

/**
 * The first `n` occurrences strictly after `lastMs` (epoch ms), fewer when the rule runs out. With
 * `zone` (an entry's own zone), the rule runs on that zone's wall clock.
 */
export function rruleNextRuns(r: WireRRule, lastMs: number, n: number, zone: string | null = null): number[] {
  if (neverMatches(r)) return []; // at once, rather than a search up to year 9999
  if (zone === null) {
    const clock = fixedClock(r);
    const wall = clock.toFloating(Math.floor(lastMs));
    return compiled(r)
      .nextN((d) => d.getTime() > wall, n)
      .map((d) => clock.toInstant(d.getTime()));
  }
  // dateutil walks the zone's wall clock and compares each occurrence with `last` as instants
  const clock = zoneClock(zone);
  return compiled(r, zone)
    .nextN((d) => clock.toInstant(d.getTime()) > lastMs, n)
    .map((d) => clock.toInstant(d.getTime()));
}

/** The first occurrence strictly after `lastMs`, or null when the rule is exhausted. */
export function rruleNextRun(r: WireRRule, lastMs: number, zone: string | null = null): number | null {
  return rruleNextRuns(r, lastMs, 1, zone)[0] ?? null;
}
