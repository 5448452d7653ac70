/**
 * A cheap, PRELIMINARY call list built while a capture is still being read: SIP messages grouped
 * by Call-ID only (no hop linking, no machines, no findings), so the app can list calls seconds
 * before the full analysis is done. Diameter and HTTP wait for the analysis. The analysed list
 * replaces this one when the session is ready; ids here ("p…") never alias the analysed ids.
 */
import type { CallDTO, CallPage, CallQuery } from "../api";
import type { Observed } from "../analysis/model";
import { isEmptyFilter, matchCall, parseFilter, sortIndexes } from "./call-query";

export const PRELIMINARY_STATE = "loading…";

const KIND_OF: Record<string, CallDTO["kind"]> = { INVITE: "call", REGISTER: "registration", SUBSCRIBE: "subscription", MESSAGE: "message", OPTIONS: "options" };

export class CallPreview {
  private readonly byCallId = new Map<string, CallDTO>();
  private readonly list: CallDTO[] = [];

  /** Folds newly decoded messages in; call once per chunk. */
  add(messages: readonly Observed[]): void {
    for (const o of messages) {
      const sip = o.sip;
      if (!sip?.callId) continue;
      let c = this.byCallId.get(sip.callId);
      if (!c) {
        c = { id: `p${this.list.length + 1}`, callIds: [sip.callId], kind: "other", method: "", from: "", to: "", legs: 1, state: PRELIMINARY_STATE, start: o.time, end: o.time, messages: 0, findings: [], srcIp: o.src.ip, dstIp: o.dst.ip };
        this.byCallId.set(sip.callId, c);
        this.list.push(c);
      }
      c.messages++;
      if (o.time < c.start) c.start = o.time;
      if (o.time > c.end) c.end = o.time;
      // The first request names the call (a response may be captured before its request).
      if (!c.method && sip.kind === "request" && sip.method) {
        c.method = sip.method;
        c.kind = KIND_OF[sip.method] ?? "other";
        c.from = sip.fromAddress ?? "";
        c.to = sip.toAddress ?? "";
        if (sip.from?.uri?.user) c.fromUser = sip.from.uri.user;
        if (sip.to?.uri?.user) c.toUser = sip.to.uri.user;
        c.srcIp = o.src.ip;
        c.dstIp = o.dst.ip;
      }
    }
  }

  get size(): number {
    return this.list.length;
  }

  /** A copy safe to post to another thread or keep while more messages arrive. */
  snapshot(): CallDTO[] {
    return this.list.map((c) => ({ ...c }));
  }
}

/** One page of a preliminary list, filtered and sorted like the analysed one (no rule: filters match nothing). */
export function previewPage(all: readonly CallDTO[], query: CallQuery = {}): CallPage {
  const filter = parseFilter(query.filter);
  const empty = isEmptyFilter(filter);
  const none = new Set<string>();
  let idx: number[] = [];
  for (let i = 0; i < all.length; i++) if (empty || matchCall(all[i], filter, none)) idx.push(i);
  idx = sortIndexes(all as CallDTO[], idx, query.sort);
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = Math.min(5000, Math.max(0, Math.floor(query.limit ?? 500)));
  return { total: idx.length, offset, preliminary: true, calls: idx.slice(offset, offset + limit).map((i) => all[i]) };
}
