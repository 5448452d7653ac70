import { describe, expect, it } from "vitest";
import type { LadderDTO } from "../core/api";
import * as coreRows from "../core/analysis/export/ladder-rows";
import * as corePalette from "../core/analysis/export/palette";
import { API_METHODS as CORE_METHODS } from "../core/api";
import * as rows from "../renderer/src/ladder-rows";
import * as palette from "../renderer/src/palette";
import { API_METHODS } from "../renderer/src/api-methods";

const ladder: LadderDTO = {
  callId: "c1",
  nodes: [{ id: "a", name: "A", addresses: ["1.1.1.1:5060"] }, { id: "b", name: "B", addresses: ["2.2.2.2:5060"] }],
  arrows: [
    { messageId: 0, from: "a", to: "b", label: "INVITE", time: 10, protocol: "sip", txn: 0 },
    { messageId: 1, from: "b", to: "a", label: "486 Busy Here", time: 11, protocol: "sip", txn: 0 },
  ],
  ghosts: [{ label: "ACK", src: "1.1.1.1:5060", dst: "2.2.2.2:5060", expectedBy: 43, reason: "RFC 3261", after: 1, from: "a", to: "b", finding: "f1" }],
  logs: [{ id: 0, file: 1, line: 3, level: "ERROR", text: "boom", time: 9.5, node: "b" }],
};

describe("renderer mirrors of pure core helpers", () => {
  it("order ladder rows exactly as the exporters do", () => {
    expect(rows.ladderRows(ladder)).toEqual(coreRows.ladderRows(ladder));
    expect(rows.ladderRows(ladder).map((r) => r.kind)).toEqual(["log", "arrow", "arrow", "ghost"]);
  });
  it("use the same transaction colours", () => {
    expect(palette.TXN_COLORS).toEqual(corePalette.TXN_COLORS);
    expect(palette.GHOST_COLOR).toBe(corePalette.GHOST_COLOR);
    expect([0, 3, 11, undefined].map(palette.txnColor)).toEqual([0, 3, 11, undefined].map(corePalette.txnColor));
  });
  it("know every Api method", () => {
    expect([...API_METHODS].sort()).toEqual([...CORE_METHODS].sort());
  });
});
