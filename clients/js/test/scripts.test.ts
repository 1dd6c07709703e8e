/** Every Lua script this client runs is its file in the repository's lua/ folder, byte for byte. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { luaScripts } from "../src/generated/scripts.js";
import { SCRIPTS } from "../src/store.js";
import { luaDir } from "./helpers/paths.js";

const sha1 = (text: string | Buffer) => createHash("sha1").update(text).digest("hex");

test("the client runs the scripts of the shared folder", () => {
  for (const script of Object.values(SCRIPTS)) {
    assert.equal(script.sha, sha1(readFileSync(join(luaDir, `${script.name}.lua`))), script.name);
  }
});

test("the generated module holds every script of the folder and nothing else", () => {
  const files = readdirSync(luaDir).filter((f) => f.endsWith(".lua"));
  assert.deepEqual(Object.keys(luaScripts).sort(), files.map((f) => f.slice(0, -4)).sort());
  for (const file of files) {
    const name = file.slice(0, -4) as keyof typeof luaScripts;
    assert.equal(sha1(luaScripts[name]), sha1(readFileSync(join(luaDir, file))), file);
  }
});
