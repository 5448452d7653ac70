/**
 * A NOTIFY written onto a TCP/WebSocket connection the watcher had already closed (FIN, RST or a
 * WebSocket close frame before it) cannot be delivered. The subscription should have been ended
 * (RFC 6665 §4.2.2: a notifier that cannot reach the subscriber terminates the subscription) or
 * the watcher reached on a new flow (RFC 5626 outbound).
 */
import type { Rule, RuleHit } from "../context";
import { clock } from "../context";

export const rule: Rule = {
  id: "notify-to-closed-connection",
  severity: "warning",
  title: "NOTIFY sent on a closed connection",
  check(ctx) {
    const out: RuleHit[] = [];
    for (const x of ctx.presence.notifyAfterClose) {
      const m = ctx.msgs[x.notify];
      const s = ctx.presence.subscriptions[x.sub];
      const closedBy = x.close.by === `${s.watcher.ip.includes(":") ? `[${s.watcher.ip}]` : s.watcher.ip}:${s.watcher.port}` ? "the watcher" : "the server";
      out.push({
        severity: "warning",
        title: this.title,
        explanation: `The NOTIFY at ${clock(m.time)} for ${s.presentity} (event ${s.event}) was sent to ${ctx.nodes.nodeName(s.watcher)} over ${m.transport.toUpperCase()} on a connection ${closedBy} had already closed at ${clock(x.close.time)} (${x.close.kind}, frame ${x.close.frame}). It cannot arrive; the watcher will only learn of the change when it re-subscribes.`,
        reference: "RFC 6665 §4.2.2 (terminate subscriptions that cannot be notified); RFC 5626 (flow recovery); RFC 7118 (SIP over WebSocket)",
        likelyCause: "The server keeps subscriptions of watchers whose connection is gone and still tries to use the old connection.",
        callId: s.callId,
        messages: [x.notify],
        ghosts: [],
        time: m.time,
      });
    }
    return out;
  },
};
