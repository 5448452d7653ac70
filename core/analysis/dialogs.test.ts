import { describe, expect, it } from "vitest";
import { NONE, observeTransactions } from "./transactions";
import { observeDialogs } from "./dialogs";
import { buildModel, request, response, type Hop, type WireMessage } from "../../test/machines-fixtures";

const A = "10.0.0.1:5060";
const P = "10.0.0.2:5060";
const B = "10.0.0.3:5060";
const C = "10.0.0.4:5060";

function observe(list: WireMessage[], end = 60) {
  const model = buildModel(list, { end });
  const tx = observeTransactions(model);
  return { tx, dialogs: observeDialogs(model, tx) };
}

const inv: Hop = { from: A, to: B, branch: "z9hG4bK-i1" };
const ack = (t: number, tag: string, cseq = 1, from = A, to = B) => request(t, "ACK", { from, to, branch: `z9hG4bK-ack${t}`, toTag: tag, cseq });

describe("observeDialogs", () => {
  it("basic call: Early on 180, Confirmed on 200, ACK for 2xx, Terminated by the callee's BYE", () => {
    const bye: Hop = { from: B, to: A, branch: "z9hG4bK-bye", fromTag: "b1", toTag: "a1", cseq: 1 };
    const { dialogs } = observe([
      request(0, "INVITE", inv),
      response(0.1, 180, "INVITE", inv, "b1"),
      response(1, 200, "INVITE", inv, "b1"),
      ack(1.01, "b1"),
      // The callee's BYE: its From is the callee (tag b1), To the caller (tag a1).
      { ...request(9, "BYE", bye), text: request(9, "BYE", bye).text.replace("From: <sip:alice@example.com>;tag=b1", "From: <sip:bob@example.com>;tag=b1").replace("To: <sip:bob@example.com>;tag=a1", "To: <sip:alice@example.com>;tag=a1") },
      response(9.01, 200, "BYE", bye, "a1"),
    ]);
    expect(dialogs).toHaveLength(1);
    const d = dialogs[0];
    expect(d).toMatchObject({ callId: "call-1@example.com", fromTag: "a1", toTag: "b1", state: "Terminated", terminatedBy: "BYE", answer: 2, acks: [3], bye: 4, byeStatus: 200, byeResponse: 5, transactions: [0, 1], start: 0, end: 9.01 });
    expect(d.byeFrom).toEqual({ ip: "10.0.0.3", port: 5060 });
    expect(d.caller).toEqual({ ip: "10.0.0.1", port: 5060 });
    expect(d.expectations).toBeUndefined();
  });

  it("forking: two early dialogs for one INVITE; the unanswered fork is superseded after 64*T1", () => {
    const { dialogs } = observe([
      request(0, "INVITE", inv),
      response(0.1, 180, "INVITE", inv, "x"),
      response(0.2, 180, "INVITE", inv, "y"),
      response(1, 200, "INVITE", inv, "y"),
      ack(1.01, "y"),
    ], 60);
    expect(dialogs.map((d) => [d.toTag, d.state, d.answer])).toEqual([["x", "Terminated", undefined], ["y", "Confirmed", 3]]);
    expect(dialogs[0].terminatedBy).toBeUndefined();
    const short = observe([request(0, "INVITE", inv), response(0.1, 180, "INVITE", inv, "x"), response(0.2, 180, "INVITE", inv, "y"), response(1, 200, "INVITE", inv, "y"), ack(1.01, "y")], 10);
    expect(short.dialogs.map((d) => d.state)).toEqual(["Early", "Confirmed"]);
  });

  it("CANCEL: the early dialog ends with CANCEL at the 487", () => {
    const { dialogs } = observe([
      request(0, "INVITE", inv),
      response(0.1, 180, "INVITE", inv, "b1"),
      request(2, "CANCEL", inv),
      response(2.01, 200, "CANCEL", inv, "b1"),
      response(2.02, 487, "INVITE", inv, "b1"),
      request(2.03, "ACK", { ...inv, toTag: "b1" }),
    ]);
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatchObject({ state: "Terminated", terminatedBy: "CANCEL", terminatedAt: 2.02, acks: [] });
  });

  it("a 2xx never ACKed: ack-2xx expectation, 'capture ended' when the 2xx is at the very end", () => {
    const missing = observe([request(0, "INVITE", inv), response(1, 200, "INVITE", inv, "b1"), response(1.5, 200, "INVITE", inv, "b1"), response(2.5, 200, "INVITE", inv, "b1")], 5);
    expect(missing.dialogs[0].expectations?.map((e) => [e.what, e.by, e.beyondCapture, e.after])).toEqual([["ack-2xx", 1.5, false, 1]]);
    const atEnd = observe([request(0, "INVITE", inv), response(1, 200, "INVITE", inv, "b1")], 1.05);
    expect(atEnd.dialogs[0].expectations?.map((e) => [e.what, e.beyondCapture])).toEqual([["ack-2xx", true]]);
  });

  it("re-INVITE and a 481 to a mid-dialog request", () => {
    const re: Hop = { from: A, to: B, branch: "z9hG4bK-re", toTag: "b1", cseq: 2 };
    const info: Hop = { from: A, to: B, branch: "z9hG4bK-info", toTag: "b1", cseq: 3 };
    const { dialogs, tx } = observe([
      request(0, "INVITE", inv),
      response(1, 200, "INVITE", inv, "b1"),
      ack(1.01, "b1"),
      request(5, "INVITE", re),
      response(5.1, 200, "INVITE", re),
      ack(5.2, "b1", 2),
      request(8, "INFO", info),
      response(8.1, 481, "INFO", info),
    ]);
    expect(tx.transactions.map((t) => t.method)).toEqual(["INVITE", "INVITE", "INFO"]);
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatchObject({ transactions: [0, 1, 2], acks: [2, 5], state: "Terminated", terminatedBy: "481" });
    expect(dialogs[0].expectations).toBeUndefined();
  });

  it("through a record-routing proxy: one dialog per hop, linked; a one-sided BYE shows on one hop only", () => {
    const up: Hop = { from: A, to: P, branch: "z9hG4bK-up" };
    const down: Hop = { from: P, to: B, branch: "z9hG4bK-down", lowerVias: [`Via: SIP/2.0/UDP ${A};branch=z9hG4bK-up`] };
    // The proxy ends the call but only the caller gets a BYE (design bug 4).
    const byeUp: Hop = { from: P, to: A, branch: "z9hG4bK-pbye", fromTag: "b1", toTag: "a1", cseq: 10 };
    const { dialogs } = observe([
      request(0, "INVITE", up),
      request(0.001, "INVITE", down),
      response(0.5, 200, "INVITE", down, "b1"),
      response(0.501, 200, "INVITE", up, "b1"),
      ack(0.6, "b1", 1, A, P),
      ack(0.601, "b1", 1, P, B),
      request(30, "BYE", byeUp),
      response(30.01, 200, "BYE", byeUp, "a1"),
    ]);
    expect(dialogs).toHaveLength(2);
    expect(dialogs.map((d) => [d.caller.ip, d.callee.ip, d.state, d.acks.length])).toEqual([
      ["10.0.0.1", "10.0.0.2", "Terminated", 1],
      ["10.0.0.2", "10.0.0.3", "Confirmed", 1],
    ]);
    expect(dialogs[0].hops).toEqual([0, 1]);
    expect(dialogs[1].hops).toEqual([0, 1]);
    expect(dialogs[0].byeFrom).toEqual({ ip: "10.0.0.2", port: 5060 });
  });

  it("a proxy that does not record-route: ACK and BYE go end to end and count for both hops", () => {
    const up: Hop = { from: A, to: P, branch: "z9hG4bK-up" };
    const down: Hop = { from: P, to: B, branch: "z9hG4bK-down", lowerVias: [`Via: SIP/2.0/UDP ${A};branch=z9hG4bK-up`] };
    const bye: Hop = { from: A, to: B, branch: "z9hG4bK-bye", toTag: "b1", cseq: 2 };
    const { dialogs } = observe([
      request(0, "INVITE", up),
      request(0.01, "INVITE", down),
      response(0.1, 180, "INVITE", down, "b1"),
      response(0.11, 180, "INVITE", up, "b1"),
      response(1, 200, "INVITE", down, "b1"),
      response(1.01, 200, "INVITE", up, "b1"),
      ack(1.05, "b1", 1, A, B),
      request(5, "BYE", bye),
      response(5.01, 200, "BYE", bye),
    ]);
    expect(dialogs.map((d) => [d.caller.ip, d.callee.ip, d.state, d.terminatedBy, d.acks, d.byeStatus, d.expectations])).toEqual([
      ["10.0.0.1", "10.0.0.2", "Terminated", "BYE", [6], 200, undefined],
      ["10.0.0.2", "10.0.0.3", "Terminated", "BYE", [6], 200, undefined],
    ]);
  });

  it("the same on loopback (all addresses equal, only ports differ)", () => {
    const [uac, prx, uas] = ["127.0.0.1:5080", "127.0.0.1:5060", "127.0.0.1:5070"];
    const up: Hop = { from: uac, to: prx, branch: "z9hG4bK-up" };
    const down: Hop = { from: prx, to: uas, branch: "z9hG4bK-down", lowerVias: [`Via: SIP/2.0/UDP ${uac};branch=z9hG4bK-up`] };
    const { dialogs } = observe([
      request(0, "INVITE", up),
      request(0.01, "INVITE", down),
      response(1, 200, "INVITE", down, "b1"),
      response(1.01, 200, "INVITE", up, "b1"),
      ack(1.05, "b1", 1, uac, uas),
    ]);
    expect(dialogs.map((d) => [d.caller.port, d.acks, d.expectations])).toEqual([
      [5080, [4], undefined],
      [5060, [4], undefined],
    ]);
  });

  it("a BYE for a dialog that began before the capture makes a partial dialog", () => {
    const bye: Hop = { from: C, to: B, branch: "z9hG4bK-b", callId: "old@x", toTag: "z", cseq: 5 };
    const { dialogs } = observe([request(0, "BYE", bye), response(0.1, 200, "BYE", bye)]);
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatchObject({ partial: true, callId: "old@x", state: "Terminated", terminatedBy: "BYE", bye: 0, byeStatus: 200 });
  });

  it("SUBSCRIBE/NOTIFY dialogs are not INVITE dialogs", () => {
    const sub: Hop = { from: A, to: B, branch: "z9hG4bK-s", callId: "sub@x" };
    const notify: Hop = { from: B, to: A, branch: "z9hG4bK-n", callId: "sub@x", toTag: "a1", fromTag: "s1" };
    const { dialogs } = observe([request(0, "SUBSCRIBE", sub), response(0.1, 200, "SUBSCRIBE", sub, "s1"), request(0.2, "NOTIFY", notify), response(0.3, 200, "NOTIFY", notify)]);
    expect(dialogs).toEqual([]);
  });
  it("dialogs are keyed by Call-ID and both tags: the same tags under another Call-ID are another dialog", () => {
    const one: Hop = { from: A, to: B, branch: "z9hG4bK-c1" };
    const two: Hop = { from: A, to: B, branch: "z9hG4bK-c2", callId: "call-2@example.com" };
    const bye2: Hop = { from: A, to: B, branch: "z9hG4bK-bye2", callId: "call-2@example.com", toTag: "b1", cseq: 2 };
    const { dialogs } = observe([
      request(0, "INVITE", one),
      request(0.1, "INVITE", two),
      response(0.5, 200, "INVITE", one, "b1"),
      response(0.6, 200, "INVITE", two, "b1"),
      request(5, "BYE", bye2),
      response(5.01, 200, "BYE", bye2, "b1"),
    ]);
    expect(dialogs.map((d) => [d.callId, d.state, d.bye, d.hops])).toEqual([
      ["call-1@example.com", "Confirmed", undefined, undefined],
      ["call-2@example.com", "Terminated", 4, undefined],
    ]);
  });
});

describe("what a dialog view keeps after the observation", () => {
  it("no ACK: the shared frozen empty list; no partial or expectations fields unless set", () => {
    const { dialogs } = observe([request(0, "INVITE", inv), response(0.1, 180, "INVITE", inv, "b1"), response(0.5, 486, "INVITE", inv, "b1")]);
    expect(dialogs).toHaveLength(1);
    const d = dialogs[0];
    expect(d.acks).toBe(NONE);
    expect(d.transactions).toEqual([0]);
    expect(Object.keys(d)).not.toContain("partial");
    expect(Object.keys(d)).not.toContain("expectations");
    expect(d.state).toBe("Terminated");
  });

  it("a partial dialog and a dialog with an expectation carry both fields", () => {
    const bye: Hop = { from: A, to: B, branch: "z9hG4bK-old", callId: "old@x", toTag: "b9" };
    const partial = observe([request(0, "BYE", bye), response(0.01, 200, "BYE", bye, "b9")]).dialogs[0];
    expect(partial.partial).toBe(true);
    expect("expectations" in partial).toBe(true);
    const missing = observe([request(0, "INVITE", inv), response(1, 200, "INVITE", inv, "b1")]).dialogs[0];
    expect(missing.expectations?.map((e) => e.what)).toEqual(["ack-2xx"]);
    expect(missing.partial).toBeUndefined();
  });
});
