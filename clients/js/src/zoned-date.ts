/**
 * A Date that remembers how upstream stored it: the zone its wall clock was written in and the full
 * microseconds. Reading an entry gives these, and saving one writes them back unchanged, so a
 * get-then-save round trip keeps every datetime as upstream wrote it.
 */
import type { Zone } from "./zones.js";

export class ZonedDate extends Date {
  /** IANA name, or a fixed UTC offset in seconds (upstream's numeric timezone). */
  readonly timezone: Zone;
  /** 0-999999: Date keeps milliseconds only. */
  readonly microsecond: number;

  constructor(epochMs: number, timezone: Zone, microsecond?: number) {
    super(Math.floor(epochMs));
    this.timezone = timezone;
    this.microsecond = microsecond ?? (((Math.floor(epochMs) % 1000) + 1000) % 1000) * 1000;
  }

  /** The instant of epoch ms `ms` (microseconds as the fraction, rounded) in `timezone`. */
  static at(ms: number, timezone: Zone): ZonedDate {
    const micros = Math.round(ms * 1000);
    return new ZonedDate(Math.floor(micros / 1000), timezone, ((micros % 1e6) + 1e6) % 1e6);
  }

  /** Epoch milliseconds with the microseconds as a fraction. */
  get preciseTime(): number {
    return Math.floor(this.getTime() / 1000) * 1000 + this.microsecond / 1000;
  }
}
