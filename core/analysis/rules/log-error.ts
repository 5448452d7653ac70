/**
 * Server log lines of level WARNING and above that refer to traffic in the capture (by Call-ID, by
 * the message they were pinned to, or because their text is a known failure such as "too few
 * headers" or "BYE not sent") become findings pinned to that dialog on the timeline. A line another
 * finding already explains is reported at info level, so each fault is counted once.
 */
import type { Rule, RuleHit } from "../context";
import { clock } from "../context";
import { levelRank } from "./util";

/** Log texts known to mean a signalling fault even without a Call-ID. */
const KNOWN = /too few headers|already in deleted state|BYE not sent|build.*via|via.*build|could not (?:create|build) via|connection.*could not be found|no (?:open|such) (?:tcp|ws|websocket)? ?connection|connection (?:not found|closed)|tcp_send|ws_send|msg_send|t_continue|timeout|failed to (?:send|forward|relay)/i;

export const rule: Rule = {
  id: "log-error",
  severity: "warning",
  title: "Server logged an error",
  check(ctx, earlier) {
    const explained = new Set<number>();
    // Call-IDs of calls another finding (warning or worse) already reports: their log lines are
    // part of that incident.
    const incidentCallIds = new Set<string>();
    for (const h of earlier) {
      for (const id of h.logEvents ?? []) explained.add(id);
      if (h.severity === "info") continue;
      if (h.callId) incidentCallIds.add(h.callId);
      const c = h.messages.length ? ctx.callOf[h.messages[0]] : -1;
      if (c >= 0) for (const id of ctx.calls[c].callIds) incidentCallIds.add(id);
    }
    const out: RuleHit[] = [];
    const seen = new Set<string>();
    for (const l of ctx.logs) {
      const rank = levelRank(l.level);
      if (rank < 3) continue;
      const known = ctx.logCauses.has(l.id) || KNOWN.test(l.text);
      if (l.callId === undefined && l.messageId === undefined && !known) continue;
      const key = `${l.callId ?? ""}|${l.text.replace(/\d+/g, "#")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pinned = l.messageId !== undefined ? ctx.msgs[l.messageId] : undefined;
      const isExplained = explained.has(l.id) || (l.callId !== undefined && incidentCallIds.has(l.callId));
      // Warning level only for an ERROR (or worse) naming a dialog that nothing else explains; a
      // line placed only by time may belong to anything and stays informational.
      const severity = isExplained || rank < 4 || l.callId === undefined ? "info" : "warning";
      const where = l.function ? `${l.module ? l.module + " " : ""}${l.function}()` : l.module ?? "server";
      let explanation = `${l.level} from ${where} (log line ${l.line}${l.time !== undefined ? `, ${clock(l.time)}` : ""}): "${l.text.trim()}".`;
      if (l.callId) explanation += ` It names Call-ID ${l.callId}.`;
      if (pinned) explanation += ` Placed next to frame ${pinned.frame}.`;
      if (isExplained) explanation += " Another finding on the same call already explains it.";
      else if (l.callId === undefined) explanation += " It names no Call-ID, so it is only placed by time.";
      const hit: RuleHit = {
        severity,
        title: `${l.level}: ${l.text.trim().slice(0, 80)}`,
        explanation,
        reference: "Server behaviour (Kamailio log)",
        likelyCause: known ? "A known Kamailio failure message; see the related finding on the same call." : "See the log text.",
        messages: l.messageId !== undefined ? [l.messageId] : [],
        ghosts: [],
        logEvents: [l.id],
        time: l.time ?? pinned?.time ?? ctx.model.start,
      };
      if (l.callId) hit.callId = l.callId;
      out.push(hit);
    }
    return out;
  },
};
