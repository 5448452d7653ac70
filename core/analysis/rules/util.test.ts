import { describe, expect, it } from "vitest";
import { analyzeRun } from "../analyze";
import { ackIndex, releaseRuleLookups } from "./util";
import { buildModel, request, response, type Hop } from "../../../test/machines-fixtures";

const A = "10.0.0.1:5060";
const P = "10.0.0.2:5060";
const B = "10.0.0.3:5060";

const inv = (callId: string, from: string, to: string, branch: string): Hop => ({ from, to, branch, callId });
const ack = (t: number, callId: string, from: string, to: string, cseq = 1) => request(t, "ACK", { from, to, branch: `z9hG4bK-ack-${callId}-${t}`, callId, toTag: "b1", cseq });

describe("ackIndex", () => {
  // Two calls whose ACKs interleave; call 1 through a proxy (two ACK hops).
  const c1a = inv("c1", A, P, "z9hG4bK-1a");
  const c1b = inv("c1", P, B, "z9hG4bK-1b");
  const c2 = inv("c2", A, B, "z9hG4bK-2");
  const list = [
    request(0, "INVITE", c1a),
    request(0.01, "INVITE", c1b),
    request(0.02, "INVITE", c2),
    response(1, 200, "INVITE", c1b, "b1"),
    response(1.01, 200, "INVITE", c1a, "b1"),
    response(1.02, 486, "INVITE", c2, "b1"),
    ack(1.03, "c1", A, P),
    ack(1.04, "c2", A, B),
    ack(1.05, "c1", P, B, 7),
  ];

  it("chains each Call-ID's ACKs in capture order, with CSeq and nodes", () => {
    const { ctx } = analyzeRun(buildModel(list, { end: 60 }));
    const idx = ackIndex(ctx);
    const chain = (callId: string) => {
      const out: string[] = [];
      for (let k = idx.first.get(callId) ?? -1; k >= 0; k = idx.next[k]) out.push(`${ctx.msgs[idx.msg[k]].time} ${idx.cseq[k]} ${idx.src[k]}>${idx.dst[k]}`);
      return out;
    };
    const node = (a: string) => ctx.nodes.nodeOfAddress(a);
    expect(chain("c1")).toEqual([`1.03 1 ${node(A)}>${node(P)}`, `1.05 7 ${node(P)}>${node(B)}`]);
    expect(chain("c2")).toEqual([`1.04 1 ${node(A)}>${node(B)}`]);
    expect(idx.first.has("c3")).toBe(false);
    // Every slot is on exactly one chain.
    expect(idx.msg.length).toBe(3);
  });

  it("is built once per context, and forgotten by releaseRuleLookups", () => {
    const { ctx } = analyzeRun(buildModel(list, { end: 60 }));
    const first = ackIndex(ctx);
    expect(ackIndex(ctx)).toBe(first);
    releaseRuleLookups(ctx);
    const again = ackIndex(ctx);
    expect(again).not.toBe(first);
    expect([...again.msg]).toEqual([...first.msg]);
  });
});
