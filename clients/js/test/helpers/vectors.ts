/** Upstream's golden vectors (/work/shared/spec/upstream-vectors.json), by case name. */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { isCI, sharedDir } from "./paths.js";

export interface UpstreamRecord {
  case: string;
  phase?: string;
  app?: { redbeat_key_prefix: string; timezone: string; db: number };
  frozen_now?: string;
  redis_key?: string | null;
  redis_hash_fields?: { definition?: string; meta?: string } | null;
  zset_key?: string;
  zset_score?: string | null;
  [k: string]: unknown;
}

export function upstreamVectorsPath(): string {
  return join(sharedDir(), "spec", "upstream-vectors.json");
}

/** The records by case, or null (a skip reason locally; under CI=true a missing file fails). */
export function loadUpstreamVectors(): Map<string, UpstreamRecord> | null {
  const path = upstreamVectorsPath();
  if (!existsSync(path)) {
    if (isCI) throw new Error(`${path} is missing (set REDBEAT_SHARED)`);
    return null;
  }
  const records = JSON.parse(readFileSync(path, "utf8")) as UpstreamRecord[];
  return new Map(records.map((r) => [r.case, r]));
}
