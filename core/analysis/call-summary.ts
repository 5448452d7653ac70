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
import type { TransactionView } from "./model";

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
  /**
   * Scratch lists reused from call to call (their used length is counted, never reset): new
   * lists per call, grown by push to 17 slots each, came to ~6 MB of garbage over 10^4 calls.
   */
  scratch: { hops: string[]; firstHop: number[]; opening: TransactionView[]; outcome: CallOutcome };
}

export function callLookups(ctx: AnalysisContext): CallLookups {
  const l: CallLookups = { registrationByCallId: new Map(), subscriptionByCallId: new Map(), cancelledCallIds: new Set(), diameterByCall: new Map(), httpByCall: new Map(), scratch: { hops: [], firstHop: [], opening: [], outcome: noOutcome() } };
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

/** What a call's state is worked out into before its DTO is made. */
interface CallOutcome {
  state: string;
  status: number | undefined;
  setupTime: number | undefined;
  duration: number | undefined;
  /** The status was first known only with the answer (its key then comes after `duration`). */
  statusLate: boolean;
}

function noOutcome(): CallOutcome {
  return { state: "", status: undefined, setupTime: undefined, duration: undefined, statusLate: false };
}

const NO_FINDING_IDS: string[] = Object.freeze([]) as unknown as string[];

export function summarizeCall(ctx: AnalysisContext, look: CallLookups, call: CallBuild, findings: readonly FindingDTO[]): CallDTO {
  const { msgs, txnOf, nodes } = ctx;
  const first = msgs[call.first];
  const last = msgs[call.messages[call.messages.length - 1]];
  const start = first.time;
  const end = Math.max(start, last.time);
  let worst: Severity | undefined;
  if (findings.length) worst = worstSeverity(findings.map((f) => f.severity));
  let method = "";
  let from = "";
  let to = "";
  let fromUser: string | undefined;
  let toUser: string | undefined;
  let legs = 1;
  const out = look.scratch.outcome;
  out.state = "";
  out.status = undefined;
  out.setupTime = undefined;
  out.duration = undefined;
  out.statusLate = false;
  const sip = first.sip;
  if (sip) {
    method = sip.method ?? sip.cseq?.method ?? "";
    from = sip.fromAddress ?? "";
    to = sip.toAddress ?? "";
    if (sip.fromUser) fromUser = sip.fromUser;
    if (sip.toUser) toUser = sip.toUser;
    // Legs: distinct hops the opening request crossed (Call-ID, sending node, receiving node).
    // One flat array of (Call-ID, src, dst) triples compared field by field, not a
    // "callId|src|dst" text per request: a call has a handful of hops. (Node ids hold no "|", so
    // the texts were equal exactly when the three parts are.)
    const { hops, firstHop } = look.scratch;
    let nHops = 0;
    let nFirst = 0;
    const origin = nodes.nodeOf(first.src);
    const ids = call.messages;
    // The call's first BYE is noted on the way (stateOf needs it): one walk over the messages.
    let bye = -1;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const s = msgs[id].sip;
      if (!s || s.kind !== "request") continue;
      const sm = s.method;
      if (sm === "BYE" && bye < 0) bye = id;
      if (sm !== method || ctx.retrans[id]) continue;
      const src = nodes.nodeOf(msgs[id].src);
      const dst = nodes.nodeOf(msgs[id].dst);
      const callId = `${s.callId}`; // as the text had it ("undefined" when absent); no copy of a string
      let seen = false;
      for (let h = 0; h < nHops && !seen; h += 3) seen = hops[h] === callId && hops[h + 1] === src && hops[h + 2] === dst;
      if (!seen) {
        hops[nHops++] = callId;
        hops[nHops++] = src;
        hops[nHops++] = dst;
      }
      const t = txnOf[id];
      if (t >= 0 && src === origin) {
        let known = false;
        for (let h = 0; h < nFirst && !known; h++) known = firstHop[h] === t;
        if (!known) firstHop[nFirst++] = t;
      }
    }
    legs = Math.max(1, nHops / 3);
    stateOf(ctx, look, call, method, end, firstHop, nFirst, bye, out);
  } else if (first.diameter) {
    method = first.diameter.name;
    from = `${first.src.ip}`;
    to = `${first.dst.ip}`;
    const ex = look.diameterByCall.get(call.index) ?? [];
    const lastEx = ex[ex.length - 1];
    if (first.diameter.publicIdentity || first.diameter.userName) fromUser = first.diameter.publicIdentity ?? first.diameter.userName;
    out.state = !lastEx || lastEx.answer === undefined ? "unanswered" : lastEx.success ? "answered" : `error ${lastEx.resultCode ?? ""}`.trim();
    out.status = lastEx?.resultCode;
  } else if (first.http) {
    method = first.http.method ?? "HTTP";
    from = `${first.src.ip}:${first.src.port}`;
    to = `${first.dst.ip}:${first.dst.port}${first.http.path ?? ""}`;
    const ex = look.httpByCall.get(call.index) ?? [];
    const unanswered = ex.filter((x) => x.response === undefined).length;
    const lastStatus = [...ex].reverse().find((x) => x.status !== undefined)?.status;
    out.state = unanswered ? `unanswered${ex.length > 1 ? ` (${unanswered} of ${ex.length})` : ""}` : `answered ${lastStatus ?? ""}`.trim();
    out.status = lastStatus;
  }
  // Every field in one literal (10^4 calls: fields added later would each cost the object a
  // property array). The key order is the JSON's: the optional ones (left out of the JSON when
  // undefined) come last, in the order the call's facts are learnt.
  const id = `c${call.index + 1}`;
  const findingIds = findings.length ? findings.map((f) => f.id) : NO_FINDING_IDS;
  const srcIp = first.src.ip;
  const dstIp = first.dst.ip;
  const { state, status, setupTime, duration } = out;
  if (out.statusLate) {
    return { id, callIds: call.callIds, kind: call.kind, method, from, to, legs, state, start, end, messages: call.messages.length, findings: findingIds, srcIp, dstIp, worst, fromUser, toUser, setupTime, duration, status };
  }
  return { id, callIds: call.callIds, kind: call.kind, method, from, to, legs, state, start, end, messages: call.messages.length, findings: findingIds, srcIp, dstIp, worst, fromUser, toUser, status, setupTime, duration };
}

/** Seconds rounded to the microsecond (capture resolution), so JSON shows 1.0002, not 1.00020003318. */
function micro(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}


/**
 * `hop[0..nHop)`: indexes of the transactions the caller's node opened (first hop). `end`: the
 * call's last message time. `bye`: the call's first BYE request (-1 none).
 */
function stateOf(ctx: AnalysisContext, look: CallLookups, call: CallBuild, method: string, end: number, hop: readonly number[], nHop: number, bye: number, out: CallOutcome): void {
  const { msgs, txns } = ctx;
  // Loops rather than filter/sort/find closures: this runs once per call (10^4 on a big capture).
  const all = look.scratch.opening;
  let n = 0;
  for (let k = 0; k < nHop; k++) {
    const t = txns[hop[k]];
    if (t.method === method && !msgs[t.request].sip?.toTag) all[n++] = t;
  }
  let ordered = true;
  for (let k = 1; k < n && ordered; k++) ordered = all[k - 1].request <= all[k].request;
  // A sorted copy only when out of order (rare); the scratch list's tail beyond n is stale.
  const opening = ordered ? all : all.slice(0, n).sort((a, b) => a.request - b.request);
  const lastT = n > 0 ? opening[n - 1] : undefined;
  const finalStatus = lastT?.finalStatus;
  out.status = finalStatus;
  switch (call.kind) {
    case "call": {
      let ok: AnalysisContext["txns"][number] | undefined;
      for (let k = 0; k < n && !ok; k++) {
        const t = opening[k];
        if (t.finalStatus !== undefined && t.finalStatus < 300 && t.finalStatus >= 200) ok = t;
      }
      if (ok) {
        const answerAt = msgs[ok.final!].time;
        out.setupTime = micro(answerAt - msgs[opening[0].request].time);
        out.state = bye >= 0 ? "completed" : "answered";
        out.duration = micro((bye >= 0 ? msgs[bye].time : end) - answerAt);
        // Known only now when the last opening transaction had no final answer.
        if (out.status === undefined && ok.finalStatus !== undefined) out.statusLate = true;
        out.status = ok.finalStatus;
      } else if (finalStatus === 487 || (lastT && look.cancelledCallIds.has(lastT.callId) && finalStatus === undefined)) out.state = "cancelled";
      else if (finalStatus !== undefined) out.state = `rejected ${finalStatus}`;
      else if (lastT?.provisional.length) {
        const p = msgs[lastT.provisional[lastT.provisional.length - 1]].sip?.status ?? 0;
        out.state = p === 180 || p === 183 ? "ringing" : "trying";
      } else out.state = "no answer";
      return;
    }
    case "registration": {
      const r = call.callIds.map((c) => look.registrationByCallId.get(c)).find((x) => x);
      if (!r) out.state = "no response";
      else if (r.outcome === "failed") out.state = `failed ${r.status ?? ""}`.trim();
      else if (r.outcome === "no-response") out.state = "no response";
      else out.state = r.outcome;
      if (r?.status !== undefined) out.status = r.status;
      return;
    }
    case "subscription": {
      const s = call.callIds.map((c) => look.subscriptionByCallId.get(c)).find((x) => x);
      if (method === "SUBSCRIBE" && s) out.state = s.state === "rejected" ? `failed ${finalStatus ?? ""}`.trim() : s.state === "init" ? (finalStatus === undefined ? "no response" : "active") : s.state;
      else out.state = finalStatus === undefined ? "no response" : finalStatus < 300 ? "accepted" : `failed ${finalStatus}`;
      return;
    }
    default:
      out.state = finalStatus === undefined ? "no response" : finalStatus < 300 ? `ok ${finalStatus}` : `failed ${finalStatus}`;
  }
}
