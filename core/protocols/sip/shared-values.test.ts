import { describe, expect, it } from "vitest";
import { SharedValues } from "./shared-values";

const bytes = (t: string) => new TextEncoder().encode(t);

describe("SharedValues", () => {
  it("gives the same parse for the same bytes, and a kept derivation made once per parse", () => {
    let parses = 0;
    const table = new SharedValues((t) => ({ text: t, n: ++parses }), 16);
    const a = bytes("<sip:a@x>;tag=1");
    const first = table.get(a, 0, a.length);
    const slot = table.lastSlot;
    expect(slot).toBeGreaterThanOrEqual(0);
    let made = 0;
    const k1 = table.keptAt(slot, first, (v) => ({ of: v.text, made: ++made }));
    const again = table.get(a, 0, a.length);
    expect(again).toBe(first);
    expect(table.keptAt(table.lastSlot, again, (v) => ({ of: v.text, made: ++made }))).toBe(k1);
    expect(made).toBe(1);
    expect(parses).toBe(1);
  });

  it("makes the derivation anew once the slot holds another parse, or when the value was not shared", () => {
    const table = new SharedValues((t) => ({ text: t }), 1); // one slot: every new text replaces it
    const a = bytes("one text");
    const b = bytes("another text");
    const va = table.get(a, 0, a.length);
    const slotA = table.lastSlot;
    const ka = table.keptAt(slotA, va, (v) => v.text.toUpperCase());
    table.get(b, 0, b.length);
    let made = 0;
    expect(table.keptAt(slotA, va, (v) => (made++, v.text.toUpperCase()))).toBe(ka);
    expect(made).toBe(1);
    const folded = table.parseText("not shared");
    expect(table.lastSlot).toBe(-1);
    expect(table.keptAt(table.lastSlot, folded, (v) => v.text)).toBe("not shared");
  });

  it("forgets kept derivations with the parses", () => {
    const table = new SharedValues((t) => ({ text: t }), 4);
    const a = bytes("abc");
    const v = table.get(a, 0, a.length);
    const slot = table.lastSlot;
    table.keptAt(slot, v, () => 1);
    table.clear();
    expect(table.keptAt(slot, v, () => 2)).toBe(2);
  });
});
