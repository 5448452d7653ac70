import { describe, expect, it } from "vitest";
import { parseSubscriptionState, startSubscription, stepSubscription, type SubscriptionEffect, type SubscriptionEvent } from "./subscription";
import { timerConfig } from "./timers";

function fmt(e: SubscriptionEffect): string {
  switch (e.type) {
    case "StartTimer": return `Start ${e.timer.name}@${e.timer.at}`;
    case "StopTimer": return `Stop ${e.name}`;
    case "SendNotify": return `Notify ${e.state}${e.reason ? ";" + e.reason : ""}`;
    case "StateChanged": return `-> ${e.state}`;
    case "Terminated": return `End ${e.reason}`;
  }
}

const ok: SubscriptionEvent = { type: "SubscribeAnswered", status: 200, expires: 600, initial: true };
const active = (expires = 599): SubscriptionEvent => ({ type: "NotifySeen", state: "active", expires });
type Row = [string, [SubscriptionEvent, number][], [SubscriptionEvent, number], string, string[]];

const ROWS: Row[] = [
  ["SUBSCRIBE 200: expiry armed, NOTIFY due at once (§4.2.1.2)", [], [ok, 0.1], "NotifyWait", ["Start Expiry@600.1", "Notify active"]],
  ["first NOTIFY active -> Active, Timer N stopped", [[ok, 0.1]], [active(), 0.2], "Active", ["Stop N", "Start Expiry@599.2", "-> Active"]],
  ["first NOTIFY pending -> Pending", [[ok, 0.1]], [{ type: "NotifySeen", state: "pending" }, 0.2], "Pending", ["Stop N", "-> Pending"]],
  ["Pending + NOTIFY active -> Active", [[ok, 0.1], [{ type: "NotifySeen", state: "pending" }, 0.2]], [active(500), 10], "Active", ["Start Expiry@510", "-> Active"]],
  ["no NOTIFY within 64*T1: Timer N ends it (§4.1.2.4)", [[ok, 0.1]], [{ type: "TimerFired", name: "N" }, 32], "Terminated", ["Stop Expiry", "-> Terminated", "End no-notify"]],
  ["initial SUBSCRIBE rejected", [], [{ type: "SubscribeAnswered", status: 489, initial: true }, 0.1], "Terminated", ["Stop N", "-> Terminated", "End rejected"]],
  ["Active + state change: NOTIFY to the watcher", [[ok, 0.1], [active(), 0.2]], [{ type: "ResourceChanged" }, 5], "Active", ["Notify active"]],
  ["Pending + state change: no NOTIFY", [[ok, 0.1], [{ type: "NotifySeen", state: "pending" }, 0.2]], [{ type: "ResourceChanged" }, 5], "Pending", []],
  ["NOTIFY terminated ends it (§4.1.3)", [[ok, 0.1], [active(), 0.2]], [{ type: "NotifySeen", state: "terminated", reason: "deactivated" }, 9], "Terminated", ["Stop Expiry", "-> Terminated", "End deactivated"]],
  ["expiry: NOTIFY terminated;timeout (§4.2.2)", [[ok, 0.1], [active(100), 0.2]], [{ type: "TimerFired", name: "Expiry" }, 100.2], "Terminated", ["Notify terminated;timeout", "-> Terminated", "End timeout"]],
  ["refresh fails with 481: terminated (§4.1.2.2)", [[ok, 0.1], [active(), 0.2]], [{ type: "SubscribeAnswered", status: 481 }, 300], "Terminated", ["Stop Expiry", "-> Terminated", "End 481"]],
  ["refresh fails with 500: still valid (§4.1.2.2)", [[ok, 0.1], [active(), 0.2]], [{ type: "SubscribeAnswered", status: 500 }, 300], "Active", []],
  ["unsubscribe (Expires: 0) accepted: final NOTIFY terminated due", [[ok, 0.1], [active(), 0.2], [{ type: "RefreshSent", expires: 0 }, 50]], [{ type: "SubscribeAnswered", status: 200, expires: 0 }, 50.1], "Active", ["Notify terminated;timeout"]],
];

describe("subscription machine: RFC 6665", () => {
  it.each(ROWS)("%s", (_n, path, [ev, at], state, effects) => {
    let { state: s, effects: first } = startSubscription({ event: "presence", expires: 600 }, timerConfig(), 0);
    expect(first.map(fmt)).toEqual(["Start N@32"]);
    for (const [e, t] of path) s = stepSubscription(s, e, t).state;
    const r = stepSubscription(s, ev, at);
    expect({ state: r.state.state, effects: r.effects.map(fmt) }).toEqual({ state, effects });
  });

  it("parses Subscription-State values", () => {
    expect(parseSubscriptionState("active;expires=3600")).toEqual({ state: "active", expires: 3600 });
    expect(parseSubscriptionState("Terminated; reason=Timeout")).toEqual({ state: "terminated", reason: "timeout" });
    expect(parseSubscriptionState("pending")).toEqual({ state: "pending" });
    expect(parseSubscriptionState("bogus;expires=1")).toBeUndefined();
    expect(parseSubscriptionState(undefined)).toBeUndefined();
  });
});
