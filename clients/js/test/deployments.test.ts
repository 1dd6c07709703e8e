/**
 * The client on the deployments of tools/topologies: Redis Cluster (a hash-tagged prefix required), a
 * forced Sentinel failover, TLS with an ACL user (and the clear errors of a wrong password or an
 * untrusted certificate), and a server that goes away and comes back.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createClient, createCluster, createSentinel } from "redis";
import {
  ClusterConfigError,
  RedBeatClient,
  RedBeatConnectionError,
  crontab,
  interval,
} from "../src/index.js";
import { Topology, redisMissing, topologyForSuite } from "./helpers/topology.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const T0s = T0.getTime() / 1000;
const clock = () => T0;

/** Every operation once, on whatever deployment `client` talks to; leaves e0..e49 behind. */
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
  const top = new Topology("cluster");
  let redis: ReturnType<typeof createCluster>;

  before(async () => {
    await top.up();
    redis = createCluster({ rootNodes: top.info.addrs!.map((addr) => ({ url: `redis://${addr}` })) });
    redis.on("error", () => undefined);
    await redis.connect();
  });
  after(async () => {
    await redis?.close();
    await top.stop();
  });

  test("a prefix without hash tag is refused with a clear error", () => {
    assert.throws(
      () => new RedBeatClient(redis),
      (e: unknown) => e instanceof ClusterConfigError && /\{redbeat\}:/.test(e.message),
    );
    assert.throws(() => new RedBeatClient(redis, { keyPrefix: "rb{}:" }), ClusterConfigError);
  });

  test("every operation works with a hash-tagged prefix", async () => {
    await exercise(new RedBeatClient(redis, { keyPrefix: "{redbeat}:", clock }));
  });
});

describe("Sentinel: a forced failover", { skip: redisMissing() }, () => {
  const top = topologyForSuite("sentinel");

  test("is followed: data written before is there, every operation works after", async () => {
    const redis = createSentinel({ name: top.info.service_name!, sentinelRootNodes: top.info.sentinels! });
    redis.on("error", () => undefined);
    await redis.connect();
    try {
      const client = new RedBeatClient(redis, { clock });
      await client.save({ name: "before", task: "t", schedule: interval(60) });
      // replication is asynchronous: a failover loses writes the replica has not received (documented);
      // this test is about following the new master, so wait until the replica has the entry
      const primary = createClient({ url: `redis://127.0.0.1:${top.info.master!.port}` });
      await primary.connect();
      assert.ok(Number(await primary.sendCommand(["WAIT", "1", "5000"])) >= 1);
      await primary.close();
      const old = top.info.master!.name;
      const info = await top.do("failover");
      assert.notEqual(info.master!.name, old);
      assert.equal((await client.get("before")).task, "t");
      assert.equal(await client.delete("before"), true);
      await exercise(client); // every operation, on the new master
      const direct = createClient({ url: `redis://127.0.0.1:${info.master!.port}` });
      await direct.connect();
      assert.equal(await direct.exists("redbeat:e49"), 1); // written after the failover, on the new master
      await direct.close();
    } finally {
      await redis.close();
    }
  });
});

describe("TLS with an ACL user", { skip: redisMissing() }, () => {
  const top = topologyForSuite("tls");

  test("rediss://user:pass@ with the CA: every operation", async () => {
    const client = await RedBeatClient.fromUrl(top.info.url, {
      clock,
      tlsCa: readFileSync(top.info.ca_file!),
    });
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });

  test("a wrong password and an untrusted certificate are clear errors, not hangs", async () => {
    const u = new URL(top.info.url);
    u.password = "not-the-password";
    const ca = readFileSync(top.info.ca_file!);
    const cases: [string, string, Buffer | undefined, RegExp][] = [
      ["wrong password", u.toString(), ca, /refused the login/],
      ["untrusted certificate", top.info.url, readFileSync(top.info.untrusted_ca_file!), /not trusted/],
      ["Node's CAs only", top.info.url, undefined, /not trusted/],
    ];
    for (const [name, url, tlsCa, message] of cases) {
      await assert.rejects(RedBeatClient.fromUrl(url, { clock, tlsCa }), (e: unknown) => {
        assert.ok(e instanceof RedBeatConnectionError, `${name}: ${String(e)}`);
        assert.match(e.message, message, name);
        assert.doesNotMatch(
          e.message,
          new RegExp(top.info.password!.replace(/[^a-z0-9]/gi, ".")),
          `${name}: password in the message`,
        );
        return true;
      });
    }
  });
});

describe("an outage", { skip: redisMissing() }, () => {
  test("is a RedBeatConnectionError on every call, and the same client works after it", async () => {
    const top = await Topology.start("single");
    try {
      const client = await RedBeatClient.fromUrl(top.info.url, { clock });
      await client.save({ name: "job", task: "t", schedule: interval(60) });
      await top.do("stop-save server");
      const calls: [string, () => Promise<unknown>][] = [
        ["get", () => client.get("job")],
        ["save", () => client.save({ name: "job", task: "t", schedule: interval(5) })],
        ["delete", () => client.delete("job")],
        ["runNow", () => client.runNow("job")],
        [
          "list",
          async () => {
            for await (const _ of client.list()) break;
          },
        ],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(
          call(),
          (e: unknown) => e instanceof RedBeatConnectionError || assert.fail(`${name}: ${String(e)}`),
        );
      }
      await top.do("start server");
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        // the client reconnects with back-off (at most 2 s apart)
        back = await client.get("job").then(
          () => true,
          () => new Promise((r) => setTimeout(() => r(false), 100)),
        );
      }
      assert.ok(back, "the client did not reconnect");
      assert.equal(await client.delete("job"), true);
      await exercise(client);
      await client.close();
    } finally {
      await top.stop();
    }
  });
});
