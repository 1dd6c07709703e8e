/** The Redis key layout of a RedBeat schedule (schema/layout.json): prefix P + name, no separator added. */
import { ClusterConfigError, ValidationError } from "./errors.js";

export const DEFAULT_PREFIX = "redbeat:";
const SUFFIXES = {
  schedule: ":schedule",
  statics: ":statics",
  lock: ":lock",
  outbox: ":outbox",
  labels: ":labels",
} as const;
// The extension profile's per-entry run history (schema/README.md, "Extensions"): P + ":history:" + name.
const HISTORY_PREFIX = ":history:";

/** The part of the prefix Redis Cluster hashes, or null when entry names would take part in the slot. */
export function hashTag(prefix: string): string | null {
  const open = prefix.indexOf("{");
  if (open < 0) return null;
  const close = prefix.indexOf("}", open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

export class KeyLayout {
  readonly schedule: string;
  readonly statics: string;
  readonly lock: string;
  /** The extension profile's label index (kept by lua/save.lua and lua/delete.lua). */
  readonly labels: string;

  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    if (typeof prefix !== "string") throw new ValidationError("keyPrefix", "must be a string");
    // An empty prefix puts entries among every other key of the database, as bare names.
    if (prefix === "")
      throw new ValidationError("keyPrefix", "must not be empty (the default is 'redbeat:')");
    this.schedule = prefix + SUFFIXES.schedule;
    this.statics = prefix + SUFFIXES.statics;
    this.lock = prefix + SUFFIXES.lock;
    this.labels = prefix + SUFFIXES.labels;
  }

  /** The extension profile's history list of an entry (written by redbeat-scheduler). */
  history(name: string): string {
    return this.prefix + HISTORY_PREFIX + name;
  }

  /** The entry key of a name; refuses names that would collide with the schedule's own keys. */
  entry(name: string): string {
    if (typeof name !== "string" || name === "")
      throw new ValidationError("name", "must be a non-empty string");
    if (Object.values(SUFFIXES).includes(name as never)) {
      throw new ValidationError(
        "name",
        `${JSON.stringify(name)} would make the entry key equal the ${name.slice(1)} key`,
      );
    }
    if (name.startsWith(HISTORY_PREFIX)) {
      throw new ValidationError(
        "name",
        `${JSON.stringify(name)} would make the entry key a history key (${HISTORY_PREFIX}...)`,
      );
    }
    return this.prefix + name;
  }

  /** The name of an entry key (the key minus the prefix), or null for a key outside the prefix. */
  nameOf(key: string): string | null {
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : null;
  }

  /** Cluster writes put an entry key and the schedule key in one atomic step: they must share a slot. */
  requireClusterSafe(): void {
    if (hashTag(this.prefix) === null) {
      throw new ClusterConfigError(
        `key prefix ${JSON.stringify(this.prefix)} has no hash tag: on Redis Cluster an entry and the schedule key ` +
          `would live in different slots. Use a hash-tagged prefix such as "{redbeat}:" (in upstream too).`,
      );
    }
  }
}
