/**
 * A final non-2xx response to an INVITE must be acknowledged hop by hop (RFC 3261 §17.1.1.3):
 * the client transaction sends ACK at once; the server retransmits the response (Timer G) until
 * it does, and gives up at Timer H. Bug 2 of the design: a CANCEL issued through Kamailio's RPC
 * (`tm.cancel` on a `tm.t_uac_start` transaction) deletes the transaction, so the 487 that follows
 * is never ACKed and is retransmitted until Timer H.
 */
import type { Rule, RuleHit } from "../context";
import { answerAllowance } from "../transactions";
import { ghost, secs, frames } from "../context";
import { ackIndex, cancelOf, captureEndedNote, describeTxn, logsForCall, uniq, windowed } from "./util";

export const rule: Rule = {
  id: "ack-missing-non2xx",
  severity: "error",
  title: "Final non-2xx response never ACKed",
  check(ctx) {
    const out: RuleHit[] = [];
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.kind !== "INVITE" || t.final === undefined || (t.finalStatus ?? 0) < 300 || t.ack !== undefined) continue;
      const fin = ctx.msgs[t.final];
      const cseq = ctx.msgs[t.request]?.sip?.cseq?.seq ?? -1;
      const client = ctx.nodes.nodeOf(t.client);
      const server = ctx.nodes.nodeOf(t.server);
      // The ACK may have been filed elsewhere (e.g. a changed branch): any ACK of this CSeq on this hop counts.
      let acked = false;
      const acks = ackIndex(ctx);
      for (let k = acks.first.get(t.callId) ?? -1; k >= 0 && !acked; k = acks.next[k]) {
        acked = acks.cseq[k] === cseq && acks.src[k] === client && acks.dst[k] === server && acks.time[k] >= fin.time;
      }
      if (acked) continue;
      const repeats = t.retransmissions.filter((id) => ctx.msgs[id]?.sip?.status === t.finalStatus && ctx.msgs[id].time > fin.time);
      const deadline = fin.time + answerAllowance(ctx.model.t1);
      const w = windowed(ctx, deadline, repeats.length > 0 ? "error" : "warning");
      const cancel = cancelOf(ctx, t);
      const status = `${t.finalStatus}${fin.sip?.reason ? " " + fin.sip.reason : ""}`;
      let explanation = `The ${status} that ended ${describeTxn(ctx, t)} was never acknowledged: no ACK followed on that hop.`;
      if (cancel) explanation += ` The INVITE had been cancelled (CANCEL ${frames(ctx, [cancel.request])}), so the ${status} is the expected answer — and it still needs its ACK.`;
      if (repeats.length) {
        const lastRepeat = ctx.msgs[repeats[repeats.length - 1]].time;
        explanation += ` The server retransmitted the ${t.finalStatus} ${repeats.length} time${repeats.length > 1 ? "s" : ""} over ${secs(lastRepeat - fin.time)} waiting for it (Timer G, until Timer H at 64×T1).`;
      }
      const noVia = fin.sip !== undefined && fin.sip.vias.length === 0;
      if (noVia) explanation += ` The ${t.finalStatus} carries no Via header at all, so the client cannot match it to its INVITE transaction (RFC 3261 §8.2.6.2: a response copies the request's Via).`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      const hit: RuleHit = {
        severity: w.severity,
        title: cancel && t.finalStatus === 487 ? "487 after CANCEL never ACKed" : `${t.finalStatus} response never ACKed`,
        explanation,
        reference: "RFC 3261 §17.1.1.3 (ACK for non-2xx), §17.2.1 (Timers G and H)",
 likelyCause: noVia
          ? `The ${t.finalStatus} was built without the request's Via headers, so it matches no client transaction and is never ACKed${cancel ? " (the transaction it answered had been cancelled and its state dropped)" : ""}.`
          : cancel
          ? "The UAC side deleted its INVITE transaction when it cancelled it, so the 487 matched no transaction (Kamailio: tm.cancel RPC on a tm.t_uac_start transaction)."
          : "The client transaction was gone or never matched the response (wrong Via/branch, NAT or transport mismatch).",
        callId: t.callId,
        messages: uniq([t.request, ...(cancel ? [cancel.request] : []), t.final, ...repeats]),
        ghosts: [ghost("ACK", t.client, t.server, deadline, `RFC 3261 §17.1.1.3: ACK for the ${t.finalStatus} final response`, t.final)],
        time: fin.time,
      };
      const logs = logsForCall(ctx, t.callId);
      if (logs.length) hit.logEvents = logs;
      out.push(hit);
    }
    return out;
  },
};
