/** The README's quick start is examples/quickstart.ts (checked here), and it runs against a real Redis. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { packageRoot } from "./helpers/paths.js";
import { redisMissing, startRedisServer } from "./helpers/redis.js";

test("README quick start is examples/quickstart.ts", () => {
  const readme = readFileSync(join(packageRoot, "README.md"), "utf8");
  const block = readme.match(/<!-- quickstart -->\n```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(block, "README has a quickstart block");
  const example = readFileSync(join(packageRoot, "examples", "quickstart.ts"), "utf8").replace('"../src/index.js"', '"redbeat-sdk"');
  assert.equal(block, example);
});

test("the quick start runs", { skip: redisMissing() }, async () => {
  const server = await startRedisServer();
  try {
    const r = spawnSync(process.execPath, [join(packageRoot, "dist", "examples", "quickstart.js")], {
      env: { ...process.env, REDIS_URL: server.url },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tasks\.cleanup /m);
    assert.match(r.stdout, /^minute Celery rejects/m);
  } finally {
    await server.stop();
  }
});
