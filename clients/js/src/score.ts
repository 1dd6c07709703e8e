/**
 * The score rule (schema/README.md "Scores"): the one place this client takes an entry's score from.
 * The Python SDK has it in redbeat_sdk/score.py, the Go client in score.go, under the same name.
 */
import type { ZonedInstant } from "./codec.js";
import { firstDue, isPlain, PLAIN, type Rules } from "./runs.js";
import { nextRunAfter } from "./schedules.js";
import type { Schedule } from "./types.js";

/** The score of an entry that never runs again. */
export const NO_NEXT_RUN = -1;

function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * The score our clients write: now (epoch ms `nowMs`) for an entry that never ran, else its true next
 * due time after `last` in the beat timezone `zone` (integer epoch seconds, truncated), or -1 when it
 * never runs again. `rules`: the entry's extensions (its zone, window and jitter: runs.ts).
 */
export function scoreFor(
  schedule: Schedule,
  last: ZonedInstant | null,
  nowMs: number,
  zone: string,
  rules: Rules = PLAIN,
): number {
  if (isPlain(rules)) {
    if (last === null) return epochSeconds(nowMs);
    const due = nextRunAfter(schedule, last, zone);
    return due === null ? NO_NEXT_RUN : epochSeconds(due);
  }
  const found = firstDue(schedule, rules, last, nowMs, zone);
  return found === null ? NO_NEXT_RUN : epochSeconds(found.at);
}

/** Now as a score (run now). */
export function scoreNow(nowMs: number): number {
  return epochSeconds(nowMs);
}
