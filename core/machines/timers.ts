/**
 * SIP transaction timers as data (RFC 3261 §17, Table 4 in Appendix A; RFC 6026 §8.4 for L and M).
 *
 * A timer is `{ name, at }`: an absolute deadline in seconds on the caller's clock. Machines never
 * read a clock; they are given `now` and return the timers they want. The engine arms a real timer
 * for each StartTimer effect and feeds `TimerFired` back; the analyzer advances a simulated clock to
 * the earliest deadline (`nextTimer`) to decide what a machine expected and never saw.
 *
 * Reliable transports (TCP, TLS, SCTP, WS, WSS): timers A, E and G are not used (no retransmission
 * over a reliable transport), and D, I, J and K are zero (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1,
 * §17.2.2: "set to zero for reliable transports").
 */

export type TimerName = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L" | "M";

export interface Timer {
  name: TimerName;
  /** Absolute deadline, seconds. */
  at: number;
}

export interface TimerConfig {
  /** RTT estimate, default 0.5 s. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  t4: number;
  /** True for TCP/TLS/SCTP/WS/WSS: no retransmissions, zero wait timers. */
  reliable: boolean;
}

export const T1_DEFAULT = 0.5;
export const T2_DEFAULT = 4;
export const T4_DEFAULT = 5;
/** Timer C (proxy INVITE transaction): "MUST be set for a value greater than 3 minutes" (§16.6 step 11). */
export const TIMER_C_DEFAULT = 180;
/** Timer D on unreliable transports: "at least 32 seconds" (§17.1.1.2). */
export const TIMER_D_UNRELIABLE = 32;

const RELIABLE = new Set(["tcp", "tls", "sctp", "ws", "wss", "tls-sctp"]);

/** True when the transport name (any case, as in a Via or a capture) is reliable. */
export function isReliableTransport(transport: string): boolean {
  // As given when it has no upper-case letter: toLowerCase makes a new string per call (the
  // analyzer asks per transaction).
  return RELIABLE.has(transport) || (!isLowerCase(transport) && RELIABLE.has(transport.toLowerCase()));
}

function isLowerCase(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if ((c >= 65 && c <= 90) || c > 127) return false;
  }
  return true;
}

export function timerConfig(opts: { t1?: number; t2?: number; t4?: number; transport?: string; reliable?: boolean } = {}): TimerConfig {
  return {
    t1: opts.t1 ?? T1_DEFAULT,
    t2: opts.t2 ?? T2_DEFAULT,
    t4: opts.t4 ?? T4_DEFAULT,
    reliable: opts.reliable ?? (opts.transport !== undefined && isReliableTransport(opts.transport)),
  };
}

/**
 * Initial duration of a timer, in seconds. Returns undefined when the timer is not used on this
 * transport (A, E, G on reliable transports). Zero means "fires at once".
 */
export function timerDuration(name: TimerName, cfg: TimerConfig): number | undefined {
  const { t1, t4, reliable } = cfg;
  switch (name) {
    case "A": // INVITE request retransmit interval, UDP only
    case "E": // non-INVITE request retransmit interval, UDP only
    case "G": // INVITE response retransmit interval, UDP only
      return reliable ? undefined : t1;
    case "B": // INVITE transaction timeout
    case "F": // non-INVITE transaction timeout
    case "H": // wait time for ACK receipt
    case "L": // RFC 6026: wait time for accepted INVITE request retransmits
    case "M": // RFC 6026: wait time for retransmission of 2xx to INVITE
      return 64 * t1;
    case "C":
      return TIMER_C_DEFAULT;
    case "D": // wait time for response retransmits
      return reliable ? 0 : TIMER_D_UNRELIABLE;
    case "I": // wait time for ACK retransmits
    case "K": // wait time for response retransmits
      return reliable ? 0 : t4;
    case "J": // wait time for non-INVITE request retransmits
      return reliable ? 0 : 64 * t1;
  }
}

/** Earliest of a set of armed timers (quinn's `TimerTable::next_timeout`). */
export function nextTimer(timers: readonly Timer[]): Timer | undefined {
  // Indexed, not for-of: the observer asks this before every message, of lists that are sometimes
  // the shared frozen NO_TIMERS, and for-of over both kinds of list made an iterator result per timer.
  let best: Timer | undefined;
  for (let k = 0; k < timers.length; k++) {
    const t = timers[k];
    if (best === undefined || t.at < best.at) best = t;
  }
  return best;
}

/** Replace (or add) one timer in a timer list, returning a new list. */
export function armTimer(timers: readonly Timer[], timer: Timer): Timer[] {
  const out = timers.filter((t) => t.name !== timer.name);
  out.push(timer);
  return out;
}

export function disarmTimer(timers: readonly Timer[], name: TimerName): Timer[] {
  return timers.filter((t) => t.name !== name);
}
