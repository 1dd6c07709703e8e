/**
 * Runtime validation against the wire schemas (JSON Schema 2020-12, compiled once by ajv). Errors
 * come back as one ValidationError naming the most specific field that failed.
 */
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { DataValidationCxt, SchemaValidateFunction } from "ajv/dist/types/index.js";
import { ValidationError } from "./errors.js";
import { extensionsSchema, readSchema, writeSchema } from "./generated/schemas.js";
import { numberText } from "./storedjson.js";

// ajv ships CommonJS: Node's default import is module.exports, whose `default` is the class.
const Ajv2020 = Ajv2020Module.default;

const ajv = new Ajv2020({ discriminator: true, allErrors: true, strict: false });

/**
 * A stored field the schema types as integer holds an integer written as one - JSON digits, no fraction,
 * no exponent - within the signed 64-bit range (schema/README.md, "Limits no schema can state"). JSON
 * Schema calls 1.0 and 1e308 integers and JavaScript cannot tell them from 1, so the read profile's
 * integer fields also check the number's source text, kept by the stored-JSON parser.
 */
const INTEGER_LITERAL = "integerLiteral";
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];
const integerLiteral: SchemaValidateFunction = (
  _on: boolean,
  data: unknown,
  _s: unknown,
  cxt?: DataValidationCxt,
) => {
  const text =
    typeof data === "number" && cxt ? numberText(cxt.parentData, cxt.parentDataProperty) : undefined;
  if (text === undefined) return true; // short digits, or not from stored JSON
  if (/^-?\d+$/.test(text) && BigInt(text) >= INT64[0] && BigInt(text) <= INT64[1]) return true;
  integerLiteral.errors = [
    {
      keyword: INTEGER_LITERAL,
      message: `must be an integer written as digits (no fraction, no exponent) within the signed 64-bit range, not ${text}`,
      params: {},
    },
  ];
  return false;
};
ajv.addKeyword({ keyword: INTEGER_LITERAL, schemaType: "boolean", validate: integerLiteral, errors: true });

/** `schema` with the integer-literal check beside every `"type": "integer"` (a copy). */
function withIntegerLiterals(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withIntegerLiterals);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = withIntegerLiterals(v);
  const type = out.type;
  if (type === "integer" || (Array.isArray(type) && type.includes("integer"))) out[INTEGER_LITERAL] = true;
  return out;
}

ajv.addSchema(writeSchema);
ajv.addSchema(withIntegerLiterals(readSchema) as typeof readSchema);
ajv.addSchema(withIntegerLiterals(extensionsSchema) as typeof extensionsSchema);

export type Profile = "write" | "read" | "extensions";
/** A definition's parts; the extension profile's root (the `extensions` field) and a history record. */
export type Part = "Definition" | "Meta" | "RedBeatExtensions" | "HistoryRecord";

const SCHEMAS: Record<Profile, Record<string, unknown>> = {
  write: writeSchema,
  read: readSchema,
  extensions: extensionsSchema,
};

const validators = new Map<string, ValidateFunction>();

function validator(profile: Profile, part: Part): ValidateFunction {
  const base = SCHEMAS[profile].$id as string;
  const id = part === "RedBeatExtensions" ? base : `${base}#/$defs/${part}`;
  let v = validators.get(id);
  if (!v) {
    v = ajv.getSchema(id);
    if (!v) throw new Error(`schema ${id} not found`);
    validators.set(id, v);
  }
  return v;
}

/** "/schedule/minute" -> "schedule.minute", "/args/2" -> "args[2]". */
export function pointerToPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

function join(path: string, child: string): string {
  return path ? `${path}.${child}` : child;
}

function describe(e: ErrorObject): { path: string; reason: string } {
  const path = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case "additionalProperties":
      return {
        path: join(path, String(e.params.additionalProperty)),
        reason: "unknown field (upstream beat crashes on fields it does not know)",
      };
    case "required":
      return { path: join(path, String(e.params.missingProperty)), reason: "is required" };
    case "dependentRequired":
      return {
        path: join(path, String(e.params.missingProperty)),
        reason: `is required when ${e.params.property} is set`,
      };
    case "discriminator":
      return {
        path,
        reason: `unknown schedule type ${JSON.stringify(e.params.tag ?? "")}: must be interval, crontab or rrule (upstream has no other encoding)`,
      };
    case "const":
      return { path, reason: `must be ${JSON.stringify(e.params.allowedValue)}` };
    default:
      return { path, reason: e.message ?? e.keyword };
  }
}

/** The error to report: the deepest field; a range or format problem beats "wrong type". */
function pick(errors: ErrorObject[]): ValidationError {
  const depth = (e: ErrorObject) => describe(e).path.split(/[.[]/).length;
  const deepest = Math.max(...errors.map(depth));
  const candidates = errors.filter(
    (e) => depth(e) === deepest && e.keyword !== "anyOf" && e.keyword !== "oneOf",
  );
  const pool = candidates.length ? candidates : errors;
  // the literal's own reason says more than its range as a double (9223372036854776000)
  const literal = pool.find((e) => e.keyword === INTEGER_LITERAL);
  if (literal) return new ValidationError(describe(literal).path, describe(literal).reason);
  const specific = pool.filter((e) => e.keyword !== "type");
  if (specific.length) {
    const { path, reason } = describe(specific[0]);
    return new ValidationError(path, reason);
  }
  const types = [
    ...new Set(pool.flatMap((e) => (e.keyword === "type" ? String(e.params.type).split(",") : []))),
  ];
  const { path } = describe(pool[0]);
  return new ValidationError(path, `must be ${types.join(" or ") || "valid"}`);
}

/** Throws a ValidationError (path relative to the part) unless `value` is valid. */
export function validate(profile: Profile, part: Part, value: unknown): void {
  const v = validator(profile, part);
  if (!v(value)) throw pick(v.errors ?? []);
}
