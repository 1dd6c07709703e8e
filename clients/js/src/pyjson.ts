/**
 * A JSON writer that produces exactly what Python's `json.dumps` (default settings) produces, which is
 * what upstream RedBeat stores: separators ", " and ": ", non-ASCII escaped as \uXXXX, key order kept.
 *
 * JavaScript has one number type, so Python's float/int split is carried by a marker: a `PyFloat`
 * is always written with a fraction or exponent (5 -> `5.0`), a plain number is written as an int
 * when it is integral and as a float otherwise.
 */
import { className } from "./arguments.js";
import { ValidationError } from "./errors.js";

/** A number Python holds as a float: written as `5.0`, never `5`. */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent when exp < -4 or exp >= 16. */
export function pyFloatRepr(x: number, path = ""): string {
  if (!Number.isFinite(x))
    throw new ValidationError(path, `${x} is not valid JSON (NaN and infinities are refused)`);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}

function pyIntRepr(x: number, path: string): string {
  if (!Number.isFinite(x))
    throw new ValidationError(path, `${x} is not valid JSON (NaN and infinities are refused)`);
  if (!Number.isSafeInteger(x)) {
    // Beyond 2^53 a JS number has lost digits Python would keep; BigInt prints the exact value it holds.
    return BigInt(x).toString();
  }
  return Object.is(x, -0) ? "0" : String(x);
}

/** Python json's `ensure_ascii` string encoding. */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += "\\u" + c.toString(16).padStart(4, "0");
  }
  return out + '"';
}

/** Encodes one value; `path` is only used to name the offending field in errors. */
export function pyDumps(value: unknown, path = ""): string {
  if (value === null) return "null";
  if (value instanceof PyFloat) return pyFloatRepr(value.value, path);
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return Number.isInteger(value) ? pyIntRepr(value, path) : pyFloatRepr(value, path);
    case "bigint":
      return value.toString();
    case "string":
      return pyString(value);
    case "object": {
      if (Array.isArray(value)) {
        return "[" + value.map((v, i) => pyDumps(v, `${path}[${i}]`)).join(", ") + "]";
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new ValidationError(path, `cannot encode a ${className(value) ?? "non-plain"} object as JSON`);
      }
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        parts.push(`${pyString(k)}: ${pyDumps(v, path ? `${path}.${k}` : k)}`);
      }
      return "{" + parts.join(", ") + "}";
    }
    default:
      throw new ValidationError(path, `cannot encode a ${typeof value} as JSON`);
  }
}
