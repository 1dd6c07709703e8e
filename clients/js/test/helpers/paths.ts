/** Where the shared contract files live, seen from the compiled tests (dist/test/). */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { existsSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));
/** clients/js */
export const packageRoot = resolve(here, "..", "..", "..");
export const repoRoot = resolve(packageRoot, "..", "..");
export const schemaDir = join(repoRoot, "schema");
export const vectorsDir = join(repoRoot, "conformance", "vectors");

/** /work/shared (or $REDBEAT_SHARED): upstream's golden vectors. */
export function sharedDir(): string {
  const candidates = [process.env.REDBEAT_SHARED, join(repoRoot, "..", "shared"), "/work/shared"].filter(Boolean) as string[];
  return candidates.find((c) => existsSync(join(c, "spec", "upstream-vectors.json"))) ?? candidates[0];
}

export const isCI = process.env.CI === "true";
