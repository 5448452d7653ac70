/**
 * One CallDTO per built call: who called whom, how many legs, how it ended, setup time and
 * duration. The state words are what the call list shows ("answered", "completed", "cancelled",
 * "rejected 486", "registered", "failed 403", ...).
 */
import type { CallDTO, FindingDTO, Severity } from "../api";
import type { AnalysisContext } from "./context";
import type { CallBuild } from "./calls";
import type { Registration } from "./registrations";
import type { Subscription } from "./presence";
import type { DiameterExchange } from "./diameter";
import type { HttpExchange } from "./http";

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function worstSeverity(list: readonly Severity[]): Severity | undefined {
  let w: Severity | undefined;
  for (const s of list) if (w === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[w]) w = s;
  return w;
}

/** Per-call lookups built once, so summarising every call stays linear. */
export interface CallLookups {
  registrationByCallId: Map<string, Registration>;
  subscriptionByCallId: Map<string, Subscription>;
  cancelledCallIds: Set<string>;
  diameterByCall: Map<number, DiameterExchange[]>;
  httpByCall: Map<number, HttpExchange[]>;
}

export function callLookups(ctx: AnalysisContext): CallLookups {
  const l: CallLookups = { registrationByCallId: new Map(), subscriptionByCallId: new Map(), cancelledCallIds: new Set(), diameterByCall: new Map(), httpByCall: new Map() };
  for (const r of ctx.registrations) l.registrationByCallId.set(r.callId, r);
  for (const s of ctx.presence.subscriptions) if (!l.subscriptionByCallId.has(s.callId)) l.subscriptionByCallId.set(s.callId, s);
  for (let i = 0; i < ctx.txns.length; i++) if (ctx.txns[i].method === "CANCEL") l.cancelledCallIds.add(ctx.txns[i].callId);
  const push = <T>(m: Map<number, T[]>, k: number, v: T) => {
    if (k < 0) return;
    let a = m.get(k);
    if (!a) m.set(k, (a = []));
    a.push(v);
  };
  for (const x of ctx.diameter) push(l.diameterByCall, ctx.callOf[x.request], x);
  for (const x of ctx.http) push(l.httpByCall, ctx.callOf[x.request], x);
  return l;
}

export function summarizeCall(ctx: AnalysisContext, look: CallLookups, call: CallBuild, findings: FindingDTO[]): CallDTO {
  const { msgs, txnOf, nodes } = ctx;
  const first = msgs[call.first];
  const last = msgs[call.messages[call.messages.length - 1]];
  const dto: CallDTO = {
    id: `c${call.index + 1}`,
    callIds: call.callIds,
    kind: call.kind,
    method: "",
    from: "",
    to: "",
    legs: 1,
    state: "",
    start: first.time,
    end: Math.max(first.time, last.time),
    messages: call.messages.length,
    findings: findings.map((f) => f.id),
    srcIp: first.src.ip,
    dstIp: first.dst.ip,
  };
  if (findings.length) {
    const worst = worstSeverity(findings.map((f) => f.severity));
    if (worst) dto.worst = worst;
  }
  const sip = first.sip;
  if (sip) {
    dto.method = sip.method ?? sip.cseq?.method ?? "";
    dto.from = sip.fromAddress ?? "";
    dto.to = sip.toAddress ?? "";
    if (sip.fromUser) dto.fromUser = sip.fromUser;
    if (sip.toUser) dto.toUser = sip.toUser;
    // Legs: distinct hops the opening request crossed (Call-ID, sending node, receiving node).
    // One flat array of (Call-ID, src, dst) triples compared field by field, not a
    // "callId|src|dst" text per request: a call has a handful of hops. (Node ids hold no "|", so
    // the texts were equal exactly when the three parts are.)
    const hops: string[] = [];
    const firstHop: number[] = [];
    const origin = nodes.nodeOf(first.src);
    const ids = call.messages;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const s = msgs[id].sip;
      if (!s || s.kind !== "request" || s.method !== dto.method || ctx.retrans[id]) continue;
      const src = nodes.nodeOf(msgs[id].src);
      const dst = nodes.nodeOf(msgs[id].dst);
      const callId = `${s.callId}`; // as the text had it ("undefined" when absent); no copy of a string
      let seen = false;
      for (let h = 0; h < hops.length && !seen; h += 3) seen = hops[h] === callId && hops[h + 1] === src && hops[h + 2] === dst;
      if (!seen) hops.push(callId, src, dst);
      const t = txnOf[id];
      if (t >= 0 && src === origin && !firstHop.includes(t)) firstHop.push(t);
    }
    dto.legs = Math.max(1, hops.length / 3);
    stateOf(ctx, look, call, dto, firstHop);
  } else if (first.diameter) {
    dto.method = first.diameter.name;
    dto.from = `${first.src.ip}`;
    dto.to = `${first.dst.ip}`;
    const ex = look.diameterByCall.get(call.index) ?? [];
    const lastEx = ex[ex.length - 1];
    if (first.diameter.publicIdentity || first.diameter.userName) dto.fromUser = first.diameter.publicIdentity ?? first.diameter.userName;
    dto.state = !lastEx || lastEx.answer === undefined ? "unanswered" : lastEx.success ? "answered" : `error ${lastEx.resultCode ?? ""}`.trim();
    if (lastEx?.resultCode !== undefined) dto.status = lastEx.resultCode;
  } else if (first.http) {
    dto.method = first.http.method ?? "HTTP";
    dto.from = `${first.src.ip}:${first.src.port}`;
    dto.to = `${first.dst.ip}:${first.dst.port}${first.http.path ?? ""}`;
    const ex = look.httpByCall.get(call.index) ?? [];
    const unanswered = ex.filter((x) => x.response === undefined).length;
    const lastStatus = [...ex].reverse().find((x) => x.status !== undefined)?.status;
    dto.state = unanswered ? `unanswered${ex.length > 1 ? ` (${unanswered} of ${ex.length})` : ""}` : `answered ${lastStatus ?? ""}`.trim();
    if (lastStatus !== undefined) dto.status = lastStatus;
  }
  return dto;
}

/** Seconds rounded to the microsecond (capture resolution), so JSON shows 1.0002, not 1.00020003318. */
function micro(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}


/** `hop`: indexes of the transactions the caller's node opened (first hop). */
function stateOf(ctx: AnalysisContext, look: CallLookups, call: CallBuild, dto: CallDTO, hop: readonly number[]): void {
  const { msgs, txns } = ctx;
  // Loops rather than filter/sort/find closures: this runs once per call (10^4 on a big capture).
  const opening: AnalysisContext["txns"] = [];
  for (let k = 0; k < hop.length; k++) {
    const t = txns[hop[k]];
    if (t.method === dto.method && !msgs[t.request].sip?.toTag) opening.push(t);
  }
  let ordered = true;
  for (let k = 1; k < opening.length && ordered; k++) ordered = opening[k - 1].request <= opening[k].request;
  if (!ordered) opening.sort((a, b) => a.request - b.request);
  const lastT = opening[opening.length - 1];
  const finalStatus = lastT?.finalStatus;
  if (finalStatus !== undefined) dto.status = finalStatus;
  switch (dto.kind) {
    case "call": {
      let ok: AnalysisContext["txns"][number] | undefined;
      for (let k = 0; k < opening.length && !ok; k++) {
        const t = opening[k];
        if (t.finalStatus !== undefined && t.finalStatus < 300 && t.finalStatus >= 200) ok = t;
      }
      if (ok) {
        const answerAt = msgs[ok.final!].time;
        dto.setupTime = micro(answerAt - msgs[opening[0].request].time);
        let bye: number | undefined;
        for (let k = 0; k < call.messages.length && bye === undefined; k++) if (msgs[call.messages[k]].sip?.method === "BYE") bye = call.messages[k];
        dto.state = bye !== undefined ? "completed" : "answered";
        dto.duration = micro((bye !== undefined ? msgs[bye].time : dto.end) - answerAt);
        dto.status = ok.finalStatus;
      } else if (finalStatus === 487 || (lastT && look.cancelledCallIds.has(lastT.callId) && finalStatus === undefined)) dto.state = "cancelled";
      else if (finalStatus !== undefined) dto.state = `rejected ${finalStatus}`;
      else if (lastT?.provisional.length) {
        const p = msgs[lastT.provisional[lastT.provisional.length - 1]].sip?.status ?? 0;
        dto.state = p === 180 || p === 183 ? "ringing" : "trying";
      } else dto.state = "no answer";
      return;
    }
    case "registration": {
      const r = call.callIds.map((c) => look.registrationByCallId.get(c)).find((x) => x);
      if (!r) dto.state = "no response";
      else if (r.outcome === "failed") dto.state = `failed ${r.status ?? ""}`.trim();
      else if (r.outcome === "no-response") dto.state = "no response";
      else dto.state = r.outcome;
      if (r?.status !== undefined) dto.status = r.status;
      return;
    }
    case "subscription": {
      const s = call.callIds.map((c) => look.subscriptionByCallId.get(c)).find((x) => x);
      if (dto.method === "SUBSCRIBE" && s) dto.state = s.state === "rejected" ? `failed ${finalStatus ?? ""}`.trim() : s.state === "init" ? (finalStatus === undefined ? "no response" : "active") : s.state;
      else dto.state = finalStatus === undefined ? "no response" : finalStatus < 300 ? "accepted" : `failed ${finalStatus}`;
      return;
    }
    default:
      dto.state = finalStatus === undefined ? "no response" : finalStatus < 300 ? `ok ${finalStatus}` : `failed ${finalStatus}`;
  }
}
