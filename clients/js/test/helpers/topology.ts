/**
 * A deployment from tools/topologies (the scripts the Python and Go tests use too), started through
 * `python -m topologies up KIND`: it prints its description as one JSON line, answers commands
 * ("failover", "stop-save server", "start server") one JSON line each, and stops when stdin closes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { isCI, repoRoot } from "./paths.js";
import { haveRedisServer } from "./redis.js";
import { venvPython } from "./upstream.js";

export interface TopologyInfo {
  kind: string;
  url: string;
  nodes: { name: string; host: string; port: number }[];
  service_name?: string;
  sentinels?: { host: string; port: number }[];
  master?: { name: string; host: string; port: number };
  ca_file?: string;
  untrusted_ca_file?: string;
  user?: string;
  password?: string;
  port?: number;
}

/** Why a topology cannot start here: a skip reason locally, a failure under CI=true. */
export function topologyMissing(): string | false {
  const why = !haveRedisServer()
    ? "redis-server is not installed"
    : !existsSync(venvPython())
      ? `no Python venv at ${venvPython()} (make venv)`
      : "";
  if (!why) return false;
  if (isCI) throw new Error(`${why}; CI=true: a missing prerequisite fails`);
  return why;
}

export class Topology {
  info!: TopologyInfo;
  private lines: AsyncIterableIterator<string>;

  private constructor(private proc: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    proc.stderr.on("data", (d) => process.stderr.write(d));
  }

  static async start(kind: string): Promise<Topology> {
    const proc = spawn(venvPython(), ["-m", "topologies", "up", kind], { cwd: join(repoRoot, "tools") });
    const t = new Topology(proc);
    t.info = JSON.parse(await t.next());
    return t;
  }

  private async next(): Promise<string> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error("tools/topologies exited");
    return value;
  }

  async do(command: string): Promise<TopologyInfo> {
    this.proc.stdin.write(command + "\n");
    const answer = JSON.parse(await this.next());
    if (!answer.ok) throw new Error(`topology ${this.info.kind}: ${command}: ${answer.error}`);
    this.info = answer.info;
    return this.info;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.proc.once("exit", resolve));
    this.proc.stdin.end();
    await exited;
  }
}
