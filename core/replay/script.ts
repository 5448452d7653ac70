/**
 * From a captured flow to a replay script. The capture's *server* (the hub: the proxy, registrar,
 * S-CSCF or presence server, which the engine or a target will play) is found first; every other
 * SIP/HTTP address is an *endpoint*, and its side of the flow becomes that endpoint's script:
 * the requests it sent (with their captured times and what it had received before each), the
 * responses it gave to requests it received (answered again when the same request arrives), and
 * connection closes. Server-originated actions the engine must be asked for (a proxy ending a
 * dialog with BYE) are listed separately. Retransmissions and ACKs for non-2xx responses are left
 * out: the transaction machines produce those.
 */
import type { Endpoint, Transport } from "../capture/types";
import { endpointText } from "../capture/types";
import type { SipMessage } from "../protocols/sip/types";
import type { HttpMessage } from "../protocols/http/types";

/** The part of an observed message replay needs (structurally the analysis' Observed). */
export interface CapturedMessage {
  id: number;
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  protocol: "sip" | "diameter" | "http";
  sip?: SipMessage;
  http?: HttpMessage;
  fromLog?: boolean;
}

export interface CapturedConnectionEvent {
  time: number;
  src: Endpoint;
  dst: Endpoint;
  kind: "open" | "fin" | "rst" | "ws-close";
}

export type ScriptStep =
  /** Send this captured request (rewritten) once its time has come and what preceded it has arrived. */
  | { kind: "send"; at: number; msg: CapturedMessage; waitFor: string[] }
  /** Close the connection (a watcher's WebSocket going away). */
  | { kind: "close"; at: number; waitFor: string[] };

export interface EndpointScript {
  /** "A", "B", ... in order of first appearance. */
  id: string;
  address: string;
  endpoint: Endpoint;
  /** Transport the endpoint used towards the server ("ws" keeps its connection semantics). */
  transport: "udp" | "tcp" | "ws";
  steps: ScriptStep[];
  /**
   * Requests this endpoint received, with the responses it sent to each (first copies) and, per
   * response, what else the endpoint had received between the request and that response (a 487
   * follows the CANCEL, not just the INVITE).
   */
  answers: { request: CapturedMessage; responses: CapturedMessage[]; waits: string[][]; mark: number }[];
  /** SIP users this endpoint is reached as (for the engine's static routes). */
  users: string[];
}

export interface ServerAction {
  kind: "end-dialog";
  at: number;
  callId: string;
  /** The captured BYE(s) the server sent (only to some sides, in the buggy capture). */
  evidence: number[];
}

export interface ReplayScript {
  /** Captured server addresses ("ip:port"); all are played by the engine/target. */
  hub: string[];
  /** No server in the flow: the endpoints talk to each other directly. */
  direct: boolean;
  endpoints: EndpointScript[];
  serverActions: ServerAction[];
  /** Capture time the script's `at` values count from. */
  t0: number;
  /** Last captured time of the selection, relative to t0. */
  duration: number;
  /** The flow used Cx (MAR/SAR): the engine must run as S-CSCF. */
  ims: boolean;
  /** The captured server record-routed (else in-dialog requests went endpoint to endpoint). */
  recordRoute: boolean;
  /** The captured registrar challenged REGISTER (401/407). */
  registrarChallenged: boolean;
  /** Non-IP host names in Request-URIs/To/From: the engine answers for them. */
  domains: string[];
  /** Users named in the flow (for the replay's users directory). */
  users: string[];
  /** Digest user names the endpoints authenticated with (IMS private identities like alice@ims.example.com). */
  authNames: string[];
  /** Every captured message id the script took into account (the "original" side of the diff). */
  messageIds: number[];
}

/** Longest idle gap kept as captured, seconds. */
export const MAX_GAP = 60;

const isIp = (h: string) => /^[0-9.]+$/.test(h) || h.includes(":");

/** A label for matching replayed messages to captured ones: "INVITE", "180 INVITE", "HTTP 200". */
export function messageLabel(m: CapturedMessage): string {
  if (m.sip) return m.sip.kind === "request" ? m.sip.method ?? "?" : `${m.sip.status} ${m.sip.cseq?.method ?? ""}`.trim();
  if (m.http) return m.http.kind === "request" ? `HTTP ${m.http.method}` : `HTTP ${m.http.status}`;
  return m.protocol.toUpperCase();
}

/**
 * What an action waits for: a request by its method, a response only by its class ("final
 * INVITE", "1xx INVITE") — a replay that gets 489 where the capture had 401 must not stall.
 */
export function gateLabel(m: { sip?: { kind: string; method?: string; status?: number; cseq?: { method: string } }; http?: { kind: string; method?: string } }): string {
  if (m.sip) return m.sip.kind === "request" ? m.sip.method ?? "?" : `${(m.sip.status ?? 0) < 200 ? "1xx" : "final"} ${m.sip.cseq?.method ?? ""}`.trim();
  if (m.http) return m.http.kind === "request" ? `HTTP ${m.http.method}` : "HTTP response";
  return "?";
}

/** Same message seen again (retransmission): same sender, first line, Call-ID, CSeq, branch. */
function retransmissionKey(m: CapturedMessage): string | undefined {
  const s = m.sip;
  if (!s) return undefined;
  const first = s.kind === "request" ? `${s.method} ${s.requestUri}` : `${s.status}`;
  return `${endpointText(m.src)}>${endpointText(m.dst)}|${first}|${s.callId}|${s.cseq?.seq} ${s.cseq?.method}|${s.vias[0]?.branch ?? ""}|${s.to?.tag ?? ""}`;
}

/** Which addresses are the server: the busiest SIP address, its other ports on the same (non-loopback) IP, HTTP servers, Diameter clients. */
function findHub(msgs: CapturedMessage[]): Set<string> {
  const count = new Map<string, number>();
  const forwards = new Set<string>();
  const byCall = new Map<string, Set<string>>();
  for (const m of msgs) {
    if (m.protocol !== "sip" || !m.sip) continue;
    for (const a of [m.src, m.dst]) count.set(endpointText(a), (count.get(endpointText(a)) ?? 0) + 1);
    if (m.sip.kind === "request" && m.sip.callId) {
      // A node that receives a request and sends one of the same Call-ID/CSeq onward is a proxy.
      const k = `${m.sip.callId}|${m.sip.cseq?.seq}|${m.sip.method}`;
      const set = byCall.get(k) ?? new Set();
      if (set.has(endpointText(m.src))) forwards.add(endpointText(m.src));
      set.add(endpointText(m.dst));
      byCall.set(k, set);
    }
  }
  const hub = new Set<string>(forwards);
  for (const m of msgs) {
    const s = m.sip;
    if (s?.kind === "request" && (s.method === "REGISTER" || s.method === "SUBSCRIBE" || s.method === "PUBLISH")) hub.add(endpointText(m.dst));
    if (m.http?.kind === "request") hub.add(endpointText(m.dst));
    if (m.protocol === "diameter") {
      // The SIP server is the Diameter client; the HSS is neither hub nor endpoint.
      const client = m.src.port === 3868 ? m.dst : m.src;
      hub.add(endpointText(client));
    }
  }
  if (!hub.size) return hub; // two UAs talking directly
  const ips = new Set([...hub].map((a) => a.replace(/:\d+$/, "").replace(/^\[|\]$/g, "")));
  for (const a of count.keys()) {
    const ip = a.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    if (ips.has(ip) && !ip.startsWith("127.")) hub.add(a);
  }
  return hub;
}

export function deriveScript(all: CapturedMessage[], connections: CapturedConnectionEvent[] = []): ReplayScript {
  const sorted = all.filter((m) => !m.fromLog && (m.sip || m.http || m.protocol === "diameter")).sort((a, b) => a.time - b.time || a.id - b.id);
  // Replay time: captured time with idle gaps longer than MAX_GAP shortened to MAX_GAP (a capture
  // with a broken clock or hours of silence must not make the replay wait for hours).
  const playTime = new Map<number, number>();
  let shift = 0;
  for (let i = 0; i < sorted.length; i++) {
    const gap = i ? sorted[i].time - sorted[i - 1].time : 0;
    if (gap > MAX_GAP) shift += gap - MAX_GAP;
    playTime.set(sorted[i].id, sorted[i].time - shift);
  }
  const msgs = sorted.map((m) => ({ ...m, time: playTime.get(m.id)! }));
  const t0 = msgs[0]?.time ?? 0;
  const hub = findHub(msgs);
  const direct = hub.size === 0;
  const diameterPeers = new Set<string>();
  for (const m of msgs) if (m.protocol === "diameter") diameterPeers.add(endpointText(m.src.port === 3868 ? m.src : m.dst));

  const seen = new Set<string>();
  const firstCopies: CapturedMessage[] = [];
  for (const m of msgs) {
    if (m.protocol === "diameter") continue;
    const k = retransmissionKey(m);
    if (k && seen.has(k)) continue;
    if (k) seen.add(k);
    // The 101 that upgrades a WebSocket and its GET are the transport's, not the script's.
    if (m.http && (m.http.status === 101 || /websocket/i.test(m.http.header("upgrade") ?? ""))) continue;
    firstCopies.push(m);
  }

  // Endpoints in order of appearance.
  const endpoints = new Map<string, EndpointScript>();
  const endpointOf = (e: Endpoint, transport: Transport): EndpointScript | undefined => {
    const a = endpointText(e);
    if (hub.has(a) || diameterPeers.has(a)) return undefined;
    let ep = endpoints.get(a);
    if (!ep) {
      ep = { id: String.fromCharCode(65 + endpoints.size), address: a, endpoint: e, transport: transport === "ws" || transport === "wss" ? "ws" : transport === "tcp" ? "tcp" : "udp", steps: [], answers: [], users: [] };
      endpoints.set(a, ep);
    }
    return ep;
  };

  // INVITE transactions that ended non-2xx: their ACK is the machine's, not the script's.
  const non2xxInvite = new Set<string>();
  for (const m of firstCopies) {
    const s = m.sip;
    if (s?.kind === "response" && s.cseq?.method === "INVITE" && (s.status ?? 0) >= 300) non2xxInvite.add(`${s.callId}|${s.cseq.seq}|${s.vias[0]?.branch}`);
  }

  const received = new Map<string, string[]>(); // endpoint -> labels received since its last step
  const history = new Map<string, string[]>(); // endpoint -> every label it received
  const serverActions: ServerAction[] = [];
  const byeSeen = new Set<string>(); // Call-IDs where an endpoint sent BYE
  const users = new Set<string>();
  const domains = new Set<string>();
  let registrarChallenged = false;
  const authNames = new Set<string>();
  let ims = false;

  for (const m of msgs) if (m.protocol === "diameter") ims = true;

  for (const m of firstCopies) {
    const s = m.sip;
    const at = m.time - t0;
    if (s) {
      for (const u of [s.from?.uri, s.to?.uri]) {
        if (u?.user) users.add(u.user);
        if (u?.host && !isIp(u.host)) domains.add(u.host.toLowerCase());
      }
      if (s.kind === "request" && s.requestUri) {
        const h = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)/i.exec(s.requestUri)?.[1];
        if (h && !isIp(h)) domains.add(h.toLowerCase());
      }
      if (s.kind === "response" && s.cseq?.method === "REGISTER" && (s.status === 401 || s.status === 407)) registrarChallenged = true;
      const an = /username="([^"]+)"/i.exec(s.header("authorization") ?? s.header("proxy-authorization") ?? "")?.[1];
      if (an) authNames.add(an);
    }
    const sender = endpointOf(m.src, m.transport);
    const receiver = endpointOf(m.dst, m.transport);
    if (receiver) {
      const l = received.get(receiver.address) ?? [];
      if (!(s?.kind === "response" && s.status === 100)) l.push(gateLabel(m));
      received.set(receiver.address, l);
      const h = history.get(receiver.address) ?? [];
      if (!(s?.kind === "response" && s.status === 100)) h.push(gateLabel(m));
      history.set(receiver.address, h);
      if (s?.kind === "request" || m.http?.kind === "request") {
        receiver.answers.push({ request: m, responses: [], waits: [], mark: h.length });
        if (s?.kind === "request" && s.method !== "ACK" && !s.to?.tag) {
          const u = (s.requestUri ? /^sips?:([^@;:]+)@/i.exec(s.requestUri)?.[1] : undefined) ?? s.to?.uri?.user;
          if (u && !receiver.users.includes(u)) receiver.users.push(u);
        }
      }
      if (s?.kind === "request" && s.method === "BYE" && sender === undefined && !byeSeen.has(s.callId ?? "")) {
        // A BYE from the server that no endpoint asked for: the server ended the dialog itself.
        const prev = serverActions.find((a) => a.callId === s.callId);
        if (prev) prev.evidence.push(m.id);
        else serverActions.push({ kind: "end-dialog", at, callId: s.callId ?? "", evidence: [m.id] });
      }
    }
    if (sender) {
      if ((s?.kind === "response") || m.http?.kind === "response") {
        // An answer: file it under the request it answers (same Call-ID + CSeq, or the last HTTP request).
        const ans = [...sender.answers].reverse().find((a) => {
          if (s && a.request.sip) return a.request.sip.callId === s.callId && a.request.sip.cseq?.seq === s.cseq?.seq && a.request.sip.cseq?.method === s.cseq?.method;
          return !!m.http && !!a.request.http;
        });
        if (ans) {
          ans.responses.push(m);
          ans.waits.push((history.get(sender.address) ?? []).slice(ans.mark));
        }
        continue;
      }
      if (s?.kind === "request") {
        if (s.method === "ACK" && non2xxInvite.has(`${s.callId}|${s.cseq?.seq}|${s.vias[0]?.branch}`)) continue;
        if (s.method === "BYE") byeSeen.add(s.callId ?? "");
      }
      sender.steps.push({ kind: "send", at, msg: m, waitFor: received.get(sender.address) ?? [] });
      received.set(sender.address, []);
    }
  }

  for (const c of connections) {
    if (c.kind === "open") continue;
    for (const e of [c.src, c.dst]) {
      const ep = endpoints.get(endpointText(e));
      if (!ep || ep.transport === "udp") continue;
      if (c.time < t0 || ep.steps.some((s) => s.kind === "close")) continue;
      // Connection events take the replay time of the last message before them.
      const before = sorted.filter((m) => m.time <= c.time).pop();
      const at = before ? playTime.get(before.id)! - t0 + Math.min(MAX_GAP, c.time - before.time) : c.time - t0;
      const idx = ep.steps.findIndex((s) => s.at > at);
      const step: ScriptStep = { kind: "close", at, waitFor: [] };
      if (idx < 0) ep.steps.push(step);
      else ep.steps.splice(idx, 0, step);
    }
  }

  const last = msgs.length ? msgs[msgs.length - 1].time - t0 : 0;
  return {
    hub: [...hub],
    direct,
    endpoints: [...endpoints.values()],
    serverActions,
    t0,
    duration: last,
    ims,
    registrarChallenged,
    recordRoute: firstCopies.some((m) => (m.sip?.recordRoute.length ?? 0) > 0),
    domains: [...domains],
    users: [...users],
    authNames: [...authNames],
    messageIds: msgs.map((m) => m.id),
  };
}
