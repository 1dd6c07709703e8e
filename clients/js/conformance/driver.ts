/**
 * Conformance driver for the TypeScript client (conformance/PROTOCOL.md, version 1): one JSON request
 * per stdin line, one JSON answer per stdout line. It only maps requests onto the public API; wire
 * datetimes in task data become the ZonedDates a caller would pass.
 */
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { createClient, createCluster } from "redis";
import {
  CorruptEntry,
  EntryNotFound,
  RedBeatClient,
  RedBeatConnectionError,
  UnsupportedScheduleError,
  ValidationError,
  ZonedDate,
  nextRuns,
  type Entry,
  type EntryInput,
  type Schedule,
} from "../src/index.js";
import {
  argsToWire,
  checkSchedule,
  decodeDatetime,
  encodeDatetime,
  scheduleToWire,
  storedSchedule,
  zonedDate,
} from "../src/codec.js";
import { extensionsFromWire, extensionsWire, matchOneOff, oneOffMarker } from "../src/extensions.js";
import { pyDumps } from "../src/pyjson.js";
import { nextRunsFrom } from "../src/schedules.js";
import { checkZone, isoInZone } from "../src/zones.js";

type Json = Record<string, any>;
const out = process.stdout;
// Anything a library prints must not corrupt the protocol stream.
console.log = console.error;
console.info = console.error;

class Unsupported extends Error {}

/** The reason of a `list` error for an entry the client read that this driver cannot put in wire form. */
const UNEXPRESSIBLE = "read, but not expressible in wire form: ";

interface Failure {
  type: "validation" | "not_found" | "corrupt" | "connection" | "internal";
  path: string | null;
  reason: string;
}

function classify(e: unknown): Failure {
  if (e instanceof ValidationError) return { type: "validation", path: e.path || null, reason: e.reason };
  if (e instanceof UnsupportedScheduleError) return { type: "validation", path: e.path, reason: e.reason };
  if (e instanceof EntryNotFound) return { type: "not_found", path: null, reason: e.message };
  if (e instanceof CorruptEntry) return { type: "corrupt", path: null, reason: e.reason };
  if (e instanceof RedBeatConnectionError) return { type: "connection", path: null, reason: e.message };
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return {
    type: "internal",
    path: null,
    reason: `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}`,
  };
}

/** RFC 3339 -> epoch ms, keeping microseconds as the fraction. */
function parseInstant(text: string): number {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new Error(`not an RFC 3339 instant: ${text}`);
  const frac = (m[2] ?? "").padEnd(9, "0");
  return Date.parse(m[1] + m[3]) + Number(frac.slice(0, 6)) / 1000;
}

/** The microseconds of an epoch ms with a fraction. */
const micro = (ms: number) => Math.round((((ms % 1000) + 1000) % 1000) * 1000);
let now = 0;
const clock = () => new ZonedDate(now, "UTC", micro(now));

/** Wire task data as a caller passes it: datetimes become ZonedDates. */
function typed(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => typed(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object") {
    const o = v as Json;
    if (o.__type__ === "datetime") {
      try {
        return zonedDate(o);
      } catch (e) {
        if (e instanceof ValidationError) throw e.at(path);
        throw e;
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typed(x, path ? `${path}.${k}` : k)]));
  }
  return v;
}

/**
 * Wire task data as a caller passes it; with `extensions` (the field's stored form), the entry carries
 * them as the client reads the field: instants as ZonedDates in their stored offset, and a one-off
 * marker beside its rrule makes the schedule a oneOff().
 */
function toEntry(wire: Json, extensions?: Json | null): EntryInput {
  const entry: Json = { ...wire };
  for (const k of ["args", "kwargs", "options"]) if (k in entry) entry[k] = typed(entry[k], k);
  if (extensions !== undefined && extensions !== null) {
    const read = extensionsFromWire(extensions);
    entry.extensions = read.extensions;
    if (entry.schedule && typeof entry.schedule === "object")
      entry.schedule = matchOneOff(entry.schedule as Schedule, read.oneOff);
  }
  return entry as EntryInput;
}

const wire = (v: unknown) => JSON.parse(pyDumps(v));

/** The extensions field an entry read back stands for (null: none), in the zone it was written in. */
function extensionsOf(e: Entry, beatZone: string): Json | null {
  const zone = e.extensions.timezone ?? beatZone;
  const marker = e.schedule.__type__ === "one_off" ? oneOffMarker(e.schedule, zone) : null;
  if (!Object.keys(e.extensions).length && marker === null) return null;
  return extensionsWire(e.extensions, zone, marker);
}

function readEntry(e: Entry, beatZone: string): Json {
  const zone = e.extensions.timezone ?? beatZone;
  return {
    name: e.name,
    task: e.task,
    args: e.args === null ? null : wire(argsToWire(e.args, "args")),
    kwargs: wire(argsToWire(e.kwargs, "kwargs")),
    options: wire(argsToWire(e.options, "options")),
    schedule: wire(scheduleToWire(storedSchedule(e.schedule, zone))),
    enabled: e.enabled,
    last_run_at:
      e.lastRunAt === null ? null : wire(encodeDatetime(e.lastRunAt.preciseTime, e.lastRunAt.timezone)),
    total_run_count: e.totalRunCount,
    score: e.score,
    extensions: extensionsOf(e, beatZone),
  };
}

/** A node-redis client on a redis:// URL, or a cluster client on redis-cluster://host:port (one node of a
 * Redis Cluster: the suite's cluster run, PROTOCOL.md). */
function connectTo(url: string): ReturnType<typeof createClient> | ReturnType<typeof createCluster> {
  if (url.startsWith("redis-cluster://")) {
    const nodes = url.slice("redis-cluster://".length).split("/")[0].split(",");
    return createCluster({
      rootNodes: nodes.map((node) => ({ url: `redis://${node}`, disableOfflineQueue: true })),
    });
  }
  return createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
}

/** One method per protocol op, named as the op: main() answers exactly these; helpers live outside the class. */
class Driver {
  private redis: ReturnType<typeof createClient> | ReturnType<typeof createCluster> | null = null;
  private url = "";
  private client: RedBeatClient | null = null;
  private prefix = "redbeat:";
  private timezone = "UTC";

  private get c(): RedBeatClient {
    if (!this.client) throw new Error("not started");
    return this.client;
  }

  async start(r: Json): Promise<Json> {
    await this.configure(r);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const dep = (name: string) =>
      JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8"))
        .version;
    return {
      implementation: {
        name: "js",
        language: "typescript",
        version: pkg.version,
        dependencies: {
          node: process.versions.node,
          redis: dep("redis"),
          ajv: dep("ajv"),
          rrule: dep("rrule"),
        },
      },
    };
  }

  async configure(r: Json): Promise<Json> {
    const url = r.redis_url ?? this.url;
    if (!this.redis || url !== this.url) {
      await this.redis?.close().catch(() => undefined);
      this.redis = connectTo(url);
      this.redis.on("error", () => undefined);
      await this.redis.connect();
      this.url = url;
    }
    this.client = new RedBeatClient(this.redis, { keyPrefix: r.key_prefix, timezone: r.timezone, clock });
    this.prefix = r.key_prefix ?? "redbeat:";
    this.timezone = r.timezone ?? "UTC";
    return {};
  }

  async save(r: Json): Promise<Json> {
    await this.c.save(toEntry(r.entry, r.extensions));
    return {};
  }

  async get(r: Json): Promise<Json> {
    return { entry: readEntry(await this.c.get(r.name), this.timezone) };
  }

  async list(): Promise<Json> {
    const errors: Json[] = [];
    const entries: Json[] = [];
    for await (const e of this.c.list({
      onError: (p) => errors.push({ key: p.key, error: { type: "corrupt", path: null, reason: p.reason } }),
    })) {
      try {
        entries.push(readEntry(e, this.timezone));
      } catch (err) {
        // read, but this driver cannot put it in wire form: the entry is reported, the listing goes on
        errors.push({
          key: `${this.prefix}${e.name}`,
          error: { type: "internal", path: null, reason: `${UNEXPRESSIBLE}${(err as Error).message}` },
        });
      }
    }
    return { entries, errors };
  }

  async delete(r: Json): Promise<Json> {
    return { deleted: await this.c.delete(r.name) };
  }

  async enable(r: Json): Promise<Json> {
    await this.c.enable(r.name);
    return {};
  }

  async disable(r: Json): Promise<Json> {
    await this.c.disable(r.name);
    return {};
  }

  async run_now(r: Json): Promise<Json> {
    await this.c.runNow(r.name);
    return {};
  }

  next_runs(r: Json): Promise<Json> {
    return Promise.resolve({ cases: r.cases.map((c: Json) => preview(c)) });
  }

  async stop(): Promise<Json> {
    await this.redis?.close().catch(() => undefined);
    return {};
  }
}

/** An extension case: the entry's zone, window and jitter apply (the client's own preview of an entry). */
function previewEntry(c: Json): Json {
  const entry = { ...toEntry({ name: c.name, task: "t", schedule: c.schedule }, c.extensions) };
  const after = c.last_run_at === null ? undefined : zonedDate(c.last_run_at);
  const zoneOf = (d: Date) => (d instanceof ZonedDate ? d.timezone : c.timezone);
  const runs = nextRuns(entry, c.count, {
    tz: c.timezone,
    now: new ZonedDate(parseInstant(c.now), "UTC", micro(parseInstant(c.now))),
    ...(after ? { after } : {}),
  });
  return { id: c.id, next_runs: runs.map((d) => isoInZone((d as ZonedDate).preciseTime, zoneOf(d))) };
}

function preview(c: Json): Json {
  try {
    if ("extensions" in c) return previewEntry(c);
    const schedule = c.schedule as Schedule;
    checkSchedule(schedule);
    const zone = checkZone(c.timezone);
    const nowMs = parseInstant(c.now);
    // Never run: the runs after now (as the Python SDK previews them).
    const last = c.last_run_at === null ? { ms: nowMs, zone } : decodeDatetime(c.last_run_at);
    const runs = nextRunsFrom(schedule, last, c.count, zone);
    return { id: c.id, next_runs: runs.slice(0, c.count).map((ms) => isoInZone(ms, zone)) };
  } catch (e) {
    return { id: c.id, error: classify(e) };
  }
}

async function main(): Promise<void> {
  const driver = new Driver() as unknown as Record<string, (r: Json) => Promise<Json>>;
  // The ops this driver answers are Driver's methods (PROTOCOL.md's table, `tick` aside).
  const ops = new Set(
    Object.entries(Object.getOwnPropertyDescriptors(Driver.prototype))
      .filter(([name, d]) => name !== "constructor" && typeof d.value === "function")
      .map(([name]) => name),
  );
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const request = JSON.parse(line) as Json;
    const answer: Json = { seq: request.seq ?? 0 };
    try {
      if (typeof request.now === "string") now = parseInstant(request.now);
      if (!ops.has(request.op))
        throw new Unsupported(`op ${JSON.stringify(request.op)} is not implemented by this driver`);
      answer.result = (await driver[request.op](request)) ?? {};
    } catch (e) {
      if (e instanceof Unsupported) answer.unsupported = { reason: e.message };
      else answer.error = classify(e);
    }
    out.write(JSON.stringify(answer) + "\n");
    if (request.op === "stop") break;
  }
  process.exit(0);
}

await main();
