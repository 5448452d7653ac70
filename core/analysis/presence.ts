/**
 * Presence (RFC 6665, RFC 3903, RFC 3856): subscriptions per watcher, their state over time, the
 * NOTIFYs of each subscription, and "state changes" of a presentity — a PUBLISH accepted for it,
 * or a NOTIFY the server sends on its own (not the one answering a SUBSCRIBE). After a state
 * change, every subscription active at that moment is owed a NOTIFY (RFC 6665 §4.2.2): the
 * fan-out. The watcher's transport connection is tracked too, because a server that cannot reach
 * one dead watcher must still notify the live ones.
 */
import type { Endpoint, Transport } from "../capture/types";
import type { AnalysisContextBase } from "./context";
import type { ConnectionClose } from "./connections";
import { isReliable } from "./connections";

export interface Subscription {
  index: number;
  callId: string;
  watcherTag: string;
  notifierTag?: string;
  watcher: Endpoint;
  server: Endpoint;
  watcherNode: string;
  transport: Transport;
  presentity: string;
  event: string;
  /** First SUBSCRIBE, and every SUBSCRIBE (refreshes) of the dialog. */
  subscribe: number;
  subscribes: number[];
  /** Expires the watcher last asked for (the 2xx may not repeat it). */
  requestedExpires?: number;
  /** When the first 2xx made it active. */
  activeAt?: number;
  expiresAt?: number;
  terminatedAt?: number;
  state: "init" | "pending" | "active" | "terminated" | "rejected";
  /** NOTIFYs sent toward the watcher (first copies), in order. */
  notifies: number[];
}

export interface FanoutWatcher {
  sub: number;
  notify?: number;
  /** The watcher's connection closed before the state change. */
  closed?: ConnectionClose;
}

export interface Fanout {
  presentity: string;
  event: string;
  /** The message that changed the state (PUBLISH, or the first unsolicited NOTIFY). */
  trigger: number;
  time: number;
  /** Latest time every NOTIFY should have been sent by. */
  deadline: number;
  beyondCapture: boolean;
  server: Endpoint;
  watchers: FanoutWatcher[];
}

export interface NotifyAfterClose {
  notify: number;
  sub: number;
  close: ConnectionClose;
}

export interface PresenceModel {
  subscriptions: Subscription[];
  fanouts: Fanout[];
  notifyAfterClose: NotifyAfterClose[];
}

/** Seconds within which a state change must be notified to every watcher (servers send at once). */
export const FANOUT_WINDOW = 5;

function eventOf(v: string | undefined): string {
  return (v ?? "presence").split(";")[0].trim().toLowerCase() || "presence";
}

function presentityOf(uri: { user?: string; host: string } | undefined, fallback: string | undefined): string {
  if (uri) return `${(uri.user ?? "").toLowerCase()}@${uri.host.toLowerCase()}`;
  return (fallback ?? "").toLowerCase();
}

/**
 * Whether a capture whose SIP requests and CSeqs name `methods` holds anything buildPresence reads
 * (SUBSCRIBE and NOTIFY requests, SUBSCRIBE and PUBLISH responses): without, its answer is
 * noPresence() and its pass over every message can be skipped.
 */
export function hasPresenceTraffic(methods: ReadonlySet<string>): boolean {
  return methods.has("SUBSCRIBE") || methods.has("NOTIFY") || methods.has("PUBLISH");
}

/** The presence model of a capture without presence traffic. */
export function noPresence(): PresenceModel {
  return { subscriptions: [], fanouts: [], notifyAfterClose: [] };
}

export function buildPresence(ctx: AnalysisContextBase): PresenceModel {
  const { msgs, txns, txnOf, retrans, nodes, connections, model } = ctx;
  const subs: Subscription[] = [];
  const byDialog = new Map<string, number>();
  const publishes: { msg: number; time: number; presentity: string; event: string; server: Endpoint }[] = [];
  const notifyAfterClose: NotifyAfterClose[] = [];
  // Indexed, not for-of: this loop runs once, mostly unoptimised, where a for-of step allocates.
  for (let mi = 0; mi < msgs.length; mi++) {
    const m = msgs[mi];
    const sip = m.sip;
    if (!sip || retrans[m.id]) continue;
    // Nearly every message is none of these: the Call-ID is read only in the branches.
    if (sip.kind === "request" && sip.method === "SUBSCRIBE") {
      const callId = sip.callId ?? "";
      const tag = sip.fromTag ?? "";
      const key = `${callId}|${tag}`;
      let i = byDialog.get(key);
      if (i === undefined) {
        i = subs.length;
        byDialog.set(key, i);
        subs.push({
          index: i,
          callId,
          watcherTag: tag,
          watcher: m.src,
          server: m.dst,
          watcherNode: nodes.nodeOf(m.src),
          transport: m.transport,
          presentity: presentityOf(sip.to?.uri, sip.to?.uriText),
          event: eventOf(sip.header("event")),
          subscribe: m.id,
          subscribes: [m.id],
          state: "init",
          notifies: [],
        });
      } else if (nodes.nodeOf(m.src) === subs[i].watcherNode) subs[i].subscribes.push(m.id);
      const req = Number(sip.header("expires"));
      if (Number.isFinite(req) && nodes.nodeOf(m.src) === subs[i].watcherNode) subs[i].requestedExpires = req;
      continue;
    }
    if (sip.kind === "response" && sip.cseq?.method === "SUBSCRIBE") {
      const i = byDialog.get(`${sip.callId ?? ""}|${sip.fromTag ?? ""}`);
      if (i === undefined || sip.status === undefined || sip.status < 200) continue;
      const s = subs[i];
      if (nodes.nodeOf(m.dst) !== s.watcherNode) continue;
      if (sip.status >= 300) {
        if (s.state === "init") s.state = "rejected";
        continue;
      }
      s.notifierTag = sip.toTag;
      // The 2xx's Expires, else what was asked, else the presence package default (RFC 3856 §6.4: 3600 s).
      const granted = Number(sip.header("expires"));
      const exp = Number.isFinite(granted) ? granted : s.requestedExpires ?? 3600;
      if (exp === 0) {
        s.state = "terminated";
        s.terminatedAt = m.time;
        continue;
      }
      s.expiresAt = m.time + exp;
      if (s.activeAt === undefined) s.activeAt = m.time;
      if (s.state === "init" || s.state === "pending") s.state = "active";
      continue;
    }
    if (sip.kind === "request" && sip.method === "NOTIFY") {
      const i = byDialog.get(`${sip.callId ?? ""}|${sip.toTag ?? ""}`);
      if (i === undefined) continue;
      const s = subs[i];
      if (nodes.nodeOf(m.dst) !== s.watcherNode) continue;
      s.notifies.push(m.id);
      const st = (sip.header("subscription-state") ?? "").toLowerCase();
      if (st.startsWith("terminated")) {
        s.state = "terminated";
        s.terminatedAt = m.time;
      } else if (st.startsWith("active")) {
        if (s.state !== "terminated") s.state = "active";
        if (s.activeAt === undefined) s.activeAt = m.time;
        const e = /expires\s*=\s*(\d+)/.exec(st);
        if (e) s.expiresAt = m.time + Number(e[1]);
      } else if (st.startsWith("pending") && s.state === "init") s.state = "pending";
      if (isReliable(m.transport)) {
        const close = connections.closedBefore(m.src, m.dst, m.time);
        if (close) notifyAfterClose.push({ notify: m.id, sub: i, close });
      }
      continue;
    }
    if (sip.kind === "response" && sip.cseq?.method === "PUBLISH" && sip.status !== undefined && sip.status >= 200 && sip.status < 300) {
      const t = txnOf[m.id];
      const req = t >= 0 ? msgs[txns[t].request] : undefined;
      if (!req?.sip) continue;
      publishes.push({
        msg: req.id,
        time: req.time,
        presentity: presentityOf(req.sip.to?.uri, req.sip.to?.uriText),
        event: eventOf(req.sip.header("event")),
        server: req.dst,
      });
    }
  }
  return { subscriptions: subs, fanouts: buildFanouts(subs, publishes, ctx, model.end), notifyAfterClose };
}

/** Group state changes into rounds per presentity/event and check who was notified in each. */
function buildFanouts(
  subs: Subscription[],
  publishes: { msg: number; time: number; presentity: string; event: string; server: Endpoint }[],
  ctx: AnalysisContextBase,
  captureEnd: number,
): Fanout[] {
  const { msgs, connections } = ctx;
  type Trigger = { msg: number; time: number; presentity: string; event: string; server: Endpoint };
  const triggers: Trigger[] = [...publishes];
  const byPresentity = new Map<string, number[]>();
  for (const s of subs) {
    const key = `${s.presentity}|${s.event}`;
    let l = byPresentity.get(key);
    if (!l) byPresentity.set(key, (l = []));
    l.push(s.index);
    // A NOTIFY that does not follow one of the watcher's own SUBSCRIBEs reports a state change.
    for (const n of s.notifies) {
      const t = msgs[n].time;
      const solicited = s.subscribes.some((x) => t >= msgs[x].time && t - msgs[x].time <= FANOUT_WINDOW);
      const st = (msgs[n].sip?.header("subscription-state") ?? "").toLowerCase();
      if (!solicited && !st.startsWith("terminated")) triggers.push({ msg: n, time: t, presentity: s.presentity, event: s.event, server: msgs[n].src });
    }
  }
  triggers.sort((a, b) => a.time - b.time || a.msg - b.msg);
  const out: Fanout[] = [];
  const roundStart = new Map<string, number>();
  // A PUBLISH may name the presentity with another host form (IP vs domain): fall back to the user.
  const byUser = new Map<string, string | null>();
  for (const key of byPresentity.keys()) {
    const [who, event] = key.split("|");
    const u = `${who.split("@")[0]}|${event}`;
    byUser.set(u, byUser.has(u) && byUser.get(u) !== key ? null : key);
  }
  for (const tr of triggers) {
    let key = `${tr.presentity}|${tr.event}`;
    if (!byPresentity.has(key)) key = byUser.get(`${tr.presentity.split("@")[0]}|${tr.event}`) ?? key;
    const list = byPresentity.get(key);
    if (!list) continue;
    const open = roundStart.get(key);
    if (open !== undefined && tr.time - open <= FANOUT_WINDOW) continue;
    roundStart.set(key, tr.time);
    const deadline = tr.time + FANOUT_WINDOW;
    const watchers: FanoutWatcher[] = [];
    for (const i of list) {
      const s = subs[i];
      const activeBefore = s.activeAt !== undefined && s.activeAt <= tr.time;
      const live = s.terminatedAt === undefined || s.terminatedAt > tr.time;
      const unexpired = s.expiresAt === undefined || s.expiresAt > tr.time;
      if (!activeBefore || !live || !unexpired) continue;
      const w: FanoutWatcher = { sub: i };
      // A NOTIFY answering a SUBSCRIBE the watcher sent after the change is not the fan-out.
      const n = s.notifies.find((x) => msgs[x].time >= tr.time && msgs[x].time <= deadline && !s.subscribes.some((sb) => msgs[sb].time >= tr.time && msgs[sb].time <= msgs[x].time));
      if (n !== undefined) w.notify = n;
      if (isReliable(s.transport)) {
        const c = connections.closedBefore(s.watcher, s.server, tr.time);
        if (c) w.closed = c;
      }
      watchers.push(w);
    }
    if (watchers.length === 0) continue;
    out.push({ presentity: tr.presentity, event: tr.event, trigger: tr.msg, time: tr.time, deadline, beyondCapture: deadline > captureEnd, server: tr.server, watchers });
  }
  return out;
}
