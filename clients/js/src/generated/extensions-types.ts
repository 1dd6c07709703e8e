/* Generated from schema/extensions.schema.json by scripts/generate.mjs (json-schema-to-typescript). Do not edit: run `make generate`. */

/**
 * An IANA time zone name (`Europe/Berlin`). The entry's schedule is evaluated in it instead of the beat's Celery `timezone`.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "Timezone".
 */
export type Timezone = string;
/**
 * The run time, a whole second (equal to the rrule's dtstart).
 */
export type Instant = string;
/**
 * No run before this instant.
 */
export type Instant1 = string;
/**
 * No run after this instant (never before start_at).
 */
export type Instant2 = string;
/**
 * What a beat does with a run it reaches late: `once` runs it once however late (Celery's behaviour, the default); `skip` skips it when it is 1 s late or more; an integer N skips it when it is N seconds late or more. A skipped run is counted and the entry moves to its next run.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "CatchUp".
 */
export type CatchUp = ("once" | "skip") | number;
/**
 * An RFC 3339 instant with seconds and an explicit UTC offset (`Z` or `+01:00`); at most microseconds.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "Instant".
 */
export type Instant3 = string;
/**
 * An RFC 3339 instant with seconds and an explicit UTC offset (`Z` or `+01:00`); at most microseconds.
 */
export type Instant4 = string;

/**
 * Extension profile, version 1: the `extensions` field of an entry hash (JSON), beside `definition` and `meta`. Upstream celery-redbeat never reads it, so an upstream beat fires the entry by its plain definition. Absent field: no extensions. The rules (zone, window, jitter, catch-up, one-off, labels, history) are in README.md, section Extensions. Keys in this order.
 */
export interface RedBeatExtensions {
  /**
   * The profile version. A reader that does not know the version treats the entry as corrupt (it cannot honour rules it does not know).
   */
  version: 1;
  timezone?: Timezone;
  one_off?: OneOff;
  start_at?: Instant1;
  end_at?: Instant2;
  /**
   * Each run is delayed by a deterministic offset in [0, jitter_ms) milliseconds (README.md, Jitter).
   */
  jitter_ms?: number;
  catch_up?: CatchUp;
  labels?: Labels;
  /**
   * Free text for people.
   */
  description?: string;
}
/**
 * Marks the definition's schedule as a one-off: an rrule with count 1 whose dtstart is `at` (the form upstream fires once too). A reader returns a one-off only when the rrule matches; otherwise the marker is ignored.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "OneOff".
 */
export interface OneOff {
  at: Instant;
  /**
   * redbeat-scheduler deletes the entry (hash, schedule member, label index, history) in the step that records its run.
   */
  delete_after_run: boolean;
}
/**
 * A string map for finding entries (a tenant, a team). Keys: 1-63 of A-Z a-z 0-9 . _ / -, starting and ending with a letter or digit; values: 0-63 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit when not empty. At most 64 labels.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "Labels".
 */
export interface Labels {
  [k: string]: string;
}
/**
 * One run in the entry's history list (key `P:history:<name>`, newest first), written by redbeat-scheduler in the step that records the run.
 *
 * This interface was referenced by `RedBeatExtensions`'s JSON-Schema
 * via the `definition` "HistoryRecord".
 */
export interface HistoryRecord {
  /**
   * When the run was due (jitter included); null for an entry that had never run (due when saved or run_now'd).
   */
  due: Instant3 | null;
  recorded: Instant4;
  /**
   * The Celery task id of the message sent.
   */
  task_id: string;
  /**
   * recorded - due, in whole milliseconds (truncated; null when due is null).
   */
  lateness_ms: number | null;
  /**
   * The beat that ran it: its lock token.
   */
  beat: string;
}
