/**
 * Non-INVITE server transaction: RFC 3261 §17.2.2.
 *
 *                          |Request received: pass to TU
 *                          V
 *   request again:   +-----------+
 *   absorb           |  Trying   |-------------+
 *                    +-----------+             | 200-699 from TU: send
 *        1xx from TU: send |                   |
 *                          V                   |
 *   request again:  +------------+             |
 *   resend 1xx      | Proceeding |-------------+
 *   1xx from TU:    +------------+             |
 *   send                   | 200-699 from TU   |
 *                          V                   V
 *   request again:  +-----------+ <------------+
 *   resend final    | Completed |
 *                   +-----------+ Timer J -> Terminated
 *
 * Sans-I/O: see transaction.ts. Use:
 *   let { state, effects } = startNonInviteServer(requestHandle, timerConfig({ transport: "udp" }), now);
 *   ({ state, effects } = stepNonInviteServer(state, { type: "ResponseSent", status: 200, message: h }, now));
 */
import { timerDuration, type TimerConfig } from "./timers";
import { Effects, NO_TIMERS, movedInPlace, observeStep, runStep, type ServerEvent, type StepNotes, type Step, type TxnBase, type TxnEffect } from "./transaction";

export type NonInviteServerStateName = "Trying" | "Proceeding" | "Completed" | "Terminated";

export interface NonInviteServerState<M> extends TxnBase<NonInviteServerStateName> {
  request: M;
  lastResponse?: M;
  lastStatus?: number;
  requestRetransmissions: number;
  responseRetransmissions: number;
}

export type NonInviteServerStep<M> = Step<NonInviteServerState<M>, TxnEffect<M>>;

/**
 * §17.2.2: "The state machine is initialized in the 'Trying' state and is passed a request other
 * than INVITE or ACK when initialized. This request is passed up to the TU."
 */
export function startNonInviteServer<M>(request: M, cfg: TimerConfig, _now: number): NonInviteServerStep<M> {
  const state: NonInviteServerState<M> = {
    state: "Trying",
    cfg,
    timers: NO_TIMERS,
    request,
    // Present from the start (undefined) so every state of this machine has one shape.
    lastResponse: undefined,
    lastStatus: undefined,
    requestRetransmissions: 0,
    responseRetransmissions: 0,
  };
  return { state, effects: [{ type: "DeliverToTU", message: request }] };
}

type Handler<M> = (s: NonInviteServerState<M>, ev: any, now: number, fx: Effects<M>) => NonInviteServerState<M>;

function to<M>(s: NonInviteServerState<M>, name: NonInviteServerStateName, fx: Effects<M>): NonInviteServerState<M> {
  if (fx.inPlace) return movedInPlace(s, name, fx);
  // A literal in the start state's field order, not a spread: every state of this machine gets the
  // start state's hidden class (one shape for the handlers) with all fields inside the object; the
  // spread's copies sometimes ended up with fields in a separate property array.
  return {
    state: name,
    cfg: s.cfg,
    timers: fx.timers,
    request: s.request,
    lastResponse: s.lastResponse,
    lastStatus: s.lastStatus,
    requestRetransmissions: s.requestRetransmissions,
    responseRetransmissions: s.responseRetransmissions,
  };
}

/** `to` with the response just sent as the last one. */
function sent<M>(s: NonInviteServerState<M>, name: NonInviteServerStateName, fx: Effects<M>, ev: { status: number; message: M }): NonInviteServerState<M> {
  const next = to(s, name, fx);
  next.lastResponse = ev.message;
  next.lastStatus = ev.status;
  return next;
}

/** `to` with one more retransmission of the request, answered (`resent`) or not by the last response. */
function requestAgain<M>(s: NonInviteServerState<M>, fx: Effects<M>, resent: boolean): NonInviteServerState<M> {
  const next = to(s, s.state, fx);
  next.requestRetransmissions = s.requestRetransmissions + 1;
  if (resent) next.responseRetransmissions = s.responseRetransmissions + 1;
  return next;
}

function terminate<M>(s: NonInviteServerState<M>, fx: Effects<M>, reason: "normal" | "transport-error"): NonInviteServerState<M> {
  fx.stopAll().terminated(reason);
  return to(s, "Terminated", fx);
}

function onResponseSent<M>(s: NonInviteServerState<M>, ev: { status: number; message: M }, now: number, fx: Effects<M>): NonInviteServerState<M> {
  fx.send(ev.message, false);
  if (ev.status < 200) {
    // "While in the 'Trying' state, if the TU passes a provisional response to the server
    // transaction, the server transaction MUST enter the 'Proceeding' state." "Any further
    // provisional responses that are received from the TU while in the 'Proceeding' state MUST be
    // passed to the transport layer for transmission."
    return sent(s, "Proceeding", fx, ev);
  }
  // "If the TU passes a final response (status codes 200-699) to the server while in the
  // 'Proceeding' [or 'Trying'] state, the transaction MUST enter the 'Completed' state, and the
  // response MUST be passed to the transport layer for transmission." "When the server transaction
  // enters the 'Completed' state, it MUST set Timer J to fire in 64*T1 seconds for unreliable
  // transports, and zero seconds for reliable transports."
  const j = timerDuration("J", s.cfg)!;
  if (j === 0) return terminate(sent(s, "Completed", fx, ev), fx, "normal");
  fx.start("J", now + j);
  return sent(s, "Completed", fx, ev);
}

function onTransportError<M>(s: NonInviteServerState<M>, _ev: unknown, _now: number, fx: Effects<M>): NonInviteServerState<M> {
  // "If a transport error occurs while in the 'Proceeding' [or 'Completed'] state, the transaction
  // MUST inform the TU and enter the 'Terminated' state" (§17.2.2, §17.2.4).
  fx.inform("transport-error");
  return terminate(s, fx, "transport-error");
}

const TABLE: Record<NonInviteServerStateName, Partial<Record<ServerEvent<unknown>["type"], Handler<any>>>> = {
  Trying: {
    RequestReceived(s, _ev, _now, fx) {
      // "Once in the 'Trying' state, any further request retransmissions are discarded."
      return requestAgain(s, fx, false);
    },
    ResponseSent: onResponseSent,
    TransportError: onTransportError,
  },
  Proceeding: {
    RequestReceived(s, _ev, _now, fx) {
      // "If a retransmission of the request is received while in the 'Proceeding' state, the most
      // recently sent provisional response MUST be passed to the transport layer for retransmission."
      fx.send(s.lastResponse as any, true);
      return requestAgain(s, fx, true);
    },
    ResponseSent: onResponseSent,
    TransportError: onTransportError,
  },
  Completed: {
    RequestReceived(s, _ev, _now, fx) {
      // "While in the 'Completed' state, the server transaction MUST pass the final response to the
      // transport layer for retransmission whenever a retransmission of the request is received."
      fx.send(s.lastResponse as any, true);
      return requestAgain(s, fx, true);
    },
    // "Any other final responses passed by the TU to the server transaction MUST be discarded
    // while in the 'Completed' state." (ResponseSent has no entry.)
    TimerFired(s, ev, _now, fx) {
      // "The server transaction remains in this state until Timer J fires, at which point it MUST
      // transition to the 'Terminated' state."
      return ev.name === "J" ? terminate(s, fx, "normal") : s;
    },
    TransportError: onTransportError,
  },
  Terminated: {},
};

export function stepNonInviteServer<M>(state: NonInviteServerState<M>, event: ServerEvent<M>, now: number): NonInviteServerStep<M> {
  return runStep<NonInviteServerState<M>, M>(TABLE, state, event, now);
}

/** stepNonInviteServer for an observer: the same next state, its effects only noted in `notes` (see observeStep). */
export function observeNonInviteServer<M>(state: NonInviteServerState<M>, event: ServerEvent<M>, now: number, notes: StepNotes): NonInviteServerState<M> {
  return observeStep<NonInviteServerState<M>, M>(TABLE, state, event, now, notes);
}
