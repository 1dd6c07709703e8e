/**
 * Checks of public call arguments that TypeScript's types cannot enforce for a caller in plain
 * JavaScript (or one using `as any`): each failure is a ValidationError naming the argument, never a
 * TypeError from deep inside the client.
 */
import { pyRepr, ValidationError } from "./errors.js";

/**
 * An options bag: undefined gives {}, anything but an object is refused, and so is a key the call
 * does not know (a misspelt option, or Python's `day_of_week` for `dayOfWeek`, would else be ignored
 * silently). An unknown key's path is the key itself.
 */
export function optionsObject<T extends object>(
  value: T | undefined,
  path: string,
  known: readonly string[],
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) {
    throw new ValidationError(path, `must be an object of options, not ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ValidationError(key, `unknown option (known: ${known.join(", ")})`);
  }
  return value;
}

/** An optional callback. */
export function optionalFunction<T>(value: T | undefined, path: string): T | undefined {
  if (value !== undefined && typeof value !== "function")
    throw new ValidationError(path, `must be a function, not ${describe(value)}`);
  return value;
}

/** A positive integer, such as a batch size (0 would never advance). */
export function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new ValidationError(path, `must be a positive integer, not ${describe(value)}`);
  return value;
}

/** How many runs a preview returns: 0 or more (0 gives an empty list). */
export function runCount(value: unknown, path = "n"): number {
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new ValidationError(path, `must be an integer, not ${describe(value)}`);
  if (value < 0) throw new ValidationError(path, "must be >= 0");
  return value;
}

/** An optional Date that must hold a real instant. */
export function optionalDate(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new ValidationError(path, `must be a valid Date, not ${describe(value)}`);
  return value;
}

/** The name of the class that made an object (undefined for a null-prototype one), for reason texts. */
export function className(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto?.constructor?.name;
}

/** A short description of a bad value for a reason text. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "an invalid Date";
  switch (typeof value) {
    case "string":
      return pyRepr(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return `a ${className(value) ?? "object"}`;
  }
}
