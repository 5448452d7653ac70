import { describe, expect, it } from "vitest";
import { analyzeRun } from "./analyze";
import { buildModel, request, response, type Hop, type WireMessage } from "../../test/machines-fixtures";

const A = "10.0.0.1:5060";
const B = "10.0.0.3:5060";

const inv: Hop = { from: A, to: B, branch: "z9hG4bK-i1" };
const ack = (t: number, tag: string, cseq = 1) => request(t, "ACK", { from: A, to: B, branch: `z9hG4bK-ack${t}`, toTag: tag, cseq });

function callJson(list: WireMessage[]): string {
  const run = analyzeRun(buildModel(list, { end: 60 }));
  expect(run.calls).toHaveLength(1);
  return JSON.stringify(run.calls[0]);
}

const keys = (json: string) => Object.keys(JSON.parse(json));
const BASE_KEYS = ["id", "callIds", "kind", "method", "from", "to", "legs", "state", "start", "end", "messages", "findings", "srcIp", "dstIp"];

// The call list's JSON is compared byte for byte with earlier runs: its keys keep the order in
// which a call's facts are learnt, optional ones last and left out when unknown.
describe("summarizeCall: the call's JSON", () => {
  it.each([
    {
      name: "answered and ended: status, then setup time and duration",
      list: [request(0, "INVITE", inv), response(0.1, 180, "INVITE", inv, "b1"), response(1, 200, "INVITE", inv, "b1"), ack(1.01, "b1"), request(5, "BYE", { from: A, to: B, branch: "z9hG4bK-bye", toTag: "b1", cseq: 2 }), response(5.01, 200, "BYE", { from: A, to: B, branch: "z9hG4bK-bye", toTag: "b1", cseq: 2 }, "b1")],
      want: { state: "completed", status: 200, setupTime: 1, duration: 4 },
      order: ["fromUser", "toUser", "status", "setupTime", "duration"],
    },
    {
      name: "rejected: status only",
      list: [request(0, "INVITE", inv), response(1, 486, "INVITE", inv, "b1"), ack(1.01, "b1")],
      want: { state: "rejected 486", status: 486 },
      order: ["fromUser", "toUser", "status"],
    },
    {
      // The last opening INVITE went unanswered, so the status is learnt only from the answered one.
      name: "answered, then a new INVITE unanswered: the status comes after the duration",
      list: [request(0, "INVITE", inv), response(1, 200, "INVITE", inv, "b1"), ack(1.01, "b1"), request(2, "INVITE", { ...inv, branch: "z9hG4bK-i2", cseq: 2 })],
      want: { state: "answered", status: 200, setupTime: 1 },
      order: ["fromUser", "toUser", "setupTime", "duration", "status"],
    },
    {
      name: "unanswered: no status, setup time nor duration",
      list: [request(0, "INVITE", inv)],
      want: { state: "no answer" },
      order: ["fromUser", "toUser"],
    },
  ])("$name", ({ list, want, order }) => {
    const json = callJson(list);
    const call = JSON.parse(json);
    expect(call).toMatchObject(want);
    expect(keys(json).filter((k) => !BASE_KEYS.includes(k) && k !== "worst")).toEqual(order);
    expect(keys(json).slice(0, BASE_KEYS.length)).toEqual(BASE_KEYS);
  });

  it("a call without findings lists none", () => {
    const run = analyzeRun(buildModel([request(0, "INVITE", inv), response(1, 486, "INVITE", inv, "b1"), ack(1.01, "b1")], { end: 60 }));
    expect(run.calls[0].findings).toEqual([]);
    expect(run.calls[0].worst).toBeUndefined();
  });
});
