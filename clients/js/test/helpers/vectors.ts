/** Upstream's golden vectors (conformance/upstream/upstream-vectors.json), by case name. */
import { readFileSync, existsSync } from "node:fs";
import { upstreamVectorsFile } from "./paths.js";

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

/** The records by case. The file is part of the repository: a missing one fails the test file, never skips it. */
export function loadUpstreamVectors(): Map<string, UpstreamRecord> {
  if (!existsSync(upstreamVectorsFile)) {
    throw new Error(`${upstreamVectorsFile} is missing (regenerate it: make upstream-dumps)`);
  }
  const records = JSON.parse(readFileSync(upstreamVectorsFile, "utf8")) as UpstreamRecord[];
  return new Map(records.map((r) => [r.case, r]));
}
