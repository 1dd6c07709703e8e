"""The npm tarball in a new npm project outside the checkout: a TypeScript program compiled with tsc."""

from __future__ import annotations

import json

from tsprog import compile_and_run

SMOKE = """\
import { RedBeatClient, interval } from "redbeat-sdk";

const client = await RedBeatClient.fromUrl(process.argv[2]);
await client.save({ name: "from-tarball", task: "tasks.ping", schedule: interval(30), kwargs: { via: "npm" } });
const entry = await client.get("from-tarball");
console.log(JSON.stringify({ resolved: import.meta.resolve("redbeat-sdk"), task: entry.task, kwargs: entry.kwargs }));
await client.close();
"""


def test_typescript_program(js_env, redis_server, r):
    got = json.loads(compile_and_run(js_env, "smoke", SMOKE, [redis_server.url]))
    assert got["resolved"] == f"file://{js_env}/node_modules/redbeat-sdk/dist/src/index.js"
    assert (got["task"], got["kwargs"]) == ("tasks.ping", {"via": "npm"})
    assert json.loads(r.hget("redbeat:from-tarball", "definition"))["kwargs"] == {"via": "npm"}
