/** Runs upstream celery-redbeat (Python, from $REDBEAT_VENV) through test/interop/upstream.py. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isCI, packageRoot } from "./paths.js";

export function venvPython(): string {
  const venv = process.env.REDBEAT_VENV || join(packageRoot, "..", "..", ".venv");
  return join(venv, "bin", "python");
}

/** Why upstream cannot run here: a skip reason locally, a failure under CI=true. */
export function upstreamMissing(): string | false {
  const python = venvPython();
  const ok = existsSync(python) && spawnSync(python, ["-c", "import redbeat, celery"]).status === 0;
  if (ok) return false;
  const why = `no Python venv with celery-redbeat at ${python} (run make venv at the top level)`;
  if (isCI) throw new Error(`${why}; CI=true: a missing prerequisite fails`);
  return why;
}

export function runUpstream(command: Record<string, unknown>): any {
  const script = join(packageRoot, "test", "interop", "upstream.py");
  const r = spawnSync(venvPython(), [script], {
    input: JSON.stringify(command),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`upstream.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
