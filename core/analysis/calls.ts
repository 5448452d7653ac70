/**
 * Calls: the messages of one user-level flow, with its legs linked.
 *  - Same Call-ID on several hops (through a proxy) is one call with one leg per hop.
 *  - Across a B2BUA (new Call-ID per leg) legs are joined by X-CID / X-Call-ID naming the other
 *    Call-ID, by RFC 7989 Session-ID, by the IMS P-Charging-Vector icid-value, and otherwise by
 *    timing: an INVITE leaving node N shortly after an INVITE entered N, with the same From and To
 *    users or the same SDP media address.
 *  - Diameter exchanges caused by a SIP transaction join that transaction's call; other Diameter
 *    traffic is grouped by Session-Id (or per peer connection for watchdogs); HTTP per connection.
 */
import type { CallDTO } from "../api";
import type { AnalysisContextBase } from "./context";
import { addr } from "./context";
import type { DiameterExchange } from "./diameter";
import { PEER_COMMANDS } from "./diameter";
import type { HttpExchange } from "./http";
import { UnionFind } from "./union-find";

export interface CallBuild {
  index: number;
  kind: CallDTO["kind"];
  callIds: string[];
  /** Message ids in capture order. */
  messages: number[];
  /** The first request of the call (the INVITE / REGISTER / ... that opened it). */
  first: number;
}

/** Seconds after an incoming INVITE within which a B2BUA's outgoing leg is looked for. */
const B2BUA_WINDOW = 3;
const NULL_UUID = /^0+$/;
/** Headers that name the other leg's Call-ID (a B2BUA's correlation header). */
const CALL_ID_HEADERS = ["x-cid", "x-call-id", "x-callid"];
/** Frozen: a push to it throws instead of adding a node to every group. */
const NO_NODES: string[] = Object.freeze([]) as unknown as string[];
const NO_IDS: number[] = Object.freeze([]) as unknown as number[];

/**
 * `list` with `node` added: the first entry replaces the shared empty list, the second makes a
 * literal of two (`[]` or a list of one grown by push reserves 17 slots); more, rare, by push.
 */
function withNode(list: string[], node: string): string[] {
  if (list.length === 0) return [node];
  if (list.length === 1) return [list[0], node];
  list.push(node);
  return list;
}

interface Group {
  callId: string;
  /** Message ids, in capture order: made at their exact size once the groups are counted. */
  msgs: number[];
  /** Number of messages. */
  n: number;
  first: number;
  method: string;
  /** Nodes that sent / received an INVITE of this Call-ID (a proxy forwarding keeps the Call-ID); a few each. */
  inviteFrom: string[];
  inviteTo: string[];
}

function kindOf(method: string, protocol: string): CallDTO["kind"] {
  if (protocol === "diameter") return "diameter";
  if (protocol === "http") return "http";
  switch (method) {
    case "INVITE":
      return "call";
    case "REGISTER":
      return "registration";
    case "SUBSCRIBE":
    case "NOTIFY":
    case "PUBLISH":
      return "subscription";
    case "OPTIONS":
      return "options";
    case "MESSAGE":
      return "message";
    default:
      return "other";
  }
}

function sdpKey(body: Uint8Array): string | undefined {
  if (body.length === 0 || body.length > 8192) return undefined;
  let text = "";
  for (let i = 0; i < body.length; i++) text += String.fromCharCode(body[i]);
  const c = /^c=IN IP[46] (\S+)/m.exec(text);
  const m = /^m=audio (\d+)/m.exec(text) ?? /^m=\w+ (\d+)/m.exec(text);
  return c && m ? `${c[1]}:${m[1]}` : undefined;
}

export function buildCalls(ctx: AnalysisContextBase, diameter: DiameterExchange[], http: HttpExchange[]): { calls: CallBuild[]; callOf: Int32Array } {
  const { msgs, txns, retrans, nodes } = ctx;
  const groups: Group[] = [];
  const groupOf = new Map<string, number>();
  // Each message's group (-1: not SIP), so the groups' lists are made at their exact size after
  // counting: grown by push, each would hold 17 slots or more, garbage once the call's list is made.
  const groupOfMsg = new Int32Array(msgs.length);
  // Indexed loops over messages: these run once, mostly unoptimised, where a for-of step allocates.
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const sip = m.sip;
    if (!sip) {
      groupOfMsg[i] = -1;
      continue;
    }
    const callId = sip.callId ?? `(no Call-ID #${m.id})`;
    let g = groupOf.get(callId);
    if (g === undefined) {
      g = groups.length;
      groupOf.set(callId, g);
      // inviteFrom/inviteTo start as the shared empty list: most Call-IDs see one INVITE hop or none,
      // and the first entry replaces the list (below) rather than being pushed to it.
      groups.push({ callId, msgs: NO_IDS, n: 0, first: -1, method: "", inviteFrom: NO_NODES, inviteTo: NO_NODES });
    }
    groupOfMsg[i] = g;
    const G = groups[g];
    G.n++;
    if (sip.kind === "request" && sip.method !== "ACK" && sip.method !== "CANCEL" && G.first < 0) {
      G.first = m.id;
      G.method = sip.method ?? "";
    }
    if (sip.kind === "request" && sip.method === "INVITE" && !retrans[m.id]) {
      const f = nodes.nodeOf(m.src);
      const t = nodes.nodeOf(m.dst);
      if (!G.inviteFrom.includes(f)) G.inviteFrom = withNode(G.inviteFrom, f);
      if (!G.inviteTo.includes(t)) G.inviteTo = withNode(G.inviteTo, t);
    }
  }
  for (let g = 0; g < groups.length; g++) {
    groups[g].msgs = new Array<number>(groups[g].n);
    groups[g].n = 0;
  }
  for (let i = 0; i < msgs.length; i++) {
    const g = groupOfMsg[i];
    if (g < 0) continue;
    const G = groups[g];
    G.msgs[G.n++] = msgs[i].id;
  }
  for (let g = 0; g < groups.length; g++) {
    const G = groups[g];
    if (G.first < 0) {
      G.first = G.msgs[0];
      const s = msgs[G.first].sip!;
      G.method = s.method ?? s.cseq?.method ?? "";
    }
  }
  const uf = new UnionFind();
  for (let i = 0; i < groups.length; i++) uf.add();
  // Correlation headers on the first request (and its first final response): cheap, decisive.
  const byToken = new Map<string, number>();
  const link = (token: string, g: number) => {
    const other = byToken.get(token);
    if (other === undefined) byToken.set(token, g);
    else uf.union(other, g);
  };
  for (let g = 0; g < groups.length; g++) {
    const sip = msgs[groups[g].first].sip!;
    for (let k = 0; k < CALL_ID_HEADERS.length; k++) {
      const v = sip.header(CALL_ID_HEADERS[k])?.trim();
      if (v) {
        const other = groupOf.get(v);
        if (other !== undefined) uf.union(other, g);
      }
    }
    const sid = sip.header("session-id");
    if (sid) {
      const local = sid.split(";")[0].trim().toLowerCase();
      if (local && !NULL_UUID.test(local)) link(`sid:${local}`, g);
      const remote = /remote\s*=\s*([0-9a-f]+)/i.exec(sid)?.[1]?.toLowerCase();
      if (remote && !NULL_UUID.test(remote)) link(`sid:${remote}`, g);
    }
    const pcv = sip.header("p-charging-vector");
    const icid = pcv && /icid-value\s*=\s*"?([^";\s]+)/i.exec(pcv)?.[1];
    if (icid) link(`icid:${icid}`, g);
  }
  // Timing heuristic for B2BUA legs without correlation headers.
  const recent = new Map<string, { g: number; time: number }>();
  /** Nodes some INVITE entered without its Call-ID going on: the only possible B2BUAs. */
  const b2buaCandidates = new Set<string>();
  for (let g = 0; g < groups.length; g++) {
    const G = groups[g];
    if (G.method !== "INVITE") continue;
    const m = msgs[G.first];
    const sip = m.sip!;
    const srcNode = nodes.nodeOf(m.src);
    const dstNode = nodes.nodeOf(m.dst);
    const lookup = uf.find(g) === g && b2buaCandidates.has(srcNode) && !G.inviteTo.includes(srcNode);
    const remember = !G.inviteFrom.includes(dstNode);
    if (!lookup && !remember) continue; // a plain proxied call: nothing to link by timing
    const fu = (sip.fromUser ?? "").toLowerCase();
    const tu = (sip.toUser ?? "").toLowerCase();
    const sdp = sdpKey(sip.body);
    // Is this INVITE a B2BUA's outgoing leg? Only when its Call-ID never entered the sending node.
    if (lookup) {
      for (const key of [`${srcNode}|u|${fu}|${tu}`, sdp ? `${srcNode}|s|${sdp}` : ""]) {
        const hit = key ? recent.get(key) : undefined;
        if (hit && m.time - hit.time <= B2BUA_WINDOW && hit.g !== g) {
          uf.union(hit.g, g);
          recent.delete(key);
          break;
        }
      }
    }
    // Remember it as a possible incoming leg of dstNode, unless the Call-ID simply goes on (a proxy).
    if (remember) {
      b2buaCandidates.add(dstNode);
      recent.set(`${dstNode}|u|${fu}|${tu}`, { g, time: m.time });
      if (sdp) recent.set(`${dstNode}|s|${sdp}`, { g, time: m.time });
    }
  }
  // Assemble calls from the groups' roots, plus Diameter and HTTP flows.
  const callOf = new Int32Array(msgs.length).fill(-1);
  const calls: CallBuild[] = [];
  const callOfRoot = new Map<number, number>();
  /** Calls whose message list was grown by push (a copy at its exact size is kept, below). */
  const grown: boolean[] = [];
  for (let g = 0; g < groups.length; g++) {
    const r = uf.find(g);
    let c = callOfRoot.get(r);
    if (c === undefined) {
      c = calls.length;
      callOfRoot.set(r, c);
      const R = groups[r];
      // The call takes over its first group's message list (no copy: groups are done with here).
      calls.push({ index: c, kind: kindOf(R.method, "sip"), callIds: [groups[g].callId], messages: groups[g].msgs, first: R.first });
      grown.push(false);
    } else {
      const C = calls[c];
      grown[c] = true;
      C.callIds.push(groups[g].callId);
      const ids = groups[g].msgs;
      for (let k = 0; k < ids.length; k++) C.messages.push(ids[k]);
    }
    const C = calls[c];
    if (msgs[groups[g].first].time < msgs[C.first].time) C.first = groups[g].first;
  }
  const diaCall = new Map<string, number>();
  for (const x of diameter) {
    let c: number | undefined;
    if (x.sipTxn !== undefined) c = callOfRoot.get(uf.find(groupOf.get(txns[x.sipTxn].callId) ?? -1));
    if (c === undefined) {
      const req = msgs[x.request];
      const key = x.sessionId && !PEER_COMMANDS.has(x.command) ? `s|${x.sessionId}` : `p|${[addr(req.src), addr(req.dst)].sort().join("|")}`;
      c = diaCall.get(key);
      if (c === undefined) {
        c = calls.length;
        diaCall.set(key, c);
        calls.push({ index: c, kind: "diameter", callIds: x.sessionId && !PEER_COMMANDS.has(x.command) ? [x.sessionId] : [], messages: [], first: x.request });
      }
    }
    grown[c] = true;
    const C = calls[c];
    C.messages.push(x.request, ...x.retransmissions);
    if (x.answer !== undefined) C.messages.push(x.answer);
  }
  const httpCall = new Map<string, number>();
  for (const x of http) {
    const key = `${addr(x.client)}|${addr(x.server)}`;
    let c = httpCall.get(key);
    if (c === undefined) {
      c = calls.length;
      httpCall.set(key, c);
      calls.push({ index: c, kind: "http", callIds: [], messages: [], first: x.request });
    }
    grown[c] = true;
    calls[c].messages.push(x.request);
    if (x.response !== undefined) calls[c].messages.push(x.response);
  }
  // Capture order inside each call; calls in order of their first message.
  // Most lists are in order already (one Call-ID, pushed in capture order): a check, not a sort,
  // which copies the list even when it changes nothing.
  // The lists live as long as the analysis: one grown by push (a list of 13 ids holds 17 slots)
  // is kept as a copy at its exact size.
  for (let c = 0; c < calls.length; c++) {
    const ids = calls[c].messages;
    if (!ascending(ids)) ids.sort((a, b) => a - b);
    if (grown[c]) calls[c].messages = ids.slice();
  }
  // -1/0/1, not a difference of times: a double returned per comparison is a heap number each.
  calls.sort((a, b) => {
    const x = msgs[a.first].time;
    const y = msgs[b.first].time;
    return x < y ? -1 : x > y ? 1 : a.first - b.first;
  });
  for (let i = 0; i < calls.length; i++) {
    const C = calls[i];
    C.index = i;
    const ids = C.messages;
    for (let k = 0; k < ids.length; k++) callOf[ids[k]] = i;
    if (C.callIds.length > 1) C.callIds = C.callIds.slice();
  }
  return { calls, callOf };
}

function ascending(ids: readonly number[]): boolean {
  for (let k = 1; k < ids.length; k++) if (ids[k] < ids[k - 1]) return false;
  return true;
}
