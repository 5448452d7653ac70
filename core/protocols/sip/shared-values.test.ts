import { describe, expect, it } from "vitest";
import { SharedValues } from "./shared-values";

const bytes = (t: string) => new TextEncoder().encode(t);

describe("SharedValues", () => {
  it("gives the same parse for the same bytes, parsing each text once", () => {
    let parses = 0;
    const table = new SharedValues((t) => ({ text: t, n: ++parses }), 16);
    const a = bytes("<sip:a@x>;tag=1");
    const first = table.get(a, 0, a.length);
    expect(table.get(a, 0, a.length)).toBe(first);
    expect(table.get(bytes("xx<sip:a@x>;tag=1"), 2, a.length + 2)).toBe(first);
    expect(parses).toBe(1);
  });

  it("hands the parser the bytes of a shared text, and only the text of one it cannot share", () => {
    const seen: [string, string | undefined][] = [];
    const table = new SharedValues((t, b, s, e) => seen.push([t, b && new TextDecoder().decode(b.subarray(s, e))]), 4);
    const a = bytes("..abc..");
    table.get(a, 2, 5);
    table.get(bytes("é"), 0, 2);
    table.parseText("folded");
    expect(seen).toEqual([
      ["abc", "abc"],
      ["é", undefined],
      ["folded", undefined],
    ]);
  });

  it("replaces a slot's parse when another text lands in it, and forgets all on clear", () => {
    let parses = 0;
    const table = new SharedValues((t) => ({ text: t, n: ++parses }), 1); // one slot: every new text replaces it
    const a = bytes("one text");
    const b = bytes("another text");
    const va = table.get(a, 0, a.length);
    table.get(b, 0, b.length);
    expect(table.get(a, 0, a.length)).not.toBe(va);
    const again = table.get(a, 0, a.length);
    table.clear();
    expect(table.get(a, 0, a.length)).not.toBe(again);
    expect(parses).toBe(4);
  });
});
