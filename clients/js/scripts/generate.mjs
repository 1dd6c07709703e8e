// Regenerates src/generated/ from ../../schema and ../../lua (the single sources of truth).
// `make generate` runs it; `make check-generated` runs it and fails on any diff.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { compile } from "json-schema-to-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = join(here, "..", "..", "..", "schema");
const luaDir = join(here, "..", "..", "..", "lua");
const outDir = join(here, "..", "src", "generated");

const banner = (file) =>
  `/* Generated from schema/${file} by scripts/generate.mjs (json-schema-to-typescript). Do not edit: run \`make generate\`. */`;

async function main() {
  await mkdir(outDir, { recursive: true });
  const embedded = [];
  for (const profile of ["write", "read", "extensions"]) {
    const file = `${profile}.schema.json`;
    const schema = JSON.parse(await readFile(join(schemaDir, file), "utf8"));
    const ts = await compile(schema, schema.title, {
      bannerComment: banner(file),
      additionalProperties: true,
      unreachableDefinitions: true,
      unknownAny: true,
      style: { singleQuote: false, printWidth: 110 },
    });
    await writeFile(join(outDir, `${profile}-types.ts`), ts);
    embedded.push(
      `export const ${profile}Schema: Record<string, unknown> = ${JSON.stringify(schema, null, 2)};\n`,
    );
  }
  // The schemas travel inside the package, so runtime validation needs no file next to dist/.
  await writeFile(
    join(outDir, "schemas.ts"),
    `/* Generated from schema/{write,read,extensions}.schema.json by scripts/generate.mjs. Do not edit: run \`make generate\`. */\n\n` +
      embedded.join("\n"),
  );
}

// The Lua scripts src/store.ts runs, their text exactly as in lua/ (the client loads them from here, so
// the npm package needs no file beside dist/).
const LUA_SCRIPTS = ["delete", "load", "save", "update"];

async function scripts() {
  const members = [];
  for (const name of LUA_SCRIPTS) {
    const text = await readFile(join(luaDir, `${name}.lua`), "utf8");
    members.push(`  ${JSON.stringify(name)}: ${JSON.stringify(text)},`);
  }
  await writeFile(
    join(outDir, "scripts.ts"),
    `/* Generated from lua/{${LUA_SCRIPTS.join(",")}}.lua by scripts/generate.mjs. Do not edit: run \`make generate\`. */\n\n` +
      `export const luaScripts = {\n${members.join("\n")}\n} as const;\n`,
  );
}

await main();
await scripts();
