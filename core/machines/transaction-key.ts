/**
 * Which transaction a SIP message belongs to: RFC 3261 §17.1.3 (responses to client transactions)
 * and §17.2.3 (requests to server transactions), as one string key that is equal for a request, its
 * retransmissions, its responses and (for INVITE) the ACK of a non-2xx final response.
 *
 * RFC 3261 (magic cookie "z9hG4bK" in the top Via branch):
 *   key = "b|" + branch + "|" + sent-by + "|" + method, with method = CSeq method for responses and
 *   "INVITE" for ACK. §17.2.3: "the request matches a transaction if: 1. the branch parameter in
 *   the request is equal to the one in the top Via header field of the request that created the
 *   transaction, and 2. the sent-by value in the top Via of the request is equal to the one in the
 *   request that created the transaction, and 3. the method of the request matches the one that
 *   created the transaction, except for ACK, where the method of the request that created the
 *   transaction is INVITE." §17.1.3 matches responses by branch + CSeq method; the sent-by is the
 *   same in a response (it echoes the Via), so one key serves both.
 *   CANCEL is its own transaction (method CANCEL) but carries the INVITE's branch: `cancelTargetKey`
 *   gives the key of the INVITE it cancels (§9.2: "the CANCEL [...] is matched to the INVITE using
 *   the procedures of §17.2.3, except the method").
 *
 * RFC 2543 fallback (no magic cookie): §17.2.3 matches on Request-URI, To tag, From tag, Call-ID,
 * CSeq and top Via. A response has no Request-URI, and the server adds the To tag in its response,
 * so a key shared by request and response can only use the rest:
 *   key = "c|" + Call-ID + "|" + From tag + "|" + CSeq number + "|" + method + "|" + top Via (sent-by
 *   and branch if any). Request-URI and To tag are left out on purpose (see above).
 *
 * Pure and cheap: one string per message, no allocation beyond it.
 */
import type { SipMessage, ViaKey } from "../protocols/sip/types";
import { isStoredSip, type SentBy } from "../protocols/sip/stored";

export const MAGIC_COOKIE = "z9hG4bK";

/** sent-by of a Via: host (lower-case) ":" port, the port defaulting per transport (§18.2.2, §19.1.2). */
export function sentBy(via: SentBy): string {
  return via.host.toLowerCase() + ":" + viaPort(via);
}

/** The method that owns the transaction: ACK belongs to the INVITE transaction (non-2xx case). */
function owningMethod(msg: SipMessage): string | undefined {
  const m = msg.kind === "request" ? msg.method : msg.cseq?.method;
  if (m === undefined) return undefined;
  return m === "ACK" ? "INVITE" : m;
}

/**
 * The top Via, read into TOP (no object made): a stored message keeps its branch and a shared
 * sent-by; the parser's `topVia` parses (and caches) just the first Via value, cheaper than all of
 * `vias` when nothing else needs the lower ones; any other SipMessage falls back to `vias`.
 * False when there is no top Via. Pure: the scratch is filled and read within one call.
 */
const TOP: { sentBy: SentBy; branch: string | undefined } = { sentBy: { host: "", port: undefined, transport: "" }, branch: undefined };

function readTopVia(msg: SipMessage): boolean {
  if (isStoredSip(msg)) {
    const sentBy = msg.topViaSentBy;
    if (!sentBy) return false;
    TOP.sentBy = sentBy;
    TOP.branch = msg.topViaBranch;
    return true;
  }
  const via = "topVia" in msg ? (msg as { topVia?: ViaKey }).topVia : msg.vias[0];
  if (!via) return false;
  TOP.sentBy = via;
  TOP.branch = via.branch;
  return true;
}

function keyFor(msg: SipMessage, method: string): string | undefined {
  if (!readTopVia(msg)) return undefined;
  const via = TOP.sentBy;
  const branch = TOP.branch;
  if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) {
    return "b|" + branch + "|" + sentBy(via) + "|" + method;
  }
  const callId = msg.callId;
  const cseq = msg.cseq;
  if (callId === undefined || cseq === undefined) return undefined;
  return "c|" + callId + "|" + (msg.from?.tag ?? "") + "|" + cseq.seq + "|" + method + "|" + sentBy(via) + "|" + (branch ?? "");
}

/**
 * The transaction key of a request or response, or undefined when the message lacks what matching
 * needs (no Via; or no magic cookie and no Call-ID/CSeq).
 */
export function transactionKey(msg: SipMessage): string | undefined {
  const method = owningMethod(msg);
  return method === undefined ? undefined : keyFor(msg, method);
}

/** For a CANCEL request: the key of the INVITE transaction it targets (same branch, method INVITE). */
export function cancelTargetKey(cancel: SipMessage): string | undefined {
  return keyFor(cancel, "INVITE");
}

/** True when the top Via carries an RFC 3261 branch (magic cookie). */
export function hasMagicCookie(msg: SipMessage): boolean {
  return readTopVia(msg) && TOP.branch?.startsWith(MAGIC_COOKIE) === true;
}

interface Entry<T> {
  host: string;
  port: number;
  method: string;
  value: T;
}

function matches(e: Entry<unknown>, method: string, port: number, via: SentBy): boolean {
  return e.method === method && e.port === port && (e.host === via.host || e.host === lowerCased(via.host));
}

function viaPort(via: SentBy): number {
  return via.port ?? defaultPort(via.transport);
}

/**
 * §18.2.2 / §19.1.2: 5061 for TLS and WSS (any case), else 5060. The usual spellings are compared
 * as they are: toUpperCase makes a new string on every call, and this runs per message whose top
 * Via has no port.
 */
function defaultPort(transport: string): number {
  if (transport.length !== 3) return 5060;
  const t = transport === "UDP" || transport === "TCP" || transport === "TLS" || transport === "WSS" ? transport : transport.toUpperCase();
  return t === "TLS" || t === "WSS" ? 5061 : 5060;
}

/** `host` in lower case; the very string when it has no upper-case letter (toLowerCase always copies). */
function lowerCased(host: string): string {
  for (let k = 0; k < host.length; k++) {
    const c = host.charCodeAt(k);
    if ((c >= 65 && c <= 90) || c > 127) return host.toLowerCase();
  }
  return host;
}

/**
 * A table of transactions matched by the rules above without building a key string per message:
 * RFC 3261 entries are found by the branch (already a string in the parsed Via; branches are
 * globally unique, so a bucket holds the INVITE and its CANCEL at most) and then compared on
 * sent-by and method; RFC 2543 entries use the fallback key string. The analyzer files 10^5
 * messages per second through it; the engine can use it to find its server transactions.
 */
export class TransactionIndex<T> {
  /** A bucket is the one entry of its branch (nearly all), or a list when a CANCEL or a reuse shares it. */
  private byBranch = new Map<string, Entry<T> | Entry<T>[]>();
  private byKey = new Map<string, T>();

  /** The transaction `msg` belongs to (ACK -> its INVITE), or undefined. */
  find(msg: SipMessage): T | undefined {
    const method = owningMethod(msg);
    return method === undefined ? undefined : this.lookup(msg, method);
  }

  /** For a CANCEL: the INVITE transaction it targets (§9.2). */
  findInvite(cancel: SipMessage): T | undefined {
    return this.lookup(cancel, "INVITE");
  }

  /**
   * File `value` as the transaction created by request `msg` (replacing one with the same key).
   * False when `msg` lacks what matching needs (see transactionKey), so nothing can ever match it.
   * No key text is built for an RFC 3261 entry (a string per transaction that no caller kept);
   * `transactionKey(msg)` gives it.
   */
  add(msg: SipMessage, value: T): boolean {
    const method = owningMethod(msg);
    if (method === undefined || !readTopVia(msg)) return false;
    const via = TOP.sentBy;
    const branch = TOP.branch;
    if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) {
      const host = lowerCased(via.host);
      const port = viaPort(via);
      const entry: Entry<T> = { host, port, method, value };
      const bucket = this.byBranch.get(branch);
      if (!bucket) this.byBranch.set(branch, entry);
      else if (!Array.isArray(bucket)) {
        const same = bucket.method === method && bucket.port === port && bucket.host === host;
        this.byBranch.set(branch, same ? entry : [bucket, entry]);
      } else {
        let i = 0;
        while (i < bucket.length && !(bucket[i].method === method && bucket[i].port === port && bucket[i].host === host)) i++;
        bucket[i] = entry; // replaces the same key, or appends
      }
      return true;
    }
    const key = keyFor(msg, method);
    if (key === undefined) return false;
    this.byKey.set(key, value);
    return true;
  }

  private lookup(msg: SipMessage, method: string): T | undefined {
    if (!readTopVia(msg)) return undefined;
    const via = TOP.sentBy;
    const branch = TOP.branch;
    if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) {
      const bucket = this.byBranch.get(branch);
      if (!bucket) return undefined;
      const port = viaPort(via);
      if (!Array.isArray(bucket)) return matches(bucket, method, port, via) ? bucket.value : undefined;
      for (let i = 0; i < bucket.length; i++) if (matches(bucket[i], method, port, via)) return bucket[i].value;
      return undefined;
    }
    const key = keyFor(msg, method);
    return key === undefined ? undefined : this.byKey.get(key);
  }
}
