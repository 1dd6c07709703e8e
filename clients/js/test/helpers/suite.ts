/** The setup of a suite that works through RedBeatClient on a real Redis. */
import { beforeEach } from "node:test";
import { RedBeatClient, type ClientOptions } from "../../src/index.js";
import { redisForSuite, type Connection } from "./topology.js";

/**
 * The suite's Redis (redisForSuite), flushed before each test, and `client`: a new RedBeatClient on
 * it with `options` for each test.
 */
export function clientForSuite(options: ClientOptions): {
  readonly url: string;
  readonly redis: Connection;
  readonly client: RedBeatClient;
} {
  const db = redisForSuite();
  let client: RedBeatClient | undefined;
  beforeEach(async () => {
    await db.redis.flushAll();
    client = new RedBeatClient(db.redis, options);
  });
  return {
    get url() {
      return db.url;
    },
    get redis() {
      return db.redis;
    },
    get client() {
      if (client === undefined) throw new Error("clientForSuite: the client exists only inside a test");
      return client;
    },
  };
}
