/**
 * The ladder of one call: lanes for the logical nodes it touches (in order of first appearance,
 * the caller first), one arrow per message (SIP, Diameter and HTTP on the same ladder), ghost
 * arrows for the messages its findings expected but the capture lacks, and the server's log
 * events on the lane of the node that logged them.
 */
import type { CallDTO, FindingDTO, LadderArrowDTO, LadderDTO, LogEventDTO, NodeDTO } from "../api";
import type { AnalysisContext } from "./context";
import type { CallBuild } from "./calls";

export interface LadderInputs {
  ctx: AnalysisContext;
  call: CallBuild;
  dto: CallDTO;
  findings: FindingDTO[];
  /** Message id -> ids of findings citing it. */
  findingsOfMessage: Map<number, string[]>;
}

export function messageLabel(ctx: AnalysisContext, id: number): string {
  const m = ctx.msgs[id];
  if (m.sip) return m.sip.kind === "request" ? m.sip.method ?? "?" : `${m.sip.status ?? "?"} ${m.sip.reason ?? ""}`.trim();
  if (m.diameter) {
    const x = m.diameter;
    const rc = x.resultCode ?? x.experimentalResultCode;
    return x.flags.request ? x.name : `${x.name}${rc !== undefined ? ` ${rc}` : ""}`;
  }
  if (m.http) return m.http.kind === "request" ? `${m.http.method} ${m.http.path ?? ""}`.trim() : `${m.http.status ?? "?"} ${m.http.reason ?? ""}`.trim();
  return m.protocol;
}

export function buildLadder(inp: LadderInputs): LadderDTO {
  const { ctx, call, dto, findings, findingsOfMessage } = inp;
  const order: string[] = [];
  const seen = new Set<string>();
  const extra = new Map<string, NodeDTO>();
  const touch = (id: string) => {
    if (!seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
  };
  const diaIndex = new Map<number, number>();
  const httpIndex = new Map<number, number>();
  for (const x of ctx.diameter) {
    diaIndex.set(x.request, x.index);
    if (x.answer !== undefined) diaIndex.set(x.answer, x.index);
    for (const r of x.retransmissions) diaIndex.set(r, x.index);
  }
  for (const x of ctx.http) {
    httpIndex.set(x.request, x.index);
    if (x.response !== undefined) httpIndex.set(x.response, x.index);
  }
  const arrows: LadderArrowDTO[] = [];
  for (const id of call.messages) {
    const m = ctx.msgs[id];
    const from = ctx.nodes.nodeOf(m.src);
    const to = ctx.nodes.nodeOf(m.dst);
    touch(from);
    touch(to);
    const a: LadderArrowDTO = { messageId: id, from, to, label: messageLabel(ctx, id), time: m.time, protocol: m.protocol };
    const t = m.sip ? ctx.txnOf[id] : m.diameter ? ctx.txns.length + (diaIndex.get(id) ?? 0) : ctx.txns.length + ctx.diameter.length + (httpIndex.get(id) ?? 0);
    if (t >= 0) a.txn = t;
    if (ctx.retrans[id] || (m.diameter && ctx.diameter[diaIndex.get(id) ?? -1]?.retransmissions.includes(id))) a.retransmission = true;
    const f = findingsOfMessage.get(id);
    if (f?.length) a.findings = f;
    if (m.sip?.callId) a.callId = m.sip.callId;
    arrows.push(a);
  }
  const nodeFor = (address: string): string => {
    const id = ctx.nodes.nodeOfAddress(address);
    if (id !== undefined) return id;
    const ex = extra.get(address);
    if (ex) return ex.id;
    const n: NodeDTO = { id: address, name: address, addresses: [address] };
    extra.set(address, n);
    return n.id;
  };
  const ghosts: LadderDTO["ghosts"] = [];
  for (const f of findings) {
    for (const g of f.ghosts) {
      const from = nodeFor(g.src);
      const to = nodeFor(g.dst);
      touch(from);
      touch(to);
      ghosts.push({ ...g, from, to, finding: f.id });
    }
  }
  // The server's log lane: the node that received the message a line is pinned to (the server
  // logs what it processes); for unpinned lines, the node receiving most requests in the call.
  const requestsIn = new Map<string, number>();
  for (const id of call.messages) {
    const m = ctx.msgs[id];
    if (m.sip?.kind === "request" || m.diameter?.flags.request || m.http?.kind === "request") {
      const n = ctx.nodes.nodeOf(m.dst);
      requestsIn.set(n, (requestsIn.get(n) ?? 0) + 1);
    }
  }
  let logNode: string | undefined;
  for (const [n, d] of requestsIn) if (logNode === undefined || d > (requestsIn.get(logNode) ?? 0)) logNode = n;
  const callIds = new Set(call.callIds);
  const inCall = new Set(call.messages);
  const pinned = new Set<number>();
  for (const f of findings) for (const l of f.logEvents ?? []) pinned.add(l);
  const logs: (LogEventDTO & { node?: string })[] = [];
  for (const l of ctx.logs) {
    if (!(pinned.has(l.id) || (l.callId !== undefined && callIds.has(l.callId)) || (l.messageId !== undefined && inCall.has(l.messageId)))) continue;
    const node = l.messageId !== undefined && inCall.has(l.messageId) ? ctx.nodes.nodeOf(ctx.msgs[l.messageId].dst) : logNode;
    logs.push(node ? { ...l, node } : { ...l });
  }
  const nodes = order.map((id) => {
    const i = ctx.nodes.index.get(id);
    return i !== undefined ? ctx.nodes.nodes[i] : extra.get(id) ?? { id, name: id, addresses: [id] };
  });
  return { callId: dto.id, nodes, arrows, ghosts, logs };
}
