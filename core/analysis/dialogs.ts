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
import { answerAllowance, appended, fitted, isCaptureDuplicate } from "./transactions";
import { startDialog, stepDialog, type DialogEvent, type DialogState } from "../machines/dialog";
import { timerConfig } from "../machines/timers";

interface Work {
  view: DialogView;
  machine: DialogState;
  /** Initial INVITE transaction index (-1 for partial dialogs). */
  invite: number;
  /** 2xx per INVITE CSeq number, first copy: for the ack-2xx expectation. */
  answers: { cseq: number; id: number }[];
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
function dialogsForRequest(list: Work[], src: Endpoint, dst: Endpoint): Work[] {
  let best: Work | undefined;
  let bestScore = -1;
  for (const c of list) {
    const a = endpointScore(c.view, src);
    const b = endpointScore(c.view, dst);
    if (a > 0 && b > 0 && a + b > bestScore) {
      best = c;
      bestScore = a + b;
    }
  }
  if (best) return [best];
  const touched = list.filter((c) => endpointScore(c.view, src) + endpointScore(c.view, dst) > 0);
  return touched.length ? touched : [list[0]];
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

function tagKey(callId: string, a: string, b: string): string {
  return a < b ? callId + "\u0000" + a + "\u0000" + b : callId + "\u0000" + b + "\u0000" + a;
}

export function observeDialogs(
  model: CaptureModel,
  txns: Pick<TransactionObservation, "transactions" | "txnOfMessage" | "retransmission"> & Partial<Pick<TransactionObservation, "duplicate">>,
): DialogView[] {
  const { transactions, txnOfMessage, retransmission } = txns;
  const duplicate = txns.duplicate;
  const msgs = model.messages;
  const cfg = timerConfig({ t1: model.t1 > 0 ? model.t1 : 0.5 });
  const works: Work[] = [];
  const byTags = new Map<string, Work[]>();
  /** Initial INVITE transaction index -> its dialogs (one per To tag). */
  const byInvite: (Work[] | undefined)[] = new Array(transactions.length);
  /** Mid-dialog transaction index -> the dialog(s) it was filed to (several when it bypassed a proxy). */
  const dialogsOfTxn: (Work[] | undefined)[] = new Array(transactions.length);
  /** Initial INVITE transactions: the request had no To tag. */
  const initial = new Uint8Array(transactions.length);
  for (const t of transactions) {
    if (t.method === "INVITE" && msgs[t.request].sip?.toTag === undefined) initial[t.index] = 1;
  }

  const step = (w: Work, ev: DialogEvent, now: number) => {
    const before = w.machine.state;
    w.machine = stepDialog(w.machine, ev, now).state;
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
      transactions: invite >= 0 ? [invite] : [],
      acks: [],
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
      partial: undefined,
      expectations: undefined,
    };
    const w: Work = { view, machine: startDialog(state, cfg, now).state, invite, answers: [] };
    works.push(w);
    const k = tagKey(callId, fromTag, toTag);
    const list = byTags.get(k);
    if (list) list.push(w);
    else byTags.set(k, [w]);
    return w;
  };

  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const sip = m.sip;
    if (!sip || m.fromLog || duplicate?.[i]) continue;
    const ti = txnOfMessage[i];
    const now = m.time;

    if (sip.kind === "response") {
      if (ti < 0 || retransmission[i]) continue;
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
            step(w, { type: "InviteAnswered", status, cseq, initial: true }, now);
            for (const f of forks!) if (f !== w) step(f, { type: "OtherForkConfirmed" }, now);
          }
        } else if (status >= 300 && forks) {
          for (const f of forks) {
            f.view.end = now;
            step(f, { type: "InviteAnswered", status, cseq: sip.cseq?.seq ?? -1, initial: true, cancelled: t.cancelledBy !== undefined }, now);
          }
        }
        continue;
      }
      const ds = dialogsOfTxn[ti];
      if (!ds) continue;
      for (const w of ds) {
        w.view.end = now;
        if (status < 200) continue;
        if (t.method === "BYE" && w.view.byeResponse === undefined && w.view.byeTxn === ti) {
          w.view.byeResponse = i;
          w.view.byeStatus = status;
        }
        if (t.method === "INVITE") {
          const cseq = sip.cseq?.seq ?? -1;
          if (status < 300) noteAnswer(w, cseq, i);
          step(w, { type: "InviteAnswered", status, cseq, initial: false }, now);
        } else {
          step(w, { type: "ResponseSeen", method: t.method, status }, now);
        }
      }
      continue;
    }

    // Requests inside a dialog: To tag present.
    const toTag = sip.toTag;
    const fromTag = sip.fromTag;
    const callId = sip.callId;
    if (toTag === undefined || fromTag === undefined || callId === undefined) continue;
    const method = sip.method ?? "";
    const list = byTags.get(tagKey(callId, fromTag, toTag));
    let targets: Work[];
    if (list) targets = dialogsForRequest(list, m.src, m.dst);
    else if (INVITE_DIALOG_METHODS.has(method)) {
      // The dialog began before the capture: file its requests to a partial dialog.
      const w = create(callId, fromTag, toTag, m.src, m.dst, "Confirmed", -1, now);
      w.view.partial = true;
      targets = [w];
    } else continue;
    for (const w of targets) {
      const v = w.view;
      v.end = now;
      if (retransmission[i]) continue;
      if (method === "ACK" && ti < 0) {
        // The ACK for a 2xx: end to end, its own transaction (§13.2.2.4, RFC 6026). The same packet
        // recorded twice is not a second ACK.
        if (v.acks.length && isCaptureDuplicate(msgs[v.acks[v.acks.length - 1]], m)) continue;
        v.acks = appended(v.acks, i);
        step(w, { type: "AckSeen", cseq: sip.cseq?.seq ?? -1 }, now);
        continue;
      }
      if (ti >= 0 && !initial[ti]) {
        let ds = dialogsOfTxn[ti];
        if (!ds) dialogsOfTxn[ti] = ds = [];
        if (!ds.includes(w)) {
          ds.push(w);
          v.transactions = appended(v.transactions, ti);
        }
      }
      if (method === "BYE" && v.bye === undefined) {
        v.bye = i;
        v.byeFrom = m.src;
        if (ti >= 0) v.byeTxn = ti;
      }
      if (method !== "ACK") step(w, { type: "RequestSeen", method, from: fromTag === v.fromTag ? "caller" : "callee" }, now);
    }
  }

  // Order by when each dialog's INVITE was sent (the upstream hop first), not by the response
  // that created it; indexes follow.
  works.sort((a, b) => a.view.start - b.view.start || a.view.index - b.view.index);
  works.forEach((w, i) => (w.view.index = i));
  // Same dialog seen at several hops; early dialogs superseded by another fork; expectations.
  for (const list of byTags.values()) {
    if (list.length < 2) continue;
    const hops = list.map((w) => w.view.index).sort((a, b) => a - b);
    for (const w of list) w.view.hops = hops;
  }
  const allowance = answerAllowance(cfg.t1);
  const out: DialogView[] = new Array(works.length);
  for (const w of works) {
    const v = w.view;
    const fork = w.machine.timers.find((t) => t.name === "ForkWait");
    if (fork && fork.at <= model.end) step(w, { type: "TimerFired", name: "ForkWait" }, fork.at);
    const expectations: Expectation[] = [];
    for (const pending of w.machine.awaitingAck) {
      const answer = w.answers.find((a) => a.cseq === pending.cseq)?.id;
      if (answer === undefined) continue;
      const by = msgs[answer].time + allowance;
      expectations.push({
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
    if (expectations.length) v.expectations = expectations;
    v.transactions = fitted(v.transactions);
    v.acks = fitted(v.acks);
    out[v.index] = v;
  }
  return out;
}
