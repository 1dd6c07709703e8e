/**
 * An entry's run history (extension profile): the list `P:history:<name>`, newest first, one JSON record
 * per run (schema/extensions.schema.json, HistoryRecord), written by redbeat-scheduler in the step that
 * records the run. The Python SDK reads it in redbeat_sdk/history.py.
 */
import { CorruptEntry, ValidationError } from "./errors.js";
import { decodeInstant } from "./extensions.js";
import { parseStoredJson } from "./storedjson.js";
import { validate } from "./validate.js";
import type { ZonedDate } from "./zoned-date.js";

/** One run of an entry. */
export interface HistoryRecord {
  /** When it was due (jitter included); null for an entry that had never run. */
  due: ZonedDate | null;
  /** The beat's clock when it recorded the run. */
  recorded: ZonedDate;
  /** The Celery task id of the message sent. */
  taskId: string;
  /** recorded - due in whole milliseconds; null with `due`. */
  latenessMs: number | null;
  /** The beat that ran it: its lock token. */
  beat: string;
}

/** A stored record (null: not UTF-8); CorruptEntry naming the history key when it breaks the profile. */
export function decodeRecord(key: string, raw: string | null): HistoryRecord {
  if (raw === null) throw new CorruptEntry(key, "history record: not valid UTF-8");
  let data: Record<string, unknown>;
  try {
    data = parseStoredJson(raw) as Record<string, unknown>;
  } catch (e) {
    throw new CorruptEntry(key, `history record: invalid JSON (${(e as Error).message})`);
  }
  try {
    validate("extensions", "HistoryRecord", data);
    return {
      due: data.due === null ? null : decodeInstant(data.due as string),
      recorded: decodeInstant(data.recorded as string),
      taskId: data.task_id as string,
      latenessMs: data.lateness_ms as number | null,
      beat: data.beat as string,
    };
  } catch (e) {
    if (e instanceof ValidationError) throw new CorruptEntry(key, `history record: ${e.message}`);
    throw e;
  }
}
