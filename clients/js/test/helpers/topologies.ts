/** A 3-master Redis Cluster and a Sentinel setup on loopback, for the topology tests. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { freePort, startRedisServer, type RedisServer } from "./redis.js";

/** A free port whose cluster bus port (+10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p > 55000) continue;
    try {
      const probe = await import("node:net");
      await new Promise<void>((resolve, reject) => {
        const s = probe.createServer().once("error", reject);
        s.listen(p + 10000, "127.0.0.1", () => s.close(() => resolve()));
      });
      return p;
    } catch {
      /* try another */
    }
  }
}

export interface Cluster {
  ports: number[];
  stop(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await clusterPort();
      nodes.push(
        await startRedisServer(
          [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-node-timeout",
            "2000",
          ],
          port,
        ),
      );
    }
    const create = spawnSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    // Wait until every node agrees the cluster is up.
    for (const n of nodes) {
      const c = createClient({ url: n.url });
      c.on("error", () => undefined);
      await c.connect();
      for (let i = 0; ; i++) {
        const info = await c.sendCommand<string>(["CLUSTER", "INFO"]);
        if (info.includes("cluster_state:ok")) break;
        if (i > 200) throw new Error(`cluster never came up: ${info}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await c.close();
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return {
    ports: nodes.map((n) => n.port),
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

export interface Sentinel {
  master: RedisServer;
  sentinelPort: number;
  stop(): Promise<void>;
}

export async function startSentinel(name: string): Promise<Sentinel> {
  const master = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "redbeat-js-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  // Sentinel rewrites its config file, so it gets its own writable copy.
  writeFileSync(
    conf,
    `sentinel monitor ${name} 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds ${name} 5000\n`,
  );
  let sentinel: RedisServer;
  try {
    sentinel = await startRedisServer([conf, "--sentinel"], undefined, true);
  } catch (e) {
    await master.stop();
    throw e;
  }
  return {
    master,
    sentinelPort: sentinel.port,
    stop: async () => {
      await sentinel.stop();
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
