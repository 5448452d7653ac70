/**
 * The transaction OBSERVER: rebuild RFC 3261 §17 transactions from a capture by feeding every SIP
 * message, in capture order, into the same pure machines the engine runs (core/machines), one
 * client machine and one server machine per transaction *at that hop* (a proxy's downstream leg
 * has its own branch, so it is its own transaction).
 *
 * What the capture shows becomes machine events:
 *   request, first copy      -> startXClient (client side) + startXServer (server side)
 *   request again            -> server RequestReceived (a retransmission; counted)
 *   response, first copy     -> client ResponseReceived + server ResponseSent
 *   response again           -> client ResponseReceived (the machine decides: an INVITE client in
 *                               Completed owes an ACK again); counted as a retransmission
 *   ACK matching an INVITE   -> server AckReceived (only when the final was non-2xx: the ACK for a
 *   transaction                 2xx is its own transaction-less request and belongs to the dialog)
 * Before each event the machines' timers are advanced to the message time; at the end of the
 * capture they are advanced to the end and then beyond it. A timeout the machine reports (Timer B,
 * F, H), or an ACK the client machine owed and the capture never shows, becomes an Expectation.
 *
 * `beyondCapture`: an expectation whose deadline lies after the last record of the capture says
 * "capture ended" rather than "missing" (a 487 in the last 100 ms of a file is never a missing ACK).
 * Deadlines: an ACK for a non-2xx is owed at once by the client, so it is due one round trip (T1,
 * at least 200 ms) after the final reached it, and at the latest at Timer H; a final response is
 * due by Timer B/F (64*T1), or Timer C / 64*T1 after a CANCEL while an INVITE is Proceeding. A
 * deadline that passed *before* the message finally showed up gives an expectation with `late`.
 *
 * What real captures need besides the RFC: a response with no (or a foreign) top Via and an ACK
 * for a non-2xx with a new branch are filed by Call-ID + From tag + CSeq + the hop's endpoints and
 * listed in `matchedWithoutVia`; the same packet recorded twice (same bytes and endpoints within
 * 2 ms) is a duplicate (`duplicate`, `duplicates`), not a retransmission; SIP copied into a log
 * (`fromLog`) is not wire traffic and is skipped.
 *
 * Speed: one Map lookup per message by branch, then sent-by + method compared (TransactionIndex in
 * transaction-key.ts; no key string built per message), flat arrays out, no closures per message.
 * The machines' answers decide nothing about matching, so the main loop only files messages; each
 * transaction's machines then run in one go over its messages (runMachines), on four states the
 * observer owns and refills for each transaction, instead of states held by 10^4-10^5 transactions
 * until the capture ends.
 */
import type { Endpoint } from "../capture/types";
import type { SipMessage } from "../protocols/sip/types";
import type { CaptureModel, Expectation, Observed, TransactionView } from "./model";
import { hasMagicCookie, TransactionIndex, transactionKey } from "../machines/transaction-key";
import { firstViaBranch } from "../protocols/sip/stored";
import { isReliableTransport, nextTimer, timerConfig, timerDuration, TIMER_C_DEFAULT, type Timer, type TimerConfig, type TimerName } from "../machines/timers";
import { stepNotes, type StepNotes } from "../machines/transaction";
import { observeInviteClient, startInviteClient, type InviteClientState } from "../machines/invite-client";
import { observeInviteServer, startInviteServer, type InviteServerState } from "../machines/invite-server";
import { observeNonInviteClient, startNonInviteClient, stepNonInviteClient, type NonInviteClientState } from "../machines/non-invite-client";
import { observeNonInviteServer, startNonInviteServer, stepNonInviteServer, type NonInviteServerState } from "../machines/non-invite-server";

export interface TransactionObservation {
  transactions: TransactionView[];
  /** Message id -> transaction index, -1 when the message belongs to none (ACK for 2xx, orphans, non-SIP). */
  txnOfMessage: Int32Array;
  /** Message id -> 1 when it repeats an earlier message of its transaction. */
  retransmission: Uint8Array;
  /** Responses that match no transaction in the capture (ids), in capture order. */
  orphanResponses: number[];
  /** Message id -> 1 when it is the same packet recorded twice (not a retransmission; see isCaptureDuplicate). */
  duplicate: Uint8Array;
  census: MessageCensus;
}

/**
 * What the capture holds, noted while every message is read for filing: later passes skip what is
 * absent (most captures carry no Diameter, no HTTP, no presence), and the rules find the ACKs
 * without reading every message again.
 */
export interface MessageCensus {
  /** Messages that are not SIP (Diameter, HTTP). */
  nonSip: number;
  /** The method of every SIP request and the CSeq method of every SIP response (logged ones too). */
  methods: Set<string>;
  /** Every SIP ACK request (logged ones too), in capture order. */
  acks: Int32Array;
}

/**
 * How long after a message that obliges an immediate answer (a client transaction must ACK a
 * non-2xx final "at once", §17.1.1.3) the answer may take to show up in the capture: one round
 * trip, which T1 estimates (§17.1.1.1), but never less than 200 ms so that a final response in
 * the last 100 ms of a capture is always "capture ended", never "missing".
 */
export function answerAllowance(t1: number): number {
  return Math.max(t1, 0.2);
}

type ClientState = InviteClientState<number> | NonInviteClientState<number>;
type ServerState = InviteServerState<number> | NonInviteServerState<number>;

/** Per-transaction working state; dropped after the observation. */
interface Work {
  view: TransactionView;
  invite: boolean;
  cfg: TimerConfig;
  cseq: number;
  /**
   * The start templates while the capture is read; from runMachines on, the observer's own states
   * (OwnStates), which the next transaction's runMachines refills: read them only before it.
   */
  client: ClientState;
  server: ServerState;
  /**
   * Responses already seen (a transaction has a handful), as the id of each one's last copy. A
   * response equal to one of them in status, To tag and RSeq is a retransmission (or a duplicate).
   * Ids, not records of those three: the stored message answers them again (all three are kept
   * fields of a stored message), and a list of small integers is one object per transaction.
   */
  seen: number[] | undefined;
  lastRequest: number;
  lastAck: number;
  /** From tag of the request, for the Via-less fallback. */
  fromTag: string | undefined;
  /** The transaction before this one with the same Call-ID (any hop), for the Via-less fallback (see CallIdIndex). */
  sameCallIdBefore: Work | undefined;
  /**
   * The message whose step made the client machine first owe an ACK that the capture has not shown
   * yet (-1 none), or, should a timer step ever owe one, its time in `ackOwedAt`. Times are kept as
   * message ids where they can be: a field that ever holds a fraction is boxed in every Work.
   */
  ackOwedMsg: number;
  ackOwedAt: number;
  /** Timeouts reported by the machines while the capture ran (Timer B/F/H fired before a later message). */
  timeouts: { timer: string; at: number }[] | undefined;
  /** The CANCEL request that targets this INVITE (-1 none). */
  cancelMsg: number;
  /** The view's rare fields, made when the first of them is set (see sealed). */
  rare: Rare | undefined;
  /** The last message filed here and how many there are: the list itself is a chain in `Filing`. */
  last: number;
  count: number;
}

/**
 * The messages of every transaction while the capture is read, as chains through one array (the
 * message after `i` in its transaction is `next[i]`; message 0 is always first in its own, so 0
 * ends a chain), and which of them are first copies of provisional responses: a view's lists are
 * then made once, at their exact sizes (fillLists). Lists grown message by message made a new
 * array per message (short ones are copied at each step to keep their size exact): ~6 MB of
 * arrays per 10^5 messages, many kept long enough to be promoted to the old generation.
 */
interface Filing {
  next: Int32Array;
  provisional: Uint8Array;
  /**
   * What each filed message is to its machines (REQUEST_EVENT, ACK_EVENT, or a response's status)
   * and each SIP message's time: runMachines walks a transaction's messages, which lie far apart
   * in the capture, and reading these compact arrays costs one cache miss where a message's
   * handle and row cost three or four.
   */
  event: Int32Array;
  time: Float64Array;
}

/** A filed request that repeats the transaction's request, and an ACK for its non-2xx final. */
const REQUEST_EVENT = -1;
const ACK_EVENT = -2;

/** File message `i` (after the request) to `w`, as `event` for its machines. */
function file(w: Work, filing: Filing, i: number, event: number): void {
  filing.next[w.last] = i;
  filing.event[i] = event;
  w.last = i;
  w.count++;
}

/**
 * The view's lists from its chain: every message, the retransmissions and the provisional
 * responses, each in capture order (the order they were filed in) and at its exact size; an empty
 * one is the shared NONE.
 */
function fillLists(w: Work, filing: Filing, retransmission: Uint8Array): void {
  const v = w.view;
  const next = filing.next;
  const marks = filing.provisional;
  const count = w.count;
  const messages: number[] = new Array(count);
  let retransmitted = 0;
  let provisional = 0;
  for (let k = 0, id = v.request; k < count; k++, id = next[id]) {
    messages[k] = id;
    retransmitted += retransmission[id];
    provisional += marks[id];
  }
  v.messages = messages;
  v.retransmissions = retransmitted === 0 ? NONE : marked(messages, retransmitted, retransmission);
  v.provisional = provisional === 0 ? NONE : marked(messages, provisional, marks);
}

/** The `count` ids of `ids` marked in `mark`, in order. */
function marked(ids: readonly number[], count: number, mark: Uint8Array): number[] {
  const out: number[] = new Array(count);
  let n = 0;
  for (let k = 0; k < ids.length; k++) if (mark[ids[k]]) out[n++] = ids[k];
  return out;
}

/**
 * The fields of a view that most transactions never set (an ACK for a non-2xx, a CANCEL, a repeated
 * or second final, Via-less matches, duplicates). Kept here while the capture is read, so that the
 * view is made in its kept shape (without them) and needs no copy at the end; see sealed.
 */
interface Rare {
  ack: number | undefined;
  cancelledBy: number | undefined;
  cancels: number | undefined;
  finalCopies: number[] | undefined;
  otherFinals: number[] | undefined;
  matchedWithoutVia: number[] | undefined;
  duplicates: number[] | undefined;
}

function rare(w: Work): Rare {
  return (w.rare ??= { ack: undefined, cancelledBy: undefined, cancels: undefined, finalCopies: undefined, otherFinals: undefined, matchedWithoutVia: undefined, duplicates: undefined });
}

/** The ACK (for a non-2xx final) filed to this transaction, if any. */
function ackOf(w: Work): number | undefined {
  return w.rare === undefined ? undefined : w.rare.ack;
}

/**
 * What the step just run said that an observer checks (see StepNotes): one record, refilled by
 * every step. The observer steps its machines without their effect lists (observeX): it reads two
 * facts of them, and the lists, their effects and each step's result were ~30 MB of garbage per
 * 10^5 messages.
 */
const NOTES: StepNotes = stepNotes();

function stepClient(w: Work, ev: Parameters<typeof stepNonInviteClient<number>>[1], now: number, msg: number): void {
  w.client = w.invite ? observeInviteClient(w.client as InviteClientState<number>, ev, now, NOTES) : observeNonInviteClient(w.client as NonInviteClientState<number>, ev, now, NOTES);
  noteStep(w, now, msg);
}

function stepServer(w: Work, ev: Parameters<typeof stepNonInviteServer<number>>[1], now: number, msg: number): void {
  w.server = w.invite ? observeInviteServer(w.server as InviteServerState<number>, ev as never, now, NOTES) : observeNonInviteServer(w.server as NonInviteServerState<number>, ev, now, NOTES);
  noteStep(w, now, msg);
}

/**
 * Note what the step just run said that an observer must check later (NOTES): an ACK owed
 * (message `msg`, or -1 for a timer's step at `now`) and a timeout. The first ACK owed is kept even
 * when the capture shows the ACK later: it is read only for a transaction without one.
 */
function noteStep(w: Work, now: number, msg: number): void {
  if (NOTES.sendAck && w.ackOwedMsg < 0 && w.ackOwedAt < 0) {
    if (msg >= 0) w.ackOwedMsg = msg;
    else w.ackOwedAt = now;
  }
  if (NOTES.timeout !== undefined) (w.timeouts ??= []).push({ timer: NOTES.timeout, at: now });
}

/** One TimerFired event per timer name, shared: machines read an event, never keep or change it. */
const TIMER_FIRED = Object.fromEntries(["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"].map((name) => [name, Object.freeze({ type: "TimerFired", name })])) as Record<
  TimerName,
  { readonly type: "TimerFired"; readonly name: TimerName }
>;

/** Fire every timer of both machines due at or before `t`, in deadline order. */
function advance(w: Work, t: number): void {
  // The bound only guards against a machine bug; a real run fires at most ~12 timers (A until B).
  for (let guard = 0; guard < 1000; guard++) {
    const c = nextTimer(w.client.timers);
    const s = nextTimer(w.server.timers);
    const client = c !== undefined && (s === undefined || c.at <= s.at);
    const timer = client ? c : s;
    if (timer === undefined || timer.at > t) return;
    const ev = TIMER_FIRED[timer.name];
    if (client) stepClient(w, ev, timer.at, -1);
    else stepServer(w, ev, timer.at, -1);
  }
}

/**
 * Has this transaction seen this response before (same status, To tag and RSeq)? Returns its index
 * in `w.seen`; records it and returns -1 if not.
 */
function seenBefore(w: Work, status: number, sip: SipMessage, id: number, msgs: Observed[], filing: Filing): number {
  const seen = w.seen;
  if (seen) {
    for (let k = 0; k < seen.length; k++) {
      // The status from the filing (a filed response's event is its status): the earlier
      // response's row, far back in the capture, is read only when the status is the same.
      if (filing.event[seen[k]] !== status) continue;
      const r = msgs[seen[k]].sip!;
      if (r.toTag !== sip.toTag) continue;
      // Reliable provisionals (RFC 3262) with the same status and tag differ by RSeq: not retransmissions.
      if (status > 100 && status < 200 && r.header("rseq")?.trim() !== sip.header("rseq")?.trim()) continue;
      return k;
    }
  }
  w.seen = appended(seen ?? NONE, id);
  return -1;
}

/**
 * The same packet recorded twice (two capture points, HEP from several agents, an "any" interface
 * capture): identical bytes between the same endpoints within 2 ms. Not a retransmission — no SIP
 * timer is that short — so it is neither counted nor fed to the machines.
 */
const DUPLICATE_WINDOW = 0.002;
export function isCaptureDuplicate(a: Observed, b: Observed): boolean {
  if (Math.abs(b.time - a.time) > DUPLICATE_WINDOW) return false;
  if (!sameEndpoint(a.src, b.src) || !sameEndpoint(a.dst, b.dst)) return false;
  const x = a.sip!.raw;
  const y = b.sip!.raw;
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

function newWork(index: number, m: Observed, sip: SipMessage, cfg: TimerConfig, starts: StartStates): Work {
  const method = sip.method ?? "";
  const invite = method === "INVITE";
  const view: TransactionView = {
    index,
    kind: invite ? "INVITE" : "non-INVITE",
    method,
    key: "",
    callId: sip.callId ?? "",
    client: m.src,
    server: m.dst,
    transport: m.transport,
    request: m.id,
    // Made from the transaction's chain once the capture is read (fillLists); most of them stay
    // empty: the one shared, frozen empty list.
    messages: NONE,
    retransmissions: NONE,
    provisional: NONE,
    // Every field the view keeps present from the start (undefined until known), in the order of
    // sealed(): one object shape for all views keeps the hot loop's property reads monomorphic. The
    // rare fields wait in Work.rare.
    final: undefined,
    finalStatus: undefined,
    endState: "",
    expectations: NONE,
    clientState: undefined,
  };
  const start = invite ? starts.invite : starts.nonInvite;
  // The start templates themselves until runMachines starts this transaction's own machines.
  const client = start.client;
  const server = start.server;
  return { view, invite, cfg, cseq: sip.cseq?.seq ?? -1, client, server, seen: undefined, lastRequest: m.id, lastAck: -1, fromTag: sip.fromTag, sameCallIdBefore: undefined, ackOwedMsg: -1, ackOwedAt: -1, timeouts: undefined, cancelMsg: -1, rare: undefined, last: m.id, count: 1 };
}

/** The machines' start states for one timer config, made once by their own start functions at time 0. */
export interface StartStates {
  invite: { client: ClientState; server: ServerState };
  nonInvite: { client: ClientState; server: ServerState };
}

/**
 * A start function's state depends on the request only through the opaque handle it stores and on
 * `now` only through its timers' deadlines (sans-I/O: M is never read, deadlines are now + a
 * duration). So each kind is started once, at time 0 with handle -1, and a transaction's start
 * state is that state with its own handle and the deadlines moved to its request's time: one state
 * and its timers per machine, instead of a start step's Effects, effect list and step result that
 * the observer would drop at once (~40% of a transaction's allocation). The test checks this
 * equals calling the start functions.
 */
export function startStates(cfg: TimerConfig): StartStates {
  return {
    invite: { client: startInviteClient(-1, cfg, 0).state, server: startInviteServer(-1, cfg, 0).state },
    nonInvite: { client: startNonInviteClient(-1, cfg, 0).state, server: startNonInviteServer(-1, cfg, 0).state },
  };
}

/**
 * The states the observer owns, one per machine, refilled from the start template for each
 * transaction in turn (startedAt `into`): the observing steps update them in place (see
 * observeStep), so a transaction's machines make no state objects at all, only their timers.
 */
interface OwnStates {
  inviteClient: ClientState;
  inviteServer: ServerState;
  nonInviteClient: ClientState;
  nonInviteServer: ServerState;
}

function ownStates(cfg: TimerConfig): OwnStates {
  // Made by the start functions: the very object shape every state of each machine has.
  const s = startStates(cfg);
  return { inviteClient: s.invite.client, inviteServer: s.invite.server, nonInviteClient: s.nonInvite.client, nonInviteServer: s.nonInvite.server };
}

/**
 * `template` (a start state at time 0) for the request with handle `request` at time `now`: a new
 * state, or `into` (a state of the same machine the caller owns) made equal to it. Assigning the
 * template over `into` leaves nothing of its last transaction because a start state has every
 * field a step may set (lastResponse and lastStatus present as undefined: one shape per machine).
 */
export function startedAt<S extends ClientState | ServerState>(template: S, request: number, now: number, into?: S): S {
  const s = into === undefined ? { ...template } : Object.assign(into, template);
  s.request = request;
  const timers = template.timers;
  const n = timers.length;
  // An empty timer list is shared: machines never write a state's list (Effects copies on change).
  if (n > 0) {
    const moved: Timer[] = new Array(n);
    // 0 + d is d exactly, so now + d is the very deadline the start function computes.
    for (let k = 0; k < n; k++) moved[k] = { name: timers[k].name, at: now + timers[k].at };
    s.timers = moved;
  }
  return s;
}

export function observeTransactions(model: CaptureModel): TransactionObservation {
  const msgs = model.messages;
  const n = msgs.length;
  const txnOfMessage = new Int32Array(n).fill(-1);
  const retransmission = new Uint8Array(n);
  const duplicate = new Uint8Array(n);
  const orphanResponses: number[] = [];
  const filing: Filing = { next: new Int32Array(n), provisional: new Uint8Array(n), event: new Int32Array(n), time: new Float64Array(n) };
  const works: Work[] = [];
  const table = new TransactionIndex<Work>();
  /** Call-ID -> transactions (all hops): the fallback for responses without a usable Via. */
  const byCallId = new CallIdIndex(works);
  /**
   * INVITE transactions with a non-2xx final and no ACK yet: while there are none, an ACK with a
   * new branch (nearly always the ACK of a 2xx) cannot be one owed, and is not looked up.
   */
  let unackedFailures = 0;
  const t1 = model.t1 > 0 ? model.t1 : 0.5;
  const udp = timerConfig({ t1, reliable: false });
  const reliable = timerConfig({ t1, reliable: true });
  const udpStarts = startStates(udp);
  const reliableStarts = startStates(reliable);
  const own = ownStates(udp);

  let nonSip = 0;
  const methods = new Set<string>();
  // The method last added: consecutive messages often share it, and then the Set is not asked.
  let lastMethod: string | undefined;
  const acks: number[] = [];

  for (let i = 0; i < n; i++) {
    const m = msgs[i];
    const sip = m.sip;
    if (!sip) {
      nonSip++;
      continue;
    }
    const request = sip.kind === "request";
    const named = request ? sip.method : sip.cseq?.method;
    if (named !== lastMethod && named !== undefined) {
      methods.add(named);
      lastMethod = named;
    }
    if (request && named === "ACK") acks.push(i);
    if (m.fromLog) continue;
    filing.time[i] = m.time;
    if (request) {
      const method = named ?? "";
      let w = table.find(sip);
      if (method === "ACK") {
        // §17.1.1.3 / §17.2.1: the ACK of a non-2xx final shares the INVITE's branch and belongs to
        // its transaction; the ACK of a 2xx is a separate request (RFC 6026) left to the dialog.
        if (!w) {
          // An ACK with a new branch (some UAs, e.g. WebSocket clients, do this against §17.1.1.3)
          // still acknowledges the non-2xx final of the INVITE with its Call-ID, From tag and CSeq
          // on the same hop: file it, flagged, rather than report the ACK missing.
          const cand = unackedFailures > 0 || sip.cseq?.method !== "ACK" ? matchWithoutVia(byCallId, sip, m, true) : undefined;
          if (cand && ackOf(cand) === undefined && (cand.view.finalStatus ?? 0) >= 300) {
            w = cand;
            (rare(w).matchedWithoutVia ??= []).push(i);
          }
        }
        if (!w || !w.invite || w.view.finalStatus === undefined || w.view.finalStatus < 300) continue;
        txnOfMessage[i] = w.view.index;
        file(w, filing, i, ACK_EVENT);
        if (ackOf(w) === undefined) {
          rare(w).ack = i;
          w.lastAck = i;
          unackedFailures--;
        } else if (isCaptureDuplicate(msgs[w.lastAck], m)) {
          duplicate[i] = 1;
          (rare(w).duplicates ??= []).push(i);
        } else {
          retransmission[i] = 1;
          w.lastAck = i;
        }
        continue;
      }
      // The same key with another CSeq number is a new transaction reusing a branch (broken UAs
      // reuse branches across REGISTER refreshes): not a retransmission.
      if (w && w.cseq !== (sip.cseq?.seq ?? -1)) w = undefined;
      if (w) {
        txnOfMessage[i] = w.view.index;
        file(w, filing, i, REQUEST_EVENT);
        if (isCaptureDuplicate(msgs[w.lastRequest], m)) {
          duplicate[i] = 1;
          (rare(w).duplicates ??= []).push(i);
          continue;
        }
        w.lastRequest = i;
        retransmission[i] = 1;
        continue;
      }
      const isReliable = isReliableTransport(m.transport);
      w = newWork(works.length, m, sip, isReliable ? reliable : udp, isReliable ? reliableStarts : udpStarts);
      if (!table.add(sip, w)) continue; // no Via: nothing can ever match it
      // The view keeps the branch itself (a string the stored message holds anyway), not the
      // matching key built around it: ~56 bytes per transaction that nothing reads. The RFC 2543
      // fallback key ("c|...") is kept whole. transactionKey(request) rebuilds the full key.
      w.view.key = hasMagicCookie(sip) ? firstViaBranch(sip)! : transactionKey(sip)!;
      works.push(w);
      byCallId.added(w);
      txnOfMessage[i] = w.view.index;
      if (method === "CANCEL") {
        // §9.2: the CANCEL matches the INVITE with the same branch and sent-by.
        const inv = table.findInvite(sip);
        if (inv && inv.invite) {
          rare(w).cancels = inv.view.index;
          const target = rare(inv);
          if (target.cancelledBy === undefined) {
            target.cancelledBy = w.view.index;
            inv.cancelMsg = i;
          }
        }
      }
      continue;
    }

    // Response.
    let w = table.find(sip);
    if (w && w.cseq !== (sip.cseq?.seq ?? -1)) w = undefined;
    if (!w) {
      // A response whose top Via is missing or matches nothing (real Kamailio relays a 487 with no
      // Via at all): match it by Call-ID, From tag, CSeq and the reversed endpoints of the request,
      // and say so on the transaction.
      w = matchWithoutVia(byCallId, sip, m);
      if (!w) {
        orphanResponses.push(i);
        continue;
      }
      (rare(w).matchedWithoutVia ??= []).push(i);
    }
    const v = w.view;
    txnOfMessage[i] = v.index;
    const status = sip.status ?? 0;
    file(w, filing, i, status);
    const seen = seenBefore(w, status, sip, i, msgs, filing);
    if (seen >= 0 && isCaptureDuplicate(msgs[w.seen![seen]], m)) {
      duplicate[i] = 1;
      (rare(w).duplicates ??= []).push(i);
      continue;
    }
    const again = seen >= 0;
    if (again) {
      w.seen![seen] = i;
      retransmission[i] = 1;
      // The list of copies is made at the first repeat: a final seen once (nearly all) has none.
      if (status >= 200 && v.final !== undefined) {
        const r = rare(w);
        r.finalCopies = appended(r.finalCopies ?? [v.final], i);
      }
    } else {
      if (status < 200) {
        filing.provisional[i] = 1;
      } else if (v.final === undefined) {
        v.final = i;
        v.finalStatus = status;
        if (w.invite && status >= 300) unackedFailures++;
      } else {
        // Another, different final: a forking proxy upstream relays one 2xx per answering branch.
        (rare(w).otherFinals ??= []).push(i);
      }
    }
  }

  const end = model.end;
  const transactions: TransactionView[] = new Array(works.length);
  for (const w of works) {
    fillLists(w, filing, retransmission);
    runMachines(w, filing, duplicate, retransmission, own);
    advance(w, end);
    const v = w.view;
    v.endState = w.server.state;
    v.clientState = w.client.state;
    const expectations = expectationsOf(w, model, msgs);
    v.expectations = expectations;
    transactions[v.index] = sealed(v, w.rare);
  }
  const census: MessageCensus = { nonSip, methods, acks: Int32Array.from(acks) };
  return { transactions, txnOfMessage, retransmission, duplicate, orphanResponses, census };
}

/**
 * Feed a finished transaction's messages, in capture order, to its two machines. The machines'
 * answers decide nothing while the capture is read (which message belongs where, what repeats
 * what): they only give the end states, the owed ACK and the timeouts. So they run here, one
 * transaction at a time, on what the main loop recorded: their timers live for a few steps and
 * die young, and their states are the observer's own, refilled for each transaction (OwnStates),
 * instead of living in every transaction until the end of the capture and being copied into the
 * old generation. Events as the capture shows them (see the file comment):
 * a duplicate is not fed, a repeated request is RequestReceived, a repeated response only reaches
 * the client; timers are advanced to each message's time first (also for a duplicate ACK, as the
 * main loop did before it knew it was one).
 */
/**
 * The message events runMachines feeds, one object per kind refilled for each step (like
 * TIMER_FIRED): a machine reads an event during its step and never keeps it (it keeps the message
 * handle, a number here), so an event object per message was only garbage (~7 MB on 10^5 messages).
 */
const REQUEST_RECEIVED = { type: "RequestReceived" as const, message: -1 };
const ACK_RECEIVED = { type: "AckReceived" as const, message: -1 };
const RESPONSE_SENT = { type: "ResponseSent" as const, status: 0, message: -1 };
const RESPONSE_RECEIVED = { type: "ResponseReceived" as const, status: 0, message: -1 };

function runMachines(w: Work, filing: Filing, duplicate: Uint8Array, retransmission: Uint8Array, own: OwnStates): void {
  const v = w.view;
  const list = v.messages;
  const time = filing.time;
  const event = filing.event;
  const start = time[v.request];
  // The observer's own states, refilled: the previous transaction's are done with (its end states
  // and expectations were read before this one started).
  w.client = startedAt(w.client, v.request, start, w.invite ? own.inviteClient : own.nonInviteClient);
  w.server = startedAt(w.server, v.request, start, w.invite ? own.inviteServer : own.nonInviteServer);
  for (let k = 1; k < list.length; k++) {
    const i = list[k];
    const now = time[i];
    const ev = event[i];
    if (ev === ACK_EVENT) {
      advance(w, now);
      if (duplicate[i]) continue;
      ACK_RECEIVED.message = i;
      stepServer(w, ACK_RECEIVED as never, now, i);
      continue;
    }
    if (duplicate[i]) continue;
    advance(w, now);
    if (ev === REQUEST_EVENT) {
      REQUEST_RECEIVED.message = i;
      stepServer(w, REQUEST_RECEIVED, now, i);
      continue;
    }
    // A response: the event is its status.
    if (!retransmission[i]) {
      RESPONSE_SENT.status = ev;
      RESPONSE_SENT.message = i;
      stepServer(w, RESPONSE_SENT, now, i);
    }
    RESPONSE_RECEIVED.status = ev;
    RESPONSE_RECEIVED.message = i;
    stepClient(w, RESPONSE_RECEIVED, now, i);
  }
}

/**
 * `list` with `x` appended. A short list is copied at its exact size: the observers' lists live
 * across many young-generation collections, and push would reserve ~17 slots in each, promoted
 * to the old generation and dropped there at the next growth or trim. A long list (a
 * retransmission storm) is pushed to, so appending stays amortised O(1).
 */
export function appended<T>(list: readonly T[], x: T): T[] {
  const n = list.length;
  if (n >= 8) {
    // A list this long was made here (copied below, then pushed to): never the shared NONE.
    (list as T[]).push(x);
    return list as T[];
  }
  const out: T[] = new Array(n + 1);
  for (let k = 0; k < n; k++) out[k] = list[k];
  out[n] = x;
  return out;
}

/**
 * A view's list of ids, made only by `appended` (from a literal or NONE), as it is kept: shorter
 * than 8 it already has its exact size (copying it again made one more array per list and
 * transaction, young, to be promoted once more); a longer one was pushed to and is copied at its
 * size; an empty one is NONE.
 */
export function settled(list: readonly number[]): readonly number[] {
  return list.length === 0 ? NONE : list.length < 8 ? list : list.slice();
}

/** A rare list grown by push (`??= []).push`), at its exact size. */
function trimmed(list: readonly number[] | undefined): number[] | undefined {
  return list === undefined ? undefined : list.slice();
}

/**
 * The one empty list of ids that views start with and keep when nothing is added: most of a
 * view's lists stay empty, and an own empty array is 32 bytes each (~3 MB over 10^5 lists).
 * Frozen, so that a pass that pushes to a view's list fails loudly instead of writing into every
 * view's list at once: such a pass replaces the list (appended() does).
 */
export const NONE: readonly never[] = Object.freeze([]);

/**
 * The view as the analysis keeps it (until the session ends; its lists are made by fillLists):
 * for a transaction without any of the rare fields (most of a capture), the view itself, made
 * without them: each field is 8 bytes in every view even when undefined. A transaction with one
 * of them gets a copy with all of them. Two literals, so two object shapes for all views: the
 * passes that read them stay fast.
 */
function sealed(v: TransactionView, r: Rare | undefined): TransactionView {
  if (r === undefined) return v;
  return {
    index: v.index,
    kind: v.kind,
    method: v.method,
    key: v.key,
    callId: v.callId,
    client: v.client,
    server: v.server,
    transport: v.transport,
    request: v.request,
    messages: v.messages,
    retransmissions: v.retransmissions,
    provisional: v.provisional,
    final: v.final,
    finalStatus: v.finalStatus,
    endState: v.endState,
    expectations: v.expectations,
    clientState: v.clientState,
    ack: r.ack,
    cancelledBy: r.cancelledBy,
    cancels: r.cancels,
    finalCopies: trimmed(r.finalCopies),
    otherFinals: trimmed(r.otherFinals),
    matchedWithoutVia: trimmed(r.matchedWithoutVia),
    duplicates: trimmed(r.duplicates),
  };
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.ip === b.ip;
}

/**
 * The transactions by Call-ID, newest first: `newest(callId)`, then on through `sameCallIdBefore`
 * (a chain, no list per Call-ID). Made on first use from the transactions so far, then kept up
 * to date: a capture whose responses all have their Via and whose ACKs all acknowledge 2xx
 * finals never asks, and hashing every transaction's Call-ID was ~10% of the filing.
 */
class CallIdIndex {
  private byCallId: Map<string, Work> | undefined = undefined;

  /** `works`: every transaction so far, in the order they were made (grows as they are). */
  constructor(private readonly works: readonly Work[]) {}

  /** `w` was just made (the last of `works`). */
  added(w: Work): void {
    if (this.byCallId !== undefined) link(this.byCallId, w);
  }

  newest(callId: string): Work | undefined {
    if (this.byCallId === undefined) {
      const byCallId = new Map<string, Work>();
      for (let k = 0; k < this.works.length; k++) link(byCallId, this.works[k]);
      this.byCallId = byCallId;
    }
    return this.byCallId.get(callId);
  }
}

function link(byCallId: Map<string, Work>, w: Work): void {
  const callId = w.view.callId;
  w.sameCallIdBefore = byCallId.get(callId);
  byCallId.set(callId, w);
}

/**
 * The transaction a response (or an ACK) belongs to when its Via cannot say: same Call-ID, From
 * tag and CSeq, travelling along the request's hop (responses server -> client, ACK client -> server). The same Call-ID/CSeq exists on
 * every hop of a proxied call, so the endpoints decide: exact first, then addresses only.
 */
function matchWithoutVia(byCallId: CallIdIndex, sip: SipMessage, m: Observed, request = false): Work | undefined {
  const callId = sip.callId;
  const cseq = sip.cseq;
  const newest = callId !== undefined && cseq !== undefined ? byCallId.newest(callId) : undefined;
  if (!newest) return undefined;
  const method = cseq!.method === "ACK" ? "INVITE" : cseq!.method;
  const fromTag = sip.fromTag;
  let byIp: Work | undefined;
  // Newest first, as before.
  for (let w: Work | undefined = newest; w !== undefined; w = w.sameCallIdBefore) {
    if (w.cseq !== cseq!.seq || w.view.method !== method || w.fromTag !== fromTag) continue;
    // A response travels server -> client; a request (the ACK) client -> server.
    const from = request ? w.view.client : w.view.server;
    const to = request ? w.view.server : w.view.client;
    if (sameEndpoint(from, m.src) && sameEndpoint(to, m.dst)) return w;
    if (!byIp && from.ip === m.src.ip && to.ip === m.dst.ip && m.src.ip !== m.dst.ip) byIp = w;
  }
  return byIp;
}

function expectation(what: string, label: string, from: Endpoint, to: Endpoint, by: number, end: number, reason: string, after: number, timer?: string): Expectation {
  const e: Expectation = { what, label, from, to, by, beyondCapture: by > end, reason, after };
  if (timer) e.timer = timer;
  return e;
}

/**
 * What the machines still expected when the capture ran out: advance both machines past the end
 * and translate what they report, plus the ACK the client machine owed and never showed.
 */
function expectationsOf(w: Work, model: CaptureModel, msgs: Observed[]): readonly Expectation[] {
  const v = w.view;
  // Most transactions expect nothing: the shared NONE, and appended() makes exact-size lists.
  let out: readonly Expectation[] = NONE;
  const end = model.end;
  const t1 = w.cfg.t1;
  const allowance = answerAllowance(t1);
  const sawFinal = v.final !== undefined;
  const ack = ackOf(w);
  // Timeouts that happened inside the capture were noted while advancing; run the rest out. Only
  // a transaction without a final (B, F) or with an unACKed non-2xx final (H) can still time out,
  // so the others are skipped (most of a clean capture).
  if (!sawFinal || (w.invite && (v.finalStatus ?? 0) >= 300 && ack === undefined)) advance(w, Number.POSITIVE_INFINITY);

  // ACK for a non-2xx final (§17.1.1.3): the client machine sends it the moment the final arrives;
  // the server machine waits for it until Timer H. The earlier deadline is the one to check.
  if (w.invite && sawFinal && (v.finalStatus ?? 0) >= 300 && ack === undefined) {
    const fin = msgs[v.final!];
    const owed = w.ackOwedMsg >= 0 ? msgs[w.ackOwedMsg].time : w.ackOwedAt >= 0 ? w.ackOwedAt : fin.time;
    const h = fin.time + timerDuration("H", w.cfg)!;
    const by = Math.min(owed + allowance, h);
    const copies = w.rare?.finalCopies?.length ?? 1;
    out = appended(
      out,
      expectation(
        "ack-non2xx",
        `ACK (for ${v.finalStatus})`,
        v.client,
        v.server,
        by,
        end,
        `RFC 3261 §17.1.1.3: the client transaction ACKs a ${v.finalStatus} at once` +
          (copies > 1 ? `; the server sent it ${copies} times (Timer G)` : "") +
          `; Timer H would end the server transaction at +${(h - fin.time).toFixed(1)} s`,
        v.final!,
        "H",
      ),
    );
  }

  if (!sawFinal) {
    const req = msgs[v.request];
    const label = `final response to ${v.method}`;
    const b = req.time + 64 * t1;
    if (!w.invite) {
      // §17.1.2.2: Timer F (64*T1) ends a non-INVITE client transaction without a final response.
      out = appended(out, expectation("final-response", label, v.server, v.client, b, end, `RFC 3261 §17.1.2.2: Timer F (64*T1) fires without a final response to ${v.method}`, v.request, "F"));
    } else if (v.provisional.length === 0) {
      // §17.1.1.2: Timer B fires while still in Calling.
      out = appended(out, expectation("final-response", label, v.server, v.client, b, end, "RFC 3261 §17.1.1.2: Timer B (64*T1) fires with no response at all to the INVITE", v.request, "B"));
    } else {
      // Proceeding: the INVITE client waits without a timer; a proxy's Timer C (> 3 min, reset by
      // each provisional, §16.6 step 11) bounds it. A cancelled INVITE: the UAC gives up 64*T1
      // after the CANCEL (§9.1), and the UAS should have answered 487 (§9.2).
      // The last provisional's time (each new provisional is appended as it arrives).
      let by = msgs[v.provisional[v.provisional.length - 1]].time + TIMER_C_DEFAULT;
      let reason = "RFC 3261 §16.6: Timer C (> 3 min after the last provisional response) ends a proxied INVITE without a final response";
      let lbl = label;
      let timer = "C";
      const cancelAt = w.cancelMsg >= 0 ? msgs[w.cancelMsg].time : -1;
      if (cancelAt >= 0 && cancelAt + 64 * t1 < by) {
        by = cancelAt + 64 * t1;
        lbl = "487 Request Terminated";
        reason = "RFC 3261 §9.2: a cancelled INVITE is answered 487; §9.1: the UAC gives up 64*T1 after the CANCEL";
        timer = "";
      }
      out = appended(out, expectation("final-response", lbl, v.server, v.client, by, end, reason, v.request, timer || undefined));
    }
  }
  // A timeout the machine reported while the capture ran, answered only later: the client (B/F)
  // or server (H) had already given up when the message arrived.
  // Indexed over the list when there is one: `w.timeouts ?? []` made an empty list (and for-of an
  // iterator) for nearly every transaction.
  const timeouts = w.timeouts ?? NONE;
  for (let k = 0; k < timeouts.length; k++) {
    const to = timeouts[k];
    if ((to.timer === "B" || to.timer === "F") && sawFinal && msgs[v.final!].time > to.at) {
      const e = expectation("final-response", `final response to ${v.method}`, v.server, v.client, to.at, end, `RFC 3261 §17.1: Timer ${to.timer} (64*T1) fired before the final response arrived`, v.request, to.timer);
      e.late = v.final;
      out = appended(out, e);
    } else if (to.timer === "H" && ack !== undefined && msgs[ack].time > to.at) {
      const e = expectation("ack-non2xx", `ACK (for ${v.finalStatus})`, v.client, v.server, to.at, end, "RFC 3261 §17.2.1: Timer H fired before the ACK arrived", v.final!, "H");
      e.late = ack;
      out = appended(out, e);
    }
  }
  return out;
}
