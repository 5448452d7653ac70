import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createInterner } from "./intern";

describe("createInterner", () => {
  it("flat: keeps every text equal to what it was given, whatever its characters", () => {
    const keep = createInterner(64, 256, { flat: true });
    const tricky = [
      "z9hG4bK-776asdhds-1", // plain: the quick copy
      'say "hello" to everybody', // quotes: JSON.parse of the hand-quoted text throws
      "a\\u0041bcdefghijklmnop", // an escape the quick copy would decode
      "trailing backslash \\",
      "tab\there and a newline\nthere",
      "\u0000\u0001 control chars and more",
      "unicode ünïcödé and \ud83d\ude00 and a lone \ud800 surrogate",
      "short", // under 13 chars: kept as is
    ];
    for (const t of tricky) {
      const sliced = ("xx" + t + "yy").slice(2, 2 + t.length);
      expect(keep(sliced)).toBe(t);
      expect(keep(sliced)).toBe(t); // second time: from the table
    }
  });

  it("flat: equal for arbitrary strings", () => {
    const keep = createInterner(16, 1000, { flat: true });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), (t) => keep(t) === t));
  });

});
