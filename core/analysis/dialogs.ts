/**
 * The dialog OBSERVER: INVITE dialogs (RFC 3261 §12) per hop, driven through the pure dialog
 * machine (core/machines/dialog.ts) from the transactions the transaction observer built.
 *
 * - A dialog is created at the hop of its initial INVITE transaction by a 101-199 with a To tag
 *   (Early) or a 2xx (Confirmed); one DialogView per To tag, so forking gives several early
 *   dialogs for one INVITE (§12.1, §13.2.2.4).
 * - The same dialog (Call-ID + both tags) seen on several hops through a proxy is one DialogView
 *   per hop; `hops` lists the indexes of all of them (the same array on each).
 * - Mid-dialog requests (To tag present: re-INVITE, UPDATE, PRACK, INFO, BYE, the ACK for a 2xx)
 *   are filed to the dialog with those tags observed at the same pair of endpoints; one that
 *   bypassed a proxy that does not record-route (it matches no hop at both ends) is filed to every
 *   hop it touches. The sender side is read from the request's From tag (the caller's requests
 *   carry the caller's tag in From).
 * - A mid-dialog request with no dialog in the capture (the call started before the capture)
 *   makes a `partial` dialog so BYE/ACK still have a home.
 * - Termination: BYE, 481/408 to a mid-dialog request, a non-2xx final to the initial INVITE
 *   (CANCEL when the INVITE was cancelled), or (early dialogs) another fork confirmed.
 * - `expectations`: a 2xx to an INVITE whose ACK the capture never shows ("ack-2xx"), with the
 *   same capture-window rule as transactions (the UAC ACKs at once; Timer-like limit 64*T1 after
 *   which the UAS sends BYE, §13.3.1.4).
 */
import type { Endpoint } from "../capture/types";
import type { CaptureModel, DialogView, Expectation } from "./model";
import type { TransactionObservation } from "./transactions";
import { answerAllowance, appended, isCaptureDuplicate, NONE, settled } from "./transactions";
import { observeDialog, startDialog, type DialogEvent, type DialogState } from "../machines/dialog";
import { timerConfig } from "../machines/timers";

interface Work {
  view: DialogView;
  machine: DialogState;
  /** Initial INVITE transaction index (-1 for partial dialogs). */
  invite: number;
  /** The dialog began before the capture (DialogView.partial, added when sealed). */
  partial: boolean;
  /** 2xx per INVITE CSeq number, first copy: for the ack-2xx expectation. */
  answers: readonly { cseq: number; id: number }[];
}

const INVITE_DIALOG_METHODS = new Set(["INVITE", "ACK", "BYE", "UPDATE", "PRACK", "INFO", "REFER"]);

function sameEp(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.ip === b.ip;
}

/**
 * Which per-hop dialogs a mid-dialog request belongs to. A request travelling along a hop (both
 * ends match the hop, by address:port or at least by address) belongs to the best such hop. A
 * request that matches no hop at both ends bypassed a proxy that did not record-route (§16.6 step
 * 4: then the proxy is not on the dialog's path): it belongs to every hop it touches, since each
 * of them is the same end-to-end dialog seen at one point.
 */
function dialogsForRequest(list: Work[], src: Endpoint, dst: Endpoint): Work | Work[] {
  let best: Work | undefined;
  let bestScore = -1;
  for (let k = 0; k < list.length; k++) {
    const c = list[k];
    const a = endpointScore(c.view, src);
    const b = endpointScore(c.view, dst);
    if (a > 0 && b > 0 && a + b > bestScore) {
      best = c;
      bestScore = a + b;
    }
  }
  // The usual answer is one dialog, returned as itself (no one-element array per request).
  if (best) return best;
  const touched = list.filter((c) => endpointScore(c.view, src) + endpointScore(c.view, dst) > 0);
  return touched.length ? touched : list[0];
}

/**
 * 2 when `e` is one end of the hop, 1 when it only shares an address with one (another port: TCP
 * ephemeral ports, NAT), 0 otherwise. An address-only match says nothing when both ends of the hop
 * share the address (everything on loopback), so it then counts 0.
 */
function endpointScore(v: DialogView, e: Endpoint): number {
  if (sameEp(e, v.caller) || sameEp(e, v.callee)) return 2;
  if (v.caller.ip === v.callee.ip) return 0;
  return e.ip === v.caller.ip || e.ip === v.callee.ip ? 1 : 0;
}

function forkWithTag(forks: Work[] | undefined, tag: string): Work | undefined {
  if (forks) for (let k = 0; k < forks.length; k++) if (forks[k].view.toTag === tag) return forks[k];
  return undefined;
}

/** Remember the first 2xx of each INVITE CSeq of a dialog (a dialog has one or a few INVITEs). */
function noteAnswer(w: Work, cseq: number, id: number): void {
  for (let k = 0; k < w.answers.length; k++) if (w.answers[k].cseq === cseq) return;
  w.answers = appended(w.answers, { cseq, id });
}

/**
 * The dialog events, one object per kind refilled for each step (the transaction observer does the
 * same): the dialog machine reads an event during its step and never keeps it, so an event object
 * per message was only garbage.
 */
const INVITE_ANSWERED = { type: "InviteAnswered" as const, status: 0, cseq: 0, initial: false, cancelled: undefined as boolean | undefined };
const ACK_SEEN = { type: "AckSeen" as const, cseq: 0 };
const REQUEST_SEEN = { type: "RequestSeen" as const, method: "", from: "caller" as "caller" | "callee" };
const RESPONSE_SEEN = { type: "ResponseSeen" as const, method: "", status: 0 };
const OTHER_FORK_CONFIRMED: DialogEvent = Object.freeze({ type: "OtherForkConfirmed" as const });
const FORK_WAIT_FIRED: DialogEvent = Object.freeze({ type: "TimerFired" as const, name: "ForkWait" as const });

function inviteAnswered(status: number, cseq: number, initial: boolean, cancelled?: boolean): DialogEvent {
  INVITE_ANSWERED.status = status;
  INVITE_ANSWERED.cseq = cseq;
  INVITE_ANSWERED.initial = initial;
  INVITE_ANSWERED.cancelled = cancelled;
  return INVITE_ANSWERED;
}

/** The per-hop dialogs of one Call-ID and tag pair (either order: the callee's requests swap them). */
interface TagGroup {
  a: string;
  b: string;
  /** Exact-size (appended): a list grown by push from one hop to two reserves ~19 slots. */
  works: Work[];
  /** The Call-ID's other tag pairs (forking), newest first: a chain, no list per Call-ID. */
  next: TagGroup | undefined;
}

/**
 * The group of a Call-ID's tag pair. Looked up per request: a Map by Call-ID and a scan of its few
 * tag pairs, rather than a key string built and hashed per message (that cost ~25 ms on 10^5 messages).
 */
function tagGroup(newest: TagGroup | undefined, x: string, y: string): TagGroup | undefined {
  for (let g = newest; g !== undefined; g = g.next) if ((g.a === x && g.b === y) || (g.a === y && g.b === x)) return g;
  return undefined;
}

export function observeDialogs(
  model: CaptureModel,
  txns: Pick<TransactionObservation, "transactions" | "txnOfMessage" | "retransmission"> & Partial<Pick<TransactionObservation, "duplicate">>,
): DialogView[] {
  const { transactions, txnOfMessage, retransmission } = txns;
  const duplicate = txns.duplicate;
  const msgs = model.messages;
  const cfg = timerConfig({ t1: model.t1 > 0 ? model.t1 : 0.5 });
  // A dialog's start state depends on nothing but how it starts and the config (not on the time),
  // and a step never changes a state it is given: every dialog starts from one of these two.
  const startEarly = startDialog("Early", cfg, 0).state;
  const startConfirmed = startDialog("Confirmed", cfg, 0).state;
  const works: Work[] = [];
  const byCallId = new Map<string, TagGroup>();
  const tagGroups: TagGroup[] = [];
  /** Initial INVITE transaction index -> its dialogs (one per To tag). */
  const byInvite: (Work[] | undefined)[] = new Array(transactions.length);
  /** Mid-dialog transaction index -> the dialog(s) it was filed to (several when it bypassed a proxy). */
  const dialogsOfTxn: (Work[] | undefined)[] = new Array(transactions.length);
  /** Initial INVITE transactions: the request had no To tag. */
  const initial = new Uint8Array(transactions.length);
  for (let k = 0; k < transactions.length; k++) {
    const t = transactions[k];
    if (t.method === "INVITE" && msgs[t.request].sip?.toTag === undefined) initial[t.index] = 1;
  }

  const step = (w: Work, ev: DialogEvent, now: number) => {
    const before = w.machine.state;
    w.machine = observeDialog(w.machine, ev, now);
    const v = w.view;
    v.state = w.machine.state === "Terminated" ? "Terminated" : w.machine.state;
    if (before !== "Terminated" && w.machine.state === "Terminated") {
      const by = w.machine.terminatedBy;
      if (by === "BYE" || by === "481" || by === "408" || by === "CANCEL" || by === "non2xx") v.terminatedBy = by;
      v.terminatedAt = now;
    }
  };

  const create = (callId: string, fromTag: string, toTag: string, caller: Endpoint, callee: Endpoint, state: "Early" | "Confirmed", invite: number, now: number): Work => {
    const view: DialogView = {
      index: works.length,
      callId,
      fromTag,
      toTag,
      caller,
      callee,
      state,
      transactions: invite >= 0 ? [invite] : NONE,
      // The shared frozen empty list until an ACK is appended (appended() copies).
      acks: NONE,
      start: invite >= 0 ? msgs[transactions[invite].request].time : now,
      end: now,
      // Every optional field present from the start (undefined until known): one object shape.
      answer: undefined,
      bye: undefined,
      byeFrom: undefined,
      terminatedBy: undefined,
      invite: invite >= 0 ? invite : undefined,
      terminatedAt: undefined,
      byeTxn: undefined,
      byeResponse: undefined,
      byeStatus: undefined,
      hops: undefined,
      // `partial` and `expectations`, set on few dialogs, are added by sealed() to those only.
    };
    const w: Work = { view, machine: state === "Early" ? startEarly : startConfirmed, invite, partial: false, answers: NONE };
    works.push(w);
    const newest = byCallId.get(callId);
    const g = tagGroup(newest, fromTag, toTag);
    if (g) g.works = appended(g.works, w);
    else {
      const fresh: TagGroup = { a: fromTag, b: toTag, works: [w], next: newest };
      tagGroups.push(fresh);
      byCallId.set(callId, fresh);
    }
    return w;
  };

  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const sip = m.sip;
    if (!sip || m.fromLog || duplicate?.[i]) continue;
    const ti = txnOfMessage[i];
    // The time is read only for a message a dialog takes (the others are skipped before).
    if (sip.kind === "response") {
      if (ti < 0 || retransmission[i]) continue;
      const now = m.time;
      const t = transactions[ti];
      const status = sip.status ?? 0;
      if (initial[ti]) {
        const tag = sip.toTag;
        let forks = byInvite[ti];
        if (status > 100 && status < 300 && tag !== undefined) {
          let w = forkWithTag(forks, tag);
          if (!w) {
            // §12.1.2: a 101-199 with a To tag creates an early dialog; a 2xx a confirmed one.
            w = create(t.callId, sip.fromTag ?? "", tag, t.client, t.server, "Early", ti, now);
            if (forks) forks.push(w);
            else byInvite[ti] = forks = [w];
          }
          w.view.end = now;
          if (status >= 200) {
            if (w.view.answer === undefined) w.view.answer = i;
            const cseq = sip.cseq?.seq ?? -1;
            noteAnswer(w, cseq, i);
            step(w, inviteAnswered(status, cseq, true), now);
            for (let k = 0; k < forks!.length; k++) if (forks![k] !== w) step(forks![k], OTHER_FORK_CONFIRMED, now);
          }
        } else if (status >= 300 && forks) {
          for (let k = 0; k < forks.length; k++) {
            const f = forks[k];
            f.view.end = now;
            step(f, inviteAnswered(status, sip.cseq?.seq ?? -1, true, t.cancelledBy !== undefined), now);
          }
        }
        continue;
      }
      const ds = dialogsOfTxn[ti];
      if (!ds) continue;
      for (let k = 0; k < ds.length; k++) {
        const w = ds[k];
        w.view.end = now;
        if (status < 200) continue;
        if (t.method === "BYE" && w.view.byeResponse === undefined && w.view.byeTxn === ti) {
          w.view.byeResponse = i;
          w.view.byeStatus = status;
        }
        if (t.method === "INVITE") {
          const cseq = sip.cseq?.seq ?? -1;
          if (status < 300) noteAnswer(w, cseq, i);
          step(w, inviteAnswered(status, cseq, false), now);
        } else {
          RESPONSE_SEEN.method = t.method;
          RESPONSE_SEEN.status = status;
          step(w, RESPONSE_SEEN, now);
        }
      }
      continue;
    }

    // Requests inside a dialog: To tag present.
    const toTag = sip.toTag;
    const fromTag = sip.fromTag;
    const callId = sip.callId;
    if (toTag === undefined || fromTag === undefined || callId === undefined) continue;
    const now = m.time;
    const method = sip.method ?? "";
    const list = tagGroup(byCallId.get(callId), fromTag, toTag)?.works;
    let targets: Work | Work[];
    if (list) targets = dialogsForRequest(list, m.src, m.dst);
    else if (INVITE_DIALOG_METHODS.has(method)) {
      // The dialog began before the capture: file its requests to a partial dialog.
      const w = create(callId, fromTag, toTag, m.src, m.dst, "Confirmed", -1, now);
      w.partial = true;
      targets = w;
    } else continue;
    const many = Array.isArray(targets);
    const n = many ? (targets as Work[]).length : 1;
    for (let k = 0; k < n; k++) {
      const w = many ? (targets as Work[])[k] : (targets as Work);
      const v = w.view;
      v.end = now;
      if (retransmission[i]) continue;
      if (method === "ACK" && ti < 0) {
        // The ACK for a 2xx: end to end, its own transaction (§13.2.2.4, RFC 6026). The same packet
        // recorded twice is not a second ACK.
        if (v.acks.length && isCaptureDuplicate(msgs[v.acks[v.acks.length - 1]], m)) continue;
        v.acks = appended(v.acks, i);
        ACK_SEEN.cseq = sip.cseq?.seq ?? -1;
        step(w, ACK_SEEN, now);
        continue;
      }
      if (ti >= 0 && !initial[ti]) {
        const ds = dialogsOfTxn[ti];
        // A one-element list at its exact size: `[]` grown by push reserves 17 slots.
        if (!ds || !ds.includes(w)) {
          if (ds) ds.push(w);
          else dialogsOfTxn[ti] = [w];
          v.transactions = appended(v.transactions, ti);
        }
      }
      if (method === "BYE" && v.bye === undefined) {
        v.bye = i;
        v.byeFrom = m.src;
        if (ti >= 0) v.byeTxn = ti;
      }
      if (method !== "ACK") {
        REQUEST_SEEN.method = method;
        REQUEST_SEEN.from = fromTag === v.fromTag ? "caller" : "callee";
        step(w, REQUEST_SEEN, now);
      }
    }
  }

  // Order by when each dialog's INVITE was sent (the upstream hop first), not by the response
  // that created it; indexes follow.
  // The comparator answers -1/0/1, not a difference of times: a double returned from it is a
  // heap number per comparison (~9 MB over 20 000 dialogs). Same order (NaN times fall to index).
  works.sort((a, b) => {
    const x = a.view.start;
    const y = b.view.start;
    return x < y ? -1 : x > y ? 1 : a.view.index - b.view.index;
  });
  for (let i = 0; i < works.length; i++) works[i].view.index = i;
  // Same dialog seen at several hops; early dialogs superseded by another fork; expectations.
  for (let k = 0; k < tagGroups.length; k++) {
    const list = tagGroups[k].works;
    if (list.length < 2) continue;
    const hops = new Array<number>(list.length);
    for (let j = 0; j < list.length; j++) hops[j] = list[j].view.index;
    sortSmall(hops);
    for (let j = 0; j < list.length; j++) list[j].view.hops = hops;
  }
  const allowance = answerAllowance(cfg.t1);
  const out: DialogView[] = new Array(works.length);
  for (let k = 0; k < works.length; k++) {
    const w = works[k];
    const v = w.view;
    const fork = timerNamed(w.machine.timers, "ForkWait");
    if (fork && fork.at <= model.end) step(w, FORK_WAIT_FIRED, fork.at);
    let expectations: Expectation[] | undefined;
    const awaiting = w.machine.awaitingAck;
    for (let j = 0; j < awaiting.length; j++) {
      const answer = answerOf(w.answers, awaiting[j].cseq);
      if (answer === undefined) continue;
      const by = msgs[answer].time + allowance;
      (expectations ??= []).push({
        what: "ack-2xx",
        label: "ACK (for 2xx)",
        from: v.caller,
        to: v.callee,
        by,
        beyondCapture: by > model.end,
        reason: `RFC 3261 §13.2.2.4: the UAC ACKs every 2xx to an INVITE at once; §13.3.1.4: the UAS retransmits the 2xx and ends the session with BYE after 64*T1 (+${(64 * cfg.t1).toFixed(0)} s) without it`,
        after: answer,
      });
    }
    out[v.index] = sealed(v, w.partial, expectations);
  }
  return out;
}

/**
 * The view as the analysis keeps it: lists at their exact sizes (the shared frozen empty list when
 * empty), and, for a dialog neither partial nor with expectations (nearly every dialog of a
 * capture), the view itself, made without those two fields (8 bytes each per view otherwise). The
 * others get a copy with both. Two literals, two object shapes.
 */
function sealed(v: DialogView, partial: boolean, expectations: Expectation[] | undefined): DialogView {
  const transactions = settled(v.transactions);
  const acks = settled(v.acks);
  if (!partial && expectations === undefined) {
    v.transactions = transactions;
    v.acks = acks;
    return v;
  }
  return {
    index: v.index,
    callId: v.callId,
    fromTag: v.fromTag,
    toTag: v.toTag,
    caller: v.caller,
    callee: v.callee,
    state: v.state,
    transactions,
    acks,
    start: v.start,
    end: v.end,
    answer: v.answer,
    bye: v.bye,
    byeFrom: v.byeFrom,
    terminatedBy: v.terminatedBy,
    invite: v.invite,
    terminatedAt: v.terminatedAt,
    byeTxn: v.byeTxn,
    byeResponse: v.byeResponse,
    byeStatus: v.byeStatus,
    hops: v.hops,
    partial: partial ? true : undefined,
    expectations: expectations?.slice(),
  };
}

/** Ascending insertion sort of a few numbers (a dialog's hops: one per proxy on the path). */
function sortSmall(a: number[]): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

function timerNamed<T extends { name: string }>(timers: readonly T[], name: string): T | undefined {
  for (let k = 0; k < timers.length; k++) if (timers[k].name === name) return timers[k];
  return undefined;
}

function answerOf(answers: readonly { cseq: number; id: number }[], cseq: number): number | undefined {
  for (let k = 0; k < answers.length; k++) if (answers[k].cseq === cseq) return answers[k].id;
  return undefined;
}
