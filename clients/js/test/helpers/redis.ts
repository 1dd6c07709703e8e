/**
 * A private redis-server per test file, on a free loopback port, without persistence; stopped when
 * the file's tests end. Without redis-server the tests skip locally and fail under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { isCI } from "./paths.js";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function haveRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0;
}

/** Why a Redis test cannot run here: a skip reason locally, a failure under CI=true. */
export function redisMissing(): string | false {
  if (haveRedisServer()) return false;
  if (isCI) throw new Error("redis-server is not installed (CI=true: a missing prerequisite fails)");
  return "redis-server is not installed";
}

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on `port` (default: a free one). `configFirst` puts extraArgs first, for a
 * config file path (redis-server wants it before any option).
 */
export async function startRedisServer(
  extraArgs: string[] = [],
  port?: number,
  configFirst = false,
): Promise<RedisServer> {
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redbeat-js-redis-"));
  const base = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ];
  const child: ChildProcess = spawn(
    "redis-server",
    configFirst ? [...extraArgs, ...base] : [...base, ...extraArgs],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    const probe = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      await probe.close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function connect(url: string) {
  const c = createClient({ url });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}
