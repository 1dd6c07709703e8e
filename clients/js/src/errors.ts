/** Typed errors. Everything the SDK throws on purpose is a RedBeatError. */

export class RedBeatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A value that cannot be written, or a stored value that cannot be read.
 * `path` names the field (`schedule.minute`, `meta.last_run_at.timezone`, `args[2]`),
 * `reason` says what is wrong with it.
 */
export class ValidationError extends RedBeatError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }

  /** The same error with `prefix` put in front of its path. */
  at(prefix: string): ValidationError {
    return new ValidationError(joinPath(prefix, this.path), this.reason);
  }
}

/** `prefix` + `path` as one field path: "[3]" + "schedule.hour" = "[3].schedule.hour", "args" + "[0]" = "args[0]". */
function joinPath(prefix: string, path: string): string {
  return !path ? prefix : path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/**
 * `fromUrl` was given a URL it cannot connect with: malformed, or a scheme this client does not speak.
 * The message names the problem and the accepted schemes; `url` has its password masked.
 */
export class InvalidUrlError extends ValidationError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super("url", reason);
  }
}

/**
 * A string as Python's repr() writes it (single quotes unless the text holds one and no double
 * quote), so the Python, TypeScript and Go clients give the same reasons for the same bad input.
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(
    /[\\\n\r\t]/g,
    (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!,
  );
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/** No entry hash (with a definition) exists under that name. */
export class EntryNotFound extends RedBeatError {
  constructor(
    readonly entryName: string,
    readonly key: string,
  ) {
    super(`no entry ${JSON.stringify(entryName)} (key ${JSON.stringify(key)})`);
  }
}

/** An entry stored in Redis that the read profile rejects (bad JSON, unknown fields, missing hash...). */
export class CorruptEntry extends RedBeatError {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

/** Redis could not be reached or the connection broke; nothing is assumed written. */
export class RedBeatConnectionError extends RedBeatError {}

/** Cluster mode with a key prefix whose keys would span several slots. */
export class ClusterConfigError extends RedBeatError {}

/**
 * A schedule feature this client cannot evaluate exactly as upstream does (for example an rrule
 * option where the rrule library differs from python-dateutil). Thrown instead of a wrong answer.
 */
export class UnsupportedScheduleError extends RedBeatError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }

  /** The same error with `prefix` put in front of its path. */
  at(prefix: string): UnsupportedScheduleError {
    return new UnsupportedScheduleError(joinPath(prefix, this.path), this.reason);
  }
}

/**
 * The entry changed under every attempt of a write that checks what it read (save, enable, disable,
 * runNow); the last attempt wrote nothing. The Python SDK raises ConflictError too, the Go client a
 * *ConflictError matching ErrConflict.
 */
export class ConflictError extends RedBeatError {
  constructor(readonly key: string) {
    super(`${key}: changed concurrently on every attempt; not written`);
  }
}

/** @deprecated Renamed {@link ConflictError}, the name every redbeat-sdk client uses. */
export const ConcurrentModification = ConflictError;
/** @deprecated Renamed {@link ConflictError}. */
export type ConcurrentModification = ConflictError;
