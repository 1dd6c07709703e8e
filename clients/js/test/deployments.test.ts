/**
 * The client on the deployments of tools/topologies: a forced Sentinel failover, TLS with an ACL user
 * (and the clear errors of a wrong password or an untrusted certificate), and a server that goes away
 * and comes back. (Cluster and plain Sentinel: topologies.test.ts.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createClient, createSentinel } from "redis";
import { RedBeatClient, RedBeatConnectionError, interval } from "../src/index.js";
import { Topology, topologyMissing } from "./helpers/topology.js";

const T0 = new Date("2025-01-15T12:00:00Z");
const clock = () => T0;

/** Every operation once. */
async function exercise(client: RedBeatClient): Promise<void> {
  await client.saveMany([
    { name: "a", task: "t", schedule: interval(60) },
    { name: "b", task: "t", schedule: interval(5) },
  ]);
  await client.save({ name: "a", task: "t", schedule: interval(30) });
  await client.disable("a");
  await client.enable("a");
  await client.runNow("b");
  assert.equal((await client.get("b")).lastRunAt, null);
  const names: string[] = [];
  for await (const e of client.list()) names.push(e.name);
  assert.deepEqual(names.sort(), ["a", "b"]);
  assert.equal(await client.delete("a"), true);
  assert.equal(await client.delete("b"), true);
}

describe("Sentinel: a forced failover", { skip: topologyMissing() }, () => {
  let top: Topology;
  before(async () => {
    top = await Topology.start("sentinel");
  });
  after(async () => {
    await top?.stop();
  });

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
      await exercise(client);
      const direct = createClient({ url: `redis://127.0.0.1:${info.master!.port}` });
      await direct.connect();
      assert.equal(await direct.exists("redbeat::schedule"), 0); // emptied on the new master by the deletes
      await direct.close();
    } finally {
      await redis.close();
    }
  });
});

describe("TLS with an ACL user", { skip: topologyMissing() }, () => {
  let top: Topology;
  before(async () => {
    top = await Topology.start("tls");
  });
  after(async () => {
    await top?.stop();
  });

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

describe("an outage", { skip: topologyMissing() }, () => {
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
