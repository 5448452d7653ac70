/**
 * After a presentity's state changes (a PUBLISH is accepted, or the server sends an unsolicited
 * NOTIFY), every active subscription is owed a NOTIFY (RFC 6665 §4.2.2, RFC 3856 §6.6). Bug 5 of the
 * design: Kamailio's presence module walks the watchers in order; for a watcher whose WebSocket is
 * already closed it fails to build the Via and jumps out of the loop, so the live watchers after it
 * get nothing either. Reported as "notified k of n active watchers", with each skipped live watcher
 * as a ghost NOTIFY and the dead connection named.
 */
import type { Rule, RuleHit } from "../context";
import { clock, frames, ghost } from "../context";
import { captureEndedNote, logsMatching, uniq } from "./util";

export const rule: Rule = {
  id: "notify-fanout-aborted",
  severity: "error",
  title: "State change not notified to every active watcher",
  check(ctx) {
    const out: RuleHit[] = [];
    const subs = ctx.presence.subscriptions;
    for (const f of ctx.presence.fanouts) {
      const liveSkipped = f.watchers.filter((w) => w.notify === undefined && !w.closed);
      if (liveSkipped.length === 0) continue;
      const n = f.watchers.length;
      const k = f.watchers.filter((w) => w.notify !== undefined).length;
      const dead = f.watchers.filter((w) => w.closed);
      const firstSkip = f.watchers.find((w) => w.notify === undefined);
      const trigger = ctx.msgs[f.trigger];
      const what = trigger.sip?.method === "PUBLISH" ? `a PUBLISH (${frames(ctx, [f.trigger])})` : `a NOTIFY the server sent on its own (${frames(ctx, [f.trigger])})`;
      const list = f.watchers
        .map((w) => {
          const s = subs[w.sub];
          const who = ctx.nodes.nodeName(s.watcher);
          if (w.notify !== undefined) return `${who}: notified (${frames(ctx, [w.notify])})`;
          if (w.closed) return `${who}: connection closed at ${clock(w.closed.time)} (${w.closed.kind}, frame ${w.closed.frame}) — cannot be notified`;
          return `${who}: live, NOT notified`;
        })
        .join("; ");
      let explanation = `The state of ${f.presentity} (event ${f.event}) changed at ${clock(f.time)} by ${what}; it was notified to ${k} of ${n} active watchers. In subscription order: ${list}.`;
      if (firstSkip && firstSkip.closed) explanation += ` The first watcher skipped is the one whose transport connection was already closed, and every watcher after it was skipped as well: the NOTIFY loop stopped at the dead connection instead of going on to the live ones.`;
      const severity = f.beyondCapture && k > 0 ? "info" : "error";
      if (f.beyondCapture) explanation += captureEndedNote(ctx, f.deadline);
      const logs = logsMatching(ctx, /via|connection|tcpconn|websocket|\bws\b|notify|send/i, f.time - 1, f.deadline + 1).filter((id) => /ERR|CRIT|WARN/i.test(ctx.logs[id].level));
      const notified = f.watchers.map((w) => w.notify).filter((x): x is number => x !== undefined);
      const deadSubs = dead.map((w) => subs[w.sub].subscribe);
      // One finding per live watcher left without its NOTIFY: each is a dialog that missed the
      // change (its ladder shows the ghost), all tell the same story of the aborted loop.
      for (const w of liveSkipped) {
        const s = subs[w.sub];
        const hit: RuleHit = {
          severity,
          title: `State change notified to ${k} of ${n} active watchers`,
          explanation: `${explanation} This finding is for ${ctx.nodes.nodeName(s.watcher)} (subscription Call-ID ${s.callId}), which got no NOTIFY.`,
          reference: "RFC 6665 §4.2.2 (notifier sends NOTIFY on every state change to each subscription); RFC 3856 §6.6",
          likelyCause: dead.length
            ? "One watcher's WebSocket/TCP connection had closed; building the Via/route for it failed and the server aborted the whole fan-out loop (Kamailio presence pres_refresh_watchers / notify loop) instead of skipping just that watcher."
            : "The notifier stopped sending part-way through its watcher list (send failure, dialog lookup failure, or a crashed worker).",
          callId: s.callId,
          messages: uniq([f.trigger, ...notified, s.subscribe, ...deadSubs]),
          ghosts: [ghost("NOTIFY", s.server, s.watcher, f.deadline, `RFC 6665 §4.2.2: NOTIFY to active watcher after the state change of ${f.presentity}`, f.trigger)],
          time: f.time,
          anchor: s.subscribe,
        };
        if (logs.length) hit.logEvents = logs;
        out.push(hit);
      }
    }
    return out;
  },
};
