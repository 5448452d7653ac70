/**
 * Every BYE is a non-INVITE transaction: the server answers it (200, or 481 when it no longer knows
 * the dialog) well within Timer F = 64×T1 (RFC 3261 §17.1.2.2). An unanswered BYE leaves the caller
 * unsure whether the other side has hung up.
 */
import type { Rule } from "../context";
import { ghost } from "../context";
import { captureEndedNote, describeTxn, uniq, windowed, HopMerger, ROOT_CAUSE_RULES } from "./util";

export const rule: Rule = {
  id: "bye-unanswered",
  severity: "warning",
  title: "BYE never answered",
  yieldsTo: ROOT_CAUSE_RULES,
  check(ctx) {
    const merged = new HopMerger();
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.method !== "BYE" || t.final !== undefined) continue;
      const req = ctx.msgs[t.request];
      const deadline = req.time + 64 * ctx.model.t1;
      const w = windowed(ctx, deadline, "warning");
      let explanation = `${describeTxn(ctx, t)} got no final response${t.retransmissions.length ? ` although it was sent ${t.retransmissions.length + 1} times` : ""}. Timer F (64×T1) ends the transaction with a timeout.`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      merged.add(`${t.callId}|${req.sip?.cseq?.seq}`, {
        severity: w.severity,
        title: this.title,
        explanation,
        reference: "RFC 3261 §15.1.2 (UAS responds to BYE), §17.1.2.2 (Timer F)",
        likelyCause: "The far end is gone or unreachable (wrong Contact/Route, closed connection), or the BYE was routed outside the dialog's path.",
        callId: t.callId,
        messages: uniq([t.request, ...t.retransmissions]),
        ghosts: [ghost("200 (BYE)", t.server, t.client, deadline, "RFC 3261 §15.1.2: final response to BYE", t.request)],
        time: req.time,
      });
    }
    return merged.out;
  },
};
