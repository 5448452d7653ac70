/**
 * The 2xx to an INVITE is acknowledged end to end by the UAC's TU (RFC 3261 §13.2.2.4); until the
 * ACK arrives the UAS retransmits the 2xx and, after 64×T1, ends the dialog with a BYE (§13.3.1.4).
 * On each hop the ACK is seen leaving the hop's client node or reaching its server node (a proxy
 * that does not record-route is bypassed by the ACK).
 */
import type { Rule, RuleHit } from "../context";
import { answerAllowance } from "../transactions";
import { ghost } from "../context";
import { ackIndex, captureEndedNote, describeTxn, uniq, windowed } from "./util";

export const rule: Rule = {
  id: "ack-missing-2xx",
  severity: "warning",
  title: "2xx to INVITE never ACKed",
  check(ctx) {
    const out: RuleHit[] = [];
    const byKey = new Map<string, RuleHit>();
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.kind !== "INVITE" || t.final === undefined || (t.finalStatus ?? 0) < 200 || (t.finalStatus ?? 0) >= 300) continue;
      const fin = ctx.msgs[t.final];
      const cseq = ctx.msgs[t.request]?.sip?.cseq?.seq ?? -1;
      const client = ctx.nodes.nodeOf(t.client);
      const server = ctx.nodes.nodeOf(t.server);
      // The To tag only tells forks apart: with one answering UAS, any ACK of this CSeq on the hop
      // counts (some SBCs rewrite the tag, and the UAS still stops retransmitting).
      const finTag = fin.sip?.toTag;
      let forked = false;
      for (let k = 0; k < t.retransmissions.length; k++) {
        const s = ctx.msgs[t.retransmissions[k]]?.sip;
        if (s?.kind === "response" && s.status !== undefined && s.status >= 200 && s.status < 300 && s.toTag !== finTag) forked = true;
      }
      const tag = forked ? finTag : undefined;
      let acked = false;
      // The Call-ID's ACKs, filtered by CSeq in place.
      const acks = ackIndex(ctx);
      const answeredAt = fin.time;
      for (let k = acks.first.get(t.callId) ?? -1; k >= 0 && !acked; k = acks.next[k]) {
        if (acks.cseq[k] !== cseq || !(acks.src[k] === client || acks.dst[k] === server)) continue;
        const ackTag = acks.toTag[k];
        acked = acks.time[k] >= answeredAt && (!tag || !ackTag || ackTag === tag);
      }
      if (acked) continue;
      const repeats = t.retransmissions.filter((id) => ctx.msgs[id]?.sip?.kind === "response" && ctx.msgs[id].time > fin.time);
      const deadline = fin.time + answerAllowance(ctx.model.t1);
      const w = windowed(ctx, deadline, repeats.length ? "error" : "warning");
      let explanation = `The ${t.finalStatus} answering ${describeTxn(ctx, t)} was never acknowledged: no ACK for CSeq ${cseq} left ${ctx.nodes.nodeName(t.client)}.`;
      if (repeats.length) explanation += ` The 2xx was retransmitted ${repeats.length} time${repeats.length > 1 ? "s" : ""}; after 64×T1 the UAS gives up and tears the call down.`;
      if (w.beyond) explanation += captureEndedNote(ctx, deadline);
      // The ACK for a 2xx travels end to end: one missing ACK shows on every hop of the call.
      // Report it once per dialog and CSeq (at the first hop), with a ghost per hop.
      const key = `${t.callId}|${cseq}`;
      const prev = byKey.get(key);
      if (prev) {
        prev.messages = uniq([...prev.messages, t.request, t.final, ...repeats]);
        prev.ghosts.push(ghost("ACK", t.client, t.server, deadline, "RFC 3261 §13.2.2.4: ACK for the 2xx response", t.final));
        if (w.severity === "error" && prev.severity !== "error") prev.severity = "error";
        continue;
      }
      const hit: RuleHit = {
        severity: w.severity,
        title: this.title,
        explanation,
        reference: "RFC 3261 §13.2.2.4 (UAC sends ACK for 2xx), §13.3.1.4 (UAS retransmits 2xx until ACK)",
        likelyCause: "The 2xx did not reach the caller or its ACK was routed elsewhere (Contact / Record-Route pointing to an unreachable address, NAT).",
        callId: t.callId,
        messages: uniq([t.request, t.final, ...repeats]),
        ghosts: [ghost("ACK", t.client, t.server, deadline, "RFC 3261 §13.2.2.4: ACK for the 2xx response", t.final)],
        time: fin.time,
      };
      byKey.set(key, hit);
      out.push(hit);
    }
    return out;
  },
};
