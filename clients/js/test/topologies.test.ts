/** The client on Redis Cluster (hash-tagged prefix required) and through Sentinel. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCluster, createSentinel } from "redis";
import { ClusterConfigError, RedBeatClient, crontab, interval } from "../src/index.js";
import { redisMissing } from "./helpers/redis.js";
import { startCluster, startSentinel, type Cluster, type Sentinel } from "./helpers/topologies.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const T0s = T0.getTime() / 1000;

/** Every operation once, on whatever topology `client` talks to. */
async function exercise(client: RedBeatClient): Promise<void> {
  const saved = await client.saveMany(
    Array.from({ length: 50 }, (_, i) => ({ name: `e${i}`, task: "t", schedule: interval(i + 1) })),
  );
  assert.equal(saved[49].score, T0s + 50);
  await client.save({ name: "cron", task: "t", schedule: crontab({ minute: 30 }) });
  assert.equal((await client.get("cron")).score, T0s + 1800);
  await client.disable("cron");
  assert.equal((await client.get("cron")).enabled, false);
  await client.enable("cron");
  await client.runNow("e0");
  assert.equal((await client.get("e0")).lastRunAt, null);
  let n = 0;
  for await (const _ of client.list({ onError: (p) => assert.fail(p.message) })) n++;
  assert.equal(n, 51);
  assert.equal(await client.delete("cron"), true);
  await assert.rejects(client.get("cron"));
}

describe("Redis Cluster", { skip: redisMissing() }, () => {
  let cluster: Cluster;
  let redis: ReturnType<typeof createCluster>;

  before(async () => {
    cluster = await startCluster();
    redis = createCluster({ rootNodes: cluster.ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })) });
    redis.on("error", () => undefined);
    await redis.connect();
  });
  after(async () => {
    await redis?.close();
    await cluster?.stop();
  });

  test("a prefix without hash tag is refused with a clear error", () => {
    assert.throws(
      () => new RedBeatClient(redis),
      (e: unknown) => e instanceof ClusterConfigError && /\{redbeat\}:/.test(e.message),
    );
    assert.throws(() => new RedBeatClient(redis, { keyPrefix: "rb{}:" }), ClusterConfigError);
  });

  test("every operation works with a hash-tagged prefix", async () => {
    await exercise(new RedBeatClient(redis, { keyPrefix: "{redbeat}:", clock: () => T0 }));
  });
});

describe("Redis Sentinel", { skip: redisMissing() }, () => {
  let sentinel: Sentinel;
  let redis: ReturnType<typeof createSentinel>;

  before(async () => {
    sentinel = await startSentinel("mymaster");
    redis = createSentinel({
      name: "mymaster",
      sentinelRootNodes: [{ host: "127.0.0.1", port: sentinel.sentinelPort }],
    });
    redis.on("error", () => undefined);
    await redis.connect();
  });
  after(async () => {
    await redis?.close();
    await sentinel?.stop();
  });

  test("every operation works through a sentinel client", async () => {
    await exercise(new RedBeatClient(redis, { clock: () => T0 }));
  });
});
