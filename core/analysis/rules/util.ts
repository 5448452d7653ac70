/** Small helpers the rules share: capture-window checks, ACK lookup, log pinning, wording. */
import type { LogEventDTO, Severity } from "../../api";
import type { AnalysisContext } from "../context";
import { clock } from "../context";
import type { TransactionView } from "../model";

/** Severity for a fault whose deadline may lie beyond the capture: "info" then (capture ended). */
/**
 * The root-cause rules: when one of them fires on a Call-ID, a consequence there (a timeout, a
 * failed REGISTER, an unanswered BYE) is explained by it and not reported a second time.
 */
export const ROOT_CAUSE_RULES: readonly string[] = ["dia-answer-no-sip-continuation", "dia-request-unanswered", "dia-error-result", "bye-one-sided", "notify-fanout-aborted", "ack-missing-non2xx", "cancel-no-487", "notify-to-closed-connection"];

export function windowed(ctx: AnalysisContext, deadline: number, severity: Severity): { severity: Severity; beyond: boolean } {
  const beyond = deadline > ctx.model.end;
  return { severity: beyond ? "info" : severity, beyond };
}

export function captureEndedNote(ctx: AnalysisContext, deadline: number): string {
  return ` The capture ended at ${clock(ctx.model.end)}, before the deadline (${clock(deadline)}): the message may simply not have been captured.`;
}

export function sipLabel(ctx: AnalysisContext, id: number): string {
  const s = ctx.msgs[id]?.sip;
  if (!s) return ctx.msgs[id]?.diameter?.name ?? "message";
  return s.kind === "request" ? (s.method ?? "request") : `${s.status}${s.reason ? " " + s.reason : ""}`;
}

export function describeTxn(ctx: AnalysisContext, t: TransactionView): string {
  const req = ctx.msgs[t.request];
  return `${t.method} (Call-ID ${t.callId}, CSeq ${req?.sip?.cseq?.seq ?? "?"}) from ${ctx.nodes.nodeName(t.client)} to ${ctx.nodes.nodeName(t.server)}`;
}

/**
 * Every ACK of the capture, grouped by Call-ID: slot k is one ACK (message `msg[k]`, its CSeq
 * number, time and To tag, the nodes it went between), and a Call-ID's slots are chained in
 * capture order from `first` through `next` (-1 ends); `msg[k]` indexes `ctx.msgs`. Columns, not
 * an object per ACK: on a big capture (2*10^4 ACKs) objects with a boxed time and a late To-tag
 * field cost ~2 MB while the rules run. The time and To tag are read here, while each ACK's row is
 * at hand, not by the rules walking the chains, where each read is a cache miss on a far row.
 */
export interface AckIndex {
  first: Map<string, number>;
  next: Int32Array;
  msg: Int32Array;
  /** CSeq number, -1 when absent (doubles: a malformed number beyond 2^31 still compares exactly). */
  cseq: Float64Array;
  time: Float64Array;
  toTag: (string | undefined)[];
  src: string[];
  dst: string[];
}

const ackCache = new WeakMap<AnalysisContext, AckIndex>();

/** The ACK index (built on first use); rules walk a Call-ID's ACKs with `first` and `next`. */
export function ackIndex(ctx: AnalysisContext): AckIndex {
  let idx = ackCache.get(ctx);
  if (idx) return idx;
  const { msgs, nodes, acks } = ctx;
  const n = acks.length;
  idx = {
    first: new Map(),
    next: new Int32Array(n),
    msg: new Int32Array(n),
    cseq: new Float64Array(n),
    time: new Float64Array(n),
    toTag: new Array<string | undefined>(n),
    src: new Array<string>(n),
    dst: new Array<string>(n),
  };
  // Filled from the end, each ACK put in front of its Call-ID's chain: the chains come out in
  // capture order with one Map (no second one for the chains' tails).
  for (let k = n - 1; k >= 0; k--) {
    const i = acks[k];
    const m = msgs[i];
    const s = m.sip!;
    const key = s.callId ?? "";
    idx.next[k] = idx.first.get(key) ?? -1;
    idx.first.set(key, k);
    idx.msg[k] = i;
    idx.cseq[k] = s.cseq?.seq ?? -1;
    idx.time[k] = m.time;
    idx.toTag[k] = s.toTag;
    idx.src[k] = nodes.nodeOf(m.src);
    idx.dst[k] = nodes.nodeOf(m.dst);
  }
  ackCache.set(ctx, idx);
  return idx;
}

/**
 * Forgets the lookups the rules built on `ctx` (ACKs, transactions and SIP messages by Call-ID,
 * CANCELs, timed logs): the context outlives the rules (a call's ladder is built from it on
 * demand), and nothing after the rules reads them; a later call would simply rebuild them.
 */
export function releaseRuleLookups(ctx: AnalysisContext): void {
  ackCache.delete(ctx);
  logTimeCache.delete(ctx);
  byCallCache.delete(ctx);
  sipByCallCache.delete(ctx);
  cancelCache.delete(ctx);
}

/** Log events pinned to this Call-ID (any level from WARNING up, or matching `text`). */
export function logsForCall(ctx: AnalysisContext, callId: string | undefined, text?: RegExp): number[] {
  if (!callId) return [];
  const ids = ctx.logsByCallId.get(callId) ?? [];
  return ids.filter((i) => (text ? text.test(ctx.logs[i].text) : isWarningOrWorse(ctx.logs[i].level)));
}

const logTimeCache = new WeakMap<AnalysisContext, { timed: LogEventDTO[]; untimed: LogEventDTO[] }>();

/** Log events whose text (or function) matches, timed within [from, to] or without a time. */
export function logsMatching(ctx: AnalysisContext, text: RegExp, from: number, to: number): number[] {
  let idx = logTimeCache.get(ctx);
  if (!idx) {
    const timed = ctx.logs.filter((l) => l.time !== undefined).sort((a, b) => a.time! - b.time!);
    idx = { timed, untimed: ctx.logs.filter((l) => l.time === undefined) };
    logTimeCache.set(ctx, idx);
  }
  const match = (l: LogEventDTO) => text.test(l.text) || (!!l.function && text.test(`${l.function}()`));
  const out: number[] = [];
  // Binary search for the first line at or after `from`; lines are sorted by time.
  let lo = 0;
  let hi = idx.timed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (idx.timed[mid].time! < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < idx.timed.length && idx.timed[i].time! <= to; i++) if (match(idx.timed[i])) out.push(idx.timed[i].id);
  for (const l of idx.untimed) if (match(l)) out.push(l.id);
  return out.sort((a, b) => a - b);
}

const LEVEL_RANK: Record<string, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, WARN: 3, ERROR: 4, ERR: 4, CRITICAL: 5, CRIT: 5, BUG: 5, ALERT: 6, EMERGENCY: 7 };

export function levelRank(level: string): number {
  return LEVEL_RANK[level.toUpperCase()] ?? 1;
}

export function isWarningOrWorse(level: string): boolean {
  return levelRank(level) >= 3;
}

export function uniq(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

const byCallCache = new WeakMap<AnalysisContext, Map<string, TransactionView[]>>();

/** Transactions of one Call-ID (all hops), in request order. */
export function txnsOfCallId(ctx: AnalysisContext, callId: string): TransactionView[] {
  let idx = byCallCache.get(ctx);
  if (!idx) {
    idx = new Map();
    for (let i = 0; i < ctx.txns.length; i++) {
      const t = ctx.txns[i];
      let l = idx.get(t.callId);
      if (!l) idx.set(t.callId, (l = []));
      l.push(t);
    }
    for (const l of idx.values()) l.sort((a, b) => a.request - b.request);
    byCallCache.set(ctx, idx);
  }
  return idx.get(callId) ?? [];
}

const sipByCallCache = new WeakMap<AnalysisContext, Map<string, number[]>>();

/** SIP message ids of one Call-ID (all hops), in capture order. */
export function sipOfCallId(ctx: AnalysisContext, callId: string): number[] {
  let idx = sipByCallCache.get(ctx);
  if (!idx) {
    idx = new Map();
    for (let i = 0; i < ctx.msgs.length; i++) {
      const m = ctx.msgs[i];
      const c = m.sip?.callId;
      if (c === undefined) continue;
      let l = idx.get(c);
      if (!l) idx.set(c, (l = []));
      l.push(m.id);
    }
    sipByCallCache.set(ctx, idx);
  }
  return idx.get(callId) ?? [];
}

const cancelCache = new WeakMap<AnalysisContext, Map<string, TransactionView>>();

/** The CANCEL transaction targeting this INVITE transaction (same Call-ID, CSeq number and hop). */
export function cancelOf(ctx: AnalysisContext, t: TransactionView): TransactionView | undefined {
  if (t.cancelledBy !== undefined) return ctx.txns[t.cancelledBy];
  if (t.kind !== "INVITE") return undefined;
  let idx = cancelCache.get(ctx);
  if (!idx) {
    idx = new Map();
    for (let i = 0; i < ctx.txns.length; i++) {
      const c = ctx.txns[i];
      if (c.method !== "CANCEL") continue;
      const seq = ctx.msgs[c.request]?.sip?.cseq?.seq;
      idx.set(`${c.callId}|${seq}|${ctx.nodes.nodeOf(c.client)}>${ctx.nodes.nodeOf(c.server)}`, c);
    }
    cancelCache.set(ctx, idx);
  }
  const seq = ctx.msgs[t.request]?.sip?.cseq?.seq;
  return idx.get(`${t.callId}|${seq}|${ctx.nodes.nodeOf(t.client)}>${ctx.nodes.nodeOf(t.server)}`);
}

/**
 * One fault seen on several hops of the same request (an unanswered INVITE through a proxy times
 * out on both legs) is one finding: later hops add their evidence and ghosts to the first.
 */
export class HopMerger {
  private byKey = new Map<string, import("../context").RuleHit>();
  readonly out: import("../context").RuleHit[] = [];
  add(key: string, hit: import("../context").RuleHit): void {
    const prev = this.byKey.get(key);
    if (!prev) {
      this.byKey.set(key, hit);
      this.out.push(hit);
      return;
    }
    prev.messages = uniq([...prev.messages, ...hit.messages]);
    prev.ghosts.push(...hit.ghosts);
    const rank = { info: 0, warning: 1, error: 2 } as const;
    if (rank[hit.severity] > rank[prev.severity]) prev.severity = hit.severity;
    if (hit.logEvents?.length) prev.logEvents = uniq([...(prev.logEvents ?? []), ...hit.logEvents]);
  }
}
