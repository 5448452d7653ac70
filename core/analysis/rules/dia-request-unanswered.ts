/**
 * Every Diameter request is answered on the reverse path with the same hop-by-hop and end-to-end
 * identifiers (RFC 6733 §3, §6.2). No answer within the transaction timer means the peer dropped
 * it, could not route it, or the connection failed.
 */
import type { Rule, RuleHit } from "../context";
import { ghost } from "../context";
import { captureEndedNote, uniq, windowed } from "./util";

/** Seconds a Diameter client waits for an answer (Kamailio cdp's default transaction timeout is a few seconds). */
const ANSWER_TIMEOUT = 10;

export const rule: Rule = {
  id: "dia-request-unanswered",
  severity: "warning",
  title: "Diameter request never answered",
  check(ctx) {
    const out: RuleHit[] = [];
    for (const x of ctx.diameter) {
      if (x.answer !== undefined) continue;
      const req = ctx.msgs[x.request];
      const deadline = req.time + ANSWER_TIMEOUT;
      const w = windowed(ctx, deadline, "warning");
      let explanation = `${x.name} (hop-by-hop 0x${x.hopByHop.toString(16)}, end-to-end 0x${x.endToEnd.toString(16)}${x.identity ? `, identity ${x.identity}` : ""}) from ${ctx.nodes.nodeName(req.src)} to ${ctx.nodes.nodeName(req.dst)} got no answer${x.retransmissions.length ? ` although sent ${x.retransmissions.length + 1} times` : ""}.`;
      if (x.sipTxn !== undefined) explanation += ` It was asked on behalf of SIP Call-ID ${ctx.txns[x.sipTxn].callId}, which therefore cannot continue.`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      out.push({
        severity: w.severity,
        title: this.title,
        explanation,
        reference: "RFC 6733 §3 (answer carries the request's Hop-by-Hop and End-to-End Identifiers), §5.5.4 (failover)",
        likelyCause: "The peer (HSS) did not process the request, could not route it (realm/host), or the transport connection failed.",
        callId: x.sipTxn !== undefined ? ctx.txns[x.sipTxn].callId : x.sessionId,
        messages: uniq([x.request, ...x.retransmissions]),
        ghosts: [ghost(x.name.replace(/R$/, "A"), req.dst, req.src, deadline, "RFC 6733 §3: answer to the request", x.request)],
        time: req.time,
      });
    }
    return out;
  },
};
