/* Generated from schema/read.schema.json by scripts/generate.mjs (json-schema-to-typescript). Do not edit: run `make generate`. */

/**
 * A tagged union on `__type__`.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Schedule".
 */
export type Schedule = Interval | Crontab | RRule;
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "CrontabMinute".
 */
export type CrontabMinute = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "CrontabHour".
 */
export type CrontabHour = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "CrontabDayOfWeek".
 */
export type CrontabDayOfWeek = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "CrontabDayOfMonth".
 */
export type CrontabDayOfMonth = string | number | [number, ...number[]];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "CrontabMonthOfYear".
 */
export type CrontabMonthOfYear = string | number | [number, ...number[]];
/**
 * dateutil weekday number: 0 = Monday.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "WeekdayNumber".
 */
export type WeekdayNumber = number;
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleSetPos".
 */
export type RRuleSetPos = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleMonths".
 */
export type RRuleMonths = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleMonthDays".
 */
export type RRuleMonthDays = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleYearDays".
 */
export type RRuleYearDays = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleEasterOffsets".
 */
export type RRuleEasterOffsets = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleWeekNumbers".
 */
export type RRuleWeekNumbers = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleWeekdays".
 */
export type RRuleWeekdays = null | WeekdayNumber | Weekday | (WeekdayNumber | Weekday)[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleHours".
 */
export type RRuleHours = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleMinutes".
 */
export type RRuleMinutes = null | number | number[];
/**
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRuleSeconds".
 */
export type RRuleSeconds = null | number | number[];
/**
 * An IANA zone name ("UTC" included), or a fixed UTC offset in seconds.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Timezone".
 */
export type Timezone = string | number;

/**
 * Read profile, schema version 1: everything upstream celery-redbeat 2.4.x's reader loads without crashing or dropping the entry. Write is a subset of read. The root is the entry hash with both fields JSON-decoded; an absent or empty `meta` field means never run.
 */
export interface RedBeatEntryRead {
  definition: Definition;
  meta?: Meta;
}
/**
 * The `definition` hash field as upstream reads it: only task and schedule are needed. Any other top-level key crashes upstream.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Definition".
 */
export interface Definition {
  /**
   * Missing or null reads as the string "None" upstream; readers take the name from the key.
   */
  name?: string | null;
  /**
   * Celery task name.
   */
  task: string;
  /**
   * Positional arguments; null when not given.
   */
  args?: unknown[] | null;
  /**
   * null reads as {}.
   */
  kwargs?: {
    [k: string]: unknown;
  } | null;
  /**
   * null reads as {}.
   */
  options?: {
    [k: string]: unknown;
  } | null;
  schedule: Schedule | number;
  /**
   * Absent means true; null counts as disabled.
   */
  enabled?: boolean | null;
  /**
   * Constructor keyword; meta overrides it.
   */
  last_run_at?: Datetime | null;
  /**
   * Constructor keyword; meta overrides it. Null reads as 0.
   */
  total_run_count?: number | null;
  /**
   * Constructor keyword, ignored for typed schedules.
   */
  relative?: boolean;
}
/**
 * Celery `schedule`: run every `every` seconds after the last run. Extra keys are ignored on read; `relative` is still required (upstream drops the entry without it).
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Interval".
 */
export interface Interval {
  __type__: "interval";
  /**
   * Period in seconds; upstream writes a float (5 s as 5.0).
   */
  every: number;
  /**
   * Round the due time to the resolution of `every` (Celery semantics). Null reads as false.
   */
  relative: boolean | null;
  [k: string]: unknown;
}
/**
 * Celery `crontab`, evaluated in the beat's Celery timezone. day_of_week 0 = Sunday. Each field is stored exactly as given; a string must be accepted by Celery 5.7's crontab parser (checked by the clients, not expressible here). On read any subset of the five fields may be present; a missing field means "*".
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Crontab".
 */
export interface Crontab {
  __type__: "crontab";
  minute?: CrontabMinute;
  hour?: CrontabHour;
  day_of_week?: CrontabDayOfWeek;
  day_of_month?: CrontabDayOfMonth;
  month_of_year?: CrontabMonthOfYear;
}
/**
 * RedBeat `rrule` (dateutil semantics; the next run is strictly after the last run). dtstart/until are integer epoch seconds, *_tz their UTC offset in minutes (int 0, else a float).
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "RRule".
 */
export interface RRule {
  __type__: "rrule";
  freq: number | string;
  interval?: number;
  wkst?: null | WeekdayNumber | Weekday;
  count?: null | number;
  bysetpos?: RRuleSetPos;
  bymonth?: RRuleMonths;
  bymonthday?: RRuleMonthDays;
  byyearday?: RRuleYearDays;
  byeaster?: RRuleEasterOffsets;
  byweekno?: RRuleWeekNumbers;
  byweekday?: RRuleWeekdays;
  byhour?: RRuleHours;
  byminute?: RRuleMinutes;
  bysecond?: RRuleSeconds;
  /**
   * Missing or null means now.
   */
  dtstart?: number | null;
  /**
   * Missing or null means 0.
   */
  dtstart_tz?: number | null;
  until?: number | null;
  /**
   * Missing or null means 0.
   */
  until_tz?: number | null;
}
/**
 * dateutil weekday (0 = Monday). Upstream drops the n of FR(+1).
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Weekday".
 */
export interface Weekday {
  __type__: "weekday";
  wkday: WeekdayNumber;
  /**
   * Accepted on read; upstream never writes it.
   */
  n?: number | null;
}
/**
 * An instant as wall-clock fields local to `timezone`. On read hour..microsecond default to 0 and a missing timezone means UTC.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Datetime".
 */
export interface Datetime {
  __type__: "datetime";
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  microsecond?: number;
  timezone?: Timezone;
}
/**
 * The `meta` hash field as upstream reads it. Without `last_run_at` upstream drops the entry; an unknown key crashes it.
 *
 * This interface was referenced by `RedBeatEntryRead`'s JSON-Schema
 * via the `definition` "Meta".
 */
export interface Meta {
  /**
   * Dispatch time of the last run; null means never run.
   */
  last_run_at: Datetime | null;
  /**
   * Null reads as 0.
   */
  total_run_count?: number | null;
}
