/**
 * redbeat-sdk: a typed client for RedBeat (celery-redbeat) schedules in Redis.
 * Layers: generated schema types -> codec -> client -> schedules.
 */
export { RedBeatClient, type ClientOptions, type ListOptions, type HistoryOptions } from "./client.js";
export { oneOff, type Extensions, type OneOff, type CatchUp } from "./extensions.js";
export type { HistoryRecord } from "./history.js";
export { jitterOffset } from "./runs.js";
export {
  interval,
  crontab,
  rrule,
  nextRuns,
  Frequency,
  Weekdays,
  type CrontabOptions,
  type RRuleOptions,
  type RRuleWeekday,
  type FrequencyName,
  type WeekdayName,
  type NextRunsOptions,
} from "./schedules.js";
export type { Entry, EntryInput, Schedule, Interval, Crontab, RRule, Weekday } from "./types.js";
export {
  RedBeatError,
  ValidationError,
  InvalidUrlError,
  EntryNotFound,
  CorruptEntry,
  RedBeatConnectionError,
  ClusterConfigError,
  UnsupportedScheduleError,
  ConflictError,
  ConcurrentModification,
} from "./errors.js";
export { KeyLayout, DEFAULT_PREFIX, hashTag } from "./keys.js";
export { expandCrontab, type CronField, type ExpandedCrontab } from "./crontab.js";
export { encodeDefinition, encodeExtensions, encodeMeta } from "./codec.js";
export type { RedisLike } from "./store.js";
export { PyFloat, pyDumps } from "./pyjson.js";
export { ZonedDate } from "./zoned-date.js";
