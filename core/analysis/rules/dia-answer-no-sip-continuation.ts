/**
 * A SIP server that asks the HSS over Cx/Dx (UAR, MAR, SAR, LIR) suspends the SIP transaction and
 * must continue it as soon as the answer arrives: after MAA the S-CSCF challenges with 401, after
 * SAA it answers 200, after UAA/LIA the I-CSCF forwards the request (TS 24.229 §5.4.1, TS 29.228).
 * Bug 1 of the design: Kamailio ims_auth resumes the MAR transaction with t_continue(); if the
 * transaction's timer expired meanwhile the reply route never runs — no 401 at all, or only a late
 * 408/500 — while SAR (resumed with t_continue_skip_timer()) works.
 */
import type { Rule, RuleHit } from "../context";
import { clock, ghost, secs, frames } from "../context";
import { captureEndedNote, logsForCall, logsMatching, sipOfCallId, uniq, windowed } from "./util";

/** Seconds after the Diameter answer within which the SIP transaction must move on. */
const CONTINUE_WINDOW = 2;

const EXPECTED: Record<string, string> = { MAR: "401 Unauthorized", SAR: "200 OK", UAR: "forwarded request", LIR: "forwarded request" };

export const rule: Rule = {
  id: "dia-answer-no-sip-continuation",
  severity: "error",
  title: "Diameter answer arrived but the SIP transaction never continued",
  check(ctx) {
    const out: RuleHit[] = [];
    for (const x of ctx.diameter) {
      if (x.sipTxn === undefined || x.answer === undefined || !x.success) continue;
      const t = ctx.txns[x.sipTxn];
      const ans = ctx.msgs[x.answer];
      const ta = ans.time;
      if (t.final !== undefined && ctx.msgs[t.final].time < ta) continue; // answered before the HSS did: not this fault
      const serverNode = ctx.nodes.nodeOf(t.server);
      // The continuation: the first SIP message of this Call-ID the server node sends after the
      // answer (by node, not IP: the UE and the S-CSCF may share a host in a lab).
      const cont = sipOfCallId(ctx, t.callId).find((id) => id > x.answer! && ctx.msgs[id].time >= ta && ctx.nodes.nodeOf(ctx.msgs[id].src) === serverNode);
      const c = cont !== undefined ? ctx.msgs[cont] : undefined;
      const late = c !== undefined && c.time - ta > CONTINUE_WINDOW;
      const failure = c?.sip?.kind === "response" && (c.sip.status === 408 || (c.sip.status ?? 0) >= 500);
      if (c && !late && !failure) continue;
      // A further Cx request for the same SIP transaction (SAR after MAA, a resync MAR) also moves
      // it on; that exchange is then judged on its own. (Looked up only for suspicious cases.)
      const nextDia = ctx.diameter.find((y) => y.sipTxn === x.sipTxn && y.request > x.answer! && ctx.msgs[y.request].time - ta <= CONTINUE_WINDOW);
      if (nextDia && (cont === undefined || nextDia.request < cont)) continue;
      const deadline = ta + CONTINUE_WINDOW;
      const w = windowed(ctx, deadline, "error");
      const req = ctx.msgs[t.request];
      const expected = EXPECTED[x.name.replace(/A$/, "R")] ?? "SIP continuation";
      const answerName = x.name;
      let explanation = `${req.sip?.method} from ${ctx.nodes.nodeName(t.client)} (Call-ID ${t.callId}) made ${ctx.nodes.nodeName(t.server)} ask the HSS: ${x.name} at ${clock(ctx.msgs[x.request].time)}, ${answerName.replace(/R$/, "A")} ${x.resultName ?? "success"} at ${clock(ta)} (${secs(x.answerTime ?? 0)}).`;
      if (!c) explanation += ` After that answer the SIP transaction never moved on: no ${expected} was sent${w.beyond ? "" : ` (the capture continues ${secs(ctx.model.end - ta)} past it)`}.`;
      else if (failure) explanation += ` The only continuation is a ${c.sip?.status} ${c.sip?.reason ?? ""} ${secs(c.time - ta)} later (${frames(ctx, [cont!])}) instead of the ${expected}: the transaction timed out while it waited, although the answer was there.`;
      else explanation += ` The transaction continued only ${secs(c.time - ta)} after the answer (${frames(ctx, [cont!])}).`;
      if (w.beyond && !c) explanation += captureEndedNote(ctx, deadline);
      const logs = uniq([...logsForCall(ctx, t.callId), ...logsMatching(ctx, /t_continue|suspend|ims_auth|cxdx|cdp|reply route|transaction/i, ta - 1, deadline + 60).filter((id) => /ERR|CRIT|WARN/i.test(ctx.logs[id].level))]);
      const hit: RuleHit = {
        severity: w.severity,
        title: c ? `SIP transaction continued only with a late ${c.sip?.status ?? "message"} after ${answerName.replace(/R$/, "A")}` : this.title,
        explanation,
        reference: "3GPP TS 24.229 §5.4.1.2 (S-CSCF challenges after MAA), TS 29.228 §6.3; Kamailio ims_auth / tm t_suspend()+t_continue()",
        likelyCause:
          "The SIP transaction was suspended for the Diameter request and resumed with t_continue(); its timer had already expired, so the reply route never ran (Kamailio ims_auth MAR). SAR resumes with t_continue_skip_timer() and is not affected.",
        callId: t.callId,
        messages: uniq([t.request, x.request, x.answer, ...(cont !== undefined ? [cont] : [])]),
        ghosts: c && !failure ? [] : [ghost(/^\d/.test(expected) ? expected.split(" ")[0] : expected, t.server, t.client, deadline, `${x.name.replace(/A$/, "R")} answered with success: the ${req.sip?.method} must continue with ${expected}`, x.answer)],
        time: ta,
      };
      if (logs.length) hit.logEvents = logs;
      out.push(hit);
    }
    return out;
  },
};
