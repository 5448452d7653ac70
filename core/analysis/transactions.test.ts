import { describe, expect, it } from "vitest";
import { NONE, observeTransactions, startedAt, startStates } from "./transactions";
import { adoptOrphanResponses } from "./adopt-orphans";
import { transactionKey } from "../machines/transaction-key";
import { timerConfig } from "../machines/timers";
import { startInviteClient } from "../machines/invite-client";
import { startInviteServer } from "../machines/invite-server";
import { startNonInviteClient } from "../machines/non-invite-client";
import { startNonInviteServer } from "../machines/non-invite-server";
import { buildModel, request, response, type Hop, type WireMessage } from "../../test/machines-fixtures";

const A = "10.0.0.1:5060";
const P = "10.0.0.2:5060";
const B = "10.0.0.3:5060";

const inv: Hop = { from: A, to: B, branch: "z9hG4bK-inv1" };
/** A view keeps its request's branch as `key` (RFC 3261); transactionKey() rebuilds the matching key. */
const ok = "z9hG4bK-inv1";

function observe(list: WireMessage[], opts?: { end?: number; t1?: number }) {
  return observeTransactions(buildModel(list, opts));
}

describe("observeTransactions", () => {
  it("basic call: INVITE and BYE transactions; the ACK for the 2xx belongs to none", () => {
    const bye: Hop = { from: A, to: B, branch: "z9hG4bK-bye1", toTag: "b1", cseq: 2 };
    const r = observe(
      [
        request(0, "INVITE", inv),
        response(0.01, 100, "INVITE", inv),
        response(0.02, 180, "INVITE", inv, "b1"),
        response(1, 200, "INVITE", inv, "b1"),
        request(1.01, "ACK", { from: A, to: B, branch: "z9hG4bK-ack1", toTag: "b1" }),
        request(5, "BYE", bye),
        response(5.01, 200, "BYE", bye),
      ],
      { end: 60 },
    );
    expect(r.transactions).toHaveLength(2);
    const [t, b] = r.transactions;
    expect(t).toMatchObject({ kind: "INVITE", method: "INVITE", key: ok, request: 0, provisional: [1, 2], final: 3, finalStatus: 200, endState: "Terminated", clientState: "Terminated", expectations: [] });
    expect(t.client).toEqual({ ip: "10.0.0.1", port: 5060 });
    expect(t.server).toEqual({ ip: "10.0.0.3", port: 5060 });
    expect(b).toMatchObject({ kind: "non-INVITE", method: "BYE", final: 6, finalStatus: 200, messages: [5, 6], expectations: [] });
    expect(Array.from(r.txnOfMessage)).toEqual([0, 0, 0, 0, -1, 1, 1]);
    expect(Array.from(r.retransmission)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(r.orphanResponses).toEqual([]);
    // The census: every request method and response CSeq method, the ACKs, no other protocol.
    expect([...r.census.methods].sort()).toEqual(["ACK", "BYE", "INVITE"]);
    expect(Array.from(r.census.acks)).toEqual([4]);
    expect(r.census.nonSip).toBe(0);
  });

  it("the end state is the machine's state at the end of the capture (Accepted within 64*T1 of the 2xx)", () => {
    const r = observe([request(0, "INVITE", inv), response(1, 200, "INVITE", inv, "b1")], { end: 10 });
    expect(r.transactions[0].endState).toBe("Accepted");
    expect(r.transactions[0].clientState).toBe("Accepted");
  });

  it("CANCEL: linked to its INVITE; the ACK for the 487 belongs to the INVITE transaction", () => {
    const r = observe(
      [
        request(0, "INVITE", inv),
        response(0.01, 180, "INVITE", inv, "b1"),
        request(2, "CANCEL", inv),
        response(2.01, 200, "CANCEL", inv, "b1"),
        response(2.02, 487, "INVITE", inv, "b1"),
        request(2.03, "ACK", { ...inv, toTag: "b1" }),
      ],
      { end: 60 },
    );
    expect(r.transactions).toHaveLength(2);
    const [t, c] = r.transactions;
    expect(t).toMatchObject({ cancelledBy: 1, final: 4, finalStatus: 487, ack: 5, messages: [0, 1, 4, 5], expectations: [], endState: "Terminated" });
    expect(c).toMatchObject({ method: "CANCEL", cancels: 0, final: 3, finalStatus: 200 });
    expect(Array.from(r.txnOfMessage)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it("487 never ACKed and retransmitted (UDP): the ACK is missing, not 'capture ended'", () => {
    const r = observe(
      [
        request(0, "INVITE", inv),
        response(0.01, 180, "INVITE", inv, "b1"),
        request(1, "CANCEL", inv),
        response(1.001, 200, "CANCEL", inv, "b1"),
        response(1.002, 487, "INVITE", inv, "b1"),
        response(1.502, 487, "INVITE", inv, "b1"),
        response(2.502, 487, "INVITE", inv, "b1"),
        response(4.502, 487, "INVITE", inv, "b1"),
      ],
      { end: 6 },
    );
    const t = r.transactions[0];
    expect(t.ack).toBeUndefined();
    expect(t.finalCopies).toEqual([4, 5, 6, 7]);
    expect(t.retransmissions).toEqual([5, 6, 7]);
    expect(Array.from(r.retransmission)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(t.endState).toBe("Completed"); // Timer H (32 s) has not fired by the end of the capture
    expect(t.expectations).toHaveLength(1);
    const e = t.expectations[0];
    expect(e).toMatchObject({ what: "ack-non2xx", from: t.client, to: t.server, after: 4, beyondCapture: false, timer: "H" });
    expect(e.by).toBeCloseTo(1.502);
  });

  it("a 487 in the last 100 ms of the capture is never a missing ACK: 'capture ended'", () => {
    for (const gap of [0, 0.05, 0.1]) {
      const r = observe([request(0, "INVITE", inv), response(0.01, 180, "INVITE", inv, "b1"), response(3, 487, "INVITE", inv, "b1")], { end: 3 + gap });
      expect(r.transactions[0].expectations.map((e) => [e.what, e.beyondCapture])).toEqual([["ack-non2xx", true]]);
    }
  });

  it("TCP: 487 without ACK is missing after one round-trip allowance; no retransmission expected", () => {
    const h = { ...inv, tp: "tcp" as const };
    const r = observe([request(0, "INVITE", h), response(0.01, 180, "INVITE", h, "b1"), response(1, 487, "INVITE", h, "b1")], { end: 5 });
    const t = r.transactions[0];
    expect(t.transport).toBe("tcp");
    expect(t.expectations.map((e) => [e.what, e.beyondCapture, e.by])).toEqual([["ack-non2xx", false, 1.5]]);
  });

  it("INVITE retransmissions (UDP, no response yet) are counted; Timer B decides the missing response", () => {
    const list = [request(0, "INVITE", inv), request(0.5, "INVITE", inv), request(1.5, "INVITE", inv)];
    const short = observe(list, { end: 10 });
    expect(short.transactions).toHaveLength(1);
    expect(short.transactions[0].retransmissions).toEqual([1, 2]);
    expect(short.transactions[0].endState).toBe("Proceeding");
    expect(short.transactions[0].clientState).toBe("Calling");
    expect(short.transactions[0].expectations.map((e) => [e.what, e.timer, e.by, e.beyondCapture])).toEqual([["final-response", "B", 32, true]]);
    const long = observe(list, { end: 40 });
    expect(long.transactions[0].clientState).toBe("Terminated");
    expect(long.transactions[0].expectations.map((e) => [e.what, e.by, e.beyondCapture])).toEqual([["final-response", 32, false]]);
  });

  it("non-INVITE without a final response: Timer F; a late final is flagged as late", () => {
    const reg: Hop = { from: A, to: P, branch: "z9hG4bK-reg1" };
    const none = observe([request(0, "REGISTER", reg)], { end: 40 });
    expect(none.transactions[0].expectations.map((e) => [e.what, e.timer, e.by, e.beyondCapture])).toEqual([["final-response", "F", 32, false]]);
    const late = observe([request(0, "REGISTER", reg), response(35, 408, "REGISTER", reg, "p1")], { end: 40 });
    expect(late.transactions[0].expectations.map((e) => [e.what, e.by, e.late])).toEqual([["final-response", 32, 1]]);
    const inTime = observe([request(0, "REGISTER", reg), response(0.2, 200, "REGISTER", reg, "p1")], { end: 40 });
    expect(inTime.transactions[0].expectations).toEqual([]);
  });

  it("a proxied call is one transaction per hop (each hop has its own branch)", () => {
    const up: Hop = { from: A, to: P, branch: "z9hG4bK-up" };
    const down: Hop = { from: P, to: B, branch: "z9hG4bK-down", lowerVias: [`Via: SIP/2.0/UDP ${A};branch=z9hG4bK-up`] };
    const r = observe(
      [
        request(0, "INVITE", up),
        response(0.001, 100, "INVITE", up),
        request(0.002, "INVITE", down),
        response(0.003, 486, "INVITE", down, "b1"),
        request(0.004, "ACK", { ...down, toTag: "b1" }),
        response(0.005, 486, "INVITE", up, "b1"),
        request(0.006, "ACK", { ...up, toTag: "b1" }),
      ],
      { end: 60 },
    );
    expect(r.transactions.map((t) => [t.client.ip, t.server.ip, t.final, t.ack])).toEqual([
      ["10.0.0.1", "10.0.0.2", 5, 6],
      ["10.0.0.2", "10.0.0.3", 3, 4],
    ]);
    expect(r.transactions.every((t) => t.expectations.length === 0)).toBe(true);
  });

  it("forked provisionals with different To tags are not retransmissions; a repeated one is", () => {
    const r = observe(
      [
        request(0, "INVITE", inv),
        response(0.1, 180, "INVITE", inv, "x"),
        response(0.2, 180, "INVITE", inv, "y"),
        response(0.7, 180, "INVITE", inv, "x"),
        response(0.8, 183, "INVITE", inv, "x", "RSeq: 1"),
        response(0.9, 183, "INVITE", inv, "x", "RSeq: 2"),
        response(1, 200, "INVITE", inv, "x"),
        response(1.1, 200, "INVITE", inv, "y"),
        response(1.5, 200, "INVITE", inv, "x"),
      ],
      { end: 60 },
    );
    const t = r.transactions[0];
    expect(t.provisional).toEqual([1, 2, 4, 5]);
    expect(t.retransmissions).toEqual([3, 8]);
    expect(t.final).toBe(6);
    expect(t.otherFinals).toEqual([7]);
    expect(t.finalCopies).toEqual([6, 8]);
  });

  it("responses that match no transaction are orphans", () => {
    const o: Hop = { from: A, to: B, branch: "z9hG4bK-o" };
    const r = observe([response(0, 200, "INVITE", inv, "b1"), request(1, "OPTIONS", o), response(1.1, 200, "OPTIONS", { ...o, branch: "z9hG4bK-other", callId: "other@x" })]);
    expect(r.orphanResponses).toEqual([0, 2]);
    expect(Array.from(r.txnOfMessage)).toEqual([-1, 0, -1]);
  });

  it("a response without a usable Via is filed by Call-ID, From tag, CSeq and the hop's endpoints, and flagged", () => {
    // Real Kamailio relays a 487 upstream with no Via at all (lab capture 'cancel').
    const up: Hop = { from: A, to: P, branch: "z9hG4bK-up" };
    const down: Hop = { from: P, to: B, branch: "z9hG4bK-down", lowerVias: [`Via: SIP/2.0/UDP ${A};branch=z9hG4bK-up`] };
    const noVia = response(2.1, 487, "INVITE", up, "b1");
    noVia.text = noVia.text.replace(/^Via:.*\n/m, "");
    const otherBranch = response(0.5, 100, "INVITE", { ...down, branch: "z9hG4bK-bogus" });
    const r = observe([request(0, "INVITE", up), request(0.1, "INVITE", down), otherBranch, response(2, 487, "INVITE", down, "b1"), request(2.01, "ACK", { ...down, toTag: "b1" }), noVia, request(2.2, "ACK", { ...up, toTag: "b1" })], { end: 60 });
    expect(r.orphanResponses).toEqual([]);
    expect(r.transactions.map((t) => [t.client.ip, t.final, t.ack, t.matchedWithoutVia])).toEqual([
      ["10.0.0.1", 5, 6, [5]],
      ["10.0.0.2", 3, 4, [2]],
    ]);
    expect(r.transactions.every((t) => t.expectations.length === 0)).toBe(true);
  });

  it("an ACK for a non-2xx with a new branch still acknowledges it (flagged)", () => {
    const r = observe([request(0, "INVITE", inv), response(0.1, 407, "INVITE", inv, "b1"), request(0.15, "ACK", { ...inv, branch: "z9hG4bK-new", toTag: "b1" })], { end: 60 });
    expect(r.transactions[0]).toMatchObject({ ack: 2, matchedWithoutVia: [2], expectations: [] });
    // A 2xx ACK (new branch, as it must be) is not taken by this fallback.
    const ok = observe([request(0, "INVITE", inv), response(0.1, 200, "INVITE", inv, "b1"), request(0.15, "ACK", { ...inv, branch: "z9hG4bK-new", toTag: "b1" })], { end: 60 });
    expect(ok.transactions[0].ack).toBeUndefined();
    expect(ok.txnOfMessage[2]).toBe(-1);
  });

  it("the same packet recorded twice is a duplicate, not a retransmission", () => {
    const list = [request(0, "INVITE", inv), response(0.1, 486, "INVITE", inv, "b1"), request(0.2, "ACK", { ...inv, toTag: "b1" })];
    const twice = list.flatMap((w) => [w, { ...w, t: w.t + 0.0005 }]);
    const r = observe(twice, { end: 60 });
    expect(r.transactions).toHaveLength(1);
    expect(r.transactions[0]).toMatchObject({ final: 2, ack: 4, duplicates: [1, 3, 5], retransmissions: [], expectations: [] });
    expect(Array.from(r.duplicate)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(r.retransmission)).toEqual([0, 0, 0, 0, 0, 0]);
    // 600 ms later it is a retransmission again.
    const later = observe([list[0], { ...list[0], t: 0.5 }], { end: 60 });
    expect(later.transactions[0].retransmissions).toEqual([1]);
  });

  it("RFC 2543 fallback (no magic cookie): matched by Call-ID, From tag, CSeq and top Via", () => {
    const old: Hop = { from: A, to: B, branch: "oldstyle1" };
    const other: Hop = { from: A, to: B, branch: "oldstyle1", cseq: 2 };
    const r = observe([request(0, "INVITE", old), response(0.1, 486, "INVITE", old, "b1"), request(0.2, "ACK", { ...old, toTag: "b1" }), request(1, "INVITE", other)], { end: 60 });
    expect(r.transactions).toHaveLength(2);
    expect(r.transactions[0].key.startsWith("c|")).toBe(true);
    expect(r.transactions[0]).toMatchObject({ final: 1, ack: 2, expectations: [] });
  });

  it("a branch reused with a new CSeq is a new transaction, not a retransmission", () => {
    const r1: Hop = { from: A, to: P, branch: "z9hG4bK-same", cseq: 1 };
    const r2: Hop = { ...r1, cseq: 2 };
    const r = observe([request(0, "REGISTER", r1), response(0.1, 200, "REGISTER", r1, "p"), request(600, "REGISTER", r2), response(600.1, 200, "REGISTER", r2, "p")]);
    expect(r.transactions).toHaveLength(2);
    expect(Array.from(r.retransmission)).toEqual([0, 0, 0, 0]);
    expect(Array.from(r.txnOfMessage)).toEqual([0, 0, 1, 1]);
  });

  it("the same request retransmitted after its final makes no new transaction (server resends the final)", () => {
    const o: Hop = { from: A, to: B, branch: "z9hG4bK-opt" };
    const r = observe([request(0, "OPTIONS", o), response(0.1, 200, "OPTIONS", o, "b"), request(0.5, "OPTIONS", o), response(0.51, 200, "OPTIONS", o, "b")], { end: 60 });
    expect(r.transactions).toHaveLength(1);
    expect(r.transactions[0].retransmissions).toEqual([2, 3]);
  });
});

describe("machines run after the capture is read, on what each transaction recorded", () => {
  // The machines are fed per transaction after the main loop; these pin what they must still see
  // in capture order: the ACK first owed, Timer H before a late ACK, a duplicate ACK not fed.
  const x: Hop = { from: A, to: B, branch: "z9hG4bK-replay" };
  const ack = (t: number) => request(t, "ACK", { ...x, toTag: "b" });

  it("the ACK owed from the first copy of a 486 shown three times", () => {
    const r = observe([request(0, "INVITE", x), response(1, 486, "INVITE", x, "b"), response(1.6, 486, "INVITE", x, "b"), response(2.5, 486, "INVITE", x, "b")], { end: 60 });
    const t = r.transactions[0];
    expect(t).toMatchObject({ endState: "Terminated", clientState: "Terminated", finalCopies: [1, 2, 3], retransmissions: [2, 3] });
    expect(t.expectations.map((e) => [e.what, e.by, e.beyondCapture, e.late])).toEqual([["ack-non2xx", 1.5, false, undefined]]);
    expect(t.expectations[0].reason).toContain("sent it 3 times");
  });

  it("Timer H fires before a late ACK; the ACK's duplicate is not fed, its retransmission is", () => {
    const r = observe([request(0, "INVITE", x), response(1, 486, "INVITE", x, "b"), ack(40), ack(40.001), ack(41)], { end: 100 });
    const t = r.transactions[0];
    expect(t).toMatchObject({ ack: 2, duplicates: [3], retransmissions: [4], endState: "Terminated", clientState: "Terminated" });
    expect(t.expectations.map((e) => [e.what, e.by, e.timer, e.late])).toEqual([["ack-non2xx", 33, "H", 2]]);
  });

  it("an ACK in time confirms the server: no expectation; the server waits in Confirmed until Timer I", () => {
    const r = observe([request(0, "INVITE", x), response(1, 486, "INVITE", x, "b"), ack(1.01)], { end: 3 });
    expect(r.transactions[0]).toMatchObject({ endState: "Confirmed", clientState: "Completed", expectations: [] });
  });
});

describe("start states made once per timer config", () => {
  // The observer relies on a start state depending on the request only through the stored handle
  // and on `now` only through timer deadlines; if a machine's start ever reads more, this fails.
  const cases = [
    { name: "UDP, T1 0.5", cfg: timerConfig({ t1: 0.5, reliable: false }) },
    { name: "TCP, T1 0.5", cfg: timerConfig({ t1: 0.5, reliable: true }) },
    { name: "UDP, T1 0.3", cfg: timerConfig({ t1: 0.3, reliable: false }) },
  ];
  for (const { name, cfg } of cases) {
    it(`${name}: equal to calling each machine's start function`, () => {
      const starts = startStates(cfg);
      for (const [id, now] of [
        [0, 0],
        [7, 0.1],
        [12345, 1637000000.123456],
      ]) {
        expect(startedAt(starts.invite.client, id, now)).toStrictEqual(startInviteClient(id, cfg, now).state);
        expect(startedAt(starts.invite.server, id, now)).toStrictEqual(startInviteServer(id, cfg, now).state);
        expect(startedAt(starts.nonInvite.client, id, now)).toStrictEqual(startNonInviteClient(id, cfg, now).state);
        expect(startedAt(starts.nonInvite.server, id, now)).toStrictEqual(startNonInviteServer(id, cfg, now).state);
      }
    });
  }
  it("the template itself is left unchanged", () => {
    const starts = startStates(timerConfig({ t1: 0.5 }));
    const before = structuredClone(starts.invite.client);
    startedAt(starts.invite.client, 3, 10);
    expect(starts.invite.client).toStrictEqual(before);
  });
});

describe("what a view keeps after the observation", () => {
  const call = [request(0, "INVITE", inv), response(0.01, 100, "INVITE", inv), response(1, 200, "INVITE", inv, "b1")];

  it("the branch as key; the matching key is rebuilt from the request", () => {
    const model = buildModel(call, { end: 60 });
    const t = observeTransactions(model).transactions[0];
    expect(t.key).toBe("z9hG4bK-inv1");
    expect(transactionKey(model.messages[t.request].sip!)).toBe("b|z9hG4bK-inv1|10.0.0.1:5060|INVITE");
  });

  it("empty lists are the one frozen empty list; lists are never shared otherwise", () => {
    const r = observe([...call, request(2, "OPTIONS", { from: A, to: B, branch: "z9hG4bK-o" })], { end: 60 });
    const [t, o] = r.transactions;
    expect(t.retransmissions).toBe(NONE);
    expect(t.expectations).toBe(NONE);
    expect(o.provisional).toBe(NONE);
    expect(Object.isFrozen(NONE)).toBe(true);
    expect(() => (t.retransmissions as number[]).push(1)).toThrow(TypeError);
    expect(t.provisional).toEqual([1]);
    expect(t.provisional).not.toBe(NONE);
    expect(t.messages).toEqual([0, 1, 2]);
  });

  it("a final seen once has no list of copies; repeated, every copy is listed", () => {
    const once = observe(call, { end: 60 }).transactions[0];
    expect(once.finalCopies).toBeUndefined();
    expect(Object.keys(once)).not.toContain("finalCopies");
    expect(Object.keys(once)).not.toContain("ack");
    const twice = observe([...call, response(1.5, 200, "INVITE", inv, "b1")], { end: 60 }).transactions[0];
    expect(twice.finalCopies).toEqual([2, 3]);
    expect(twice.retransmissions).toEqual([3]);
  });

  it("orphan responses are adopted into sealed views without writing their shared lists", () => {
    // Same Call-ID, CSeq and hop, but another From tag and a foreign branch: only the adoption matches them.
    const stray: Hop = { ...inv, branch: "z9hG4bK-x", fromTag: "zz" };
    const model = buildModel([request(0, "INVITE", inv), response(0.5, 180, "INVITE", stray, "b1"), response(1, 486, "INVITE", stray, "b1")], { end: 60 });
    const r = observeTransactions(model);
    expect(r.orphanResponses).toEqual([1, 2]);
    const t = r.transactions[0];
    expect(t.provisional).toBe(NONE);
    expect(adoptOrphanResponses(model.messages, r.transactions, r.txnOfMessage, r.retransmission, r.orphanResponses)).toEqual([1, 2]);
    expect(t.messages).toEqual([0, 1, 2]);
    expect(t.provisional).toEqual([1]);
    expect(t.final).toBe(2);
    expect(NONE).toHaveLength(0);
  });
});
