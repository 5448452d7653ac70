/**
 * A transaction that never gets a final response times out: Timer B (INVITE) or Timer F
 * (non-INVITE) at 64×T1 (RFC 3261 §17.1.1.2, §17.1.2.2); an INVITE that got a provisional waits for
 * the final until a proxy's Timer C (> 3 minutes, §16.6). BYE has its own rule (bye-unanswered) and
 * a cancelled INVITE too (cancel-no-487).
 */
import type { Rule } from "../context";
import { ghost } from "../context";
import { cancelOf, captureEndedNote, describeTxn, uniq, windowed, HopMerger, ROOT_CAUSE_RULES } from "./util";

const TIMER_C = 180;

export const rule: Rule = {
  id: "txn-timeout",
  severity: "warning",
  title: "Transaction timed out without a final response",
  yieldsTo: ROOT_CAUSE_RULES,
  check(ctx) {
    const merged = new HopMerger();
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.final !== undefined || t.method === "ACK" || t.method === "BYE" || cancelOf(ctx, t)) continue;
      const req = ctx.msgs[t.request];
      if (!req) continue;
      const lastProv = t.provisional.length ? ctx.msgs[t.provisional[t.provisional.length - 1]].time : undefined;
      const deadline = t.kind === "INVITE" && lastProv !== undefined ? lastProv + TIMER_C : req.time + 64 * ctx.model.t1;
      const w = windowed(ctx, deadline, "warning");
      let explanation = `${describeTxn(ctx, t)} never got a final response`;
      explanation += t.retransmissions.length ? ` although the request was sent ${t.retransmissions.length + 1} times.` : ".";
      explanation += t.kind === "INVITE" && lastProv !== undefined ? " It got a provisional response, then nothing until a proxy's Timer C would expire." : ` Timer ${t.kind === "INVITE" ? "B" : "F"} (64×T1) ends it with a timeout.`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      merged.add(`${t.callId}|${req.sip?.cseq?.seq}|${t.method}`, {
        severity: w.severity,
        title: this.title,
        explanation,
        reference: t.kind === "INVITE" ? "RFC 3261 §17.1.1.2 (Timer B), §16.6 (Timer C)" : "RFC 3261 §17.1.2.2 (Timer F)",
        likelyCause: t.retransmissions.length ? "The server never received the request or its responses are lost (routing, firewall, wrong port/transport)." : "The request was lost or the server is down; on reliable transports no retransmission is expected.",
        callId: t.callId,
        messages: uniq([t.request, ...t.retransmissions, ...t.provisional]),
        ghosts: [ghost("final response", t.server, t.client, deadline, `RFC 3261 §17: final response to ${t.method}`, t.request)],
        time: req.time,
      });
    }
    return merged.out;
  },
};
