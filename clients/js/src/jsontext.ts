/**
 * Edits one top-level member of a JSON object *in its text*, so every other byte of what upstream
 * (or anyone) stored stays as it was: re-encoding would turn `1.0` in args into `1`, reorder
 * integer-like keys and change escapes.
 */
import { CorruptEntry } from "./errors.js";

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
  return i;
}

function skipString(s: string, i: number): number {
  // s[i] is the opening quote
  for (i++; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i + 1;
  }
  throw new Error("unterminated string");
}

function skipValue(s: string, i: number): number {
  if (s[i] === '"') return skipString(s, i);
  if (s[i] === "{" || s[i] === "[") {
    let depth = 0;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '"') {
        i = skipString(s, i) - 1;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new Error("unterminated container");
  }
  while (i < s.length && !",}] \t\n\r".includes(s[i])) i++;
  return i;
}

/**
 * `text` (a JSON object) with the top-level member `key` set to the JSON `valueText`: replaced in
 * place when present (the last one, which is the one parsers keep), appended at the end otherwise.
 */
export function setTopLevelMember(
  text: string,
  key: string,
  valueText: string,
  where = "definition",
): string {
  try {
    JSON.parse(text);
  } catch (e) {
    throw new CorruptEntry(where, `not valid JSON (${(e as Error).message})`);
  }
  let i = skipWs(text, 0);
  if (text[i] !== "{") throw new CorruptEntry(where, "not a JSON object");
  i = skipWs(text, i + 1);
  let span: [number, number] | null = null;
  let count = 0;
  while (text[i] !== "}") {
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // past ':'
    const valueEnd = skipValue(text, i);
    if (name === key) span = [i, valueEnd];
    count++;
    i = skipWs(text, valueEnd);
    if (text[i] === ",") i = skipWs(text, i + 1);
  }
  if (span) return text.slice(0, span[0]) + valueText + text.slice(span[1]);
  const member = `${JSON.stringify(key)}: ${valueText}`;
  return text.slice(0, i) + (count ? ", " : "") + member + text.slice(i);
}
