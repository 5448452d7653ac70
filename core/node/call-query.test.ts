import { describe, expect, it } from "vitest";
import type { CallDTO } from "../api";
import { callHaystack, isEmptyFilter, matchCall, parseFilter, sortIndexes } from "./call-query";

const call = (i: number, over: Partial<CallDTO> = {}): CallDTO => ({
  id: `c${i}`, callIds: [`id-${i}@host`], kind: "call", method: "INVITE", from: `sip:alice${i}@a`, to: `sip:bob${i}@b`, fromUser: `alice${i}`, toUser: `bob${i}`,
  legs: 1, state: "completed", status: 200, start: 100 + i, end: 101 + i, duration: i, messages: 5, findings: [], srcIp: `10.0.0.${i}`, dstIp: "10.0.1.1", ...over,
});

describe("parseFilter", () => {
  it.each([
    ["", { text: [] }],
    ["method:INVITE status:486", { method: ["invite"], status: ["486"] }],
    ['"two words" user:Al', { text: ["two words"], user: ["al"] }],
    ["foo:bar", { text: ["foo:bar"] }],
    ["rule:bye-one-sided ip:10.0.0.1 callid:abc kind:registration", { rule: ["bye-one-sided"], ip: ["10.0.0.1"], callid: ["abc"], kind: ["registration"] }],
    ["method:", { text: ["method:"] }],
  ])("%j", (input, want) => {
    expect(parseFilter(input)).toMatchObject(want);
  });
  it("knows an empty filter", () => {
    expect(isEmptyFilter(parseFilter("  "))).toBe(true);
    expect(isEmptyFilter(parseFilter("x"))).toBe(false);
  });
});

describe("matchCall", () => {
  const c = call(3, { status: 486, state: "rejected 486" });
  const rules = new Set(["ack-missing-non2xx"]);
  it.each([
    ["status:486", true],
    ["status:4xx", true],
    ["status:5xx", false],
    ["status:rejected", true],
    ["method:invite", true],
    ["method:INV", false],
    ["user:alice3", true],
    ["user:carol", false],
    ["user:carol user:bob3", true],
    ["ip:10.0.0.3", true],
    ["rule:ack-missing", true],
    ["rule:bye", false],
    ["callid:id-3", true],
    ["ALICE3 486", true],
    ["alice3 nope", false],
  ])("%j -> %s", (f, want) => {
    expect(matchCall(c, parseFilter(f), rules)).toBe(want);
    expect(matchCall(c, parseFilter(f), rules, [], callHaystack(c, rules))).toBe(want);
  });
});

describe("sortIndexes", () => {
  const calls = [call(0, { duration: 5, fromUser: "Zed" }), call(1, { duration: 1, fromUser: "amy" }), call(2, { duration: 5, fromUser: "Bob" })];
  it("sorts by key, stable on ties, both directions", () => {
    expect(sortIndexes(calls, [0, 1, 2], { key: "duration", dir: "asc" })).toEqual([1, 0, 2]);
    expect(sortIndexes(calls, [0, 1, 2], { key: "duration", dir: "desc" })).toEqual([0, 2, 1]);
    expect(sortIndexes(calls, [0, 1, 2], { key: "from", dir: "asc" })).toEqual([1, 2, 0]);
    expect(sortIndexes(calls, [2, 0], undefined)).toEqual([2, 0]);
  });
  it("filters and sorts 100 000 calls", () => {
    const many = Array.from({ length: 100_000 }, (_, i) => call(i, { status: i % 5 ? 200 : 486 }));
    const t = performance.now();
    const f = parseFilter("bob12345");
    const hay = many.map((c) => callHaystack(c, new Set()));
    const idx = many.map((_, i) => i).filter((i) => matchCall(many[i], f, new Set(), [], hay[i]));
    sortIndexes(many, idx, { key: "from", dir: "asc" });
    const sorted = sortIndexes(many, many.map((_, i) => i), { key: "duration", dir: "desc" });
    expect(idx).toEqual([12345]);
    expect(sorted[0]).toBe(99_999);
    console.log(`filter + sort of 100 000 calls: ${(performance.now() - t).toFixed(0)} ms`);
  });
});
