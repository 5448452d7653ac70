/**
 * Table-driven transitions of the four RFC 3261 §17 / RFC 6026 transaction machines.
 * Each row: from the start state, apply `path` (events at given times), then `event` at `at`;
 * expect the resulting RFC state and the effects written compactly:
 *   "Send" / "Send*" (retransmission), "Ack" / "Ack*", "Cancel", "Trying", "Deliver",
 *   "Start X@t", "Stop X", "Inform <error>", "End <reason>".
 */
import { describe, expect, it } from "vitest";
import { isReliableTransport, timerConfig } from "./timers";
import { stepNotes, type TxnEffect, type ClientEvent, type ServerEvent, type StepNotes } from "./transaction";
import { observeInviteClient, startInviteClient, stepInviteClient } from "./invite-client";
import { observeInviteServer, startInviteServer, stepInviteServer } from "./invite-server";
import { observeNonInviteClient, startNonInviteClient, stepNonInviteClient } from "./non-invite-client";
import { observeNonInviteServer, startNonInviteServer, stepNonInviteServer } from "./non-invite-server";

type M = string;
type Ev = (ClientEvent<M> | ServerEvent<M>) & { at?: number };

function fmt(e: TxnEffect<M>): string {
  switch (e.type) {
    case "Send": return e.retransmission ? "Send*" : "Send";
    case "SendAck": return e.retransmission ? "Ack*" : "Ack";
    case "SendCancel": return "Cancel";
    case "SendTrying": return "Trying";
    case "DeliverToTU": return "Deliver";
    case "StartTimer": return `Start ${e.timer.name}@${+e.timer.at.toFixed(3)}`;
    case "StopTimer": return `Stop ${e.name}`;
    case "InformTU": return `Inform ${e.error}`;
    case "Terminated": return `End ${e.reason}`;
  }
}

const MACHINES = {
  ic: { start: startInviteClient, step: stepInviteClient, observe: observeInviteClient },
  is: { start: startInviteServer, step: stepInviteServer, observe: observeInviteServer },
  nc: { start: startNonInviteClient, step: stepNonInviteClient, observe: observeNonInviteClient },
  ns: { start: startNonInviteServer, step: stepNonInviteServer, observe: observeNonInviteServer },
} as const;

const rsp = (status: number, at?: number): Ev => ({ type: "ResponseReceived", status, message: `r${status}`, at });
const sent = (status: number, at?: number): Ev => ({ type: "ResponseSent", status, message: `s${status}`, at });
const fire = (name: any, at: number): Ev => ({ type: "TimerFired", name, at });
const req = (at?: number): Ev => ({ type: "RequestReceived", message: "req", at });
const ack = (at?: number): Ev => ({ type: "AckReceived", message: "ack", at });
const terr: Ev = { type: "TransportError" };

interface Row {
  name: string;
  m: keyof typeof MACHINES;
  tp?: string;
  path?: Ev[];
  event?: Ev;
  state: string;
  effects: string[];
}

const ROWS: Row[] = [
  // ---- INVITE client, §17.1.1.2 + RFC 6026 §8.4 ----
  { name: "start on UDP: send, A=T1, B=64*T1", m: "ic", state: "Calling", effects: ["Send", "Start A@0.5", "Start B@32"] },
  { name: "start on TCP: no Timer A", m: "ic", tp: "tcp", state: "Calling", effects: ["Send", "Start B@32"] },
  { name: "Calling + A: resend, A doubles", m: "ic", event: fire("A", 0.5), state: "Calling", effects: ["Send*", "Start A@1.5"] },
  { name: "Calling + A twice: 2T1 then 4T1", m: "ic", path: [fire("A", 0.5)], event: fire("A", 1.5), state: "Calling", effects: ["Send*", "Start A@3.5"] },
  { name: "Calling + B: timeout, no ACK", m: "ic", event: fire("B", 32), state: "Terminated", effects: ["Inform timeout", "Stop A", "End timeout"] },
  { name: "Calling + 1xx -> Proceeding", m: "ic", event: rsp(100, 0.1), state: "Proceeding", effects: ["Stop A", "Stop B", "Deliver"] },
  { name: "Calling + 2xx -> Accepted, M", m: "ic", event: rsp(200, 1), state: "Accepted", effects: ["Stop A", "Stop B", "Deliver", "Start M@33"] },
  { name: "Calling + 486 -> Completed, ACK, D=32", m: "ic", event: rsp(486, 1), state: "Completed", effects: ["Stop A", "Stop B", "Ack", "Deliver", "Start D@33"] },
  { name: "Proceeding + 180: deliver", m: "ic", path: [rsp(100, 0.1)], event: rsp(180, 0.2), state: "Proceeding", effects: ["Deliver"] },
  { name: "Proceeding + 487 -> Completed", m: "ic", path: [rsp(180, 0.1)], event: rsp(487, 2), state: "Completed", effects: ["Ack", "Deliver", "Start D@34"] },
  { name: "Proceeding + 487 on TCP: D=0 -> Terminated", m: "ic", tp: "tcp", path: [rsp(180, 0.1)], event: rsp(487, 2), state: "Terminated", effects: ["Ack", "Deliver", "End normal"] },
  { name: "Proceeding + 200 -> Accepted", m: "ic", path: [rsp(180, 0.1)], event: rsp(200, 2), state: "Accepted", effects: ["Deliver", "Start M@34"] },
  { name: "Proceeding: stale Timer A ignored", m: "ic", path: [rsp(180, 0.1)], event: fire("A", 0.5), state: "Proceeding", effects: [] },
  { name: "Completed + 487 again: ACK again, not to TU", m: "ic", path: [rsp(487, 1)], event: rsp(487, 1.5), state: "Completed", effects: ["Ack*"] },
  { name: "Completed + D -> Terminated", m: "ic", path: [rsp(487, 1)], event: fire("D", 33), state: "Terminated", effects: ["End normal"] },
  { name: "Accepted + 2xx again: to TU, no ACK", m: "ic", path: [rsp(200, 1)], event: rsp(200, 1.5), state: "Accepted", effects: ["Deliver"] },
  { name: "Accepted + M -> Terminated", m: "ic", path: [rsp(200, 1)], event: fire("M", 33), state: "Terminated", effects: ["End normal"] },
  { name: "Calling + transport error", m: "ic", event: terr, state: "Terminated", effects: ["Inform transport-error", "Stop A", "Stop B", "End transport-error"] },
  { name: "TuCancel in Calling waits for 1xx (§9.1)", m: "ic", path: [{ type: "TuCancel" }], event: rsp(180, 0.3), state: "Proceeding", effects: ["Stop A", "Stop B", "Deliver", "Cancel"] },
  { name: "TuCancel in Proceeding sends CANCEL", m: "ic", path: [rsp(180, 0.1)], event: { type: "TuCancel" }, state: "Proceeding", effects: ["Cancel"] },

  // ---- INVITE server, §17.2.1 + RFC 6026 §8.5-8.7 ----
  { name: "start: to TU, 100 Trying", m: "is", state: "Proceeding", effects: ["Deliver", "Trying"] },
  { name: "Proceeding + INVITE again, nothing sent yet", m: "is", event: req(0.5), state: "Proceeding", effects: [] },
  { name: "Proceeding + 180 from TU: send", m: "is", event: sent(180, 0.1), state: "Proceeding", effects: ["Send"] },
  { name: "Proceeding + INVITE again: resend last 1xx", m: "is", path: [sent(180, 0.1)], event: req(0.5), state: "Proceeding", effects: ["Send*"] },
  { name: "Proceeding + 2xx -> Accepted, L", m: "is", event: sent(200, 1), state: "Accepted", effects: ["Send", "Start L@33"] },
  { name: "Proceeding + 487 -> Completed, G=T1, H=64*T1", m: "is", event: sent(487, 1), state: "Completed", effects: ["Send", "Start G@1.5", "Start H@33"] },
  { name: "Proceeding + 487 on TCP: no G", m: "is", tp: "tcp", event: sent(487, 1), state: "Completed", effects: ["Send", "Start H@33"] },
  { name: "Completed + G: resend, G=min(2T1,T2)", m: "is", path: [sent(487, 1)], event: fire("G", 1.5), state: "Completed", effects: ["Send*", "Start G@2.5"] },
  { name: "Completed + INVITE again: resend final", m: "is", path: [sent(487, 1)], event: req(1.2), state: "Completed", effects: ["Send*"] },
  { name: "Completed + H: ACK never received", m: "is", path: [sent(487, 1)], event: fire("H", 33), state: "Terminated", effects: ["Inform ack-timeout", "Stop G", "End ack-timeout"] },
  { name: "Completed + ACK -> Confirmed, I=T4", m: "is", path: [sent(487, 1)], event: ack(1.1), state: "Confirmed", effects: ["Stop G", "Stop H", "Deliver", "Start I@6.1"] },
  { name: "Completed + ACK on TCP: I=0 -> Terminated", m: "is", tp: "tcp", path: [sent(487, 1)], event: ack(1.1), state: "Terminated", effects: ["Stop H", "Deliver", "End normal"] },
  { name: "Confirmed + ACK again: absorbed", m: "is", path: [sent(487, 1), ack(1.1)], event: ack(1.2), state: "Confirmed", effects: [] },
  { name: "Confirmed + I -> Terminated", m: "is", path: [sent(487, 1), ack(1.1)], event: fire("I", 6.1), state: "Terminated", effects: ["End normal"] },
  { name: "Accepted + INVITE again: absorbed", m: "is", path: [sent(200, 1)], event: req(1.2), state: "Accepted", effects: [] },
  { name: "Accepted + 2xx from TU: send", m: "is", path: [sent(200, 1)], event: sent(200, 1.5), state: "Accepted", effects: ["Send*"] },
  { name: "Accepted + L -> Terminated", m: "is", path: [sent(200, 1)], event: fire("L", 33), state: "Terminated", effects: ["End normal"] },

  // ---- non-INVITE client, §17.1.2.2 ----
  { name: "start on UDP: send, F, E", m: "nc", state: "Trying", effects: ["Send", "Start F@32", "Start E@0.5"] },
  { name: "start on TCP: no E", m: "nc", tp: "tcp", state: "Trying", effects: ["Send", "Start F@32"] },
  { name: "Trying + E: resend, E=min(2T1,T2)", m: "nc", event: fire("E", 0.5), state: "Trying", effects: ["Send*", "Start E@1.5"] },
  { name: "Trying + E capped at T2", m: "nc", path: [fire("E", 0.5), fire("E", 1.5), fire("E", 3.5)], event: fire("E", 7.5), state: "Trying", effects: ["Send*", "Start E@11.5"] },
  { name: "Trying + 1xx -> Proceeding", m: "nc", event: rsp(100, 0.1), state: "Proceeding", effects: ["Deliver"] },
  { name: "Proceeding + E: resend, E=T2", m: "nc", path: [rsp(100, 0.1)], event: fire("E", 0.5), state: "Proceeding", effects: ["Send*", "Start E@4.5"] },
  { name: "Trying + 200 -> Completed, K=T4", m: "nc", event: rsp(200, 0.2), state: "Completed", effects: ["Deliver", "Stop E", "Stop F", "Start K@5.2"] },
  { name: "Trying + 200 on TCP: K=0 -> Terminated", m: "nc", tp: "tcp", event: rsp(200, 0.2), state: "Terminated", effects: ["Deliver", "Stop F", "End normal"] },
  { name: "Proceeding + F: timeout", m: "nc", path: [rsp(100, 0.1)], event: fire("F", 32), state: "Terminated", effects: ["Inform timeout", "Stop E", "End timeout"] },
  { name: "Completed + response again: absorbed", m: "nc", path: [rsp(200, 0.2)], event: rsp(200, 0.7), state: "Completed", effects: [] },
  { name: "Completed + K -> Terminated", m: "nc", path: [rsp(200, 0.2)], event: fire("K", 5.2), state: "Terminated", effects: ["End normal"] },

  // ---- non-INVITE server, §17.2.2 ----
  { name: "start: to TU", m: "ns", state: "Trying", effects: ["Deliver"] },
  { name: "Trying + request again: discarded", m: "ns", event: req(0.5), state: "Trying", effects: [] },
  { name: "Trying + 1xx -> Proceeding", m: "ns", event: sent(100, 0.1), state: "Proceeding", effects: ["Send"] },
  { name: "Proceeding + request again: resend 1xx", m: "ns", path: [sent(100, 0.1)], event: req(0.5), state: "Proceeding", effects: ["Send*"] },
  { name: "Trying + 200 -> Completed, J=64*T1", m: "ns", event: sent(200, 0.1), state: "Completed", effects: ["Send", "Start J@32.1"] },
  { name: "Trying + 200 on TCP: J=0 -> Terminated", m: "ns", tp: "tcp", event: sent(200, 0.1), state: "Terminated", effects: ["Send", "End normal"] },
  { name: "Completed + request again: resend final", m: "ns", path: [sent(200, 0.1)], event: req(0.5), state: "Completed", effects: ["Send*"] },
  { name: "Completed + another final from TU: discarded", m: "ns", path: [sent(200, 0.1)], event: sent(500, 0.2), state: "Completed", effects: [] },
  { name: "Completed + J -> Terminated", m: "ns", path: [sent(200, 0.1)], event: fire("J", 32.1), state: "Terminated", effects: ["End normal"] },
  { name: "Proceeding + transport error", m: "ns", path: [sent(100, 0.1)], event: terr, state: "Terminated", effects: ["Inform transport-error", "End transport-error"] },
];

describe("transaction machines: RFC 3261 §17 / RFC 6026 transitions", () => {
  it.each(ROWS.map((r) => [r.name + ` [${r.m}]`, r] as const))("%s", (_n, row) => {
    const mc = MACHINES[row.m] as any;
    const cfg = timerConfig({ transport: row.tp ?? "udp" });
    let { state, effects } = mc.start("req", cfg, 0);
    for (const ev of row.path ?? []) ({ state, effects } = mc.step(state, ev, ev.at ?? 0));
    if (row.event) ({ state, effects } = mc.step(state, row.event, row.event.at ?? 0));
    expect({ state: state.state, effects: effects.map(fmt) }).toEqual({ state: row.state, effects: row.effects });
  });

  it("armed timers in the state match the StartTimer/StopTimer effects", () => {
    let { state } = startInviteServer("inv", timerConfig(), 0);
    ({ state } = stepInviteServer(state, { type: "ResponseSent", status: 487, message: "487" }, 1));
    expect(state.timers.map((t) => t.name).sort()).toEqual(["G", "H"]);
    ({ state } = stepInviteServer(state, { type: "AckReceived", message: "ack" }, 1.1));
    expect(state.timers.map((t) => t.name)).toEqual(["I"]);
  });

  it.each([["udp", false], ["UDP", false], ["tcp", true], ["TCP", true], ["Tls", true], ["wss", true], ["SCTP", true], ["tls-sctp", true], ["TLS-SCTP", true], ["dccp", false], ["", false]] as const)(
    "reliable transport, any case: %s -> %s",
    (name, reliable) => {
      expect(isReliableTransport(name)).toBe(reliable);
    },
  );

  it("T1 is configurable and scales every 64*T1 timer", () => {
    const { effects } = startInviteClient("inv", timerConfig({ t1: 0.25 }), 10);
    expect(effects.map(fmt)).toEqual(["Send", "Start A@10.25", "Start B@26"]);
  });

  // Steps share one effect builder, empty lists and fixed effects: check no state, list or effect
  // a caller holds is ever written afterwards (strict mode: writing a frozen object throws).
  it.each(ROWS.map((r) => [r.name + ` [${r.m}]`, r] as const))("never writes a state or effect it handed out: %s", (_n, row) => {
    const mc = MACHINES[row.m] as any;
    const cfg = deepFreeze(timerConfig({ transport: row.tp ?? "udp" }));
    let { state, effects } = mc.start("req", cfg, 0);
    const seen: [unknown, string][] = [];
    for (const ev of [...(row.path ?? []), ...(row.event ? [row.event] : [])]) {
      seen.push([deepFreeze(state), JSON.stringify(state)], [deepFreeze(effects), JSON.stringify(effects)]);
      ({ state, effects } = mc.step(state, deepFreeze({ ...ev }), ev.at ?? 0));
    }
    for (const [x, text] of seen) expect(JSON.stringify(x)).toBe(text);
    expect({ state: state.state, effects: effects.map(fmt) }).toEqual({ state: row.state, effects: row.effects });
  });

  it("a step that changes nothing answers the very state given, and a frozen empty effect list", () => {
    let { state } = startInviteClient("inv", timerConfig(), 0);
    ({ state } = stepInviteClient(state, { type: "ResponseReceived", status: 100, message: "100" }, 0.1));
    const r = stepInviteClient(state, { type: "ResponseReceived", status: 180, message: "180" }, 0.2);
    expect(r.state).toBe(state);
    expect(r.effects.map(fmt)).toEqual(["Deliver"]);
    const stale = stepInviteClient(state, { type: "TimerFired", name: "A" }, 0.5);
    expect(stale.state).toBe(state);
    expect(stale.effects).toEqual([]);
    expect(Object.isFrozen(stale.effects)).toBe(true);
  });

  it("one step's effects are not changed by the next step", () => {
    const started = startInviteClient("inv", timerConfig(), 0);
    const first = started.effects.map(fmt);
    const next = stepInviteClient(started.state, { type: "ResponseReceived", status: 486, message: "486" }, 1);
    stepInviteClient(next.state, { type: "ResponseReceived", status: 486, message: "486" }, 1.5);
    expect(started.effects.map(fmt)).toEqual(first);
    expect(next.effects.map(fmt)).toEqual(["Stop A", "Stop B", "Ack", "Deliver", "Start D@33"]);
  });

  it("does not mutate the state it was given", () => {
    const { state } = startNonInviteClient("r", timerConfig(), 0);
    const frozen = JSON.stringify(state);
    stepNonInviteClient(state, { type: "ResponseReceived", status: 200, message: "ok" }, 1);
    expect(JSON.stringify(state)).toBe(frozen);
  });
});

describe("observing steps (observeX): the step's state, made in place, its effects only noted", () => {
  /** What StepNotes should say of a step's effect list. */
  function notesOf(effects: readonly TxnEffect<M>[]): StepNotes {
    const notes = stepNotes();
    for (const e of effects) {
      if (e.type === "SendAck") notes.sendAck = true;
      else if (e.type === "InformTU" && e.timer !== undefined) notes.timeout = e.timer;
    }
    return notes;
  }

  /** Drive `m` through `events` both ways, expecting equal states after every step (the observed one updated in place). */
  function expectSameWalk(m: keyof typeof MACHINES, transport: string, events: readonly Ev[]): void {
    const mc = MACHINES[m] as any;
    const cfg = timerConfig({ transport });
    let stepped = mc.start("req", cfg, 0).state;
    let observed = mc.start("req", cfg, 0).state;
    const notes = stepNotes();
    for (const ev of events) {
      const r = mc.step(stepped, ev, ev.at ?? 0);
      const next = mc.observe(observed, ev, ev.at ?? 0, notes);
      expect(next).toStrictEqual(r.state);
      expect(notes).toEqual(notesOf(r.effects));
      expect(next).toBe(observed);
      stepped = r.state;
      observed = next;
    }
  }

  it.each(ROWS.map((r) => [r.name + ` [${r.m}]`, r] as const))("%s", (_n, row) => {
    expectSameWalk(row.m, row.tp ?? "udp", [...(row.path ?? []), ...(row.event ? [row.event] : [])]);
  });

  it("random walks through every machine give the same states and notes", () => {
    // A small deterministic generator: the walks are the same on every run.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const statuses = [100, 180, 183, 200, 202, 302, 404, 486, 487, 500, 603];
    const timers = ["A", "B", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"];
    for (let walk = 0; walk < 400; walk++) {
      const m = (["ic", "is", "nc", "ns"] as const)[walk % 4];
      const events: Ev[] = [];
      let at = 0;
      for (let k = 0; k < 12; k++) {
        at += [0.05, 0.6, 4, 40][next(4)];
        const status = statuses[next(statuses.length)];
        const all: Ev[] = [rsp(status, at), sent(status, at), req(at), ack(at), fire(timers[next(timers.length)], at), { type: "TuCancel", at } as Ev];
        if (next(30) === 0) all.push({ ...terr, at });
        events.push(all[next(all.length)]);
      }
      expectSameWalk(m, walk % 8 < 4 ? "udp" : "tcp", events);
    }
  });

  it("a step run after an observed one still makes its effects and a new state", () => {
    const notes = stepNotes();
    const { state } = startInviteClient("inv", timerConfig(), 0);
    const own = startInviteClient("inv", timerConfig(), 0).state;
    observeInviteClient(own, { type: "ResponseReceived", status: 486, message: "486" }, 1, notes);
    expect(notes).toEqual({ sendAck: true, timeout: undefined });
    expect(own.state).toBe("Completed");
    const frozen = JSON.stringify(state);
    const r = stepInviteClient(state, { type: "ResponseReceived", status: 486, message: "486" }, 1);
    expect(r.effects.map(fmt)).toEqual(["Stop A", "Stop B", "Ack", "Deliver", "Start D@33"]);
    expect(r.state).not.toBe(state);
    expect(JSON.stringify(state)).toBe(frozen);
    expect(stepInviteClient(state, { type: "TimerFired", name: "D" }, 1).effects).toEqual([]);
  });
});

/** Freeze `x` and everything it holds (objects and arrays). */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
