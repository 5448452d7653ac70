/**
 * Property test: the transaction and dialog observers never throw and keep their invariants on
 * random message sequences (random methods, statuses, branches, tags, missing Vias, transports,
 * times), the kind of mess a partial or corrupted capture produces.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { observeTransactions } from "../core/analysis/transactions";
import { observeDialogs } from "../core/analysis/dialogs";
import { buildModel, request, response, type Hop, type WireMessage } from "./machines-fixtures";

const EPS = ["10.0.0.1:5060", "10.0.0.2:5060", "10.0.0.3:5070"];
const METHODS = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "UPDATE", "SUBSCRIBE", "NOTIFY"];
const STATUSES = [100, 180, 183, 200, 401, 408, 481, 486, 487, 500];

const arbMessage = fc.record({
  dt: fc.double({ min: 0, max: 3, noNaN: true }),
  req: fc.boolean(),
  method: fc.constantFrom(...METHODS),
  status: fc.constantFrom(...STATUSES),
  from: fc.constantFrom(...EPS),
  to: fc.constantFrom(...EPS),
  branch: fc.constantFrom("z9hG4bK-a", "z9hG4bK-b", "z9hG4bK-c", "old1", "old2"),
  callId: fc.constantFrom("c1", "c2"),
  fromTag: fc.constantFrom("f1", "f2"),
  toTag: fc.option(fc.constantFrom("t1", "t2"), { nil: undefined }),
  cseq: fc.integer({ min: 1, max: 3 }),
  tp: fc.constantFrom("udp" as const, "tcp" as const, "ws" as const),
  noVia: fc.boolean(),
});

type Generated = typeof arbMessage extends fc.Arbitrary<infer T> ? T : never;

function toWire(list: Generated[]): WireMessage[] {
  let t = 1000;
  return list.map((x) => {
    t += x.dt;
    const h: Hop = { from: x.from, to: x.to, branch: x.branch, callId: x.callId, fromTag: x.fromTag, toTag: x.toTag, cseq: x.cseq, tp: x.tp };
    const w = x.req ? request(t, x.method, h) : response(t, x.status, x.method, h, x.toTag);
    if (x.noVia) w.text = w.text.replace(/^Via:.*\n/m, "");
    return w;
  });
}

describe("observers on random message sequences", () => {
  it("never throw and keep their invariants", () => {
    fc.assert(
      fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 100, noNaN: true }), (raw, tail) => {
        const wire = toWire(raw);
        const model = buildModel(wire, { end: wire[wire.length - 1].t + tail });
        const obs = observeTransactions(model);
        const dialogs = observeDialogs(model, obs);
        const n = model.messages.length;
        const T = obs.transactions.length;
        for (let i = 0; i < n; i++) {
          expect(obs.txnOfMessage[i]).toBeGreaterThanOrEqual(-1);
          expect(obs.txnOfMessage[i]).toBeLessThan(T);
          if (obs.retransmission[i] || obs.duplicate[i]) expect(obs.txnOfMessage[i]).toBeGreaterThanOrEqual(0);
          expect(obs.retransmission[i] && obs.duplicate[i]).toBeFalsy();
        }
        obs.transactions.forEach((t, k) => {
          expect(t.index).toBe(k);
          expect(t.messages[0]).toBe(t.request);
          for (const id of t.messages) expect(obs.txnOfMessage[id]).toBe(k);
          for (const id of t.retransmissions) expect(obs.retransmission[id]).toBe(1);
          if (t.final !== undefined) expect(model.messages[t.final].sip!.status).toBeGreaterThanOrEqual(200);
          if (t.ack !== undefined) expect(model.messages[t.ack].sip!.method).toBe("ACK");
          for (const e of t.expectations) {
            expect(Number.isFinite(e.by)).toBe(true);
            expect(e.beyondCapture).toBe(e.by > model.end);
          }
        });
        for (const o of obs.orphanResponses) {
          expect(model.messages[o].sip!.kind).toBe("response");
          expect(obs.txnOfMessage[o]).toBe(-1);
        }
        dialogs.forEach((d, k) => {
          expect(d.index).toBe(k);
          if (d.hops) expect(d.hops).toContain(k);
          for (const a of d.acks) expect(model.messages[a].sip!.method).toBe("ACK");
          for (const t of d.transactions) expect(t).toBeLessThan(T);
          expect(["Early", "Confirmed", "Terminated"]).toContain(d.state);
          for (const e of d.expectations ?? []) expect(e.beyondCapture).toBe(e.by > model.end);
        });
      }),
      { numRuns: 300 },
    );
  });
});
