/* Generated from schema/write.schema.json by scripts/generate.mjs (json-schema-to-typescript). Do not edit: run `make generate`. */

/**
 * A tagged union on `__type__`.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Schedule".
 */
export type Schedule = Interval | Crontab | RRule;
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "CrontabMinute".
 */
export type CrontabMinute = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "CrontabHour".
 */
export type CrontabHour = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "CrontabDayOfWeek".
 */
export type CrontabDayOfWeek = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "CrontabDayOfMonth".
 */
export type CrontabDayOfMonth = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "CrontabMonthOfYear".
 */
export type CrontabMonthOfYear = string | number | [number, ...number[]];
/**
 * dateutil weekday number: 0 = Monday.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "WeekdayNumber".
 */
export type WeekdayNumber = number;
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleSetPos".
 */
export type RRuleSetPos = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleMonths".
 */
export type RRuleMonths = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleMonthDays".
 */
export type RRuleMonthDays = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleYearDays".
 */
export type RRuleYearDays = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleEasterOffsets".
 */
export type RRuleEasterOffsets = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleWeekNumbers".
 */
export type RRuleWeekNumbers = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleWeekdays".
 */
export type RRuleWeekdays = null | WeekdayNumber | Weekday | (WeekdayNumber | Weekday)[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleHours".
 */
export type RRuleHours = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleMinutes".
 */
export type RRuleMinutes = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRuleSeconds".
 */
export type RRuleSeconds = null | number | number[];
/**
 * An IANA zone name ("UTC" included), or a fixed UTC offset in seconds.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Timezone".
 */
export type Timezone = string | number;

/**
 * Write profile, schema version 1: exactly what upstream celery-redbeat 2.4.x writes into one entry hash. Every client must write only data valid here. The root is the entry hash with both fields JSON-decoded.
 */
export interface RedBeatEntryWrite {
  definition: Definition;
  meta?: Meta;
}
/**
 * The `definition` hash field: what to run and when. Keys in this order.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Definition".
 */
export interface Definition {
  /**
   * Must equal the entry key minus the prefix.
   */
  name: string;
  /**
   * Celery task name.
   */
  task: string;
  /**
   * Positional arguments; null when not given.
   */
  args: unknown[] | null;
  /**
   * Keyword arguments.
   */
  kwargs: {
    [k: string]: unknown;
  };
  /**
   * Options passed to apply_async (queue, expires, priority, ...).
   */
  options: {
    [k: string]: unknown;
  };
  schedule: Schedule;
  enabled: boolean;
}
/**
 * Celery `schedule`: run every `every` seconds after the last run.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Interval".
 */
export interface Interval {
  __type__: "interval";
  /**
   * Period in seconds; upstream writes a float (5 s as 5.0).
   */
  every: number;
  /**
   * Round the due time to the resolution of `every` (Celery semantics).
   */
  relative: boolean;
}
/**
 * Celery `crontab`, evaluated in the beat's Celery timezone. day_of_week 0 = Sunday. Each field is stored exactly as given; a string must be accepted by Celery 5.7's crontab parser (checked by the clients, not expressible here).
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Crontab".
 */
export interface Crontab {
  __type__: "crontab";
  minute: CrontabMinute;
  hour: CrontabHour;
  day_of_week: CrontabDayOfWeek;
  day_of_month: CrontabDayOfMonth;
  month_of_year: CrontabMonthOfYear;
}
/**
 * RedBeat `rrule` (dateutil semantics; the next run is strictly after the last run). dtstart/until are integer epoch seconds, *_tz their UTC offset in minutes (int 0, else a float).
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "RRule".
 */
export interface RRule {
  __type__: "rrule";
  /**
   * YEARLY=0 MONTHLY=1 WEEKLY=2 DAILY=3 HOURLY=4 MINUTELY=5 SECONDLY=6
   */
  freq: number;
  interval: number;
  wkst: null | WeekdayNumber | Weekday;
  count: null | number;
  bysetpos: RRuleSetPos;
  bymonth: RRuleMonths;
  bymonthday: RRuleMonthDays;
  byyearday: RRuleYearDays;
  byeaster: RRuleEasterOffsets;
  byweekno: RRuleWeekNumbers;
  byweekday: RRuleWeekdays;
  byhour: RRuleHours;
  byminute: RRuleMinutes;
  bysecond: RRuleSeconds;
  dtstart: number;
  dtstart_tz: number;
  until?: number;
  until_tz?: number;
}
/**
 * dateutil weekday (0 = Monday). Upstream drops the n of FR(+1).
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Weekday".
 */
export interface Weekday {
  __type__: "weekday";
  wkday: WeekdayNumber;
}
/**
 * The `meta` hash field: run state. Only these two keys: any other key crashes upstream beat.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Meta".
 */
export interface Meta {
  /**
   * Dispatch time of the last run; null means never run.
   */
  last_run_at: Datetime | null;
  total_run_count?: number;
}
/**
 * An instant as wall-clock fields local to `timezone`.
 *
 * This interface was referenced by `RedBeatEntryWrite`'s JSON-Schema
 * via the `definition` "Datetime".
 */
export interface Datetime {
  __type__: "datetime";
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  timezone: Timezone;
}
