/**
 * A response must answer a request of its transaction (RFC 3261 §17.1.3 matching by Via branch and
 * CSeq method). A response with no matching request in the capture is either from before the
 * capture started (info) or a stray: misrouted, or answering a request that never passed here.
 */
import type { Rule, RuleHit } from "../context";
import { clock } from "../context";

export const rule: Rule = {
  id: "response-orphan",
  severity: "warning",
  title: "Response without a matching request",
  check(ctx) {
    const groups = new Map<string, number[]>();
    const orphanCallIds = new Set<string>();
    // Indexed, the transaction test first: most messages have one, and it is a typed-array read.
    for (let i = 0; i < ctx.msgs.length; i++) {
      if (ctx.txnOf[i] >= 0) continue;
      const m = ctx.msgs[i];
      const s = m.sip;
      if (!s || s.kind !== "response" || ctx.txnOf[m.id] >= 0) continue;
      const key = `${s.callId}|${s.cseq?.seq}|${s.cseq?.method}`;
      let l = groups.get(key);
      if (!l) groups.set(key, (l = []));
      l.push(m.id);
      orphanCallIds.add(s.callId ?? "");
    }
    if (groups.size === 0) return [];
    // Requests of those Call-IDs seen anywhere (another hop).
    const requested = new Set<string>();
    for (const m of ctx.msgs) {
      const s = m.sip;
      if (!s || s.kind !== "request" || !orphanCallIds.has(s.callId ?? "")) continue;
      requested.add(`${s.callId}|${s.cseq?.seq}|${s.cseq?.method}`);
    }
    const out: RuleHit[] = [];
    for (const [key, ids] of groups) {
      const first = ctx.msgs[ids[0]];
      const s = first.sip!;
      // How long before its response a request may have been sent: an INVITE may ring until a
      // proxy's Timer C (3 min), anything else ends within 64×T1.
      const early = ctx.model.start + (s.cseq?.method === "INVITE" ? 180 : 64 * ctx.model.t1);
      const beforeCapture = first.time <= early;
      const seenElsewhere = requested.has(key);
      const severity = beforeCapture || seenElsewhere ? "info" : "warning";
      let explanation = `${ids.length > 1 ? `${ids.length} responses` : "The response"} ${s.status} ${s.reason ?? ""} to ${s.cseq?.method ?? "?"} (Call-ID ${s.callId}, CSeq ${s.cseq?.seq ?? "?"}) from ${ctx.nodes.nodeName(first.src)} to ${ctx.nodes.nodeName(first.dst)} at ${clock(first.time)} match no request on that hop.`;
      if (beforeCapture) explanation += " It comes early in the capture (within the longest time the request could have waited for it): the request was most likely sent before the capture started.";
      else if (seenElsewhere) explanation += " The request was seen on another hop only: this hop's request was not captured or was rewritten (Via branch changed).";
      out.push({
        severity,
        title: this.title,
        explanation,
        reference: "RFC 3261 §17.1.3 (matching responses to client transactions)",
        likelyCause: beforeCapture ? "The capture started after the request was sent." : "The response was misrouted, the request was not captured, or a middlebox rewrote the top Via branch.",
        callId: s.callId,
        messages: ids,
        ghosts: [],
        time: first.time,
      });
    }
    return out;
  },
};
