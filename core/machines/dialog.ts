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
 * Why the step code below builds its lists by hand: the analyzer steps one machine per dialog and
 * hop for every message of a call, and each step used to make a fresh state by spread, new timer
 * and ACK lists (filter/map/spread, grown by push to ~17 slots) and an effect list even when
 * empty: the dialog machine was the largest allocator of the analysis. Now a step that changes
 * nothing returns the very state and the shared empty effect list, lists are made at their exact
 * sizes, and the effects that depend on nothing (Confirmed, Terminated by a cause) are shared.
 * States and lists are still never written after they are returned (callers may keep old ones),
 * and the shared objects are frozen so that a caller that tried would fail loudly.
 */
const EMPTY: never[] = Object.freeze([]) as unknown as never[];
const CONFIRMED: DialogEffect = Object.freeze({ type: "Confirmed" as const });
const CAUSES: readonly DialogTerminationCause[] = ["BYE", "481", "408", "CANCEL", "non2xx", "ack-timeout", "fork-superseded"];
const TERMINATED = Object.fromEntries(CAUSES.map((by) => [by, Object.freeze({ type: "Terminated" as const, by })])) as Record<DialogTerminationCause, DialogEffect>;

/** A state literal, always the same fields in the same order (one object shape for every state). */
function dialogState(
  state: DialogStateName,
  cfg: TimerConfig,
  timers: DialogTimer[],
  awaitingAck: DialogState["awaitingAck"],
  terminatedBy: DialogTerminationCause | undefined,
  byeFrom: DialogSide | undefined,
): DialogState {
  return { state, cfg, timers, awaitingAck, terminatedBy, byeFrom };
}

/** `list` plus `x`, at its exact size. */
function plus<T>(list: readonly T[], x: T): T[] {
  const n = list.length;
  const out: T[] = new Array(n + 1);
  for (let k = 0; k < n; k++) out[k] = list[k];
  out[n] = x;
  return out;
}

/** `list` without the element at `i`, at its exact size (the shared empty list when none is left). */
function minus<T>(list: readonly T[], i: number): T[] {
  const n = list.length - 1;
  if (n === 0) return EMPTY;
  const out: T[] = new Array(n);
  for (let k = 0, j = 0; k <= n; k++) if (k !== i) out[j++] = list[k];
  return out;
}

function indexOfPending(s: DialogState, cseq: number | undefined): number {
  const a = s.awaitingAck;
  for (let k = 0; k < a.length; k++) if (a[k].cseq === cseq) return k;
  return -1;
}

/**
 * §12.1: "Dialogs are created through the generation of non-failure responses to requests" — a
 * 101-199 with a To tag creates an Early dialog, a 2xx a Confirmed one (feed the 2xx right after).
 */
export function startDialog(initial: "Early" | "Confirmed", cfg: TimerConfig, _now: number): DialogStep {
  return { state: dialogState(initial, cfg, EMPTY, EMPTY, undefined, undefined), effects: EMPTY };
}

const sameTimer = (t: DialogTimer, name: string, cseq?: number) => t.name === name && (cseq === undefined || t.cseq === cseq);

/**
 * The effects of the step being run, when it makes them (stepDialog), for stepDialog to hand out:
 * `advance` answers only the next state, so that an observer (observeDialog) gets it without an
 * effect list or a step result. Read and reset within one stepDialog call.
 */
let made: DialogEffect[] = EMPTY;

/** Stop every armed timer in `timers` (s.timers unless one just fired) and end the dialog. */
function terminate(s: DialogState, by: DialogTerminationCause, byeFrom: DialogSide | undefined, effects: boolean, timers: readonly DialogTimer[] = s.timers): DialogState {
  if (effects) {
    const n = timers.length;
    const fx: DialogEffect[] = new Array(n + 1);
    for (let k = 0; k < n; k++) fx[k] = { type: "StopTimer", name: timers[k].name, cseq: timers[k].cseq };
    fx[n] = TERMINATED[by];
    made = fx;
  }
  return dialogState("Terminated", s.cfg, EMPTY, s.awaitingAck, by, byeFrom);
}

export function stepDialog(s: DialogState, ev: DialogEvent, now: number): DialogStep {
  made = EMPTY;
  const state = advance(s, ev, now, true);
  const effects = made;
  made = EMPTY;
  return { state, effects };
}

/**
 * stepDialog for an observer that reads only states (the analyzer): the same next state, without
 * making the effects, their list or the step's result (the analyzer steps a dialog per hop for every
 * message of a call).
 */
export function observeDialog(s: DialogState, ev: DialogEvent, now: number): DialogState {
  return advance(s, ev, now, false);
}

/** The state after `ev`; with `effects`, the step's effects are left in `made`. */
function advance(s: DialogState, ev: DialogEvent, now: number, effects: boolean): DialogState {
  if (s.state === "Terminated" && ev.type !== "AckSeen") return s;
  switch (ev.type) {
    case "InviteAnswered": {
      if (ev.status >= 200 && ev.status < 300) {
        // §13.2.2.4: "If the dialog identifier in the 2xx response matches the dialog identifier
        // of an existing dialog, the dialog MUST be transitioned to the 'confirmed' state".
        // §13.3.1.4: "the 2xx response is passed to the transport with an interval that starts at
        // T1 seconds and doubles for each retransmission until it reaches T2 seconds. Response
        // retransmissions cease when an ACK request for the response is received."
        if (indexOfPending(s, ev.cseq) >= 0) return s; // a retransmitted 2xx
        const r: DialogTimer = { name: "2xx", at: now + s.cfg.t1, cseq: ev.cseq };
        const w: DialogTimer = { name: "AckWait", at: now + 64 * s.cfg.t1, cseq: ev.cseq };
        const n = s.timers.length;
        const timers: DialogTimer[] = new Array(n + 2);
        for (let k = 0; k < n; k++) timers[k] = s.timers[k];
        timers[n] = r;
        timers[n + 1] = w;
        if (effects) {
          const startR: DialogEffect = { type: "StartTimer", timer: r };
          const startW: DialogEffect = { type: "StartTimer", timer: w };
          made = s.state === "Early" ? [startR, startW, CONFIRMED] : [startR, startW];
        }
        const awaitingAck = plus(s.awaitingAck, { cseq: ev.cseq, since: now, interval: s.cfg.t1, resent: 0 });
        return dialogState("Confirmed", s.cfg, timers, awaitingAck, s.terminatedBy, s.byeFrom);
      }
      if (ev.status >= 300 && ev.initial && s.state === "Early") {
        // §12.3 / §13.2.2.3: a non-2xx final to the initial INVITE ends its early dialogs; after a
        // CANCEL the final is the 487 (§9.2).
        return terminate(s, ev.cancelled || ev.status === 487 ? "CANCEL" : "non2xx", s.byeFrom, effects);
      }
      if (ev.status === 481 || ev.status === 408) {
        // §12.2.1.2: "If the response for a request within a dialog is a 481 (Call/Transaction
        // Does Not Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog."
        return terminate(s, ev.status === 481 ? "481" : "408", s.byeFrom, effects);
      }
      // A failed re-INVITE leaves the dialog as it was (§14.1).
      return s;
    }
    case "AckSeen": {
      const p = indexOfPending(s, ev.cseq);
      if (p < 0) return s;
      // Stop this INVITE's 2xx retransmission and ACK wait timers (counted first: exact-size lists).
      const all = s.timers;
      let stopped = 0;
      for (let k = 0; k < all.length; k++) if (isAckTimerOf(all[k], ev.cseq)) stopped++;
      const timers: DialogTimer[] = stopped === all.length ? EMPTY : new Array(all.length - stopped);
      const fx: DialogEffect[] = stopped === 0 || !effects ? EMPTY : new Array(stopped);
      for (let k = 0, kept = 0, f = 0; k < all.length; k++) {
        const t = all[k];
        if (!isAckTimerOf(t, ev.cseq)) timers[kept++] = t;
        else if (fx !== EMPTY) fx[f++] = { type: "StopTimer", name: t.name, cseq: t.cseq };
      }
      if (effects) made = fx;
      return dialogState(s.state, s.cfg, timers, minus(s.awaitingAck, p), s.terminatedBy, s.byeFrom);
    }
    case "RequestSeen": {
      if (ev.method === "BYE") {
        // §15.1.1: "the caller's UA MUST consider the session terminated [...] as soon as the BYE
        // request is passed to the client transaction"; §15.1.2: the UAS "MUST [...] terminate the
        // dialog" on receiving it. Observed from the wire: the dialog ends at the BYE.
        return terminate(s, "BYE", ev.from, effects);
      }
      return s;
    }
    case "ResponseSeen": {
      if (ev.status === 481 || ev.status === 408) return terminate(s, ev.status === 481 ? "481" : "408", s.byeFrom, effects);
      return s;
    }
    case "OtherForkConfirmed": {
      // §13.2.2.4: the UAC "considers the INVITE transaction completed 64*T1 seconds after the
      // reception of the first 2xx response"; early dialogs still unconfirmed then are over.
      if (s.state !== "Early" || indexOfTimer(s.timers, "ForkWait", undefined) >= 0) return s;
      const timer: DialogTimer = { name: "ForkWait", at: now + 64 * s.cfg.t1 };
      if (effects) made = [{ type: "StartTimer", timer }];
      return dialogState(s.state, s.cfg, plus(s.timers, timer), s.awaitingAck, s.terminatedBy, s.byeFrom);
    }
    case "TimerFired": {
      const i = indexOfTimer(s.timers, ev.name, ev.cseq);
      if (i < 0) return s; // stale
      const t = s.timers[i];
      const timers = minus(s.timers, i);
      if (t.name === "ForkWait") return terminate(s, "fork-superseded", s.byeFrom, effects, timers);
      const p = indexOfPending(s, t.cseq);
      if (p < 0) return dialogState(s.state, s.cfg, timers, s.awaitingAck, s.terminatedBy, s.byeFrom);
      const pending = s.awaitingAck[p];
      if (t.name === "2xx") {
        const interval = Math.min(pending.interval * 2, s.cfg.t2);
        const next: DialogTimer = { name: "2xx", at: now + interval, cseq: t.cseq };
        const awaitingAck = s.awaitingAck.slice();
        awaitingAck[p] = { cseq: pending.cseq, since: pending.since, interval, resent: pending.resent + 1 };
        if (effects) made = [{ type: "Resend2xx", cseq: pending.cseq }, { type: "StartTimer", timer: next }];
        return dialogState(s.state, s.cfg, plus(timers, next), awaitingAck, s.terminatedBy, s.byeFrom);
      }
      // AckWait: §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without
      // receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated. This is
      // accomplished with a BYE".
      // (Rare: once per unACKed 2xx, so plain filter.)
      const rest = timers.filter((x) => !(x.name === "2xx" && x.cseq === t.cseq));
      if (effects) {
        const fx: DialogEffect[] = [];
        if (rest.length !== timers.length) fx.push({ type: "StopTimer", name: "2xx", cseq: t.cseq });
        fx.push({ type: "AckTimeout", cseq: pending.cseq }, { type: "SendBye" });
        made = fx;
      }
      return dialogState(s.state, s.cfg, rest, minus(s.awaitingAck, p), s.terminatedBy, s.byeFrom);
    }
  }
}

/** A timer the ACK for INVITE `cseq` stops: its 2xx retransmissions and the wait for the ACK. */
function isAckTimerOf(t: DialogTimer, cseq: number): boolean {
  return t.cseq === cseq && (t.name === "2xx" || t.name === "AckWait");
}

/** Index of the armed timer `name` (of INVITE `cseq`, when given), or -1. */
function indexOfTimer(timers: readonly DialogTimer[], name: string, cseq: number | undefined): number {
  for (let k = 0; k < timers.length; k++) if (sameTimer(timers[k], name, cseq)) return k;
  return -1;
}

/** Earliest armed dialog timer. */
export function nextDialogTimer(s: DialogState): DialogTimer | undefined {
  let best: DialogTimer | undefined;
  for (let k = 0; k < s.timers.length; k++) if (!best || s.timers[k].at < best.at) best = s.timers[k];
  return best;
}
