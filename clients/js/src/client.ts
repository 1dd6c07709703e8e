/**
 * RedBeatClient: create, read and manage RedBeat entries in one Redis (standalone, Sentinel or
 * Cluster with a hash-tagged prefix), with the same operations and meaning as the Python SDK.
 */
import { createClient } from "redis";
import {
  decodeEntry,
  decodeMeta,
  encodeDefinition,
  encodeExtensions,
  encodeMeta,
  entryExtensions,
  storedSchedule,
  type ZonedInstant,
} from "./codec.js";
import { checkLabels, type Extensions } from "./extensions.js";
import { decodeRecord, type HistoryRecord } from "./history.js";
import { rulesOf, type Rules } from "./runs.js";
import { optionalDate, optionalFunction, optionsObject, positiveInteger, runCount } from "./arguments.js";
import {
  ConflictError,
  CorruptEntry,
  EntryNotFound,
  RedBeatConnectionError,
  RedBeatError,
  UnsupportedScheduleError,
  ValidationError,
} from "./errors.js";
import { setTopLevelMember } from "./jsontext.js";
import { DEFAULT_PREFIX, KeyLayout } from "./keys.js";
import { nextRuns as previewRuns, type NextRunsOptions } from "./schedules.js";
import { scoreFor, scoreNow } from "./score.js";
import { isCluster, Store, type Change, type RawEntry, type RedisLike } from "./store.js";
import type { Entry, EntryInput, Schedule } from "./types.js";
import { redacted, refusedUrl, urlScheme } from "./url.js";
import { checkZoneName } from "./zones.js";
import { ZonedDate } from "./zoned-date.js";

export interface ClientOptions {
  /** Key prefix P (default `redbeat:`); keys are P + name, P + ":schedule", ... */
  keyPrefix?: string;
  /** The Celery `timezone` of the beat that runs these entries (crontabs are evaluated there). Default UTC. */
  timezone?: string;
  /** Returns "now"; inject a frozen clock in tests. */
  clock?: () => Date;
  /** Entries per pipelined round trip in saveMany and list. Default 500. */
  batchSize?: number;
  /** fromUrl with rediss://: the PEM of the CA that signed the server's certificate (default: Node's CAs). */
  tlsCa?: string | Buffer;
}

/** Why connecting failed, in words that point at the fix. */
function connectProblem(e: Error): string {
  const text = `${e.message} ${(e as { code?: string }).code ?? ""}`;
  if (/WRONGPASS|NOAUTH/.test(text))
    return "Redis refused the login (check the user and password in the URL)";
  if (/CERT|certificate|self[- ]signed/i.test(text))
    return "Redis's TLS certificate is not trusted (check tlsCa)";
  return "Redis is unreachable";
}

const CLIENT_OPTIONS = ["keyPrefix", "timezone", "clock", "batchSize", "tlsCa"] as const;

/** The client's settings from its options, every one checked (before fromUrl connects). */
function settings(options: ClientOptions | undefined) {
  const o = optionsObject(options, "options", CLIENT_OPTIONS);
  const tlsCa = o.tlsCa;
  if (tlsCa !== undefined && typeof tlsCa !== "string" && !Buffer.isBuffer(tlsCa))
    throw new ValidationError("tlsCa", "must be a PEM string or Buffer");
  return {
    keys: new KeyLayout(o.keyPrefix ?? DEFAULT_PREFIX),
    timezone: checkZoneName(o.timezone ?? "UTC", "timezone"),
    clock: optionalFunction(o.clock, "clock") ?? (() => new Date()),
    batchSize: positiveInteger(o.batchSize ?? 500, "batchSize"),
    tlsCa,
  };
}

/** What node-redis's commands need: a client whose methods are not there is not one. */
function checkRedis(redis: unknown): void {
  const r = redis as Record<string, unknown> | null;
  if (
    r === null ||
    typeof r !== "object" ||
    typeof r.evalSha !== "function" ||
    typeof r.zRangeWithScores !== "function"
  ) {
    throw new ValidationError(
      "redis",
      "must be a node-redis client (createClient, createCluster or createSentinel); use RedBeatClient.fromUrl(url) to connect by URL",
    );
  }
}

export interface ListOptions {
  /** Called for each corrupt or missing entry hash, which is skipped. Default: a process warning. */
  onError?: (problem: CorruptEntry) => void;
  /**
   * Only the entries carrying every one of these labels (extension profile), found through the label
   * index rather than by walking the schedule; in schedule order.
   */
  labels?: Record<string, string>;
}

export interface HistoryOptions {
  /** At most this many records, newest first. Default: every record kept. */
  limit?: number;
}

/** How often a write that checks what it read is tried before ConflictError (the same in every client). */
const MAX_ATTEMPTS = 10;

/** One entry on its way into Redis: encoded once, scored again only if its stored meta changes. */
class Pending {
  expectedMeta: string | null = null;
  lastRun: ZonedInstant | null;
  totalRunCount = 0;
  score: number;
  readonly newScore: number;
  readonly definition: string;
  /** The extensions field to write (null: none). */
  readonly extensions: string | null;
  private readonly extensionsValue: Extensions;
  /** The schedule as stored (a one-off's rrule) and the rules its extensions add. */
  private readonly schedule: Schedule;
  private readonly rules: Rules;

  constructor(
    readonly entry: EntryInput,
    readonly key: string,
    readonly newMeta: string,
    private readonly client: RedBeatClient,
    private readonly nowMs: number,
  ) {
    const tz = client.timezone;
    this.definition = encodeDefinition(entry, tz);
    this.extensions = encodeExtensions(entry, tz);
    this.extensionsValue = entryExtensions(entry);
    this.schedule = storedSchedule(entry.schedule, this.extensionsValue.timezone ?? tz);
    this.rules = rulesOf(entry.name, this.extensionsValue);
    this.lastRun = { ms: nowMs, zone: "UTC" };
    this.newScore = scoreFor(this.schedule, this.lastRun, nowMs, tz, this.rules);
    this.score = this.newScore;
  }

  rescore(storedMeta: string): void {
    this.expectedMeta = storedMeta;
    try {
      const meta = decodeMeta(this.key, storedMeta);
      this.lastRun = meta.lastRun;
      this.totalRunCount = meta.totalRunCount ?? 0;
    } catch (e) {
      if (!(e instanceof CorruptEntry)) throw e;
      // Like upstream's HSETNX the stored meta stays; scoring it now lets beat deal with it.
      process.emitWarning(
        `re-saving ${this.key} over unreadable meta (${e.reason}): scored now`,
        "RedBeatWarning",
      );
      this.lastRun = null;
    }
    this.score = scoreFor(this.schedule, this.lastRun, this.nowMs, this.client.timezone, this.rules);
  }

  saved(): Entry {
    const e = this.entry;
    return {
      name: e.name,
      task: e.task,
      schedule: e.schedule,
      args: e.args ?? null,
      kwargs: e.kwargs ?? {},
      options: e.options ?? {},
      enabled: e.enabled ?? true,
      extensions: this.extensionsValue,
      key: this.key,
      lastRunAt: this.lastRun === null ? null : new ZonedDate(this.lastRun.ms, this.lastRun.zone),
      totalRunCount: this.totalRunCount,
      score: this.score,
    };
  }
}

export class RedBeatClient {
  readonly keys: KeyLayout;
  readonly timezone: string;
  readonly batchSize: number;
  private readonly clock: () => Date;
  private readonly store: Store;
  private owned = false;

  /**
   * A client over an existing node-redis client (`createClient`, `createCluster` or `createSentinel`,
   * connected). On a cluster the key prefix must carry a hash tag such as `{redbeat}:`.
   */
  constructor(
    readonly redis: RedisLike,
    options: ClientOptions = {},
  ) {
    checkRedis(redis);
    const s = settings(options);
    this.keys = s.keys;
    this.timezone = s.timezone;
    this.clock = s.clock;
    this.batchSize = s.batchSize;
    if (isCluster(redis)) this.keys.requireClusterSafe();
    this.store = new Store(redis, this.keys);
  }

  /**
   * Connects to `url` (redis://, rediss:// or unix://) and returns a client that owns the
   * connection. A malformed URL or another scheme throws InvalidUrlError before connecting.
   */
  static async fromUrl(url: string, options: ClientOptions = {}): Promise<RedBeatClient> {
    const scheme = urlScheme(url);
    const { tlsCa } = settings(options); // bad options fail before a connection is opened
    if (tlsCa !== undefined && scheme !== "rediss")
      throw new ValidationError("tlsCa", `needs a rediss:// URL, not ${scheme}://`);
    let connected = false;
    let redis: ReturnType<typeof createClient>;
    try {
      redis = createClient({
        url,
        // Fail fast: the first connect gives up at once, later drops reconnect with back-off, and a
        // command sent while disconnected fails (RedBeatConnectionError) instead of waiting.
        disableOfflineQueue: true,
        socket: {
          ...(tlsCa ? { tls: true as const, ca: tlsCa } : {}),
          reconnectStrategy: (retries: number, cause: Error) =>
            connected ? Math.min(50 * 2 ** retries, 2000) : cause,
        },
      });
    } catch (e) {
      if (e instanceof TypeError) throw refusedUrl(url, e); // node-redis parses the URL here
      throw e;
    }
    redis.on("error", () => undefined); // failures surface as RedBeatConnectionError on the calls
    try {
      await redis.connect();
      connected = true;
    } catch (e) {
      await redis.close().catch(() => undefined);
      throw new RedBeatConnectionError(
        `${connectProblem(e as Error)}: cannot connect to ${redacted(url)}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    try {
      const client = new RedBeatClient(redis, options);
      client.owned = true;
      return client;
    } catch (e) {
      await redis.close().catch(() => undefined); // do not leave the connection behind
      throw e;
    }
  }

  /** Closes the connection if this client opened it (fromUrl); a client passed in is left open. */
  async close(): Promise<void> {
    if (this.owned) await (this.redis as unknown as { close(): Promise<void> }).close();
  }

  /** This client's clock; a clock that returns anything but a valid Date is a ValidationError at `clock`. */
  now(): Date {
    const d = this.clock();
    if (!(d instanceof Date) || Number.isNaN(d.getTime()))
      throw new ValidationError("clock", "must return a valid Date");
    return d;
  }

  /** Now in epoch ms; a ZonedDate clock also gives its microseconds (as the fraction). */
  private nowMs(): number {
    const d = this.now();
    return d instanceof ZonedDate ? d.preciseTime : d.getTime();
  }

  private pending(entry: EntryInput, nowMs: number, newMeta: string): Pending {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      throw new ValidationError("", "an entry must be an object");
    const key = this.keys.entry(entry.name);
    return new Pending(entry, key, newMeta, this, nowMs);
  }

  /**
   * Upsert one entry atomically. A first save writes the definition, meta `{"last_run_at": now}` and
   * the score from it; a re-save keeps the stored meta and scores from the stored last run.
   */
  async save(entry: EntryInput): Promise<Entry> {
    const nowMs = this.nowMs();
    return (await this.write([this.pending(entry, nowMs, encodeMeta(nowMs))]))[0];
  }

  /**
   * Save many entries, pipelined in batches; each entry is atomic. Every entry is validated and
   * encoded before anything is sent, so one bad entry writes nothing; its error's path starts with
   * its index in `entries` (`[3].schedule.hour`).
   */
  async saveMany(entries: Iterable<EntryInput>): Promise<Entry[]> {
    if (entries === null || typeof entries !== "object" || typeof entries[Symbol.iterator] !== "function") {
      throw new ValidationError("entries", "must be an array (or other iterable) of entries");
    }
    const nowMs = this.nowMs();
    const newMeta = encodeMeta(nowMs); // every first save records the same now
    const pending = [...entries].map((e, i) => {
      try {
        return this.pending(e, nowMs, newMeta);
      } catch (err) {
        if (err instanceof ValidationError || err instanceof UnsupportedScheduleError) throw err.at(`[${i}]`);
        throw err;
      }
    });
    return this.write(pending);
  }

  private async write(pending: Pending[]): Promise<Entry[]> {
    for (let start = 0; start < pending.length; start += this.batchSize) {
      await this.saveBatch(pending.slice(start, start + this.batchSize));
    }
    return pending.map((p) => p.saved());
  }

  private async saveBatch(batch: Pending[]): Promise<void> {
    let todo = batch;
    for (let round = 0; round < MAX_ATTEMPTS && todo.length; round++) {
      const send = (p: Pending) =>
        this.store.save(p.key, {
          definition: p.definition,
          newMeta: p.newMeta,
          newScore: p.newScore,
          expectedMeta: p.expectedMeta,
          score: p.score,
          extensions: p.extensions,
        });
      // The first call loads the script if the server lacks it; the rest are pipelined behind it.
      const first = await send(todo[0]);
      const results = [first, ...(await Promise.all(todo.slice(1).map(send)))];
      const conflicts: Pending[] = [];
      results.forEach((r, i) => {
        if (r !== true) {
          todo[i].rescore(r);
          conflicts.push(todo[i]);
        }
      });
      todo = conflicts;
    }
    if (todo.length) throw new ConflictError(todo[0].key);
  }

  /** The entry with its run state; EntryNotFound when there is no definition. */
  async get(name: string): Promise<Entry> {
    const key = this.keys.entry(name);
    const [raw] = await this.store.load([key]);
    if (!raw.definition) throw new EntryNotFound(name, key);
    if (raw.notUtf8) throw notUtf8(key, raw.notUtf8);
    return decodeEntry(key, name, raw.definition, raw.meta, raw.score, this.nowMs(), raw.extensions);
  }

  /**
   * Every entry in schedule order, walking the schedule sorted set in pages (never KEYS). A corrupt
   * or missing hash is passed to `onError` and skipped, never thrown mid-iteration.
   */
  async *list(options: ListOptions = {}): AsyncGenerator<Entry> {
    const o = optionsObject(options, "options", ["onError", "labels"]);
    const report =
      optionalFunction(o.onError, "onError") ??
      ((p: CorruptEntry) => process.emitWarning(`skipping ${p.message}`, "RedBeatWarning"));
    if (o.labels !== undefined) {
      yield* this.labelled(checkLabels(o.labels), report);
      return;
    }
    const seen = new Set<string>();
    for (let start = 0; ; start += this.batchSize) {
      const members = await this.store.schedulePage(start, start + this.batchSize - 1);
      if (!members.length) return;
      // A member outside the prefix is not an entry of ours (on a cluster it would sit in another slot).
      const own = members.filter((m) => this.keys.nameOf(m.key) !== null).map((m) => m.key);
      const loaded = new Map((await this.store.load(own)).map((raw) => [raw.key, raw]));
      const nowMs = this.nowMs();
      for (let i = 0; i < members.length; i++) {
        const { key, score } = members[i];
        if (seen.has(key)) continue; // a member re-scored during the walk can show up twice
        seen.add(key);
        const raw = loaded.get(key);
        if (!raw?.definition) {
          report(new CorruptEntry(key, "the schedule lists it but its hash (or definition) is missing"));
          continue;
        }
        const entry = this.listed(raw, raw.score ?? score, nowMs, report);
        if (entry) yield entry;
      }
    }
  }

  /** A loaded entry as `list` yields it, or null when it is corrupt (passed to `report`). */
  private listed(
    raw: RawEntry,
    score: number | null,
    nowMs: number,
    report: (p: CorruptEntry) => void,
  ): Entry | null {
    const key = raw.key;
    if (raw.notUtf8) {
      report(notUtf8(key, raw.notUtf8));
      return null;
    }
    try {
      const name = this.keys.nameOf(key) ?? key;
      return decodeEntry(key, name, raw.definition!, raw.meta, score, nowMs, raw.extensions);
    } catch (e) {
      if (e instanceof CorruptEntry) report(e);
      else if (e instanceof RedBeatError) report(new CorruptEntry(key, e.message));
      else throw e;
      return null;
    }
  }

  /**
   * `list({ labels })`: the entries the label index lists under every label, in schedule order. An index
   * member whose entry is gone, out of the schedule or no longer so labelled is left out.
   */
  private async *labelled(
    wanted: Record<string, string>,
    report: (p: CorruptEntry) => void,
  ): AsyncGenerator<Entry> {
    const keys = (await this.store.labelled(wanted)).sort();
    const rows: RawEntry[] = [];
    for (let start = 0; start < keys.length; start += this.batchSize)
      rows.push(...(await this.store.load(keys.slice(start, start + this.batchSize))));
    const listed = rows
      .filter((r) => r.score !== null && r.definition)
      .sort((a, b) => a.score! - b.score! || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const nowMs = this.nowMs();
    for (const raw of listed) {
      const entry = this.listed(raw, raw.score, nowMs, report);
      const labels = entry?.extensions.labels ?? {};
      if (entry && Object.entries(wanted).every(([k, v]) => labels[k] === v)) yield entry;
    }
  }

  /**
   * The entry's recent runs, newest first, as redbeat-scheduler records them (extension profile); [] when
   * none are kept. A record that breaks the profile is a CorruptEntry naming the history key.
   */
  async history(name: string, options: HistoryOptions = {}): Promise<HistoryRecord[]> {
    const o = optionsObject(options, "options", ["limit"]);
    const limit = o.limit === undefined ? -1 : positiveInteger(o.limit, "limit");
    this.keys.entry(name); // the name's own checks
    const key = this.keys.history(name);
    return (await this.store.history(name, limit)).map((raw) => decodeRecord(key, raw));
  }

  /** Removes the entry's hash and its schedule member together; false when neither existed. */
  async delete(name: string): Promise<boolean> {
    const key = this.keys.entry(name);
    return this.store.delete(key);
  }

  /** Sets `enabled` to false; nothing else changes (not even another byte of the definition). */
  async disable(name: string): Promise<void> {
    await this.editDefinition(name, false);
  }

  /** Sets `enabled` to true and scores the entry from its stored last run. */
  async enable(name: string): Promise<void> {
    await this.editDefinition(name, true);
  }

  private async editDefinition(name: string, enabled: boolean): Promise<void> {
    await this.change(name, (raw) => {
      const key = raw.key;
      const definition = setTopLevelMember(raw.definition!, "enabled", enabled ? "true" : "false", key);
      if (!enabled) return { definition };
      const nowMs = this.nowMs();
      const entry = decodeEntry(key, name, raw.definition!, raw.meta, raw.score, nowMs, raw.extensions);
      const zone = entry.extensions.timezone ?? this.timezone;
      const last = decodeMeta(key, raw.meta).lastRun;
      return {
        definition,
        score: scoreFor(
          storedSchedule(entry.schedule, zone),
          last,
          nowMs,
          this.timezone,
          rulesOf(name, entry.extensions),
        ),
      };
    });
  }

  /** Makes the entry due at the next tick: meta last_run_at null (run count kept), score now. */
  async runNow(name: string): Promise<void> {
    await this.change(name, (raw) => {
      let total: number | undefined;
      try {
        total = decodeMeta(raw.key, raw.meta).totalRunCount;
      } catch (e) {
        if (!(e instanceof CorruptEntry)) throw e;
      }
      return { meta: encodeMeta(null, total), score: scoreNow(this.nowMs()) };
    });
  }

  /**
   * Reads the entry, computes the change from it and writes it if the entry still holds what was
   * read; else computes it again from what it holds now. EntryNotFound when there is no definition.
   */
  private async change(name: string, compute: (raw: RawEntry) => Change): Promise<void> {
    const key = this.keys.entry(name);
    let [raw] = await this.store.load([key]);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!raw.definition) throw new EntryNotFound(name, key);
      if (raw.notUtf8) throw notUtf8(key, raw.notUtf8); // its bytes cannot be compared, nor kept
      const result = await this.store.update(raw, compute(raw));
      if (result === true) return;
      raw = result;
    }
    throw new ConflictError(key);
  }

  /**
   * The next `count` runs of an entry or schedule, in this client's beat timezone: after `after`,
   * else an entry's last run, else now (this client's clock).
   */
  nextRuns(
    entryOrSchedule: EntryInput | Entry | Schedule,
    count: number,
    options: NextRunsOptions = {},
  ): Date[] {
    const o = optionsObject(options, "options", ["after", "tz", "now"]);
    runCount(count);
    return previewRuns(entryOrSchedule, count, {
      ...o,
      now: optionalDate(o.now, "now") ?? this.now(),
      tz: o.tz ?? this.timezone,
    });
  }
}

/** A stored field that is not UTF-8: node-redis would have replaced its bad bytes with U+FFFD. */
function notUtf8(key: string, field: "definition" | "meta" | "extensions"): CorruptEntry {
  return new CorruptEntry(key, `${field}: not valid UTF-8`);
}
