/**
 * saveMany against a raw node-redis pipeline writing the same commands and values (one
 * MULTI/HSET/HSETNX/ZADD/EXEC per entry), on one private redis-server from tools/topologies. Prints both rates and their
 * ratio; the target is saveMany >= 80% of the raw pipeline.
 */
import {
  RedBeatClient,
  encodeDefinition,
  encodeMeta,
  interval,
  type EntryInput,
  type Schedule,
} from "../src/index.js";
import { scoreFor } from "../src/score.js";
import { Topology, connect } from "../test/helpers/topology.js";

const N = Number(process.env.BENCH_ENTRIES ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const T0 = new Date("2025-01-15T12:00:00Z");

async function main(): Promise<void> {
  const server = await Topology.start("single");
  const redis = await connect(server.url);
  try {
    const entries: EntryInput[] = Array.from({ length: N }, (_, i) => ({
      name: `bench-${i}`,
      task: "tasks.bench",
      schedule: interval(60 + (i % 7)),
      args: [i, "x"],
      kwargs: { n: i },
    }));
    const client = new RedBeatClient(redis, { clock: () => T0 });
    const meta = encodeMeta(T0.getTime());
    const raw = entries.map((e) => ({
      key: client.keys.entry(e.name),
      definition: encodeDefinition(e),
      score: scoreFor(
        e.schedule as Schedule,
        { ms: T0.getTime(), zone: "UTC" },
        T0.getTime(),
        client.timezone,
      ),
    }));

    async function rawPipeline(): Promise<void> {
      await Promise.all(
        raw.map((r) =>
          redis
            .multi()
            .hSet(r.key, "definition", r.definition)
            .hSetNX(r.key, "meta", meta)
            .zAdd(client.keys.schedule, { score: r.score, value: r.key })
            .exec(),
        ),
      );
    }
    async function sdk(): Promise<void> {
      await client.saveMany(entries);
    }

    async function time(fn: () => Promise<void>): Promise<number> {
      await redis.flushAll();
      const start = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - start) / 1e6;
    }

    // Warm up both paths (JIT, script cache), then alternate so drift hits both alike.
    await time(rawPipeline);
    await time(sdk);
    const rawTimes: number[] = [];
    const sdkTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      rawTimes.push(await time(rawPipeline));
      sdkTimes.push(await time(sdk));
    }
    // Same result in Redis: the bench compares equal work.
    const check = await redis.hGet(raw[N - 1].key, "definition");
    if (check !== raw[N - 1].definition)
      throw new Error("saveMany wrote something else than the raw pipeline");

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rawMs = median(rawTimes);
    const sdkMs = median(sdkTimes);
    const rate = (ms: number) => Math.round((N / ms) * 1000);
    const ratio = rawMs / sdkMs;
    console.log(`saveMany bench: ${N} entries x ${ROUNDS} rounds, medians`);
    console.log(
      `  raw node-redis pipeline (MULTI per entry): ${rawMs.toFixed(1)} ms  ${rate(rawMs)} entries/s`,
    );
    console.log(
      `  RedBeatClient.saveMany:                    ${sdkMs.toFixed(1)} ms  ${rate(sdkMs)} entries/s`,
    );
    console.log(
      `  ratio saveMany / raw: ${(ratio * 100).toFixed(0)}% (target >= 80%) ${ratio >= 0.8 ? "OK" : "BELOW TARGET"}`,
    );
  } finally {
    await redis.close();
    await server.stop();
  }
}

await main();
