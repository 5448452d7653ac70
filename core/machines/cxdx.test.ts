import { describe, expect, it } from "vitest";
import { cxdxKey, startCxdx, stepCxdx } from "./cxdx";

const MAR = { commandCode: 303, hopByHop: 0x1234, endToEnd: 0xabcdef01 };

describe("Cx/Dx request/answer machine", () => {
  it("Pending -> Answered by the answer with the same ids; latency delivered", () => {
    const { state, effects } = startCxdx(MAR, { tx: 5 }, 10);
    expect(state.state).toBe("Pending");
    expect(effects).toEqual([{ type: "StartTimer", timer: { name: "Tx", at: 15 } }]);
    const r = stepCxdx(state, { type: "AnswerSeen", ...MAR, resultCode: 2001 }, 10.25);
    expect(r.state).toMatchObject({ state: "Answered", resultCode: 2001, answeredAt: 10.25, timers: [] });
    expect(r.effects).toEqual([{ type: "StopTimer", name: "Tx" }, { type: "DeliverAnswer", resultCode: 2001, latency: 0.25 }]);
  });

  it.each([
    ["other hop-by-hop", { ...MAR, hopByHop: 1 }],
    ["other end-to-end", { ...MAR, endToEnd: 1 }],
    ["other command", { ...MAR, commandCode: 301 }],
  ])("an answer with %s does not match", (_n, ids) => {
    const { state } = startCxdx(MAR, {}, 0);
    const r = stepCxdx(state, { type: "AnswerSeen", ...ids }, 1);
    expect(r.state.state).toBe("Pending");
    expect(r.effects).toEqual([{ type: "Mismatch" }]);
  });

  it("Tx fires -> TimedOut; a later answer is noted as late", () => {
    const { state } = startCxdx(MAR, {}, 0);
    expect(state.timers[0].at).toBe(30);
    const t = stepCxdx(state, { type: "TimerFired", name: "Tx" }, 30);
    expect(t).toEqual({ state: expect.objectContaining({ state: "TimedOut" }), effects: [{ type: "Timeout" }] });
    const late = stepCxdx(t.state, { type: "AnswerSeen", ...MAR, resultCode: 2001 }, 31);
    expect(late.state).toMatchObject({ state: "TimedOut", lateAnswerAt: 31 });
  });

  it("retransmissions (T flag) are counted while Pending; stale Tx after the answer is ignored", () => {
    let s = startCxdx(MAR, {}, 0).state;
    s = stepCxdx(s, { type: "RequestRetransmitted" }, 5).state;
    expect(s.retransmissions).toBe(1);
    s = stepCxdx(s, { type: "AnswerSeen", ...MAR }, 6).state;
    expect(stepCxdx(s, { type: "TimerFired", name: "Tx" }, 30)).toEqual({ state: s, effects: [] });
  });

  it("keys pair requests and answers, ids read as unsigned", () => {
    expect(cxdxKey({ commandCode: 303, hopByHop: -1, endToEnd: 5 })).toBe(cxdxKey({ commandCode: 303, hopByHop: 0xffffffff, endToEnd: 5 }));
  });
});
