/**
 * INVITE client transaction: RFC 3261 §17.1.1 with RFC 6026 §7.2 (the "Accepted" state).
 *
 *                      |INVITE from TU
 *    Timer A fires     |INVITE sent            Timer B fires or transport error: inform TU
 *    Reset A, resend   V                       -> Terminated
 *              +-----------+
 *              |  Calling  |--2xx: to TU, start M----------------------------+
 *              +-----------+                                                 |
 *       1xx: to TU |   | 300-699: ACK, to TU, start D                        |
 *                  V   +--------------------------------+                    |
 *              +------------+  300-699: ACK, to TU      |                    V
 *              | Proceeding |--------------------------->+------------+  +----------+
 *              +------------+                           | Completed  |  | Accepted |<- 2xx: to TU
 *                 1xx: to TU        300-699: resend ACK->+------------+  +----------+
 *                                       Timer D / transport err |   Timer M |
 *                                                               V           V
 *                                                           Terminated  Terminated
 *
 * Sans-I/O: see transaction.ts for how to drive it. The same code runs in the engine (acting) and
 * the analyzer (observing). Timer C (proxies) is the TU's business and is not armed here.
 *
 * Use:
 *   const { state, effects } = startInviteClient(inviteHandle, timerConfig({ transport: "udp" }), now);
 *   stepInviteClient(state, { type: "ResponseReceived", status: 180, message: h }, now);
 */
import { timerDuration, type TimerConfig } from "./timers";
import { Effects, NO_TIMERS, movedInPlace, observeStep, runStep, type ClientEvent, type StepNotes, type Step, type TxnBase, type TxnEffect } from "./transaction";

export type InviteClientStateName = "Calling" | "Proceeding" | "Completed" | "Accepted" | "Terminated";

export interface InviteClientState<M> extends TxnBase<InviteClientStateName> {
  request: M;
  /** Current Timer A interval (doubles on each firing). */
  intervalA: number;
  /** The TU asked to cancel before any provisional response arrived (§9.1: wait for one). */
  cancelPending: boolean;
  /** Times the request was retransmitted by Timer A. */
  retransmissions: number;
}

export type InviteClientStep<M> = Step<InviteClientState<M>, TxnEffect<M>>;

/**
 * §17.1.1.2: "The initial state, 'calling', MUST be entered when the TU initiates a new client
 * transaction with an INVITE request. The client transaction MUST pass the request to the transport
 * layer for transmission. If an unreliable transport is being used, the client transaction MUST
 * start timer A with a value of T1. [...] For any transport, the client transaction MUST start
 * timer B with a value of 64*T1 seconds".
 */
export function startInviteClient<M>(request: M, cfg: TimerConfig, now: number): InviteClientStep<M> {
  const fx = Effects.begin<M>(NO_TIMERS);
  fx.send(request, false);
  const a = timerDuration("A", cfg);
  if (a !== undefined) fx.start("A", now + a);
  fx.start("B", now + timerDuration("B", cfg)!);
  const state: InviteClientState<M> = {
    state: "Calling",
    cfg,
    timers: fx.timers,
    request,
    intervalA: a ?? 0,
    cancelPending: false,
    retransmissions: 0,
  };
  return { state, effects: fx.take() };
}

type Handler<M> = (s: InviteClientState<M>, ev: any, now: number, fx: Effects<M>) => InviteClientState<M>;

function to<M>(s: InviteClientState<M>, name: InviteClientStateName, fx: Effects<M>): InviteClientState<M> {
  if (fx.inPlace) return movedInPlace(s, name, fx);
  // A literal in the start state's field order, not a spread: every state of this machine gets the
  // start state's hidden class (one shape for the handlers) with all fields inside the object; the
  // spread's copies sometimes ended up with fields in a separate property array.
  return { state: name, cfg: s.cfg, timers: fx.timers, request: s.request, intervalA: s.intervalA, cancelPending: s.cancelPending, retransmissions: s.retransmissions };
}

function terminate<M>(s: InviteClientState<M>, fx: Effects<M>, reason: "normal" | "timeout" | "transport-error"): InviteClientState<M> {
  fx.stopAll().terminated(reason);
  return to(s, "Terminated", fx);
}

/** 300-699 in Calling or Proceeding. */
function onFinalNon2xx<M>(s: InviteClientState<M>, ev: { message: M }, now: number, fx: Effects<M>): InviteClientState<M> {
  // "When in either the 'Calling' or 'Proceeding' states, reception of a response with status code
  // from 300-699 MUST cause the client transaction to transition to 'Completed'. The client
  // transaction MUST pass the received response up to the TU, and the client transaction MUST
  // generate an ACK request, even if the transport is reliable [...]. The client transaction
  // SHOULD start timer D when it enters the 'Completed' state".
  fx.stop("A", "B");
  fx.sendAck(ev.message, false);
  fx.deliver(ev.message);
  const d = timerDuration("D", s.cfg)!;
  if (d === 0) {
    // "Timer D [...] set to zero for reliable transports": Completed is left at once.
    return terminate(to(s, "Completed", fx), fx, "normal");
  }
  fx.start("D", now + d);
  return to(s, "Completed", fx);
}

/** 2xx in Calling or Proceeding (RFC 6026 §7.2). */
function onFinal2xx<M>(s: InviteClientState<M>, ev: { message: M }, now: number, fx: Effects<M>): InviteClientState<M> {
  // RFC 6026 §8.4: "When in either the 'Calling' or 'Proceeding' states, reception of a 2xx
  // response MUST cause the client transaction to enter the 'Accepted' state, and the response
  // MUST be passed up to the TU. The client transaction MUST start Timer M with a value of 64*T1".
  fx.stop("A", "B");
  fx.deliver(ev.message);
  fx.start("M", now + timerDuration("M", s.cfg)!);
  return to(s, "Accepted", fx);
}

function onTransportError<M>(s: InviteClientState<M>, _ev: unknown, _now: number, fx: Effects<M>): InviteClientState<M> {
  // "If a fatal transport error is reported by the transport layer [...] the client transaction
  // SHOULD inform the TU and transition to the 'Terminated' state" (§17.1.1.2, §17.1.4).
  fx.inform("transport-error");
  return terminate(s, fx, "transport-error");
}

function onProvisional<M>(s: InviteClientState<M>, ev: { message: M }, _now: number, fx: Effects<M>): InviteClientState<M> {
  // "If the client transaction receives a provisional response while in the 'Calling' state, it
  // transitions to the 'Proceeding' state. In the 'Proceeding' state, the client transaction
  // SHOULD NOT retransmit the request any longer. Furthermore, the provisional response MUST be
  // passed to the TU. Any further provisional responses MUST be passed up to the TU while in the
  // 'Proceeding' state." Timer B only fires "if the client transaction is still in the 'Calling'
  // state", so it is stopped here too.
  fx.stop("A", "B");
  fx.deliver(ev.message);
  if (s.cancelPending) {
    // §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be sent;
    // rather, the client MUST wait for the arrival of a provisional response before sending the
    // request."
    fx.sendCancel(s.request);
  }
  // A further provisional in Proceeding changes nothing but what it hands up: the same state.
  if (s.state === "Proceeding" && !s.cancelPending && fx.timers === s.timers) return s;
  const next = to(s, "Proceeding", fx);
  next.cancelPending = false;
  return next;
}

function onResponse<M>(s: InviteClientState<M>, ev: { status: number; message: M }, now: number, fx: Effects<M>): InviteClientState<M> {
  if (ev.status < 200) return onProvisional(s, ev, now, fx);
  if (ev.status < 300) return onFinal2xx(s, ev, now, fx);
  return onFinalNon2xx(s, ev, now, fx);
}

/** The transition table: state -> event type -> handler. A missing entry means "ignore". */
const TABLE: Record<InviteClientStateName, Partial<Record<ClientEvent<unknown>["type"], Handler<any>>>> = {
  Calling: {
    ResponseReceived: onResponse,
    TimerFired(s, ev, now, fx) {
      if (ev.name === "A") {
        // "When timer A fires, the client transaction MUST retransmit the request by passing it to
        // the transport layer, and MUST reset the timer with a value of 2*T1. [...] When timer A
        // fires 2*T1 seconds later, the request MUST be retransmitted again [...] This process MUST
        // continue so that the request is retransmitted with intervals that double after each
        // transmission."
        const interval = s.intervalA * 2;
        fx.send(s.request, true).start("A", now + interval);
        const next = to(s, "Calling", fx);
        next.intervalA = interval;
        next.retransmissions = s.retransmissions + 1;
        return next;
      }
      if (ev.name === "B") {
        // "If the client transaction is still in the 'Calling' state when timer B fires, the client
        // transaction SHOULD inform the TU that a timeout has occurred. The client transaction MUST
        // NOT generate an ACK."
        fx.inform("timeout", "B");
        return terminate(s, fx, "timeout");
      }
      return s;
    },
    TransportError: onTransportError,
    TuCancel(s, _ev, _now, fx) {
      const next = to(s, "Calling", fx);
      next.cancelPending = true;
      return next;
    },
  },
  Proceeding: {
    ResponseReceived: onResponse,
    TransportError: onTransportError,
    TuCancel(s, _ev, _now, fx) {
      // §9.1: a provisional response has arrived, so the CANCEL may be sent now.
      fx.sendCancel(s.request);
      return to(s, "Proceeding", fx);
    },
  },
  Completed: {
    ResponseReceived(s, ev, _now, fx) {
      // "Any retransmissions of the final response that are received while in the 'Completed'
      // state MUST cause the ACK to be re-passed to the transport layer for retransmission, but the
      // newly received response MUST NOT be passed up to the TU." (2xx cannot match here.)
      if (ev.status >= 300) fx.sendAck(ev.message, true);
      return s;
    },
    TimerFired(s, ev, _now, fx) {
      // "If timer D fires while the client transaction is in the 'Completed' state, the client
      // transaction MUST move to the 'Terminated' state."
      return ev.name === "D" ? terminate(s, fx, "normal") : s;
    },
    TransportError(s, _ev, _now, fx) {
      // "any transport failures [...] MUST cause the client transaction to move to 'Terminated'".
      return terminate(s, fx, "transport-error");
    },
  },
  Accepted: {
    ResponseReceived(s, ev, _now, fx) {
      // RFC 6026 §8.4: "any 2xx responses that match this client transaction and that are
      // received while in the 'Accepted' state MUST be passed up to the TU. The client transaction
      // MUST NOT generate an ACK to the 2xx response". Other responses are absorbed.
      if (ev.status >= 200 && ev.status < 300) fx.deliver(ev.message);
      return s;
    },
    TimerFired(s, ev, _now, fx) {
      // RFC 6026 §8.4: "If Timer M fires while the client transaction is in the 'Accepted' state,
      // the client transaction MUST move to the 'Terminated' state."
      return ev.name === "M" ? terminate(s, fx, "normal") : s;
    },
  },
  Terminated: {},
};

export function stepInviteClient<M>(state: InviteClientState<M>, event: ClientEvent<M>, now: number): InviteClientStep<M> {
  return runStep<InviteClientState<M>, M>(TABLE, state, event, now);
}

/** stepInviteClient for an observer: the same next state, its effects only noted in `notes` (see observeStep). */
export function observeInviteClient<M>(state: InviteClientState<M>, event: ClientEvent<M>, now: number, notes: StepNotes): InviteClientState<M> {
  return observeStep<InviteClientState<M>, M>(TABLE, state, event, now, notes);
}
