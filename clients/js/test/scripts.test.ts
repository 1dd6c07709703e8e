/** Every Lua script this client runs is its file in the repository's lua/ folder, byte for byte. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
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

test("the generated module holds the scripts the client runs, as the folder has them", () => {
  assert.deepEqual(Object.keys(luaScripts).sort(), Object.keys(SCRIPTS).sort());
  for (const [name, text] of Object.entries(luaScripts)) {
    assert.equal(sha1(text), sha1(readFileSync(join(luaDir, `${name}.lua`))), name);
  }
});
