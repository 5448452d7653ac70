/**
 * RFC 3261 timers bound how often one message is repeated: an INVITE at most 6 times (Timer A until
 * Timer B), a non-INVITE request or a final response about 10 times (Timers E/G capped at T2 until
 * 64×T1). More copies than that mean something retransmits without the RFC back-off — a loop, a
 * misconfigured T1/T2, or a transaction that is never cleaned up.
 */
import type { Rule, RuleHit } from "../context";
import { secs } from "../context";
import { describeTxn, uniq } from "./util";

/** More repeats than RFC timers allow for one transaction (10 for Timers E/G). */
const MAX_REPEATS = 11;

export const rule: Rule = {
  id: "retransmission-storm",
  severity: "warning",
  title: "Retransmission storm",
  yieldsTo: ["ack-missing-non2xx", "ack-missing-2xx", "bye-unanswered", "txn-timeout", "dia-answer-no-sip-continuation", "notify-to-closed-connection"],
  check(ctx) {
    const out: RuleHit[] = [];
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.retransmissions.length <= MAX_REPEATS) continue;
      const first = ctx.msgs[t.retransmissions[0]];
      const last = ctx.msgs[t.retransmissions[t.retransmissions.length - 1]];
      out.push({
        severity: "warning",
        title: `${t.retransmissions.length} retransmissions in one ${t.method} transaction`,
        explanation: `${describeTxn(ctx, t)} was repeated ${t.retransmissions.length} times over ${secs(last.time - first.time)} — more than RFC 3261's timers allow for one transaction (Timer A/E/G back-off up to 64×T1).`,
        reference: "RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1 (retransmission timers and their limits)",
        likelyCause: "A routing loop, a T1/T2 misconfiguration, or a transaction that never reaches a terminal state on one side.",
        callId: t.callId,
        messages: uniq([t.request, ...t.retransmissions]),
        ghosts: [],
        time: first.time,
      });
    }
    return out;
  },
};
