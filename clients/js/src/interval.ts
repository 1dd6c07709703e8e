/**
 * Celery 5.7 interval (`schedule(run_every, relative)`) semantics: when an interval entry is next
 * due after a given last run. Reimplemented from Celery's observed behaviour; the rounding rules of
 * `relative=True` are Celery 5.7's (they changed between Celery versions).
 */
import { fromWall, isImaginary, toWall, utcWall, wallAsUtc, type Wall, type Zone } from "./zones.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Truncates a wall clock to the resolution of the period: days, hours, minutes, else whole seconds. */
function roundWall(w: Wall, everyMs: number): Wall {
  if (everyMs >= DAY) return { ...w, hour: 0, minute: 0, second: 0, ms: 0 };
  if (everyMs >= HOUR) return { ...w, minute: 0, second: 0, ms: 0 };
  if (everyMs >= MINUTE) return { ...w, second: 0, ms: 0 };
  return { ...w, ms: 0 };
}

/** Both instants a rounded local deadline can name (two in a DST overlap; a gap resolves forwards). */
function deadlineInstants(zone: Zone, w: Wall, everyMs: number): number[] {
  const rounded = roundWall(w, everyMs);
  if (isImaginary(zone, rounded)) {
    const t = fromWall(zone, rounded, 0);
    return [t, t];
  }
  return [fromWall(zone, rounded, 0), fromWall(zone, rounded, 1)];
}

function addWallMs(w: Wall, ms: number): Wall {
  return utcWall(wallAsUtc(w) + ms);
}

/**
 * The instant an interval entry is next due after a run at `lastMs`. `zone` is the zone the stored
 * last_run_at carries (its wall clock is what `relative` rounds).
 */
export function intervalNextRun(everySeconds: number, relative: boolean, lastMs: number, zone: Zone): number {
  const everyMs = everySeconds * 1000;
  if (!relative) return lastMs + everyMs;
  const startWall = toWall(zone, lastMs);
  if (everyMs >= DAY) {
    // Day periods advance by calendar days on the local wall clock, then round to local midnight.
    const endWall = addWallMs(startWall, everyMs);
    const future = deadlineInstants(zone, endWall, everyMs).filter((t) => t > lastMs);
    return future.length ? Math.min(...future) : fromWall(zone, endWall, 0);
  }
  const endMs = lastMs + everyMs;
  const endWall = toWall(zone, endMs);
  let candidates = deadlineInstants(zone, endWall, everyMs);
  let beforeEnd = candidates.filter((t) => t <= endMs);
  let rounded = beforeEnd.length ? Math.max(...beforeEnd) : Math.min(...candidates);
  if (everyMs >= MINUTE && rounded <= lastMs) {
    // A DST fall-back can put the rounded boundary at or before the last run: look one clock
    // unit further, and at the calendar boundary, keeping the latest one not past the deadline.
    const unit = everyMs >= HOUR ? HOUR : MINUTE;
    candidates = [
      ...candidates,
      ...deadlineInstants(zone, addWallMs(endWall, unit), everyMs),
      ...deadlineInstants(zone, addWallMs(startWall, everyMs), everyMs),
    ];
    const future = candidates.filter((t) => t > lastMs);
    beforeEnd = future.filter((t) => t <= endMs);
    rounded = beforeEnd.length ? Math.max(...beforeEnd) : future.length ? Math.min(...future) : endMs;
  }
  return rounded;
}
