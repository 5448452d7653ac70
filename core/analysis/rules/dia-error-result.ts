/**
 * A Diameter answer with a Result-Code or Experimental-Result-Code of 3000 or more reports a
 * failure (RFC 6733 §7.1: 3xxx protocol, 4xxx transient, 5xxx permanent; TS 29.229 §6.2 for Cx).
 */
import type { Rule, RuleHit } from "../context";

export const rule: Rule = {
  id: "dia-error-result",
  severity: "warning",
  title: "Diameter answer reports an error",
  check(ctx) {
    const out: RuleHit[] = [];
    for (const x of ctx.diameter) {
      if (x.answer === undefined || x.success !== false) continue;
      const ans = ctx.msgs[x.answer];
      const code = x.resultCode;
      const kind = code === undefined ? "an error (E bit)" : code >= 5000 ? "a permanent failure" : code >= 4000 ? "a transient failure" : "a protocol error";
      out.push({
        severity: "warning",
        title: `${x.name.replace(/R$/, "A")} ${x.resultName ?? "error"}`,
        explanation: `The answer to ${x.name}${x.identity ? ` for ${x.identity}` : ""} carries ${x.experimental ? "Experimental-Result-Code" : "Result-Code"} ${code ?? "?"} (${x.resultName ?? "unknown"}): ${kind}.${x.sipTxn !== undefined ? ` The SIP request it was asked for (Call-ID ${ctx.txns[x.sipTxn].callId}) will fail accordingly.` : ""}`,
        reference: x.experimental ? "3GPP TS 29.229 §6.2 (Experimental-Result-Code values)" : "RFC 6733 §7.1 (Result-Code AVP values)",
        likelyCause: code === 5001 && x.experimental ? "The HSS does not know this identity (not provisioned, or the IMPI/IMPU pair is wrong)." : "The HSS/peer rejected the request; see the result code.",
        callId: x.sipTxn !== undefined ? ctx.txns[x.sipTxn].callId : x.sessionId,
        messages: [x.request, x.answer],
        ghosts: [],
        time: ans.time,
      });
    }
    return out;
  },
};
