/**
 * The URLs `RedBeatClient.fromUrl` takes, checked before any connection is tried, so a typo gives
 * an InvalidUrlError naming the problem and the accepted forms instead of node-redis's TypeError.
 */
import { InvalidUrlError, pyRepr } from "./errors.js";

/** The schemes fromUrl connects with: node-redis's own (a Cluster or Sentinel client is passed to the constructor). */
export const URL_SCHEMES = ["redis", "rediss", "unix"] as const;
export type UrlScheme = (typeof URL_SCHEMES)[number];

const ACCEPTED = "use redis://[user:password@]host[:port][/db], rediss:// (TLS) or unix:///path/to/socket";

/** The URL without its password, for error messages. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** The URL's scheme; throws InvalidUrlError for a malformed URL or a scheme fromUrl does not take. */
export function urlScheme(url: unknown): UrlScheme {
  if (typeof url !== "string" || url.trim() === "") {
    throw new InvalidUrlError(
      String(url),
      `must be a Redis URL string, not ${typeof url === "string" ? pyRepr(url) : String(url)}: ${ACCEPTED}`,
    );
  }
  const shown = redacted(url);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!m) throw new InvalidUrlError(shown, `malformed URL ${pyRepr(shown)} (no scheme://): ${ACCEPTED}`);
  const scheme = m[1].toLowerCase();
  if (!(URL_SCHEMES as readonly string[]).includes(scheme)) {
    throw new InvalidUrlError(shown, `unsupported scheme ${pyRepr(scheme)} in ${pyRepr(shown)}: ${ACCEPTED}`);
  }
  if (scheme !== "unix") {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidUrlError(shown, `malformed URL ${pyRepr(shown)}: ${ACCEPTED}`);
    }
    const db = parsed.pathname.slice(1);
    if (db !== "" && !/^\d+$/.test(db))
      throw new InvalidUrlError(
        shown,
        `malformed URL ${pyRepr(shown)} (the path must be a database number, not ${pyRepr(db)}): ${ACCEPTED}`,
      );
  }
  return scheme as UrlScheme;
}

/** node-redis's own refusal of a URL (the checks above let it through), as the SDK's error. */
export function refusedUrl(url: string, e: Error): InvalidUrlError {
  const shown = redacted(url);
  return new InvalidUrlError(shown, `malformed URL ${pyRepr(shown)} (${e.message}): ${ACCEPTED}`);
}
