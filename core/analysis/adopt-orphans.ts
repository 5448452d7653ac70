/**
 * Responses the transaction observer could not match by Via branch — typically a response sent
 * without any Via (seen from a real Kamailio: a locally generated 487 after CANCEL) — are adopted by
 * the transaction of the same hop with the same Call-ID and CSeq (number and method), so that the
 * rules still see the final response (and its retransmissions) where it belongs. RFC 3261 §17.1.3
 * matching needs the branch; this is the fallback a person reading the trace would apply.
 */
import type { Observed, TransactionView } from "./model";
import { addr } from "./context";

export function adoptOrphanResponses(msgs: readonly Observed[], txns: TransactionView[], txnOf: Int32Array, retrans: Uint8Array, orphans: readonly number[]): number[] {
  if (orphans.length === 0) return [];
  const byKey = new Map<string, TransactionView>();
  for (const t of txns) {
    const req = msgs[t.request]?.sip;
    if (!req?.cseq) continue;
    byKey.set(`${t.callId}|${req.cseq.seq}|${req.cseq.method}|${addr(t.server)}>${addr(t.client)}`, t);
  }
  const adopted: number[] = [];
  for (const id of orphans) {
    const m = msgs[id];
    const s = m.sip;
    if (!s || s.kind !== "response" || !s.cseq || s.status === undefined) continue;
    const t = byKey.get(`${s.callId}|${s.cseq.seq}|${s.cseq.method}|${addr(m.src)}>${addr(m.dst)}`);
    if (!t || msgs[t.request].time > m.time) continue;
    txnOf[id] = t.index;
    // New lists rather than push: a sealed view's lists may be the shared frozen empty list.
    t.messages = withId(t.messages, id);
    if (s.status < 200) {
      if (t.provisional.some((p) => msgs[p].sip?.status === s.status)) {
        t.retransmissions = [...t.retransmissions, id];
        retrans[id] = 1;
      } else t.provisional = [...t.provisional, id];
    } else if (t.final === undefined) {
      t.final = id;
      t.finalStatus = s.status;
    } else {
      t.retransmissions = [...t.retransmissions, id];
      retrans[id] = 1;
    }
    adopted.push(id);
  }
  return adopted;
}

/** `ids` (ascending) with `id` inserted in order, as a new list of its exact size. */
function withId(ids: readonly number[], id: number): number[] {
  const out: number[] = new Array(ids.length + 1);
  let k = 0;
  for (; k < ids.length && ids[k] <= id; k++) out[k] = ids[k];
  out[k] = id;
  for (; k < ids.length; k++) out[k + 1] = ids[k];
  return out;
}
