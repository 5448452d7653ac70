/**
 * A registration that ends in a failure: a final error response (403, 404, 5xx...) or a renewed
 * challenge to a REGISTER that already carried credentials (wrong password; RFC 3261 §22.2 — a
 * stale=true challenge is just a new nonce and is not counted).
 */
import type { Rule, RuleHit } from "../context";
import { logsForCall, uniq, ROOT_CAUSE_RULES } from "./util";

export const rule: Rule = {
  id: "register-failed",
  severity: "warning",
  title: "Registration failed",
  yieldsTo: ROOT_CAUSE_RULES,
  check(ctx) {
    const out: RuleHit[] = [];
    for (const r of ctx.registrations) {
      if (r.outcome !== "failed") continue;
      const last = [...r.attempts].reverse().find((a) => a.status !== undefined)!;
      const fin = ctx.msgs[last.final!];
      const reason = fin.sip?.reason ?? "";
      const credentialsRejected = (last.status === 401 || last.status === 407) && last.credentials;
      const rounds = r.attempts.length;
      const nonceTrouble = credentialsRejected && /nonce|stale/i.test(reason);
      const explanation = credentialsRejected
        ? `The REGISTER for ${r.aor} carried credentials and was challenged again with ${last.status} ${reason}${nonceTrouble ? "" : " (not a stale nonce): the registrar rejected the username/password"}. ${rounds} attempt${rounds > 1 ? "s" : ""}, no 2xx.`
        : `The REGISTER for ${r.aor} was refused with ${last.status} ${reason} after ${rounds} attempt${rounds > 1 ? "s" : ""}; the UA is not registered.`;
      const logs = logsForCall(ctx, r.callId);
      const hit: RuleHit = {
        severity: "warning",
        title: `Registration failed (${last.status}${reason ? " " + reason : ""})`,
        explanation,
        reference: "RFC 3261 §10.3 (registrar processing), §22 (digest authentication)",
        likelyCause: nonceTrouble
          ? "The registrar keeps rejecting the nonce the UA answers with (reason \"" + reason + "\"): nonces not shared between registrar instances, a clock problem, or a UA that reuses an old nonce."
          : credentialsRejected
          ? "Wrong password or username for this realm." : last.status === 403 ? "The registrar forbids this user/AOR (wrong credentials, not provisioned, or not allowed from this address)." : last.status === 404 ? "Unknown user/AOR at this registrar." : "The registrar refused the binding; see the status.",
        callId: r.callId,
        messages: uniq(r.attempts.flatMap((a) => [a.request, ...(a.final !== undefined ? [a.final] : [])])),
        ghosts: [],
        time: fin.time,
      };
      if (logs.length) hit.logEvents = logs;
      out.push(hit);
    }
    return out;
  },
};
