import { RedBeatClient, crontab, interval, ValidationError } from "../src/index.js";

const client = await RedBeatClient.fromUrl(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  timezone: "Europe/Berlin", // the Celery `timezone` of your beat: crontabs are evaluated there
});

// Create or update entries; upstream celery-redbeat's beat picks them up and runs them.
await client.save({ name: "cleanup", task: "tasks.cleanup", schedule: crontab({ minute: 0, hour: 4 }) });
await client.save({ name: "heartbeat", task: "tasks.ping", schedule: interval(30), kwargs: { source: "node" } });

const entry = await client.get("cleanup");
console.log(entry.task, entry.lastRunAt, entry.score); // score: epoch seconds of the next run
console.log(client.nextRuns(entry, 3)); // the next three runs as Dates

for await (const e of client.list()) console.log(e.name, e.enabled);

await client.disable("heartbeat"); // only `enabled` changes
await client.runNow("cleanup"); // due at beat's next tick
await client.delete("heartbeat");

try {
  await client.save({ name: "bad", task: "tasks.x", schedule: crontab({ minute: "5/15" }) });
} catch (e) {
  if (e instanceof ValidationError) console.log(e.path, e.reason); // "minute", "Celery rejects ..."
}
await client.close();
