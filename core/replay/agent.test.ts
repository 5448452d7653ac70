/**
 * Replaying agents against the pure engine on a simulated clock, no sockets: the caller's script
 * is INVITE, CANCEL after the 180; the callee's is 180 then 487. The ACK for the 487 was missing in
 * the "capture" — the caller's INVITE client machine sends it anyway, and the engine ACKs the
 * callee's 487 itself.
 */
import { describe, expect, it } from "vitest";
import { SipEngine } from "../engine/engine";
import { defaultUsers } from "../engine/users";
import type { EngineEffect } from "../engine/types";
import { parseSip } from "../protocols/sip/parse";
import { deriveScript, type CapturedMessage } from "./script";
import { Rewriter } from "./rewrite";
import { ReplayAgent, type AgentEffect } from "./agent";

const enc = (s: string) => new TextEncoder().encode(s.replace(/\r?\n/g, "\r\n"));
const A = { ip: "10.0.0.10", port: 5060 };
const S = { ip: "10.0.0.1", port: 5060 };
const B = { ip: "10.0.0.20", port: 5060 };
let nid = 0;
function cap(time: number, src: typeof A, dst: typeof A, text: string): CapturedMessage {
  return { id: nid++, time, src, dst, transport: "udp", protocol: "sip", sip: parseSip(enc(text)) };
}
const hdr = (branch: string, extra = "") => `Via: SIP/2.0/UDP 10.0.0.10:5060;branch=${branch}\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>${extra}\nCall-ID: c1@x\n`;

const invite = `INVITE sip:bob@example.com SIP/2.0\n${hdr("z9hG4bK-a")}CSeq: 1 INVITE\nContact: <sip:alice@10.0.0.10:5060>\nMax-Forwards: 70\nContent-Length: 0\n\n`;
const fwd = `INVITE sip:bob@10.0.0.20:5060 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-p\n${hdr("z9hG4bK-a")}CSeq: 1 INVITE\nContact: <sip:alice@10.0.0.10:5060>\nMax-Forwards: 69\nContent-Length: 0\n\n`;
const resp = (st: string, via2: boolean, cseq = "1 INVITE") => `SIP/2.0 ${st}\n${via2 ? "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-p\n" : ""}${hdr("z9hG4bK-a", ";tag=b1")}CSeq: ${cseq}\nContent-Length: 0\n\n`;
const cancel = `CANCEL sip:bob@example.com SIP/2.0\n${hdr("z9hG4bK-a")}CSeq: 1 CANCEL\nMax-Forwards: 70\nContent-Length: 0\n\n`;
const cancelFwd = `CANCEL sip:bob@10.0.0.20:5060 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-p\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\nCall-ID: c1@x\nCSeq: 1 CANCEL\nContent-Length: 0\n\n`;

const captured = [
  cap(0, A, S, invite),
  cap(0.001, S, A, resp("100 Trying", false)),
  cap(0.002, S, B, fwd),
  cap(0.1, B, S, resp("180 Ringing", true)),
  cap(0.101, S, A, resp("180 Ringing", false)),
  cap(1, A, S, cancel),
  cap(1.001, S, A, resp("200 OK", false, "1 CANCEL")),
  cap(1.002, S, B, cancelFwd),
  cap(1.003, B, S, resp("200 OK", true, "1 CANCEL").replace("Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-a\n", "")),
  cap(1.004, B, S, resp("487 Request Terminated", true)),
  cap(1.005, S, B, `ACK sip:bob@10.0.0.20:5060 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-p\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b1\nCall-ID: c1@x\nCSeq: 1 ACK\nContent-Length: 0\n\n`),
  cap(1.006, S, A, resp("487 Request Terminated", false)),
  // ... and no ACK from A: the bug.
];

describe("script derivation", () => {
  it("finds the proxy as the server and each endpoint's side", () => {
    const s = deriveScript(captured);
    expect(s.hub).toEqual(["10.0.0.1:5060"]);
    expect(s.direct).toBe(false);
    expect(s.endpoints.map((e) => [e.id, e.address, e.steps.length, e.answers.length])).toEqual([
      ["A", "10.0.0.10:5060", 2, 0],
      ["B", "10.0.0.20:5060", 0, 3],
    ]);
    expect(s.endpoints[0].steps.map((st) => (st.kind === "send" ? st.msg.sip?.method : st.kind))).toEqual(["INVITE", "CANCEL"]);
    expect(s.endpoints[0].steps[1].waitFor).toEqual(["1xx INVITE"]); // the 180, by class
    expect(s.endpoints[1].answers.map((a) => [a.request.sip?.method, a.responses.map((r) => r.sip?.status)])).toEqual([["INVITE", [180, 487]], ["CANCEL", [200]], ["ACK", []]]);
    expect(s.endpoints[1].users).toEqual(["bob"]);
    expect(s.domains).toEqual(["example.com"]);
  });
});

describe("agents against the engine on a simulated clock", () => {
  it("the caller's machine ACKs the 487 even though the script (the capture) has no ACK", () => {
    const script = deriveScript(captured);
    const engineAddr = { ip: "127.0.0.1", port: 5070 };
    const addr = { A: { ip: "127.0.0.1", port: 6001 }, B: { ip: "127.0.0.1", port: 6002 } } as const;
    let n = 0;
    const engine = new SipEngine({ listen: [{ transport: "udp", ...engineAddr }], users: defaultUsers(), routes: { bob: "127.0.0.1:6002" }, domains: script.domains, random: () => (n++).toString(16).padStart(12, "0") });
    const rw = new Rewriter("t");
    rw.mapAddress("10.0.0.1:5060", "127.0.0.1:5070");
    rw.mapAddress("10.0.0.10:5060", "127.0.0.1:6001");
    rw.mapAddress("10.0.0.20:5060", "127.0.0.1:6002");
    const agents = new Map(script.endpoints.map((ep) => [ep.id, new ReplayAgent({ script: ep, rewrite: rw, self: { transport: "UDP", host: "127.0.0.1", port: addr[ep.id as "A" | "B"].port }, start: 0, speed: 1, grace: 2, password: () => undefined, random: () => (n++).toString(16).padStart(12, "0") })]));
    const wire: string[] = [];
    type Ev = { at: number; run: () => void };
    const queue: Ev[] = [];
    let clock = 0;
    const schedule = (at: number, run: () => void) => queue.push({ at, run });
    const fromAgent = (id: "A" | "B", fx: AgentEffect[]) => {
      for (const e of fx) {
        if (e.kind === "send") {
          wire.push(`${id}->S ${new TextDecoder().decode(e.bytes).split("\r\n")[0]}`);
          schedule(clock + 0.001, () => fromEngine(engine.receive(e.bytes, { transport: "udp", local: engineAddr, remote: addr[id] }, clock)));
        } else if (e.kind === "timer") schedule(e.at, () => fromAgent(id, agents.get(id)!.timer(e.key, clock)));
      }
    };
    const fromEngine = (fx: EngineEffect[]) => {
      for (const e of fx) {
        if (e.kind === "send") {
          const id = e.flow.remote.port === 6001 ? "A" : "B";
          wire.push(`S->${id} ${new TextDecoder().decode(e.bytes).split("\r\n")[0]}`);
          schedule(clock + 0.001, () => fromAgent(id, agents.get(id)!.receive(e.bytes, clock)));
        } else if (e.kind === "timer") schedule(e.at, () => fromEngine(engine.timer(e.key, clock)));
      }
    };
    for (const [id, a] of agents) fromAgent(id as "A" | "B", a.start(0));
    while (queue.length && clock < 3) {
      queue.sort((x, y) => x.at - y.at);
      const ev = queue.shift()!;
      clock = Math.max(clock, ev.at);
      ev.run();
    }
    expect(wire).toEqual([
      "A->S INVITE sip:bob@example.com SIP/2.0",
      "S->A SIP/2.0 100 Trying",
      "S->B INVITE sip:bob@127.0.0.1:6002 SIP/2.0",
      "B->S SIP/2.0 180 Ringing",
      "S->A SIP/2.0 180 Ringing",
      "A->S CANCEL sip:bob@example.com SIP/2.0",
      "S->A SIP/2.0 200 OK",
      "S->B CANCEL sip:bob@127.0.0.1:6002 SIP/2.0",
      "B->S SIP/2.0 200 OK",
      "B->S SIP/2.0 487 Request Terminated",
      "S->B ACK sip:bob@127.0.0.1:6002 SIP/2.0",
      "S->A SIP/2.0 487 Request Terminated",
      "A->S ACK sip:bob@example.com SIP/2.0",
    ]);
    expect([...agents.values()].every((a) => a.finished)).toBe(true);
  });
});
