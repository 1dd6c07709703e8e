/**
 * The only module that talks to Redis. Every write is one Lua script: a compare-and-set on the
 * stored raw `definition`/`meta` strings, then the writes. The scripts compare and copy JSON text
 * byte for byte and never decode it (Lua's cjson would turn [] into {} and 5.0 into 5).
 */
import { createHash } from "node:crypto";
import { ErrorReply, RESP_TYPES } from "redis";
import { RedBeatConnectionError, RedBeatError } from "./errors.js";

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
  /** node-redis: the same client answering bulk strings as Buffers (entry fields are read so). */
  withTypeMapping?(mapping: Record<number, unknown>): RedisLike;
}

/** True for a node-redis cluster client. */
export function isCluster(client: object): boolean {
  return "getSlotMaster" in client && "masters" in client;
}

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }
}

/**
 * KEYS: entry, schedule. ARGV: definition check mode and expected text, meta check mode and expected
 * text (mode "any" | "absent" | "eq" | "present"), new definition, new meta, new score ("" = leave).
 * Returns 1 when written, 0 when a check failed (nothing written).
 */
const CAS_WRITE = new Script(`
local h = redis.call('HMGET', KEYS[1], 'definition', 'meta')
local function ok(mode, cur, want)
  if mode == 'any' then return true end
  if mode == 'absent' then return not cur end
  if mode == 'present' then return cur ~= false end
  return cur == want
end
if not ok(ARGV[1], h[1], ARGV[2]) or not ok(ARGV[3], h[2], ARGV[4]) then return 0 end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'definition', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'meta', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[2], ARGV[7], KEYS[1]) end
return 1
`);

/**
 * KEYS: entry, schedule. ARGV: definition, meta for a first save, its score, expected-meta flag
 * ("1"/"0"), expected meta, score for that meta. A first save writes all three; a re-save keeps the
 * stored meta (upstream's HSETNX) and needs a score computed from it, so when the stored meta is not
 * the expected one nothing is written and it is returned: the caller scores from it and calls again.
 */
const SAVE = new Script(`
local cur = redis.call('HGET', KEYS[1], 'meta')
if cur == false then
  redis.call('HSET', KEYS[1], 'definition', ARGV[1], 'meta', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
  return 1
end
if ARGV[4] == '1' and cur == ARGV[5] then
  redis.call('HSET', KEYS[1], 'definition', ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[6], KEYS[1])
  return 1
end
return {cur}
`);

/** KEYS: entry, schedule. Returns [definition, meta, score] (nil where absent). */
const READ = new Script(`
local h = redis.call('HMGET', KEYS[1], 'definition', 'meta')
return {h[1], h[2], redis.call('ZSCORE', KEYS[2], KEYS[1])}
`);

/** KEYS: entry, schedule. ZREM + DEL together; returns 1 if anything existed. */
const DELETE = new Script(`
local z = redis.call('ZREM', KEYS[2], KEYS[1])
local d = redis.call('DEL', KEYS[1])
if z + d > 0 then return 1 end
return 0
`);

/** A check on the stored value of one hash field. */
export type Expect =
  { mode: "any" } | { mode: "absent" } | { mode: "present" } | { mode: "eq"; value: string };

/** The check that passes only if the field still holds `raw` (null = absent). */
export function expectRaw(raw: string | null): Expect {
  return raw === null ? { mode: "absent" } : { mode: "eq", value: raw };
}

export interface CasWrite {
  definition: Expect;
  meta: Expect;
  newDefinition?: string;
  newMeta?: string;
  score?: number;
}

export interface SaveArgs {
  definition: string;
  newMeta: string;
  newScore: number;
  /** The stored meta the caller scored from; null = expect none (first save). */
  expectedMeta: string | null;
  score: number;
}

export interface RawEntry {
  definition: string | null;
  meta: string | null;
  score: number | null;
  /** The first field whose bytes are not UTF-8 (its text above then has U+FFFD in their place). */
  notUtf8?: "definition" | "meta";
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

  constructor(private readonly redis: RedisLike) {
    this.bytes = redis.withTypeMapping?.({ [RESP_TYPES.BLOB_STRING]: Buffer }) ?? redis;
  }

  /** EVALSHA, falling back to EVAL (which caches the script) when the server does not know it yet. */
  private async run(script: Script, keys: string[], args: string[], client = this.redis): Promise<unknown> {
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

  async casWrite(key: string, scheduleKey: string, w: CasWrite): Promise<boolean> {
    const exp = (x: Expect): [string, string] => [x.mode, x.mode === "eq" ? x.value : ""];
    const args = [
      ...exp(w.definition),
      ...exp(w.meta),
      w.newDefinition ?? "",
      w.newMeta ?? "",
      w.score === undefined ? "" : String(w.score),
    ];
    return Number(await this.run(CAS_WRITE, [key, scheduleKey], args)) === 1;
  }

  /** Runs SAVE: true when written, else the stored meta to score from. */
  async save(key: string, scheduleKey: string, a: SaveArgs): Promise<true | string> {
    const args = [
      a.definition,
      a.newMeta,
      String(a.newScore),
      a.expectedMeta === null ? "0" : "1",
      a.expectedMeta ?? "",
      String(a.score),
    ];
    const reply = await this.run(SAVE, [key, scheduleKey], args);
    if (Array.isArray(reply)) return asString(reply[0]) ?? "";
    return true;
  }

  async read(key: string, scheduleKey: string): Promise<RawEntry> {
    const reply = (await this.run(READ, [key, scheduleKey], [], this.bytes)) as unknown[];
    const score = asString(reply[2]);
    const [definition, definitionOk] = fieldText(reply[0]);
    const [meta, metaOk] = fieldText(reply[1]);
    const raw: RawEntry = { definition, meta, score: score === null ? null : Number(score) };
    if (!definitionOk || !metaOk) raw.notUtf8 = definitionOk ? "meta" : "definition";
    return raw;
  }

  async delete(key: string, scheduleKey: string): Promise<boolean> {
    return Number(await this.run(DELETE, [key, scheduleKey], [])) === 1;
  }

  /** One page of the schedule sorted set by rank, lowest score first. */
  async schedulePage(
    scheduleKey: string,
    start: number,
    stop: number,
  ): Promise<Array<{ key: string; score: number }>> {
    try {
      const page = await this.redis.zRangeWithScores(scheduleKey, start, stop);
      return page.map((m) => ({ key: asString(m.value)!, score: Number(m.score) }));
    } catch (e) {
      throw wrap(e);
    }
  }
}
