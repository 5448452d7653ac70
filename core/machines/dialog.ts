/**
 * INVITE dialog state (RFC 3261 §12, §13, §15): Early -> Confirmed -> Terminated, role-neutral.
 *
 * One machine per dialog, i.e. per (Call-ID, caller tag, callee tag). Forking gives several early
 * dialogs for one INVITE (one per To tag, §12.1 / §13.2.2.4): the driver creates one machine per
 * tag it sees. The machine is told what happened in the dialog (events named by what happened) and
 * answers with effects; it does not know whether it acts (engine: a UA or a dialog-stateful proxy)
 * or observes (analyzer). Sides are "caller" (UAC of the initial INVITE) and "callee".
 *
 * Besides the state, it owns the end-to-end 2xx/ACK handshake of §13.3.1.4 (for every INVITE in
 * the dialog, initial or re-INVITE): after a 2xx the callee retransmits it (timer "2xx": T1,
 * doubling up to T2) until the ACK; if no ACK arrives within 64*T1 (timer "AckWait") "the dialog
 * is confirmed, but the session SHOULD be terminated. This is accomplished with a BYE".
 *
 * Use:
 *   let { state, effects } = startDialog("Early", timerConfig({ t1 }), now);        // 1xx with To tag
 *   ({ state, effects } = stepDialog(state, { type: "InviteAnswered", status: 200, cseq: 1, initial: true }, now));
 *   ({ state, effects } = stepDialog(state, { type: "AckSeen", cseq: 1 }, now));
 *   ({ state, effects } = stepDialog(state, { type: "RequestSeen", method: "BYE", from: "caller" }, now));
 */
import type { TimerConfig } from "./timers";
import type { Step } from "./transaction";

export type DialogStateName = "Early" | "Confirmed" | "Terminated";
export type DialogSide = "caller" | "callee";
export type DialogTerminationCause = "BYE" | "481" | "408" | "CANCEL" | "non2xx" | "ack-timeout" | "fork-superseded";

export interface DialogTimer {
  /** "2xx": retransmit the 2xx (callee); "AckWait": 64*T1 without ACK; "ForkWait": §13.2.2.4. */
  name: "2xx" | "AckWait" | "ForkWait";
  at: number;
  /** CSeq number of the INVITE the timer is about (2xx / AckWait). */
  cseq?: number;
}

export interface DialogState {
  state: DialogStateName;
  cfg: TimerConfig;
  timers: DialogTimer[];
  /** INVITE CSeq numbers whose 2xx has not been ACKed yet, with the 2xx retransmit interval. */
  awaitingAck: { cseq: number; since: number; interval: number; resent: number }[];
  terminatedBy?: DialogTerminationCause;
  byeFrom?: DialogSide;
}

export type DialogEvent =
  /** Final response to an INVITE of this dialog (initial: the dialog-creating INVITE). */
  | { type: "InviteAnswered"; status: number; cseq: number; initial: boolean; cancelled?: boolean }
  /** ACK for a 2xx (end to end, its own transaction) with this CSeq number. */
  | { type: "AckSeen"; cseq: number }
  /** A mid-dialog request (BYE, re-INVITE, UPDATE, PRACK, INFO...) sent by `from`. */
  | { type: "RequestSeen"; method: string; from: DialogSide }
  /** Final response to a mid-dialog request other than INVITE's own handling above. */
  | { type: "ResponseSeen"; method: string; status: number }
  /** Another early dialog of the same INVITE was confirmed by a 2xx (§13.2.2.4). */
  | { type: "OtherForkConfirmed" }
  | { type: "TimerFired"; name: DialogTimer["name"]; cseq?: number };

export type DialogEffect =
  | { type: "StartTimer"; timer: DialogTimer }
  | { type: "StopTimer"; name: DialogTimer["name"]; cseq?: number }
  /** Callee: retransmit the 2xx of this INVITE (§13.3.1.4). */
  | { type: "Resend2xx"; cseq: number }
  /** Callee: 64*T1 without ACK; end the session with a BYE (§13.3.1.4). */
  | { type: "AckTimeout"; cseq: number }
  | { type: "SendBye" }
  | { type: "Confirmed" }
  | { type: "Terminated"; by: DialogTerminationCause };

export type DialogStep = Step<DialogState, DialogEffect>;

/**
 * §12.1: "Dialogs are created through the generation of non-failure responses to requests" — a
 * 101-199 with a To tag creates an Early dialog, a 2xx a Confirmed one (feed the 2xx right after).
 */
export function startDialog(initial: "Early" | "Confirmed", cfg: TimerConfig, _now: number): DialogStep {
  return { state: { state: initial, cfg, timers: [], awaitingAck: [], terminatedBy: undefined, byeFrom: undefined }, effects: [] };
}

const sameTimer = (t: DialogTimer, name: string, cseq?: number) => t.name === name && (cseq === undefined || t.cseq === cseq);

function terminate(s: DialogState, by: DialogTerminationCause, fx: DialogEffect[], extra: Partial<DialogState> = {}): DialogState {
  for (const t of s.timers) fx.push({ type: "StopTimer", name: t.name, cseq: t.cseq });
  fx.push({ type: "Terminated", by });
  return { ...s, ...extra, state: "Terminated", timers: [], terminatedBy: by };
}

export function stepDialog(s: DialogState, ev: DialogEvent, now: number): DialogStep {
  const fx: DialogEffect[] = [];
  if (s.state === "Terminated" && ev.type !== "AckSeen") return { state: s, effects: fx };
  switch (ev.type) {
    case "InviteAnswered": {
      if (ev.status >= 200 && ev.status < 300) {
        // §13.2.2.4: "If the dialog identifier in the 2xx response matches the dialog identifier
        // of an existing dialog, the dialog MUST be transitioned to the 'confirmed' state".
        // §13.3.1.4: "the 2xx response is passed to the transport with an interval that starts at
        // T1 seconds and doubles for each retransmission until it reaches T2 seconds. Response
        // retransmissions cease when an ACK request for the response is received."
        if (s.awaitingAck.some((a) => a.cseq === ev.cseq)) return { state: s, effects: fx }; // a retransmitted 2xx
        const timers = s.timers.slice();
        const r = { name: "2xx" as const, at: now + s.cfg.t1, cseq: ev.cseq };
        const w = { name: "AckWait" as const, at: now + 64 * s.cfg.t1, cseq: ev.cseq };
        timers.push(r, w);
        fx.push({ type: "StartTimer", timer: r }, { type: "StartTimer", timer: w });
        if (s.state === "Early") fx.push({ type: "Confirmed" });
        return { state: { ...s, state: "Confirmed", timers, awaitingAck: [...s.awaitingAck, { cseq: ev.cseq, since: now, interval: s.cfg.t1, resent: 0 }] }, effects: fx };
      }
      if (ev.status >= 300 && ev.initial && s.state === "Early") {
        // §12.3 / §13.2.2.3: a non-2xx final to the initial INVITE ends its early dialogs; after a
        // CANCEL the final is the 487 (§9.2).
        return { state: terminate(s, ev.cancelled || ev.status === 487 ? "CANCEL" : "non2xx", fx), effects: fx };
      }
      if (ev.status === 481 || ev.status === 408) {
        // §12.2.1.2: "If the response for a request within a dialog is a 481 (Call/Transaction
        // Does Not Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog."
        return { state: terminate(s, ev.status === 481 ? "481" : "408", fx), effects: fx };
      }
      // A failed re-INVITE leaves the dialog as it was (§14.1).
      return { state: s, effects: fx };
    }
    case "AckSeen": {
      const pending = s.awaitingAck.find((a) => a.cseq === ev.cseq);
      if (!pending) return { state: s, effects: fx };
      const timers = s.timers.filter((t) => {
        if (t.cseq === ev.cseq && (t.name === "2xx" || t.name === "AckWait")) {
          fx.push({ type: "StopTimer", name: t.name, cseq: t.cseq });
          return false;
        }
        return true;
      });
      return { state: { ...s, timers, awaitingAck: s.awaitingAck.filter((a) => a !== pending) }, effects: fx };
    }
    case "RequestSeen": {
      if (ev.method === "BYE") {
        // §15.1.1: "the caller's UA MUST consider the session terminated [...] as soon as the BYE
        // request is passed to the client transaction"; §15.1.2: the UAS "MUST [...] terminate the
        // dialog" on receiving it. Observed from the wire: the dialog ends at the BYE.
        return { state: terminate(s, "BYE", fx, { byeFrom: ev.from }), effects: fx };
      }
      return { state: s, effects: fx };
    }
    case "ResponseSeen": {
      if (ev.status === 481 || ev.status === 408) return { state: terminate(s, ev.status === 481 ? "481" : "408", fx), effects: fx };
      return { state: s, effects: fx };
    }
    case "OtherForkConfirmed": {
      // §13.2.2.4: the UAC "considers the INVITE transaction completed 64*T1 seconds after the
      // reception of the first 2xx response"; early dialogs still unconfirmed then are over.
      if (s.state !== "Early" || s.timers.some((t) => t.name === "ForkWait")) return { state: s, effects: fx };
      const timer = { name: "ForkWait" as const, at: now + 64 * s.cfg.t1 };
      fx.push({ type: "StartTimer", timer });
      return { state: { ...s, timers: [...s.timers, timer] }, effects: fx };
    }
    case "TimerFired": {
      const t = s.timers.find((x) => sameTimer(x, ev.name, ev.cseq));
      if (!t) return { state: s, effects: fx }; // stale
      const timers = s.timers.filter((x) => x !== t);
      if (t.name === "ForkWait") return { state: terminate({ ...s, timers }, "fork-superseded", fx), effects: fx };
      const pending = s.awaitingAck.find((a) => a.cseq === t.cseq);
      if (!pending) return { state: { ...s, timers }, effects: fx };
      if (t.name === "2xx") {
        const interval = Math.min(pending.interval * 2, s.cfg.t2);
        const next = { name: "2xx" as const, at: now + interval, cseq: t.cseq };
        fx.push({ type: "Resend2xx", cseq: pending.cseq }, { type: "StartTimer", timer: next });
        const awaitingAck = s.awaitingAck.map((a) => (a === pending ? { ...a, interval, resent: a.resent + 1 } : a));
        return { state: { ...s, timers: [...timers, next], awaitingAck }, effects: fx };
      }
      // AckWait: §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without
      // receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated. This is
      // accomplished with a BYE".
      const rest = timers.filter((x) => !(x.name === "2xx" && x.cseq === t.cseq));
      if (rest.length !== timers.length) fx.push({ type: "StopTimer", name: "2xx", cseq: t.cseq });
      fx.push({ type: "AckTimeout", cseq: pending.cseq }, { type: "SendBye" });
      return { state: { ...s, timers: rest, awaitingAck: s.awaitingAck.filter((a) => a !== pending) }, effects: fx };
    }
  }
}

/** Earliest armed dialog timer. */
export function nextDialogTimer(s: DialogState): DialogTimer | undefined {
  let best: DialogTimer | undefined;
  for (const t of s.timers) if (!best || t.at < best.at) best = t;
  return best;
}
