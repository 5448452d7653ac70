/**
 * A client transaction machine driven against a server transaction machine on a simulated clock
 * (quinn style): both machines' effects are executed by a tiny in-memory network with a fixed
 * one-way delay and a loss rule; time jumps to the earliest pending event (a delivery, a TU action
 * or an armed timer). Nothing here reads a real clock.
 */
import { describe, expect, it } from "vitest";
import {
  nextTimer,
  startInviteClient,
  startInviteServer,
  startNonInviteClient,
  startNonInviteServer,
  stepInviteClient,
  stepInviteServer,
  stepNonInviteClient,
  stepNonInviteServer,
  timerConfig,
  type Timer,
  type TxnEffect,
} from "../core/machines";

type Msg = { kind: "request" | "response" | "ack"; status?: number };
type Side = "client" | "server";

interface Scenario {
  invite: boolean;
  transport: "udp" | "tcp";
  /** Server TU: responses (status, delay after the request reached the TU). */
  respond: { status: number; after: number }[];
  /** Drop the n-th transmission (0-based, counted per side and kind) when this returns true. */
  lose?: (from: Side, msg: Msg, n: number) => boolean;
  delay?: number;
}

interface Trace {
  sends: { t: number; from: Side; what: string; retransmission: boolean; lost: boolean }[];
  clientEnd?: { t: number; reason: string };
  serverEnd?: { t: number; reason: string };
  clientDelivered: number[];
  informed: string[];
}

function simulate(sc: Scenario): Trace {
  const cfg = timerConfig({ transport: sc.transport });
  const delay = sc.delay ?? 0.02;
  const trace: Trace = { sends: [], clientDelivered: [], informed: [] };
  const counts = new Map<string, number>();
  type Pending = { at: number; run: () => void };
  const queue: Pending[] = [];
  let now = 0;

  const C = sc.invite ? { start: startInviteClient, step: stepInviteClient } : { start: startNonInviteClient, step: stepNonInviteClient };
  const S = sc.invite ? { start: startInviteServer, step: stepInviteServer } : { start: startNonInviteServer, step: stepNonInviteServer };
  let client: any;
  let server: any;

  function transmit(from: Side, msg: Msg, retransmission: boolean) {
    const k = from + msg.kind + (msg.status ?? "");
    const n = counts.get(k) ?? 0;
    counts.set(k, n + 1);
    const lost = sc.lose?.(from, msg, n) ?? false;
    trace.sends.push({ t: now, from, what: msg.kind === "response" ? String(msg.status) : msg.kind, retransmission, lost });
    if (!lost) queue.push({ at: now + delay, run: () => (from === "client" ? serverGets(msg) : clientGets(msg)) });
  }

  function runEffects(side: Side, effects: TxnEffect<Msg>[]) {
    for (const e of effects) {
      if (e.type === "Send") transmit(side, e.message, e.retransmission);
      else if (e.type === "SendAck") transmit(side, { kind: "ack" }, e.retransmission);
      else if (e.type === "InformTU") trace.informed.push(`${side}:${e.error}`);
      else if (e.type === "Terminated") trace[side === "client" ? "clientEnd" : "serverEnd"] = { t: now, reason: e.reason };
      else if (e.type === "DeliverToTU" && side === "client") trace.clientDelivered.push(e.message.status!);
      else if (e.type === "DeliverToTU" && side === "server" && e.message.kind === "request") {
        for (const r of sc.respond) {
          queue.push({
            at: now + r.after,
            run: () => {
              const res = S.step(server, { type: "ResponseSent", status: r.status, message: { kind: "response", status: r.status } } as any, now);
              server = res.state;
              runEffects("server", res.effects as any);
            },
          });
        }
      }
    }
  }

  function serverGets(msg: Msg) {
    if (msg.kind === "request") {
      if (!server) {
        const res = (S.start as any)(msg, cfg, now);
        server = res.state;
        runEffects("server", res.effects);
      } else if (server.state !== "Terminated") {
        const res = S.step(server, { type: "RequestReceived", message: msg } as any, now);
        server = res.state;
        runEffects("server", res.effects as any);
      }
    } else if (msg.kind === "ack" && server && server.state !== "Terminated") {
      const res = (S.step as any)(server, { type: "AckReceived", message: msg }, now);
      server = res.state;
      runEffects("server", res.effects);
    }
  }

  function clientGets(msg: Msg) {
    if (client.state === "Terminated") return;
    const res = C.step(client, { type: "ResponseReceived", status: msg.status!, message: msg } as any, now);
    client = res.state;
    runEffects("client", res.effects as any);
  }

  const started = (C.start as any)({ kind: "request" }, cfg, 0);
  client = started.state;
  runEffects("client", started.effects);

  for (let guard = 0; guard < 10_000; guard++) {
    const timers: { at: number; side: Side; timer: Timer }[] = [];
    for (const [side, m] of [["client", client], ["server", server]] as const) {
      const t = m && m.state !== "Terminated" ? nextTimer(m.timers) : undefined;
      if (t) timers.push({ at: t.at, side, timer: t });
    }
    const nextQ = queue.reduce<Pending | undefined>((b, p) => (!b || p.at < b.at ? p : b), undefined);
    const nextT = timers.sort((a, b) => a.at - b.at)[0];
    if (!nextQ && !nextT) break;
    if (nextQ && (!nextT || nextQ.at <= nextT.at)) {
      queue.splice(queue.indexOf(nextQ), 1);
      now = nextQ.at;
      nextQ.run();
    } else {
      now = nextT!.at;
      const ev = { type: "TimerFired", name: nextT!.timer.name } as const;
      if (nextT!.side === "client") {
        const res = C.step(client, ev, now);
        client = res.state;
        runEffects("client", res.effects as any);
      } else {
        const res = S.step(server, ev, now);
        server = res.state;
        runEffects("server", res.effects as any);
      }
    }
  }
  return trace;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

describe("client vs server transaction on a simulated clock", () => {
  it("UDP INVITE: first INVITE lost, Timer A retransmits, 486 + ACK, then D and I end both", () => {
    const t = simulate({ invite: true, transport: "udp", respond: [{ status: 486, after: 0.05 }], lose: (f, m, n) => f === "client" && m.kind === "request" && n === 0 });
    const invites = t.sends.filter((s) => s.what === "request");
    expect(invites.map((s) => [r3(s.t), s.retransmission, s.lost])).toEqual([[0, false, true], [0.5, true, false]]);
    expect(t.sends.filter((s) => s.what === "ack")).toHaveLength(1);
    expect(t.clientDelivered).toEqual([486]);
    expect(t.clientEnd).toEqual({ t: r3(0.5 + 0.02 + 0.05 + 0.02 + 32), reason: "normal" });
    // Server: final at 0.57, ACK at 0.61, Timer I = T4 = 5 s.
    expect(r3(t.serverEnd!.t)).toBe(r3(0.61 + 5));
    expect(t.informed).toEqual([]);
  });

  it("UDP INVITE: 487 lost twice, Timer G retransmits it, each copy ACKed once it arrives", () => {
    const t = simulate({ invite: true, transport: "udp", respond: [{ status: 180, after: 0.01 }, { status: 487, after: 1 }], lose: (f, m, n) => f === "server" && m.status === 487 && n < 2 });
    const finals = t.sends.filter((s) => s.what === "487");
    // final at 1.02, G fires at +0.5 (lost), then at +1.0 more (min(2*T1, T2) = 1 s): arrives.
    expect(finals.map((s) => [r3(s.t), s.retransmission, s.lost])).toEqual([[1.02, false, true], [1.52, true, true], [2.52, true, false]]);
    expect(t.sends.filter((s) => s.what === "ack")).toHaveLength(1);
    expect(t.clientDelivered).toEqual([180, 487]);
    expect(t.serverEnd?.reason).toBe("normal");
  });

  it("UDP INVITE 2xx: both sides enter Accepted and end by Timer M / Timer L (RFC 6026), no ACK from the transaction", () => {
    const t = simulate({ invite: true, transport: "udp", respond: [{ status: 180, after: 0.01 }, { status: 200, after: 2 }] });
    expect(t.sends.map((s) => s.what)).toEqual(["request", "180", "200"]);
    expect(t.clientEnd).toEqual({ t: r3(2.04 + 32), reason: "normal" });
    expect(t.serverEnd).toEqual({ t: r3(2.02 + 32), reason: "normal" });
  });

  it("UDP INVITE with no answer at all: Timer B after 7 transmissions, the TU is told", () => {
    const t = simulate({ invite: true, transport: "udp", respond: [], lose: () => true });
    expect(t.sends.map((s) => r3(s.t))).toEqual([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]);
    expect(t.clientEnd).toEqual({ t: 32, reason: "timeout" });
    expect(t.informed).toEqual(["client:timeout"]);
  });

  it("UDP INVITE: every ACK lost, Timer H fires 64*T1 after the final, 487 retransmitted at G intervals", () => {
    const t = simulate({ invite: true, transport: "udp", respond: [{ status: 487, after: 0.1 }], lose: (f, m) => f === "client" && m.kind === "ack" });
    const finals = t.sends.filter((s) => s.what === "487").map((s) => r3(s.t - 0.12));
    expect(finals).toEqual([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]);
    expect(t.serverEnd).toEqual({ t: r3(0.12 + 32), reason: "ack-timeout" });
    expect(t.informed).toEqual(["server:ack-timeout"]);
    // The client ACKed every copy it received (its own ACKs were the ones lost).
    expect(t.sends.filter((s) => s.what === "ack")).toHaveLength(11);
  });

  it("UDP non-INVITE with no answer: Timer F after E retransmissions capped at T2", () => {
    const t = simulate({ invite: false, transport: "udp", respond: [], lose: () => true });
    expect(t.sends.map((s) => r3(s.t))).toEqual([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]);
    expect(t.clientEnd).toEqual({ t: 32, reason: "timeout" });
  });

  it("UDP non-INVITE: the 200 is lost, the retransmitted request makes the server resend it", () => {
    const t = simulate({ invite: false, transport: "udp", respond: [{ status: 200, after: 0.01 }], lose: (f, m, n) => f === "server" && n === 0 });
    expect(t.sends.map((s) => [s.from, s.what, s.retransmission])).toEqual([
      ["client", "request", false],
      ["server", "200", false],
      ["client", "request", true],
      ["server", "200", true],
    ]);
    expect(t.clientDelivered).toEqual([200]);
    expect(t.clientEnd?.reason).toBe("normal");
    expect(t.serverEnd).toEqual({ t: r3(0.03 + 32), reason: "normal" });
  });

  it("TCP INVITE 487: no retransmissions; D and I are zero so both end at the ACK", () => {
    const t = simulate({ invite: true, transport: "tcp", respond: [{ status: 487, after: 0.1 }] });
    expect(t.sends.map((s) => s.what)).toEqual(["request", "487", "ack"]);
    expect(t.clientEnd).toEqual({ t: r3(0.14), reason: "normal" });
    expect(t.serverEnd).toEqual({ t: r3(0.16), reason: "normal" });
  });

  it("TCP non-INVITE with no answer: no retransmission, Timer F", () => {
    const t = simulate({ invite: false, transport: "tcp", respond: [], lose: () => true });
    expect(t.sends).toHaveLength(1);
    expect(t.clientEnd).toEqual({ t: 32, reason: "timeout" });
  });
});
