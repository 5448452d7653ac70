/**
 * Non-INVITE client transaction: RFC 3261 §17.1.2.
 *
 *                         |Request from TU: send request
 *   Timer E: send request V
 *                  +-----------+  Timer F or transport error: inform TU -> Terminated
 *                  |  Trying   |
 *                  +-----------+
 *        1xx: to TU  |      | 200-699: to TU
 *                    V      |
 *   Timer E: send +------------+ Timer F or transport error: inform TU -> Terminated
 *   (every T2)    | Proceeding |
 *   1xx: to TU    +------------+
 *                    | 200-699: to TU
 *                    V
 *                 +-----------+ responses: absorb
 *                 | Completed |
 *                 +-----------+ Timer K -> Terminated
 *
 * Sans-I/O: see transaction.ts. Use:
 *   let { state, effects } = startNonInviteClient(requestHandle, timerConfig({ transport: "udp" }), now);
 *   ({ state, effects } = stepNonInviteClient(state, { type: "ResponseReceived", status: 200, message: h }, now));
 */
import { timerDuration, type TimerConfig } from "./timers";
import { Effects, NO_TIMERS, movedInPlace, observeStep, runStep, type ClientEvent, type StepNotes, type Step, type TxnBase, type TxnEffect } from "./transaction";

export type NonInviteClientStateName = "Trying" | "Proceeding" | "Completed" | "Terminated";

export interface NonInviteClientState<M> extends TxnBase<NonInviteClientStateName> {
  request: M;
  /** Current Timer E interval. */
  intervalE: number;
  retransmissions: number;
}

export type NonInviteClientStep<M> = Step<NonInviteClientState<M>, TxnEffect<M>>;

/**
 * §17.1.2.2: "The 'Trying' state is entered when the TU initiates a new client transaction with a
 * request. When entering this state, the client transaction SHOULD set timer F to fire in 64*T1
 * seconds. The request MUST be passed to the transport layer for transmission. If an unreliable
 * transport is in use, the client transaction MUST set timer E to fire in T1 seconds."
 */
export function startNonInviteClient<M>(request: M, cfg: TimerConfig, now: number): NonInviteClientStep<M> {
  const fx = Effects.begin<M>(NO_TIMERS);
  fx.send(request, false);
  fx.start("F", now + timerDuration("F", cfg)!);
  const e = timerDuration("E", cfg);
  if (e !== undefined) fx.start("E", now + e);
  const state: NonInviteClientState<M> = { state: "Trying", cfg, timers: fx.timers, request, intervalE: e ?? 0, retransmissions: 0 };
  return { state, effects: fx.take() };
}

type Handler<M> = (s: NonInviteClientState<M>, ev: any, now: number, fx: Effects<M>) => NonInviteClientState<M>;

function to<M>(s: NonInviteClientState<M>, name: NonInviteClientStateName, fx: Effects<M>): NonInviteClientState<M> {
  if (fx.inPlace) return movedInPlace(s, name, fx);
  // A literal in the start state's field order, not a spread: every state of this machine gets the
  // start state's hidden class (one shape for the handlers) with all fields inside the object; the
  // spread's copies sometimes ended up with fields in a separate property array.
  return { state: name, cfg: s.cfg, timers: fx.timers, request: s.request, intervalE: s.intervalE, retransmissions: s.retransmissions };
}

function terminate<M>(s: NonInviteClientState<M>, fx: Effects<M>, reason: "normal" | "timeout" | "transport-error"): NonInviteClientState<M> {
  fx.stopAll().terminated(reason);
  return to(s, "Terminated", fx);
}

function onResponse<M>(s: NonInviteClientState<M>, ev: { status: number; message: M }, now: number, fx: Effects<M>): NonInviteClientState<M> {
  fx.deliver(ev.message);
  if (ev.status < 200) {
    // "If a provisional response is received while in the 'Trying' state, the response MUST be
    // passed to the TU, and then the client transaction SHOULD move to the 'Proceeding' state."
    // A further one in Proceeding changes nothing but what it hands up: the same state.
    return s.state === "Proceeding" ? s : to(s, "Proceeding", fx);
  }
  // "If a final response (status codes 200-699) is received while in the 'Trying' [or
  // 'Proceeding'] state, the response MUST be passed to the TU, and the client transaction MUST
  // transition to the 'Completed' state." "Once the client transaction enters the 'Completed'
  // state, it MUST set Timer K to fire in T4 seconds for unreliable transports, and zero seconds
  // for reliable transports."
  fx.stop("E", "F");
  const k = timerDuration("K", s.cfg)!;
  if (k === 0) return terminate(to(s, "Completed", fx), fx, "normal");
  fx.start("K", now + k);
  return to(s, "Completed", fx);
}

function onTimer<M>(s: NonInviteClientState<M>, ev: { name: string }, now: number, fx: Effects<M>): NonInviteClientState<M> {
  if (ev.name === "E") {
    // Trying: "If timer E fires while still in this state, the timer is reset, but this time with
    // a value of MIN(2*T1, T2). [...] the request is passed to the transport layer for
    // retransmission." Proceeding: "If Timer E fires while in the 'Proceeding' state, the request
    // MUST be passed to the transport layer for retransmission, and Timer E MUST be reset with a
    // value of T2 seconds."
    const interval = s.state === "Proceeding" ? s.cfg.t2 : Math.min(s.intervalE * 2, s.cfg.t2);
    fx.send(s.request, true).start("E", now + interval);
    const next = to(s, s.state, fx);
    next.intervalE = interval;
    next.retransmissions = s.retransmissions + 1;
    return next;
  }
  if (ev.name === "F") {
    // "If Timer F fires while the client transaction is still in the 'Trying' [or 'Proceeding']
    // state, the client transaction SHOULD inform the TU about the timeout, and then it SHOULD
    // enter the 'Terminated' state."
    fx.inform("timeout", "F");
    return terminate(s, fx, "timeout");
  }
  return s;
}

function onTransportError<M>(s: NonInviteClientState<M>, _ev: unknown, _now: number, fx: Effects<M>): NonInviteClientState<M> {
  // "If a transport error occurs, the client transaction SHOULD inform the TU about this error,
  // and then it SHOULD enter the 'Terminated' state." (Trying and Proceeding.)
  fx.inform("transport-error");
  return terminate(s, fx, "transport-error");
}

const TABLE: Record<NonInviteClientStateName, Partial<Record<ClientEvent<unknown>["type"], Handler<any>>>> = {
  Trying: { ResponseReceived: onResponse, TimerFired: onTimer, TransportError: onTransportError },
  Proceeding: { ResponseReceived: onResponse, TimerFired: onTimer, TransportError: onTransportError },
  Completed: {
    // "The 'Completed' state exists to buffer any additional response retransmissions that may be
    // received" (ResponseReceived has no entry: absorbed).
    TimerFired(s, ev, _now, fx) {
      // "If Timer K fires while in this state, the client transaction MUST transition to the
      // 'Terminated' state."
      return ev.name === "K" ? terminate(s, fx, "normal") : s;
    },
  },
  Terminated: {},
};

export function stepNonInviteClient<M>(state: NonInviteClientState<M>, event: ClientEvent<M>, now: number): NonInviteClientStep<M> {
  return runStep<NonInviteClientState<M>, M>(TABLE, state, event, now);
}

/** stepNonInviteClient for an observer: the same next state, its effects only noted in `notes` (see observeStep). */
export function observeNonInviteClient<M>(state: NonInviteClientState<M>, event: ClientEvent<M>, now: number, notes: StepNotes): NonInviteClientState<M> {
  return observeStep<NonInviteClientState<M>, M>(TABLE, state, event, now, notes);
}
