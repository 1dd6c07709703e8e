/**
 * Stored JSON parsed with the source text of the numbers JSON.parse cannot tell apart. JavaScript has
 * one number type: `1.0`, `1e308` and `18446744073709551616` all parse to integral numbers, while the
 * contract reads only an integer written as one (JSON digits, no fraction, no exponent) within the
 * signed 64-bit range in a field the schema types as integer (schema/README.md, "Limits no schema can
 * state"). lossless-json parses texts holding such a literal; each literal that is not plain short
 * digits is remembered beside the object or array holding it (`numberText`), and the read profile's
 * integer fields check it (validate.ts).
 */
import { isLosslessNumber, parse } from "lossless-json";

const sources = new WeakMap<object, Map<string, string>>();

/** A fraction, an exponent or 16 digits in a row: without one, every number literal is short digits. */
const UNPLAIN = /\d[.eE]|\d{16}/;
const SHORT_DIGITS = /^-?\d{1,15}$/;

/** The source text of the number at `holder[key]` when it was parsed here and was not short digits. */
export function numberText(holder: unknown, key: string | number): string | undefined {
  return typeof holder === "object" && holder !== null ? sources.get(holder)?.get(String(key)) : undefined;
}

function revive(this: unknown, key: string, value: unknown): unknown {
  if (!isLosslessNumber(value)) return value;
  const number = Number(value.value);
  // every reader refuses a number no double holds (Python's json and Go's decoder refuse or overflow)
  if (!Number.isFinite(number)) throw new SyntaxError(`${value.value} is too large for a double`);
  if (!SHORT_DIGITS.test(value.value) && typeof this === "object" && this !== null) {
    let texts = sources.get(this);
    if (!texts) sources.set(this, (texts = new Map<string, string>()));
    texts.set(key, value.value);
  }
  return number;
}

/** JSON.parse's result (the last of duplicate keys wins), the texts of unusual numbers kept aside. */
export function parseStoredJson(text: string): unknown {
  if (!UNPLAIN.test(text)) return JSON.parse(text);
  return parse(text, revive, { onDuplicateKey: ({ newValue }) => newValue });
}
