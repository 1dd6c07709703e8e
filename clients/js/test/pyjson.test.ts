import { test } from "node:test";
import assert from "node:assert/strict";
import { PyFloat, pyDumps } from "../src/pyjson.js";
import { pyFloatRepr } from "../src/pyjson.js";
import { ValidationError } from "../src/errors.js";

test("floats are written as Python's repr", () => {
  const cases: Array<[number, string]> = [
    [5, "5.0"],
    [2.5, "2.5"],
    [600, "600.0"],
    [-300, "-300.0"],
    [0, "0.0"],
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [123456789012345.6, "123456789012345.6"],
    [1e22, "1e+22"],
    [-1.25e-10, "-1.25e-10"],
  ];
  for (const [x, want] of cases) assert.equal(pyFloatRepr(x), want, String(x));
});

test("json.dumps separators, ensure_ascii escapes and key order", () => {
  const value = {
    b: [1, 2.5, new PyFloat(3)],
    a: { é: 'ünï\u2028\u0001"\\/\n', emoji: "😀" },
    n: null,
    t: true,
  };
  assert.equal(
    pyDumps(value),
    '{"b": [1, 2.5, 3.0], "a": {"\\u00e9": "\\u00fcn\\u00ef\\u2028\\u0001\\"\\\\/\\n", "emoji": "\\ud83d\\ude00"}, "n": null, "t": true}',
  );
  assert.equal(pyDumps([]), "[]");
  assert.equal(pyDumps({}), "{}");
});

test("values JSON cannot carry are refused with their path", () => {
  assert.throws(
    () => pyDumps({ a: [1, NaN] }),
    (e: unknown) => e instanceof ValidationError && e.path === "a[1]",
  );
  assert.throws(() => pyDumps({ a: Infinity }), ValidationError);
  assert.throws(
    () => pyDumps({ m: new Map() }),
    (e: unknown) => e instanceof ValidationError && e.path === "m",
  );
});
