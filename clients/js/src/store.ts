/**
 * The only module that talks to Redis. Every operation is one of the Lua scripts of the repository's
 * lua/ folder (src/generated/scripts.ts, made by `make generate`), with its convention: KEYS are the
 * lock, the schedule, the statics set (where a script uses it), then the entry hashes; ARGV[1] is the lock token, "" here (clients write unfenced);
 * a field as read is "" when absent, else "=" followed by its value. The scripts compare and copy JSON
 * text byte for byte and never decode it (Lua's cjson would turn [] into {} and 5.0 into 5).
 */
import { createHash } from "node:crypto";
import { ErrorReply, RESP_TYPES } from "redis";
import { RedBeatConnectionError, RedBeatError } from "./errors.js";
import { luaScripts } from "./generated/scripts.js";
import type { KeyLayout } from "./keys.js";

/**
 * What this client needs from a node-redis client: a standalone client, a cluster or a sentinel
 * client from `redis` v5+ all qualify.
 */
export interface RedisLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zRangeWithScores(
    key: string,
    start: number,
    stop: number,
  ): Promise<Array<{ value: unknown; score: number }>>;
  /** The label index (extension profile): `list({ labels })` needs it. */
  zRangeByLex?(key: string, min: string, max: string): Promise<unknown[]>;
  /** An entry's run history (extension profile): `history()` needs it. */
  lRange?(key: string, start: number, stop: number): Promise<unknown[]>;
  /** node-redis: the same client answering bulk strings as Buffers (entry fields are read so). */
  withTypeMapping?(mapping: Record<number, unknown>): RedisLike;
}

/** True for a node-redis cluster client. */
export function isCluster(client: object): boolean {
  return "getSlotMaster" in client && "masters" in client;
}

export class Script {
  readonly sha: string;
  constructor(
    readonly name: keyof typeof luaScripts,
    readonly source: string = luaScripts[name],
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }
}

/** The scripts this client runs. */
export const SCRIPTS = {
  load: new Script("load"),
  save: new Script("save"),
  update: new Script("update"),
  delete: new Script("delete"),
} as const;

const UNFENCED = "";
// save.lua's value for "no extensions": remove the field and its label index members ('' would keep them)
const NO_EXTENSIONS = "-";

/** A field as read, in the scripts' convention: "" when absent, else "=" and the value. */
function asRead(value: string | null): string {
  return value === null ? "" : `=${value}`;
}

export interface SaveArgs {
  definition: string;
  /** The meta and score of a first save. */
  newMeta: string;
  newScore: number;
  /** The stored meta the caller scored from; null = expect none (first save). */
  expectedMeta: string | null;
  score: number;
  /** The extensions field to write; null: the entry has none (the field and its label members go). */
  extensions: string | null;
}

/** An entry as stored: its two hash fields undecoded (null where absent) and its score. */
export interface RawEntry {
  key: string;
  definition: string | null;
  meta: string | null;
  score: number | null;
  /** The extension profile's field (null where absent). */
  extensions?: string | null;
  /** The first field whose bytes are not UTF-8 (its text above has U+FFFD in their place). */
  notUtf8?: "definition" | "meta" | "extensions";
}

/** What to write over an entry as read (undefined: leave it). */
export interface Change {
  definition?: string;
  meta?: string;
  score?: number;
}

function asString(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  // Lua replies bulk strings and integers here; anything else is a script bug, not data to stringify
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") return String(v);
  throw new TypeError(`unexpected Redis reply ${JSON.stringify(v)}`);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A field read as bytes: its text, and whether the bytes were UTF-8 (node-redis would replace them). */
function fieldText(v: unknown): [string | null, boolean] {
  if (!Buffer.isBuffer(v)) return [asString(v), true];
  try {
    return [strictUtf8.decode(v), true];
  } catch {
    return [v.toString("utf8"), false];
  }
}

function wrap(e: unknown): Error {
  if (e instanceof RedBeatError) return e;
  if (e instanceof ErrorReply)
    return new RedBeatError(`Redis refused the command: ${e.message}`, { cause: e });
  return new RedBeatConnectionError(`Redis connection failed: ${(e as Error)?.message ?? e}`, { cause: e });
}

export class Store {
  /** The client answering bulk strings as Buffers, for reading entry fields undecoded. */
  private readonly bytes: RedisLike;

  constructor(
    private readonly redis: RedisLike,
    private readonly keys: KeyLayout,
  ) {
    this.bytes = redis.withTypeMapping?.({ [RESP_TYPES.BLOB_STRING]: Buffer }) ?? redis;
  }

  /**
   * EVALSHA, falling back to EVAL (which caches the script) when the server does not know it yet.
   * `keys` follow the lock and the schedule key.
   */
  private async run(
    script: Script,
    keysAfter: string[],
    args: string[],
    client = this.redis,
  ): Promise<unknown> {
    const keys = [this.keys.lock, this.keys.schedule, ...keysAfter];
    try {
      try {
        return await client.evalSha(script.sha, { keys, arguments: args });
      } catch (e) {
        if (e instanceof ErrorReply && e.message.startsWith("NOSCRIPT")) {
          return await client.eval(script.source, { keys, arguments: args });
        }
        throw e;
      }
    } catch (e) {
      throw wrap(e);
    }
  }

  /**
   * lua/save.lua for one entry (node-redis pipelines concurrent calls): true when written, else the
   * stored meta to score from before saving again.
   */
  async save(key: string, a: SaveArgs): Promise<true | string> {
    const args = [
      UNFENCED,
      a.definition,
      a.newMeta,
      String(a.newScore),
      asRead(a.expectedMeta),
      String(a.score),
      "",
      "",
      a.extensions ?? NO_EXTENSIONS,
    ];
    const keys = [this.keys.statics, this.keys.labels, key];
    const [result] = (await this.run(SCRIPTS.save, keys, args)) as unknown[];
    if (Array.isArray(result)) return asString(result[0]) ?? "";
    return true;
  }

  /**
   * lua/update.lua: writes `change` if the entry still holds what `read` holds. True when written,
   * else the entry as it is now (to compute the change again).
   */
  async update(read: RawEntry, change: Change): Promise<true | RawEntry> {
    const args = [
      UNFENCED,
      asRead(read.definition),
      asRead(read.meta),
      change.definition ?? "",
      change.meta ?? "",
      change.score === undefined ? "" : String(change.score),
    ];
    const reply = await this.run(SCRIPTS.update, [read.key], args);
    if (!Array.isArray(reply)) return true;
    return { key: read.key, definition: asString(reply[0]), meta: asString(reply[1]), score: null };
  }

  /** lua/load.lua: the entries' fields (extensions included) and scores, in one step. */
  async load(entryKeys: string[]): Promise<RawEntry[]> {
    if (!entryKeys.length) return [];
    // read as bytes: a field that is not UTF-8 is reported (notUtf8), never read with U+FFFD in it
    const reply = (await this.run(SCRIPTS.load, entryKeys, ["extensions"], this.bytes)) as unknown[];
    return entryKeys.map((key, i) => {
      const score = asString(reply[4 * i + 2]);
      const [definition, definitionOk] = fieldText(reply[4 * i]);
      const [meta, metaOk] = fieldText(reply[4 * i + 1]);
      const [extensions, extensionsOk] = fieldText(reply[4 * i + 3]);
      const raw: RawEntry = {
        key,
        definition,
        meta,
        score: score === null ? null : Number(score),
        extensions,
      };
      if (!definitionOk) raw.notUtf8 = "definition";
      else if (!metaOk) raw.notUtf8 = "meta";
      else if (!extensionsOk) raw.notUtf8 = "extensions";
      return raw;
    });
  }

  /**
   * The entry keys the label index lists under every one of `labels` (one ZRANGEBYLEX each). The index
   * can list an entry whose labels changed without it (a writer without the profile): callers check the
   * labels of what they load.
   */
  async labelled(labels: Record<string, string>): Promise<string[]> {
    const zRangeByLex = this.redis.zRangeByLex?.bind(this.redis);
    if (!zRangeByLex) throw new RedBeatError("listing by labels needs a node-redis client (zRangeByLex)");
    const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let found: Set<string> | null = null;
    try {
      for (const [k, v] of pairs) {
        // members are '<key>=<value>\n<entry key>': a lex range over those that start with the label's part
        const part = `${k}=${v}`;
        const members = await zRangeByLex(this.keys.labels, `[${part}\n`, `(${part}\x0b`);
        const keys = members.map((m) => asString(m)!.slice(part.length + 1));
        found = found === null ? new Set(keys) : new Set(keys.filter((key) => found!.has(key)));
      }
    } catch (e) {
      throw wrap(e);
    }
    return [...(found ?? [])];
  }

  /** An entry's history records as stored (newest first; at most `limit`, -1: all), each its text or
   * null when it is not UTF-8. */
  async history(name: string, limit: number): Promise<Array<string | null>> {
    const lRange = this.bytes.lRange?.bind(this.bytes);
    if (!lRange) throw new RedBeatError("reading history needs a node-redis client (lRange)");
    try {
      const items = await lRange(this.keys.history(name), 0, limit > 0 ? limit - 1 : -1);
      return items.map((item) => {
        const [text, ok] = fieldText(item);
        return ok ? text : null;
      });
    } catch (e) {
      throw wrap(e);
    }
  }

  /** lua/delete.lua: the member and the hash together (with the entry's label index members and run
   * history); true when either existed. */
  async delete(key: string): Promise<boolean> {
    const history = this.keys.history(this.keys.nameOf(key) ?? "");
    const keys = [this.keys.statics, key, this.keys.labels, history];
    return Number(await this.run(SCRIPTS.delete, keys, [UNFENCED, ""])) === 1;
  }

  /** One page of the schedule sorted set by rank, lowest score first. */
  async schedulePage(start: number, stop: number): Promise<Array<{ key: string; score: number }>> {
    try {
      const page = await this.redis.zRangeWithScores(this.keys.schedule, start, stop);
      return page.map((m) => ({ key: asString(m.value)!, score: Number(m.score) }));
    } catch (e) {
      throw wrap(e);
    }
  }
}
