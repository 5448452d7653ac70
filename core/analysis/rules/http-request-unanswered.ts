/**
 * Every HTTP/1.1 request gets a response on its connection (RFC 9110 §15, RFC 9112 §9.3). Bug 3 of
 * the design: an HTTP request reaching Kamailio's xhttp handler is turned into a fake SIP message
 * without From/To/CSeq/Call-ID; async processing (async_route / t_suspend) rejects it with "too few
 * headers" and the client never gets an answer. The matching log error is pinned when a log is
 * loaded; it also proves the fault when the capture ended before a client timeout.
 */
import type { Rule, RuleHit } from "../context";
import { clock, ghost } from "../context";
import { captureEndedNote, logsMatching, windowed } from "./util";

/** Seconds an HTTP client commonly waits before giving up. */
const RESPONSE_TIMEOUT = 10;
const SERVER_ERROR_LOG = /too few headers|xhttp|async|t_newtran|t_suspend|http/i;

export const rule: Rule = {
  id: "http-request-unanswered",
  severity: "warning",
  title: "HTTP request never answered",
  check(ctx) {
    const out: RuleHit[] = [];
    const used = new Set<number>();
    const unanswered = ctx.http.filter((x) => x.response === undefined);
    // Log lines without a time cannot be placed by time: hand them out in order, one per request.
    const untimed = ctx.logs.filter((l) => ctx.model.logs[l.id]?.time === undefined && /too few headers/i.test(l.text)).map((l) => l.id);
    for (const x of unanswered) {
      const req = ctx.msgs[x.request];
      const close = ctx.connections.closedBefore(x.client, x.server, ctx.model.end + 1);
      const closedAfter = close && close.time >= req.time ? close : undefined;
      let logs = logsMatching(ctx, SERVER_ERROR_LOG, req.time - 1, req.time + RESPONSE_TIMEOUT).filter((id) => ctx.model.logs[id]?.time !== undefined && /ERR|CRIT|WARN/i.test(ctx.logs[id].level) && !used.has(id));
      if (logs.length === 0) {
        const i = untimed.findIndex((id) => !used.has(id));
        if (i >= 0) logs = [untimed.splice(i, 1)[0]];
      }
      for (const id of logs) used.add(id);
      const deadline = closedAfter ? Math.min(closedAfter.time, req.time + RESPONSE_TIMEOUT) : req.time + RESPONSE_TIMEOUT;
      const w = windowed(ctx, deadline, logs.length ? "error" : "warning");
      // A server error in the log, or the connection closing without an answer, proves it even if the capture is short.
      const proven = logs.length > 0 || closedAfter !== undefined;
      const severity = proven ? (logs.length ? "error" : "warning") : w.severity;
      let explanation = `${x.method} ${x.path} from ${ctx.nodes.nodeName(x.client)} to ${ctx.nodes.nodeName(x.server)} at ${clock(req.time)} got no HTTP response`;
      explanation += closedAfter ? `; the connection was closed (${closedAfter.kind}, frame ${closedAfter.frame}) at ${clock(closedAfter.time)} without one.` : ".";
      if (logs.length) explanation += ` The server logged: "${ctx.logs[logs[0]].text.trim()}".`;
      if (w.beyond && !proven) explanation += captureEndedNote(ctx, deadline);
      const hit: RuleHit = {
        severity,
        title: this.title,
        explanation,
        reference: "RFC 9110 §15 / RFC 9112 §9.3 (every request gets a response on its connection); Kamailio xhttp + async_route behaviour",
        likelyCause: logs.some((id) => /too few headers/i.test(ctx.logs[id].text))
          ? "The SIP server wrapped the HTTP request into a fake SIP message without From/To/CSeq/Call-ID; asynchronous processing (async_route / t_suspend) refused it (\"too few headers\") and no reply was ever sent."
          : "The server accepted the request but its handler never replied (dropped in an asynchronous route, crashed, or blocked).",
        messages: [x.request],
        ghosts: [ghost("HTTP response", x.server, x.client, deadline, "RFC 9112: response to the request on the same connection", x.request)],
        time: req.time,
      };
      if (logs.length) hit.logEvents = logs;
      out.push(hit);
    }
    return out;
  },
};
