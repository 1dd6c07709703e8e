/**
 * Redis for the tests, from tools/topologies: the repository's one launcher, which the Python and Go
 * tests use too. `python -m topologies up KIND` prints its description as one JSON line, answers
 * commands ("failover", "stop-save server", "start server") one JSON line each, and stops when its
 * stdin closes, also when this process dies. Without redis-server or the repository venv the tests
 * skip locally and fail under CI=true.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { after, before } from "node:test";
import { createClient } from "redis";
import { isCI, venvPython } from "./paths.js";

export interface TopologyNode {
  name: string;
  host: string;
  port: number;
}

export interface TopologyInfo {
  kind: string;
  url: string;
  nodes: TopologyNode[];
  addrs?: string[];
  service_name?: string;
  sentinels?: { host: string; port: number }[];
  master?: TopologyNode;
  ca_file?: string;
  untrusted_ca_file?: string;
  user?: string;
  password?: string;
  port?: number;
}

/** Why Redis cannot start here: a skip reason locally, a failure under CI=true. */
export function redisMissing(): string | false {
  const why =
    spawnSync("redis-server", ["--version"]).status !== 0
      ? "redis-server is not installed (make redis)"
      : !existsSync(venvPython())
        ? `no Python venv at ${venvPython()} to run tools/topologies (make venv)`
        : "";
  if (!why) return false;
  if (isCI) throw new Error(`${why}; CI=true: a missing prerequisite fails`);
  return why;
}

/** A deployment of `kind`: "single", "cluster", "sentinel" or "tls" (tools/topologies/README.md). */
export class Topology {
  info!: TopologyInfo;
  private proc?: ChildProcessWithoutNullStreams;
  private lines?: AsyncIterableIterator<string>;

  constructor(readonly kind: string) {}

  static start(kind: string): Promise<Topology> {
    return new Topology(kind).up();
  }

  /** Starts it; resolves once it answers and `info` describes it. */
  async up(): Promise<this> {
    this.proc = spawn(venvPython(), ["-m", "topologies", "up", this.kind]);
    this.proc.stderr.on("data", (d) => process.stderr.write(d));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
    this.info = JSON.parse(await this.next());
    return this;
  }

  /** The URL clients connect with (for a cluster: one node's). */
  get url(): string {
    return this.info.url;
  }

  private async next(): Promise<string> {
    const { value, done } = await this.lines!.next();
    if (done) throw new Error("tools/topologies exited");
    return value;
  }

  async do(command: string): Promise<TopologyInfo> {
    this.proc!.stdin.write(command + "\n");
    const answer = JSON.parse(await this.next());
    if (!answer.ok) throw new Error(`topology ${this.info.kind}: ${command}: ${answer.error}`);
    this.info = answer.info;
    return this.info;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.stdin.end();
    await exited;
  }
}

export async function connect(url: string) {
  const c = createClient({ url });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

export type Connection = Awaited<ReturnType<typeof connect>>;

/** A deployment of `kind` for the enclosing describe(): up before its tests, stopped after them. */
export function topologyForSuite(kind: string): Topology {
  const top = new Topology(kind);
  before(() => top.up());
  after(() => top.stop());
  return top;
}

/** A private plain server for the enclosing describe(), and `redis`, a connection to it. */
export function redisForSuite(): { readonly url: string; readonly redis: Connection } {
  const top = new Topology("single");
  const suite = {} as { url: string; redis: Connection };
  before(async () => {
    suite.url = (await top.up()).url;
    suite.redis = await connect(suite.url);
  });
  after(async () => {
    await suite.redis?.close();
    await top.stop();
  });
  return suite;
}
