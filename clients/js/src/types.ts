/** The public entry types. Schedules are the wire objects themselves (generated from schema/). */
import type { Crontab, Interval, RRule } from "./generated/write-types.js";
import type { Extensions, OneOff } from "./extensions.js";
import type { ZonedDate } from "./zoned-date.js";

export type { Crontab, Interval, RRule, Weekday } from "./generated/write-types.js";
export type Schedule = Interval | Crontab | RRule;
export type { Extensions, OneOff, CatchUp } from "./extensions.js";

/** What to save: the `definition` of one entry. */
export interface EntryInput {
  /** The entry's name; its key is the key prefix followed directly by this name. */
  name: string;
  /** Celery task name. */
  task: string;
  /** A schedule, or a one-off (`oneOff()`: stored as an rrule of one run, marked in the extensions). */
  schedule: Schedule | OneOff;
  /** Positional arguments (null: none). Dates are stored as upstream datetimes (a ZonedDate keeps its zone). */
  args?: unknown[] | null;
  kwargs?: Record<string, unknown>;
  /** apply_async options (queue, expires, priority, ...). */
  options?: Record<string, unknown>;
  enabled?: boolean;
  /** What upstream cannot store (own zone, window, jitter, catch-up, labels, description), kept in the
   * entry hash's `extensions` field (extension profile); none: the field is removed. */
  extensions?: Extensions;
}

/** A stored entry as read back, with its run state. */
export interface Entry {
  name: string;
  task: string;
  schedule: Schedule | OneOff;
  args: unknown[] | null;
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  enabled: boolean;
  /** Its extensions ({} when it has none); instants read back as ZonedDates in their stored offset. */
  extensions: Extensions;
  /** The Redis key of the entry hash. */
  key: string;
  /** When beat last ran it (or when it was first saved), in the zone it was stored in; null = never run, due now. */
  lastRunAt: ZonedDate | null;
  totalRunCount: number;
  /** Its score in the schedule sorted set (epoch seconds of the next due time, -1 = no further run); null if not a member. */
  score: number | null;
}
