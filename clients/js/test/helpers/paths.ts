/** Where the repository's contract files live, seen from the compiled tests (dist/test/). */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
/** clients/js */
export const packageRoot = resolve(here, "..", "..", "..");
export const repoRoot = resolve(packageRoot, "..", "..");
export const schemaDir = join(repoRoot, "schema");
export const luaDir = join(repoRoot, "lua");
export const vectorsDir = join(repoRoot, "conformance", "vectors");

/** Upstream's raw Redis records, owned by the repository (conformance/upstream/README.md). */
export const upstreamVectorsFile = join(repoRoot, "conformance", "upstream", "upstream-vectors.json");

export const isCI = process.env.CI === "true";

/** The repository venv's interpreter, which runs tools/topologies. */
export function venvPython(): string {
  const venv = process.env.REDBEAT_VENV || join(repoRoot, ".venv");
  return join(venv, "bin", "python");
}
