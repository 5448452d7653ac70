/**
 * Diameter request/answer exchange (RFC 6733 §3, §6.2), as used on the IMS Cx/Dx interface
 * (3GPP TS 29.228/29.229: UAR/UAA, SAR/SAA, LIR/LIA, MAR/MAA, RTR/RTA, PPR/PPA).
 *
 * One machine per request. An answer belongs to it when it carries the same Hop-by-Hop Identifier
 * and End-to-End Identifier (§3: "The Hop-by-Hop Identifier [...] aids in matching requests and
 * replies"; "The End-to-End Identifier is used to detect duplicate messages"); the command code
 * must match too. States: Pending -> Answered | TimedOut. The request timer "Tx" is the sender's
 * wait for an answer (RFC 6733 leaves its value to the implementation; Kamailio's cdp uses a
 * per-transaction timeout; default here 30 s, configurable).
 *
 * Use (engine and analyzer alike):
 *   let { state, effects } = startCxdx({ commandCode: 303, hopByHop, endToEnd }, { tx: 30 }, now);
 *   ({ state, effects } = stepCxdx(state, { type: "AnswerSeen", commandCode: 303, hopByHop, endToEnd, resultCode: 2001 }, now));
 *   ({ state, effects } = stepCxdx(state, { type: "TimerFired", name: "Tx" }, now));
 */
import type { Step } from "./transaction";

export type CxdxStateName = "Pending" | "Answered" | "TimedOut";

export interface CxdxIds {
  commandCode: number;
  hopByHop: number;
  endToEnd: number;
}

export interface CxdxConfig {
  /** Seconds to wait for the answer. */
  tx: number;
}

export const CXDX_TX_DEFAULT = 30;

export interface CxdxState {
  state: CxdxStateName;
  ids: CxdxIds;
  cfg: CxdxConfig;
  timers: { name: "Tx"; at: number }[];
  sentAt: number;
  /** Times the request was sent again with the T flag (§3: "retransmitted" after a failover). */
  retransmissions: number;
  answeredAt?: number;
  resultCode?: number;
  /** An answer that came after Tx had fired. */
  lateAnswerAt?: number;
}

export type CxdxEvent =
  | { type: "RequestRetransmitted" }
  | ({ type: "AnswerSeen"; resultCode?: number } & CxdxIds)
  | { type: "TimerFired"; name: "Tx" };

export type CxdxEffect =
  | { type: "StartTimer"; timer: { name: "Tx"; at: number } }
  | { type: "StopTimer"; name: "Tx" }
  | { type: "DeliverAnswer"; resultCode?: number; latency: number }
  | { type: "Timeout" }
  /** An answer arrived that this request does not own (ids differ): not consumed. */
  | { type: "Mismatch" };

export type CxdxStep = Step<CxdxState, CxdxEffect>;

export function startCxdx(ids: CxdxIds, cfg: Partial<CxdxConfig>, now: number): CxdxStep {
  const timer = { name: "Tx" as const, at: now + (cfg.tx ?? CXDX_TX_DEFAULT) };
  return {
    state: { state: "Pending", ids, cfg: { tx: cfg.tx ?? CXDX_TX_DEFAULT }, timers: [timer], sentAt: now, retransmissions: 0 },
    effects: [{ type: "StartTimer", timer }],
  };
}

/** The pairing key of a request or answer (command code + both identifiers). */
export function cxdxKey(ids: CxdxIds): string {
  return ids.commandCode + ":" + (ids.hopByHop >>> 0) + ":" + (ids.endToEnd >>> 0);
}

export function stepCxdx(s: CxdxState, ev: CxdxEvent, now: number): CxdxStep {
  switch (ev.type) {
    case "RequestRetransmitted":
      return { state: s.state === "Pending" ? { ...s, retransmissions: s.retransmissions + 1 } : s, effects: [] };
    case "AnswerSeen": {
      if (ev.commandCode !== s.ids.commandCode || ev.hopByHop >>> 0 !== s.ids.hopByHop >>> 0 || ev.endToEnd >>> 0 !== s.ids.endToEnd >>> 0) {
        return { state: s, effects: [{ type: "Mismatch" }] };
      }
      if (s.state === "Pending") {
        return {
          state: { ...s, state: "Answered", timers: [], answeredAt: now, resultCode: ev.resultCode },
          effects: [{ type: "StopTimer", name: "Tx" }, { type: "DeliverAnswer", resultCode: ev.resultCode, latency: now - s.sentAt }],
        };
      }
      // A duplicate answer (Answered) is dropped; one after the timeout is late (§6.2: an answer
      // with no pending request "MUST be discarded" by the sender, but the observer notes it).
      if (s.state === "TimedOut" && s.lateAnswerAt === undefined) return { state: { ...s, lateAnswerAt: now, resultCode: ev.resultCode }, effects: [] };
      return { state: s, effects: [] };
    }
    case "TimerFired": {
      if (s.state !== "Pending" || !s.timers.some((t) => t.name === ev.name)) return { state: s, effects: [] };
      return { state: { ...s, state: "TimedOut", timers: [] }, effects: [{ type: "Timeout" }] };
    }
  }
}
