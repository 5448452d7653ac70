/**
 * SIP-specific event subscription (RFC 6665), role-neutral: one machine per subscription (dialog
 * of a SUBSCRIBE: Call-ID + tags + Event + id). States follow the Subscription-State values
 * (§4.1.3, §8.2.3) plus the wait for the first NOTIFY:
 *
 *   SUBSCRIBE sent ->  NotifyWait --NOTIFY pending--> Pending --NOTIFY active--> Active
 *                          |            \-----------NOTIFY active---------------^   |
 *                          | Timer N (64*T1, §4.1.2.4)            NOTIFY terminated / expiry /
 *                          v                                      481 to a refresh / SUBSCRIBE failed
 *                      Terminated <-----------------------------------------------------+
 *
 * Events name what happened (whoever did it): SubscribeAnswered, NotifySeen, ResourceChanged,
 * RefreshSent, TimerFired. Effects are verbs for the notifier side (SendNotify) and timers; a
 * subscriber-side engine ignores SendNotify, an observer turns it into "a NOTIFY was expected".
 *
 * Use:
 *   let { state, effects } = startSubscription({ event: "presence", expires: 3600 }, timerConfig(), now);
 *   ({ state, effects } = stepSubscription(state, { type: "SubscribeAnswered", status: 200, expires: 3600 }, now));
 *   ({ state, effects } = stepSubscription(state, { type: "NotifySeen", state: "active", expires: 3599 }, now));
 *   ({ state, effects } = stepSubscription(state, { type: "ResourceChanged" }, now));   // -> SendNotify
 */
import type { TimerConfig } from "./timers";
import type { Step } from "./transaction";

export type SubscriptionStateName = "NotifyWait" | "Pending" | "Active" | "Terminated";

export interface SubscriptionTimer {
  /** N: wait for the first NOTIFY (RFC 6665 §4.1.2.4); Expiry: the subscription duration ran out. */
  name: "N" | "Expiry";
  at: number;
}

export interface SubscriptionState {
  state: SubscriptionStateName;
  cfg: TimerConfig;
  event: string;
  timers: SubscriptionTimer[];
  /** Absolute expiry of the subscription, when known. */
  expiresAt?: number;
  /** Reason of the termination (Subscription-State reason, or "no-notify", "timeout", "rejected"). */
  reason?: string;
  /** Number of NOTIFYs seen. */
  notifies: number;
  /** The subscriber asked to end it (Expires: 0); a final NOTIFY with "terminated" is due. */
  unsubscribing: boolean;
}

export type SubscriptionEvent =
  /** Final response to the initial or a refreshing SUBSCRIBE. `expires` from the response's Expires. */
  | { type: "SubscribeAnswered"; status: number; expires?: number; initial?: boolean; pending?: boolean }
  /** A refresh (or, with expires 0, an unsubscribe) was sent. */
  | { type: "RefreshSent"; expires: number }
  /** A NOTIFY with Subscription-State `state` (and its expires/reason parameters). */
  | { type: "NotifySeen"; state: "pending" | "active" | "terminated"; expires?: number; reason?: string }
  /** The watched resource changed (e.g. a PUBLISH for the presentity): every active subscription gets a NOTIFY. */
  | { type: "ResourceChanged" }
  | { type: "TimerFired"; name: SubscriptionTimer["name"] };

export type SubscriptionEffect =
  | { type: "StartTimer"; timer: SubscriptionTimer }
  | { type: "StopTimer"; name: SubscriptionTimer["name"] }
  /** Notifier: send a NOTIFY with this Subscription-State (§4.2.1.2, §4.2.2). */
  | { type: "SendNotify"; state: "pending" | "active" | "terminated"; reason?: string }
  | { type: "StateChanged"; state: SubscriptionStateName }
  | { type: "Terminated"; reason: string };

export type SubscriptionStep = Step<SubscriptionState, SubscriptionEffect>;

/**
 * The SUBSCRIBE was sent/received. RFC 6665 §4.1.2.4: "the subscriber [...] SHOULD set Timer N to
 * 64*T1 when sending a SUBSCRIBE request. If the NOTIFY request is not received within that time,
 * [...] the subscriber SHOULD consider the subscription failed".
 */
export function startSubscription(opts: { event: string; expires?: number }, cfg: TimerConfig, now: number): SubscriptionStep {
  const n: SubscriptionTimer = { name: "N", at: now + 64 * cfg.t1 };
  const state: SubscriptionState = { state: "NotifyWait", cfg, event: opts.event, timers: [n], notifies: 0, unsubscribing: opts.expires === 0 };
  return { state, effects: [{ type: "StartTimer", timer: n }] };
}

function withExpiry(s: SubscriptionState, expires: number | undefined, now: number, fx: SubscriptionEffect[]): SubscriptionState {
  if (expires === undefined || expires <= 0) return s;
  const timer: SubscriptionTimer = { name: "Expiry", at: now + expires };
  fx.push({ type: "StartTimer", timer });
  return { ...s, expiresAt: timer.at, timers: [...s.timers.filter((t) => t.name !== "Expiry"), timer] };
}

function moveTo(s: SubscriptionState, to: SubscriptionStateName, fx: SubscriptionEffect[]): SubscriptionState {
  if (s.state === to) return s;
  fx.push({ type: "StateChanged", state: to });
  return { ...s, state: to };
}

function terminate(s: SubscriptionState, reason: string, fx: SubscriptionEffect[]): SubscriptionState {
  for (const t of s.timers) fx.push({ type: "StopTimer", name: t.name });
  fx.push({ type: "StateChanged", state: "Terminated" }, { type: "Terminated", reason });
  return { ...s, state: "Terminated", timers: [], reason };
}

export function stepSubscription(s: SubscriptionState, ev: SubscriptionEvent, now: number): SubscriptionStep {
  const fx: SubscriptionEffect[] = [];
  if (s.state === "Terminated") return { state: s, effects: fx };
  switch (ev.type) {
    case "SubscribeAnswered": {
      if (ev.status < 200) return { state: s, effects: fx };
      if (ev.status < 300) {
        // §4.2.1.2: "Upon successfully accepting or refreshing a subscription, notifiers MUST send
        // a NOTIFY request immediately to communicate the current resource state to the subscriber."
        let next = withExpiry(s, ev.expires, now, fx);
        if (s.unsubscribing || ev.expires === 0) {
          fx.push({ type: "SendNotify", state: "terminated", reason: "timeout" });
          return { state: next, effects: fx };
        }
        fx.push({ type: "SendNotify", state: ev.pending || s.state === "Pending" ? "pending" : "active" });
        return { state: next, effects: fx };
      }
      if (ev.initial || s.state === "NotifyWait") {
        // §4.1.2.1: a failure response to the initial SUBSCRIBE means no subscription was created.
        return { state: terminate(s, "rejected", fx), effects: fx };
      }
      // §4.1.2.2: "If a SUBSCRIBE request to refresh a subscription fails with any error code other
      // than 481, the original subscription is still considered valid for the duration of the most
      // recently known 'Expires' value".
      if (ev.status === 481) return { state: terminate(s, "481", fx), effects: fx };
      return { state: s, effects: fx };
    }
    case "RefreshSent": {
      if (ev.expires === 0) return { state: { ...s, unsubscribing: true }, effects: fx };
      return { state: s, effects: fx };
    }
    case "NotifySeen": {
      let next: SubscriptionState = { ...s, notifies: s.notifies + 1 };
      if (next.timers.some((t) => t.name === "N")) {
        fx.push({ type: "StopTimer", name: "N" });
        next = { ...next, timers: next.timers.filter((t) => t.name !== "N") };
      }
      if (ev.state === "terminated") {
        // §4.1.3: "If the 'Subscription-State' value is 'terminated', the subscriber MUST consider
        // the subscription terminated."
        return { state: terminate(next, ev.reason ?? "terminated", fx), effects: fx };
      }
      // §4.1.3: "'active' [...] the subscription has been accepted and (in general) has been
      // authorized"; "'pending' [...] the subscription has been received by the notifier, but
      // there is insufficient policy information to grant or deny the subscription yet." The
      // expires parameter gives the remaining duration.
      next = withExpiry(next, ev.expires, now, fx);
      return { state: moveTo(next, ev.state === "active" ? "Active" : "Pending", fx), effects: fx };
    }
    case "ResourceChanged": {
      // §4.2.2: "When a change in the subscribed state occurs, the notifier [...] will send a NOTIFY
      // request to the subscriber". Pending subscriptions learn nothing of the state.
      if (s.state === "Active") fx.push({ type: "SendNotify", state: "active" });
      return { state: s, effects: fx };
    }
    case "TimerFired": {
      const t = s.timers.find((x) => x.name === ev.name);
      if (!t) return { state: s, effects: fx };
      const rest = { ...s, timers: s.timers.filter((x) => x !== t) };
      if (t.name === "N") return { state: terminate(rest, "no-notify", fx), effects: fx };
      // §4.2.2: "If the notifier [...] determines that a subscription has expired, it SHOULD send
      // a NOTIFY with 'Subscription-State: terminated;reason=timeout'".
      fx.push({ type: "SendNotify", state: "terminated", reason: "timeout" });
      return { state: terminate(rest, "timeout", fx), effects: fx };
    }
  }
}

/** Parse a Subscription-State header value: "active;expires=3600", "terminated;reason=timeout". */
export function parseSubscriptionState(value: string | undefined): { state: "pending" | "active" | "terminated"; expires?: number; reason?: string } | undefined {
  if (!value) return undefined;
  const parts = value.split(";").map((p) => p.trim());
  const state = parts[0].toLowerCase();
  if (state !== "pending" && state !== "active" && state !== "terminated") return undefined;
  const out: { state: "pending" | "active" | "terminated"; expires?: number; reason?: string } = { state };
  for (const p of parts.slice(1)) {
    const [k, v] = p.split("=").map((x) => x.trim());
    if (k.toLowerCase() === "expires" && v !== undefined && /^\d+$/.test(v)) out.expires = Number(v);
    else if (k.toLowerCase() === "reason" && v) out.reason = v.toLowerCase();
  }
  return out;
}
