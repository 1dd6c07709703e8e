/**
 * RedBeat `rrule` schedules (python-dateutil semantics) evaluated with the npm `rrule` package, a port
 * of dateutil's algorithm. Upstream stores dtstart/until as epoch seconds plus a fixed UTC offset in
 * minutes, and dateutil iterates wall clocks in that fixed offset; the same is done here by shifting
 * instants into "floating" UTC wall clocks, which is how the npm package computes.
 *
 * Options the npm package handles differently from dateutil raise UnsupportedScheduleError instead
 * of giving a different answer (see README: "rrule support").
 */
import rrulePkg from "rrule";
import type { Options as RRuleLibOptions, Weekday as RRuleLibWeekday } from "rrule";
import { UnsupportedScheduleError } from "./errors.js";
import type { RRule as WireRRule, Weekday as WireWeekday } from "./generated/write-types.js";

const { RRule: RRuleLib } = rrulePkg;

type IntList = null | number | number[];

function list(v: IntList | undefined): number[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : [v];
}

function weekdayNumber(w: number | WireWeekday): number {
  return typeof w === "number" ? w : w.wkday;
}

/** The rrule as the npm package wants it, in the floating wall clock of dtstart's offset. */
function libOptions(r: WireRRule): Partial<RRuleLibOptions> {
  const offsetMs = r.dtstart_tz * 60_000;
  const byeaster = list(r.byeaster);
  if (byeaster && byeaster.length > 1) {
    throw new UnsupportedScheduleError("schedule.byeaster", "more than one byeaster offset is not supported by this client");
  }
  const byweekday = r.byweekday === null ? null : (Array.isArray(r.byweekday) ? r.byweekday : [r.byweekday]).map(weekdayNumber);
  const opts: Partial<RRuleLibOptions> = {
    freq: r.freq,
    dtstart: new Date(r.dtstart * 1000 + offsetMs),
    interval: r.interval,
    wkst: r.wkst === null ? null : weekdayNumber(r.wkst),
    count: r.count,
    bysetpos: list(r.bysetpos),
    bymonth: list(r.bymonth),
    bymonthday: list(r.bymonthday),
    byyearday: list(r.byyearday),
    byeaster: byeaster ? byeaster[0] : null,
    byweekno: list(r.byweekno),
    byweekday: byweekday as unknown as RRuleLibWeekday[] | null,
    byhour: list(r.byhour),
    byminute: list(r.byminute),
    bysecond: list(r.bysecond),
  };
  if (r.until !== undefined) {
    // dateutil compares occurrences with `until` as instants; in dtstart's wall clock that is:
    opts.until = new Date(r.until * 1000 + offsetMs);
  }
  // The npm package fills unset options from dtstart exactly like dateutil, but only when they are
  // absent rather than null.
  for (const k of Object.keys(opts) as (keyof RRuleLibOptions)[]) if (opts[k] === null) delete opts[k];
  return opts;
}

const cache = new Map<string, InstanceType<typeof RRuleLib>>();

function compiled(r: WireRRule): InstanceType<typeof RRuleLib> {
  const key = JSON.stringify(r);
  let rule = cache.get(key);
  if (!rule) {
    rule = new RRuleLib(libOptions(r));
    if (cache.size > 256) cache.clear();
    cache.set(key, rule);
  }
  return rule;
}

/** Throws UnsupportedScheduleError when this client cannot evaluate the rule exactly. */
export function checkRRuleSupported(r: WireRRule): void {
  compiled(r);
}

/** The first occurrence strictly after `lastMs`, or null when the rule is exhausted. */
export function rruleNextRun(r: WireRRule, lastMs: number): number | null {
  const offsetMs = r.dtstart_tz * 60_000;
  const next = compiled(r).after(new Date(Math.floor(lastMs) + offsetMs), false);
  return next === null ? null : next.getTime() - offsetMs;
}
