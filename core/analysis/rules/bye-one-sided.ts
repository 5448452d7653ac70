/**
 * A proxy or B2BUA that ends a call on its own (dialog timeout, `dlg_bye`, an RPC) must send BYE to
 * *every* party of the dialog — caller and callee. Bug 4 of the design: Kamailio's dialog module
 * sends the first BYE, the 200 OK to it is processed before the second BYE is sent, the dialog is
 * already "deleted", and the other side never gets its BYE (log: "already in deleted state, BYE not
 * sent"); that side keeps the call up and billing breaks.
 *
 * Judged per call: a middle node (it received an answered INVITE and sent one on) that sends a BYE
 * without having received one first must cover each of its answered sides — by sending BYE there
 * too, or by that side sending its own BYE.
 */
import type { Endpoint } from "../../capture/types";
import type { Rule, RuleHit } from "../context";
import { clock, ghost } from "../context";
import type { TransactionView } from "../model";
import { captureEndedNote, logsForCall, txnsOfCallId, uniq, windowed } from "./util";

/** Seconds within which the second BYE should follow the first (it is sent back to back). */
const SECOND_BYE_WINDOW = 2;

interface Side {
  node: string;
  /** The middle node's and the side's addresses on that hop. */
  mine: Endpoint;
  theirs: Endpoint;
  callId: string;
  answer: number;
}

export const rule: Rule = {
  id: "bye-one-sided",
  severity: "error",
  title: "Proxy-originated BYE reached only one side of the dialog",
  check(ctx) {
    const out: RuleHit[] = [];
    const node = (e: Endpoint) => ctx.nodes.nodeOf(e);
    // Only BYEs sent by a node that had received none before it (per call) can be "originated";
    // only those calls are examined further, so the rule stays linear in the BYE count.
    // Each call's BYE transactions are chained in transaction order (headBye -> nextBye, -1 ends)
    // rather than kept in a list per call: 10^4 lists grown by push would outlive the scan for
    // nothing; a call's list is made when it is examined, and dropped right after.
    const headBye = new Int32Array(ctx.calls.length).fill(-1);
    const tailBye = new Int32Array(ctx.calls.length);
    const nextBye = new Int32Array(ctx.txns.length);
    /** The calls with BYEs, in order of their first BYE transaction. */
    const withByes: number[] = [];
    for (let ti = 0; ti < ctx.txns.length; ti++) {
      const t = ctx.txns[ti];
      if (t.method !== "BYE") continue;
      const c = ctx.callOf[t.request];
      if (c < 0 || ctx.calls[c].kind !== "call") continue;
      nextBye[ti] = -1;
      if (headBye[c] < 0) {
        headBye[c] = ti;
        withByes.push(c);
      } else nextBye[tailBye[c]] = ti;
      tailBye[c] = ti;
    }
    // The nodes already judged in the call at hand (a few): one list for all calls, `nDone` long.
    const done: string[] = [];
    for (let ci = 0; ci < withByes.length; ci++) {
      const c = withByes[ci];
      // Exactly sized (a list grown by push reserves 17 slots for a call's two or three BYEs).
      let nByes = 0;
      for (let ti = headBye[c]; ti >= 0; ti = nextBye[ti]) nByes++;
      const byes = new Array<TransactionView>(nByes);
      for (let ti = headBye[c], k = 0; ti >= 0; ti = nextBye[ti]) byes[k++] = ctx.txns[ti];
      const call = ctx.calls[c];
      // Usually in request order already: sorting copies the list even when it changes nothing.
      let ordered = true;
      for (let k = 1; k < byes.length && ordered; k++) ordered = byes[k - 1].request <= byes[k].request;
      if (!ordered) byes.sort((a, b) => a.request - b.request);
      let answered: TransactionView[] | undefined;
      const caller = node(ctx.msgs[call.first].src);
      let nDone = 0;
      for (let i = 0; i < byes.length; i++) {
        const firstBye = byes[i];
        const p = node(firstBye.client);
        if (p === caller) continue; // the calling UA hanging up
        let seen = false;
        for (let k = 0; k < nDone && !seen; k++) seen = done[k] === p;
        if (seen) continue;
        done[nDone++] = p;
        // Forwarding a BYE it received is not originating one.
        let forwarded = false;
        for (let j = 0; j < i; j++) if (node(byes[j].server) === p) forwarded = true;
        if (forwarded) continue;
        const own = byes.filter((b) => node(b.client) === p);
        const t0 = ctx.msgs[firstBye.request].time;
        answered ??= call.callIds.flatMap((id) => txnsOfCallId(ctx, id)).filter((t) => t.method === "INVITE" && t.finalStatus !== undefined && t.finalStatus >= 200 && t.finalStatus < 300);
        const sides = new Map<string, Side>();
        for (const t of answered) {
          const cl = node(t.client);
          const sv = node(t.server);
          if (sv === p && cl !== p && !sides.has(cl)) sides.set(cl, { node: cl, mine: t.server, theirs: t.client, callId: t.callId, answer: t.final! });
          if (cl === p && sv !== p && !sides.has(sv)) sides.set(sv, { node: sv, mine: t.client, theirs: t.server, callId: t.callId, answer: t.final! });
        }
        if (sides.size < 2) continue; // an endpoint hanging up: nothing to fan out
        // Covered: the proxy sent that side a BYE, or that side hung up itself at about the same
        // time (both ends racing). A BYE from that side long after proves it was never told.
        const covered = (n: string) =>
          byes.some((b) => (node(b.client) === p && node(b.server) === n) || (node(b.client) === n && node(b.server) === p && ctx.msgs[b.request].time <= t0 + SECOND_BYE_WINDOW));
        const missing = [...sides.values()].filter((s) => !covered(s.node));
        if (missing.length === 0) continue;
        const reached = [...sides.values()].filter((s) => covered(s.node));
        const deadline = t0 + SECOND_BYE_WINDOW;
        const w = windowed(ctx, deadline, "error");
        const pName = ctx.nodes.nodeName(firstBye.client);
        let explanation =
          `${pName} ended the call itself (its BYE at ${clock(t0)} answered no BYE it had received) and sent BYE to ` +
          `${reached.map((s) => ctx.nodes.nodeName(s.theirs)).join(" and ") || "nobody"}, but never to ${missing.map((s) => ctx.nodes.nodeName(s.theirs)).join(" and ")}. ` +
          `That side still holds a confirmed dialog: its call stays up and accounting never sees the end.`;
        const byeFinals = own.map((b) => b.final).filter((x): x is number => x !== undefined);
        if (byeFinals.length && ctx.msgs[byeFinals[0]].time < deadline) explanation += ` The 200 OK to the first BYE came back at ${clock(ctx.msgs[byeFinals[0]].time)}, before any second BYE — the dialog was torn down as soon as one side confirmed.`;
        if (w.beyond) explanation += captureEndedNote(ctx, deadline);
        const logs = uniq(call.callIds.flatMap((id) => logsForCall(ctx, id)));
        const hit: RuleHit = {
          severity: w.severity,
          title: this.title,
          explanation,
          reference: "RFC 3261 §15 (each UA's dialog ends only with its own BYE); Kamailio dialog module dlg_bye_all()",
          likelyCause:
            "Dialog-module race: the caller's 200 OK to the first BYE is processed before the second BYE is sent, the dialog is already in deleted state and the second BYE is dropped (\"already in deleted state, BYE not sent\").",
          callId: missing[0].callId,
          messages: uniq([...own.flatMap((b) => [b.request, ...(b.final !== undefined ? [b.final] : [])]), ...missing.map((s) => s.answer)]),
          ghosts: missing.map((s) => ghost("BYE", s.mine, s.theirs, deadline, `Proxy-originated BYE must reach every side of the dialog; ${ctx.nodes.nodeName(s.theirs)} got none`, firstBye.request)),
          time: t0,
        };
        if (logs.length) hit.logEvents = logs;
        out.push(hit);
      }
    }
    return out;
  },
};
