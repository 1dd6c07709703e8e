/**
 * Runtime validation against the wire schemas (JSON Schema 2020-12, compiled once by ajv). Errors
 * come back as one ValidationError naming the most specific field that failed.
 */
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { ValidationError } from "./errors.js";
import { readSchema, writeSchema } from "./generated/schemas.js";

// ajv ships CommonJS: Node's default import is module.exports, whose `default` is the class.
const Ajv2020 = Ajv2020Module.default;

const ajv = new Ajv2020({ discriminator: true, allErrors: true, strict: false });
ajv.addSchema(writeSchema);
ajv.addSchema(readSchema);

export type Profile = "write" | "read";
export type Part = "Definition" | "Meta";

const validators = new Map<string, ValidateFunction>();

function validator(profile: Profile, part: Part): ValidateFunction {
  const id = `${(profile === "write" ? writeSchema : readSchema).$id as string}#/$defs/${part}`;
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
