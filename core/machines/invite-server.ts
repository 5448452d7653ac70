/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1 (the "Accepted" state).
 *
 *                          |INVITE: pass to TU, send 100 Trying
 *       INVITE again       V
 *       resend last 1xx +------------+ 101-199 from TU: send
 *                       | Proceeding |
 *                       +------------+---2xx from TU: send, start L---------+
 *       300-699 from TU: send,  |                                         V
 *       start G (UDP), H        V                                   +----------+  INVITE again: absorb
 *       INVITE again:     +-----------+  Timer G: resend final      | Accepted |  2xx from TU: send
 *       resend final      | Completed |  Timer H: inform TU         +----------+
 *                         +-----------+        -> Terminated             | Timer L
 *                     ACK: start I |                                     V
 *                                  V                                Terminated
 *                         +-----------+ ACK: absorb
 *                         | Confirmed |
 *                         +-----------+ Timer I -> Terminated
 *
 * ACK for a 2xx does not match this transaction (RFC 6026: it goes to the TU/dialog); only feed
 * AckReceived for the ACK of a non-2xx final. Sans-I/O: see transaction.ts.
 *
 * Use:
 *   let { state, effects } = startInviteServer(inviteHandle, timerConfig({ transport: "udp" }), now);
 *   ({ state, effects } = stepInviteServer(state, { type: "ResponseSent", status: 487, message: h }, now));
 */
import { timerDuration, type TimerConfig } from "./timers";
import { Effects, NO_TIMERS, movedInPlace, observeStep, runStep, type ServerEvent, type StepNotes, type Step, type TxnBase, type TxnEffect } from "./transaction";

export type InviteServerStateName = "Proceeding" | "Completed" | "Confirmed" | "Accepted" | "Terminated";

export interface InviteServerState<M> extends TxnBase<InviteServerStateName> {
  request: M;
  /** Last response the TU passed (resent on request retransmission / Timer G). */
  lastResponse?: M;
  lastStatus?: number;
  /** Current Timer G interval. */
  intervalG: number;
  /** Times the final response was retransmitted (by Timer G or in answer to a retransmitted INVITE). */
  responseRetransmissions: number;
  /** Times the INVITE arrived again. */
  requestRetransmissions: number;
}

export type InviteServerStep<M> = Step<InviteServerState<M>, TxnEffect<M>>;

export interface InviteServerOptions {
  /**
   * §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows that
   * the TU will generate a provisional or final response within 200 ms". Default true.
   */
  sendTrying?: boolean;
}

/** §17.2.1: "When a server transaction is constructed for a request, it enters the 'Proceeding' state." */
export function startInviteServer<M>(request: M, cfg: TimerConfig, _now: number, opts: InviteServerOptions = {}): InviteServerStep<M> {
  const fx = Effects.begin<M>(NO_TIMERS);
  // "The request MUST be passed to the TU."
  fx.deliver(request);
  if (opts.sendTrying !== false) fx.sendTrying(request);
  const state: InviteServerState<M> = {
    state: "Proceeding",
    cfg,
    timers: NO_TIMERS,
    request,
    // Present from the start (undefined) so every state of this machine has one shape.
    lastResponse: undefined,
    lastStatus: undefined,
    intervalG: timerDuration("G", cfg) ?? 0,
    responseRetransmissions: 0,
    requestRetransmissions: 0,
  };
  return { state, effects: fx.take() };
}

type Handler<M> = (s: InviteServerState<M>, ev: any, now: number, fx: Effects<M>) => InviteServerState<M>;

function to<M>(s: InviteServerState<M>, name: InviteServerStateName, fx: Effects<M>): InviteServerState<M> {
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
    intervalG: s.intervalG,
    responseRetransmissions: s.responseRetransmissions,
    requestRetransmissions: s.requestRetransmissions,
  };
}

/** `to` with the response just sent as the last one. */
function sent<M>(s: InviteServerState<M>, name: InviteServerStateName, fx: Effects<M>, ev: { status: number; message: M }): InviteServerState<M> {
  const next = to(s, name, fx);
  next.lastResponse = ev.message;
  next.lastStatus = ev.status;
  return next;
}

function terminate<M>(s: InviteServerState<M>, fx: Effects<M>, reason: "normal" | "ack-timeout" | "transport-error"): InviteServerState<M> {
  fx.stopAll().terminated(reason);
  return to(s, "Terminated", fx);
}

function onTransportError<M>(s: InviteServerState<M>, _ev: unknown, _now: number, fx: Effects<M>): InviteServerState<M> {
  // §17.2.4: "If the transport layer indicates a failure [...] the server transaction SHOULD
  // inform the TU of the failure and transition to the 'Terminated' state."
  fx.inform("transport-error");
  return terminate(s, fx, "transport-error");
}

const TABLE: Record<InviteServerStateName, Partial<Record<ServerEvent<unknown>["type"], Handler<any>>>> = {
  Proceeding: {
    RequestReceived(s, _ev, _now, fx) {
      // "If a request retransmission is received while in the 'Proceeding' state, the most recent
      // provisional response that was received from the TU MUST be passed to the transport layer
      // for retransmission."
      if (s.lastResponse !== undefined) fx.send(s.lastResponse, true);
      const next = to(s, "Proceeding", fx);
      next.requestRetransmissions = s.requestRetransmissions + 1;
      return next;
    },
    ResponseSent(s, ev, now, fx) {
      fx.send(ev.message, false);
      if (ev.status < 200) {
        // "The TU passes any number of provisional responses to the server transaction. So long as
        // the server transaction is in the 'Proceeding' state, each of these MUST be passed to the
        // transport layer for transmission."
        return sent(s, "Proceeding", fx, ev);
      }
      if (ev.status < 300) {
        // RFC 6026 §8.5: "If, while in the 'Proceeding' state, the TU passes a 2xx response to the
        // server transaction, the server transaction MUST pass this response to the transport
        // layer for transmission [...] The server transaction MUST then transition to the
        // 'Accepted' state." §8.7: "Timer L [...] is set to 64*T1 when entering 'Accepted'".
        fx.start("L", now + timerDuration("L", s.cfg)!);
        return sent(s, "Accepted", fx, ev);
      }
      // "While in the 'Proceeding' state, if the TU passes a response with status code from 300 to
      // 699 to the server transaction, the response MUST be passed to the transport layer for
      // transmission, and the state machine MUST enter the 'Completed' state. For unreliable
      // transports, timer G is set to fire in T1 seconds, and is not set to fire for reliable
      // transports. [...] When the 'Completed' state is entered, timer H MUST be set to fire in
      // 64*T1 seconds for all transports."
      const g = timerDuration("G", s.cfg);
      if (g !== undefined) fx.start("G", now + g);
      fx.start("H", now + timerDuration("H", s.cfg)!);
      const next = sent(s, "Completed", fx, ev);
      next.intervalG = g ?? 0;
      return next;
    },
    TransportError: onTransportError,
  },
  Completed: {
    RequestReceived(s, _ev, _now, fx) {
      // "Furthermore, while in the 'Completed' state, if a request retransmission is received, the
      // server SHOULD pass the response to the transport for retransmission."
      fx.send(s.lastResponse as any, true);
      const next = to(s, "Completed", fx);
      next.requestRetransmissions = s.requestRetransmissions + 1;
      next.responseRetransmissions = s.responseRetransmissions + 1;
      return next;
    },
    AckReceived(s, _ev, now, fx) {
      // "If an ACK is received while the server transaction is in the 'Completed' state, the server
      // transaction MUST transition to the 'Confirmed' state. As Timer G is ignored in this state,
      // any retransmissions of the response will cease." "When this state is entered, timer I is
      // set to fire in T4 seconds for unreliable transports, and zero seconds for reliable".
      fx.stop("G", "H");
      fx.deliver(_ev.message);
      const i = timerDuration("I", s.cfg)!;
      if (i === 0) return terminate(to(s, "Confirmed", fx), fx, "normal");
      fx.start("I", now + i);
      return to(s, "Confirmed", fx);
    },
    TimerFired(s, ev, now, fx) {
      if (ev.name === "G") {
        // "If timer G fires, the response is passed to the transport layer once more for
        // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds. From then on, when
        // timer G fires, the response is passed to the transport again for transmission, and
        // timer G is reset with a value that doubles, unless that value exceeds T2".
        const interval = Math.min(s.intervalG * 2, s.cfg.t2);
        fx.send(s.lastResponse as any, true).start("G", now + interval);
        const next = to(s, "Completed", fx);
        next.intervalG = interval;
        next.responseRetransmissions = s.responseRetransmissions + 1;
        return next;
      }
      if (ev.name === "H") {
        // "If timer H fires while in the 'Completed' state, it implies that the ACK was never
        // received. In this case, the server transaction MUST transition to the 'Terminated'
        // state, and MUST indicate to the TU that a transaction failure has occurred."
        fx.inform("ack-timeout", "H");
        return terminate(s, fx, "ack-timeout");
      }
      return s;
    },
    TransportError: onTransportError,
  },
  Confirmed: {
    // "The purpose of the 'Confirmed' state is to absorb any additional ACK messages that arrive,
    // triggered from retransmissions of the final response." (AckReceived and RequestReceived
    // have no entry: absorbed.)
    TimerFired(s, ev, _now, fx) {
      // "Once timer I fires, the server MUST transition to the 'Terminated' state."
      return ev.name === "I" ? terminate(s, fx, "normal") : s;
    },
  },
  Accepted: {
    // RFC 6026 §8.6: "The server transaction MUST NOT generate 2xx retransmissions on its own. Any
    // retransmission of the 2xx response passed from the TU to the transaction while in the
    // 'Accepted' state MUST be passed to the transport layer for transmission. Any retransmissions
    // of the INVITE received while in the 'Accepted' state MUST be absorbed."
    ResponseSent(s, ev, _now, fx) {
      if (ev.status >= 200 && ev.status < 300) fx.send(ev.message, true);
      return s;
    },
    RequestReceived(s, _ev, _now, fx) {
      const next = to(s, "Accepted", fx);
      next.requestRetransmissions = s.requestRetransmissions + 1;
      return next;
    },
    TimerFired(s, ev, _now, fx) {
      // "If Timer L fires while the INVITE server transaction is in the 'Accepted' state, the
      // transaction MUST transition to the 'Terminated' state."
      return ev.name === "L" ? terminate(s, fx, "normal") : s;
    },
  },
  Terminated: {},
};

export function stepInviteServer<M>(state: InviteServerState<M>, event: ServerEvent<M>, now: number): InviteServerStep<M> {
  return runStep<InviteServerState<M>, M>(TABLE, state, event, now);
}

/** stepInviteServer for an observer: the same next state, its effects only noted in `notes` (see observeStep). */
export function observeInviteServer<M>(state: InviteServerState<M>, event: ServerEvent<M>, now: number, notes: StepNotes): InviteServerState<M> {
  return observeStep<InviteServerState<M>, M>(TABLE, state, event, now, notes);
}
