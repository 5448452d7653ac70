/**
 * A CANCEL stops a pending INVITE: the UAS answers the CANCEL with 200 and the INVITE with 487
 * Request Terminated (RFC 3261 §9.2). An INVITE that gets no final response after its CANCEL keeps
 * the caller's transaction (and a proxy's forked branches) waiting until timers expire.
 */
import type { Rule } from "../context";
import { ghost } from "../context";
import { cancelOf, captureEndedNote, describeTxn, uniq, windowed, HopMerger } from "./util";

export const rule: Rule = {
  id: "cancel-no-487",
  severity: "warning",
  title: "Cancelled INVITE never answered with 487",
  check(ctx) {
    const merged = new HopMerger();
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.kind !== "INVITE" || t.final !== undefined) continue;
      const c = cancelOf(ctx, t);
      if (!c) continue;
      const cm = ctx.msgs[c.request];
      const deadline = (c.final !== undefined ? ctx.msgs[c.final].time : cm.time) + 64 * ctx.model.t1;
      const w = windowed(ctx, deadline, "warning");
      let explanation = `${describeTxn(ctx, t)} was cancelled (CANCEL answered ${c.finalStatus ?? "never"}) but the INVITE never got its final response: a 487 Request Terminated was expected.`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      merged.add(`${t.callId}|${cm.sip?.cseq?.seq}`, {
        severity: w.severity,
        title: this.title,
        explanation,
        reference: "RFC 3261 §9.2 (UAS answers the cancelled INVITE with 487)",
        likelyCause: "The UAS accepted the CANCEL but did not terminate the INVITE transaction (or its 487 was lost).",
        callId: t.callId,
        messages: uniq([t.request, c.request, ...(c.final !== undefined ? [c.final] : []), ...t.provisional]),
        ghosts: [ghost("487", t.server, t.client, deadline, "RFC 3261 §9.2: 487 Request Terminated for the cancelled INVITE", c.final ?? c.request)],
        time: cm.time,
      });
    }
    return merged.out;
  },
};
