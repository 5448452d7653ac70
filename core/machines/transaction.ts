/**
 * What the four RFC 3261 §17 transaction machines share: the step shape, events and effects.
 *
 * The machines are sans-I/O (h11, quinn-proto): `step(state, event, now) -> { state, effects }`.
 * They never read a clock, never touch a socket and do not know whether they are *acting* (the
 * engine executes the effects on real sockets and timers) or *observing* (the analyzer feeds what a
 * capture shows and compares the effects with what the capture shows next). h11's rule 2: the same
 * rules for both.
 *
 * `M` is whatever handle the driver uses for a message: the engine passes a SipMessage (or bytes),
 * the analyzer passes a message id. Machines store it and hand it back in effects; they read only
 * the fields given explicitly in events (a response's status code).
 *
 * How to drive a machine (both drivers):
 *   1. `let { state, effects } = startX(request, cfg, now)`; execute/compare effects.
 *   2. On every input: `({ state, effects } = stepX(state, event, now))`; execute/compare effects.
 *   3. Timers: every StartTimer effect names `{ name, at }` (absolute). The engine arms a real timer
 *      and feeds `{ type: "TimerFired", name }` when it fires; a late/stale firing is ignored by the
 *      machine (it checks that the timer is still armed), so the engine need not cancel perfectly.
 *      `state.timers` always holds the armed timers: `nextTimer(state.timers)` is the next deadline
 *      (what the analyzer advances to).
 *   4. When an effect `{ type: "Terminated" }` appears the machine is done; drop it.
 */
import type { Timer, TimerConfig, TimerName } from "./timers";

export interface Step<S, F> {
  state: S;
  effects: F[];
}

/** Why a transaction ended. */
export type TerminationReason =
  /** The normal wait timer (D, I, J, K, L, M) ran out, or a reliable transport made it zero. */
  | "normal"
  /** Timer B or F: no final response (client). */
  | "timeout"
  /** Timer H: no ACK for a non-2xx final response (server). */
  | "ack-timeout"
  | "transport-error";

export type TxnEffect<M> =
  /** Pass this message to the transport. `retransmission` is true when it was sent before. */
  | { type: "Send"; message: M; retransmission: boolean }
  /**
   * INVITE client: build the ACK for this non-2xx final response (RFC 3261 §17.1.1.3: same
   * Request-URI, Call-ID, From, top Via, CSeq number as the INVITE, To from the response) and send it.
   */
  | { type: "SendAck"; response: M; retransmission: boolean }
  /** INVITE client: the TU asked to cancel; a provisional response has now been seen, send CANCEL (§9.1). */
  | { type: "SendCancel"; request: M }
  /** INVITE server: send 100 Trying for this request (§17.2.1). */
  | { type: "SendTrying"; request: M }
  | { type: "StartTimer"; timer: Timer }
  | { type: "StopTimer"; name: TimerName }
  /** Hand a message up to the transaction user (response to a client, request/ACK to a server). */
  | { type: "DeliverToTU"; message: M }
  /** Tell the TU the transaction failed (timeout or transport error). */
  | { type: "InformTU"; error: "timeout" | "ack-timeout" | "transport-error"; timer?: TimerName }
  | { type: "Terminated"; reason: TerminationReason };

/** Events every transaction machine understands. */
export type TimerFired = { type: "TimerFired"; name: TimerName };
export type TransportError = { type: "TransportError" };

/** Client transactions (§17.1). */
export type ClientEvent<M> =
  | { type: "ResponseReceived"; status: number; message: M }
  | TimerFired
  | TransportError
  /** INVITE client only: the TU wants to cancel this INVITE (§9.1). */
  | { type: "TuCancel" };

/** Server transactions (§17.2). */
export type ServerEvent<M> =
  /** The same request arrived again (a retransmission: the transaction already exists). */
  | { type: "RequestReceived"; message: M }
  /** The TU passed a response to send. */
  | { type: "ResponseSent"; status: number; message: M }
  /** INVITE server only: ACK matching this transaction (i.e. for a non-2xx final). */
  | { type: "AckReceived"; message: M }
  | TimerFired
  | TransportError;

/** Fields every transaction state carries. */
export interface TxnBase<S extends string> {
  state: S;
  cfg: TimerConfig;
  /** Armed timers, absolute deadlines. */
  timers: Timer[];
}

/**
 * The effect list of a step that has none (an absorbed event, a stale timer): one shared, frozen
 * list instead of an empty array per step. Drivers only read effect lists; a driver that pushed
 * to one would fail loudly here rather than corrupt every later step's answer.
 */
export const NO_EFFECTS: TxnEffect<never>[] = Object.freeze([]) as unknown as TxnEffect<never>[];

/**
 * The timer list of a state with no armed timer, shared: a state's list is never written (Effects
 * copies a list before changing it), and every terminated transaction has one.
 */
export const NO_TIMERS: Timer[] = Object.freeze([]) as unknown as Timer[];

/**
 * Effects whose content depends only on a timer name or a reason, made once and shared by every
 * step (frozen: drivers read effects, never change them). Every final response stops a timer or
 * two and every transaction ends with StopTimer... + Terminated: one object each per step before.
 */
const TIMER_NAMES: readonly TimerName[] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"];
const STOP_TIMER = Object.fromEntries(TIMER_NAMES.map((name) => [name, Object.freeze({ type: "StopTimer" as const, name })])) as Record<TimerName, TxnEffect<never>>;
const TERMINATED = Object.fromEntries(
  (["normal", "timeout", "ack-timeout", "transport-error"] as const).map((reason) => [reason, Object.freeze({ type: "Terminated" as const, reason })]),
) as Record<TerminationReason, TxnEffect<never>>;

/**
 * Small builder so each branch reads as "effects, then state". The timer list is copied only when
 * a branch changes it (most steps do not), which keeps a step to a few small allocations.
 *
 * One builder serves every step (`Effects.begin`): a step is run for every message a capture shows
 * and the builder never outlives it (its list is read once, when the step is done, and handlers
 * never run another step), so a builder per step was ~50 bytes of garbage per message. The
 * machines stay pure from the caller's side: nothing of a step survives in the builder (`take`
 * forgets it all).
 */
export class Effects<M> {
  private static shared: Effects<any> | undefined;

  /**
   * The builder for one step (or start) on a state whose timers are `timers`. With `notes`, the
   * step is observed (see observeStep): its effects are not made, only noted.
   */
  static begin<M>(timers: Timer[], owned = false, notes?: StepNotes): Effects<M> {
    const fx = (Effects.shared ??= new Effects<any>(NO_TIMERS));
    fx.n = 0;
    fx.timers = timers;
    fx.owned = owned;
    fx.notes = notes;
    return fx;
  }

  /** The effects of the step just run on the shared builder (NO_EFFECTS when it made none). */
  static taken<M>(): TxnEffect<M>[] {
    return (Effects.shared ??= new Effects<any>(NO_TIMERS)).take();
  }

  /** An observed step is done: the builder lets go of its timers and notes. */
  static finished(): void {
    const fx = Effects.shared;
    if (fx === undefined) return;
    fx.timers = NO_TIMERS;
    fx.notes = undefined;
  }

  /**
   * The effects so far, read once when the step is done; the builder then lets go of them. The
   * first four are held in fields and the list is made at its exact size: a list grown by push
   * reserves 17 slots for the one to four effects of a step. No effect: the shared NO_EFFECTS.
   */
  take(): TxnEffect<M>[] {
    let out: TxnEffect<M>[];
    switch (this.n) {
      case 0:
        this.timers = NO_TIMERS;
        return NO_EFFECTS;
      case 1:
        out = [this.e0!];
        break;
      case 2:
        out = [this.e0!, this.e1!];
        break;
      case 3:
        out = [this.e0!, this.e1!, this.e2!];
        break;
      case 4:
        out = [this.e0!, this.e1!, this.e2!, this.e3!];
        break;
      default: {
        const more = this.more!;
        out = [this.e0!, this.e1!, this.e2!, this.e3!];
        for (let k = 0; k < more.length; k++) out.push(more[k]);
        this.more = undefined;
      }
    }
    this.n = 0;
    this.e0 = this.e1 = this.e2 = this.e3 = undefined;
    this.timers = NO_TIMERS;
    return out;
  }
  private n = 0;
  private e0: TxnEffect<M> | undefined = undefined;
  private e1: TxnEffect<M> | undefined = undefined;
  private e2: TxnEffect<M> | undefined = undefined;
  private e3: TxnEffect<M> | undefined = undefined;
  private more: TxnEffect<M>[] | undefined = undefined;
  timers: Timer[];
  private owned: boolean;
  /** Set while an observed step runs: effects are noted here instead of made. */
  private notes: StepNotes | undefined = undefined;

  /**
   * The step is observed (observeStep), and its state the observer's own: the handlers then update
   * the state in place instead of making the next one (see each machine's `to`).
   */
  get inPlace(): boolean {
    return this.notes !== undefined;
  }
  /** `owned`: the list is this step's own copy already (a fired timer was just taken out of it). */
  private constructor(timers: Timer[], owned = false) {
    this.timers = timers;
    this.owned = owned;
  }
  private own(): Timer[] {
    if (!this.owned) {
      this.timers = this.timers.slice();
      this.owned = true;
    }
    return this.timers;
  }
  push(e: TxnEffect<M>): this {
    // Observed: an effect a handler made itself is noted as the named methods below note theirs,
    // so a handler that pushes stays right for an observer (the machines here use the methods).
    if (this.notes !== undefined) {
      noteEffect(this.notes, e);
      return this;
    }
    const n = this.n++;
    if (n === 0) this.e0 = e;
    else if (n === 1) this.e1 = e;
    else if (n === 2) this.e2 = e;
    else if (n === 3) this.e3 = e;
    else (this.more ??= []).push(e);
    return this;
  }
  // The effects a handler makes, each made only when the step is not observed: an observer reads
  // two facts of a step (StepNotes) and its steps ran ~10^5 times per capture making objects for
  // nothing.
  send(message: M, retransmission: boolean): this {
    return this.notes !== undefined ? this : this.push({ type: "Send", message, retransmission });
  }
  sendAck(response: M, retransmission: boolean): this {
    if (this.notes !== undefined) {
      this.notes.sendAck = true;
      return this;
    }
    return this.push({ type: "SendAck", response, retransmission });
  }
  sendCancel(request: M): this {
    return this.notes !== undefined ? this : this.push({ type: "SendCancel", request });
  }
  sendTrying(request: M): this {
    return this.notes !== undefined ? this : this.push({ type: "SendTrying", request });
  }
  deliver(message: M): this {
    return this.notes !== undefined ? this : this.push({ type: "DeliverToTU", message });
  }
  /** InformTU; `timer` names the timer whose firing is the failure (a timeout). */
  inform(error: "timeout" | "ack-timeout" | "transport-error", timer?: TimerName): this {
    if (this.notes !== undefined) {
      if (timer !== undefined) this.notes.timeout = timer;
      return this;
    }
    return this.push(timer === undefined ? { type: "InformTU", error } : { type: "InformTU", error, timer });
  }
  terminated(reason: TerminationReason): this {
    return this.notes !== undefined ? this : this.push(TERMINATED[reason]);
  }
  start(name: TimerName, at: number): this {
    const timer = { name, at };
    const i = indexOfTimer(this.timers, name);
    if (i >= 0) this.own()[i] = timer;
    else {
      // A new list one longer, not slice() + push(): push grows an array to ~17 slots, and the
      // timer list lives in the state until the machine's next step (in the analyzer, often long
      // enough to be promoted to the old generation and die there).
      const n = this.timers.length;
      const timers: Timer[] = new Array(n + 1);
      for (let k = 0; k < n; k++) timers[k] = this.timers[k];
      timers[n] = timer;
      this.timers = timers;
      this.owned = true;
    }
    if (this.notes === undefined) this.push({ type: "StartTimer", timer });
    return this;
  }
  /**
   * Stop `name` (and then `also`) if armed. Two at once because every final response stops two
   * (A+B, E+F, G+H): one exact-size copy without both, not one list per timer (slice + splice
   * made two arrays and a third for the removed element).
   */
  stop(name: TimerName, also?: TimerName): this {
    const timers = this.timers;
    const i = indexOfTimer(timers, name);
    const j = also === undefined ? -1 : indexOfTimer(timers, also);
    if (i < 0 && j < 0) return this;
    if (this.notes === undefined) {
      if (i >= 0) this.push(STOP_TIMER[name]);
      if (j >= 0) this.push(STOP_TIMER[also!]);
    }
    const n = timers.length - (i >= 0 ? 1 : 0) - (j >= 0 ? 1 : 0);
    if (n === 0) {
      this.timers = NO_TIMERS;
      this.owned = false;
      return this;
    }
    const out: Timer[] = new Array(n);
    for (let k = 0, m = 0; k < timers.length; k++) if (k !== i && k !== j) out[m++] = timers[k];
    this.timers = out;
    this.owned = true;
    return this;
  }
  stopAll(): this {
    const timers = this.timers;
    if (this.notes === undefined) for (let k = 0; k < timers.length; k++) this.push(STOP_TIMER[timers[k].name]);
    this.timers = NO_TIMERS;
    this.owned = false;
    return this;
  }
}

export function isArmed(timers: readonly Timer[], name: TimerName): boolean {
  return indexOfTimer(timers, name) >= 0;
}

function indexOfTimer(timers: readonly Timer[], name: TimerName): number {
  for (let i = 0; i < timers.length; i++) if (timers[i].name === name) return i;
  return -1;
}

/** A new list, exactly one shorter, without the timer at `i`. */
function withoutTimer(timers: readonly Timer[], i: number): Timer[] {
  const n = timers.length - 1;
  if (n === 0) return NO_TIMERS;
  const out: Timer[] = new Array(n);
  for (let k = 0, j = 0; k <= n; k++) if (k !== i) out[j++] = timers[k];
  return out;
}

export function statusClass(status: number): "1xx" | "2xx" | "final" {
  if (status < 200) return "1xx";
  if (status < 300) return "2xx";
  return "final";
}

/**
 * A handler's move to state `name` in an observed step (fx.inPlace, see observeStep): the
 * observer's own state takes the name and the step's timers in place, as the next state would
 * have them; the handler then sets the fields it changes on it, as on a next state.
 */
export function movedInPlace<S extends TxnBase<string>, M>(s: S, name: S["state"], fx: Effects<M>): S {
  s.state = name;
  s.timers = fx.timers;
  return s;
}

/**
 * What an observer reads of a step's effects, all it compares with a capture: whether the step
 * (re)sent an ACK for a non-2xx final, and the timer whose firing it reported to the TU as a
 * failure. Filled by observeStep in place of the effect list.
 */
export interface StepNotes {
  sendAck: boolean;
  timeout: TimerName | undefined;
}

export function stepNotes(): StepNotes {
  return { sendAck: false, timeout: undefined };
}

/** Note what an observer reads of one effect. */
function noteEffect(notes: StepNotes, e: TxnEffect<unknown>): void {
  if (e.type === "SendAck") notes.sendAck = true;
  else if (e.type === "InformTU" && e.timer !== undefined) notes.timeout = e.timer;
}

type Handlers<S, M> = Record<string, Partial<Record<string, (s: S, ev: any, now: number, fx: Effects<M>) => S>>>;

/**
 * The shared step driver: look up the handler in a machine's table and run it.
 * - A TimerFired for a timer that is not armed is stale (stopped, or already handled): ignored, so
 *   an engine whose real timers race with StopTimer cannot confuse the machine.
 * - A fired timer is disarmed before its handler runs (it has fired; no StopTimer is emitted).
 * - A missing table entry means the event is absorbed in that state: no change, no effects.
 */
export function runStep<S extends TxnBase<string>, M>(table: Handlers<S, M>, state: S, event: { type: string; name?: TimerName }, now: number): Step<S, TxnEffect<M>> {
  const next = nextState(table, state, event, now, undefined);
  return { state: next, effects: Effects.taken<M>() };
}

/**
 * runStep for an observer that owns its state (it made it, by copying a start state, and keeps
 * no other reference to it): the state is brought in place to what runStep's next state would be,
 * and returned; in place of the effect list, `notes` keeps what an observer reads of it (see
 * StepNotes). No effect, effect list, step result or next state is made: the analyzer steps its
 * machines ~10^5 times per capture and only ever reads their latest state.
 */
export function observeStep<S extends TxnBase<string>, M>(table: Handlers<S, M>, state: S, event: { type: string; name?: TimerName }, now: number, notes: StepNotes): S {
  notes.sendAck = false;
  notes.timeout = undefined;
  const next = nextState(table, state, event, now, notes);
  Effects.finished();
  return next;
}

/** The state after `event`; the effects are left in the shared builder (or noted in `notes`). */
function nextState<S extends TxnBase<string>, M>(table: Handlers<S, M>, state: S, event: { type: string; name?: TimerName }, now: number, notes: StepNotes | undefined): S {
  const handler = table[state.state]?.[event.type];
  if (event.type === "TimerFired") {
    const i = indexOfTimer(state.timers, event.name!);
    if (i < 0 || !handler) return state;
    // The fired timer is disarmed by handing the handler an Effects on the list without it: the
    // handlers build their next state from `fx.timers`, so the state need not be copied first.
    const rest = withoutTimer(state.timers, i);
    const fx = Effects.begin<M>(rest, rest !== NO_TIMERS, notes);
    let next = handler(state, event, now, fx);
    if (next === state) {
      // The handler ignored this timer (or, observed, updated the state in place): the state
      // stays, minus the timer that fired.
      if (!fx.inPlace) next = { ...state };
      next.timers = fx.timers;
    }
    return next;
  }
  if (!handler) return state;
  return handler(state, event, now, Effects.begin<M>(state.timers, false, notes));
}
