/**
 * What a SIP message kept for a whole analysis without its parse is made of: the few values every
 * pass reads (start line, Call-ID, CSeq, tags, users, top Via, problems, a few headers) are copied
 * out of the parse once, and everything else (header fields, Contact, Route, body, raw bytes) is
 * parsed again from the bytes when asked for. The analysis keeps them in rows of columns
 * (core/analysis/message-rows.ts); this file holds what any such store shares: where bytes are
 * read back from, which headers are kept, and the interning of kept texts and top-Via keys.
 *
 * Why: a capture of 10^5 messages kept as parses held ~750 bytes of objects per message plus the
 * bytes themselves; stored, a message's bytes can stay in the file (a `BytesHome` reads them back
 * by position), so memory no longer grows with the size of the bytes. The analysis passes over all
 * messages read only the stored values; the rare rule that reads a header re-parses that one
 * message (a small cache keeps the last few parses).
 */
import type { SipMessage, Via, ViaKey } from "./types";
import { createInterner } from "../../capture/intern";
import type { ParsedSip } from "./parse";

/** Where stored messages' bytes are read back from: one per input file (core/node reads the file). */
export interface BytesHome {
  /** Exactly `length` bytes at `offset`; throws when they cannot be read (the file changed or is gone). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Headers the analysis reads on many messages (RSeq of every provisional, the correlation headers
 * of every call's first request, the presence headers of every SUBSCRIBE/NOTIFY/PUBLISH): their
 * first values are stored when present, so `header()` answers them without a re-parse.
 */
export const KEPT_HEADERS: readonly string[] = ["rseq", "x-cid", "x-call-id", "x-callid", "session-id", "p-charging-vector", "event", "subscription-state", "expires"];
const KEPT = new Set(KEPT_HEADERS);

/** Is this canonical header key one of the KEPT_HEADERS? */
export function isKeptHeader(key: string): boolean {
  return KEPT.has(key);
}

/**
 * Stored texts are interned (a reason phrase, a user, a Request-URI recur across messages) and
 * flat: a tag or branch cut out of its header line would keep the whole line alive.
 */
export const keepText = createInterner(8192, 256, { flat: true });
export const keepTextOptional = (text: string | undefined) => (text === undefined ? undefined : keepText(text));

/**
 * The part of a parsed top Via that matching reads, as a small object of its own (the parse is
 * dropped, its texts interned), shared by the messages that carry the same top Via — a
 * transaction's request and responses at one hop. Looked up by branch in a bounded table (a
 * WeakMap from the parser's shared Via objects measured slower, and its entries cost the garbage
 * collector more than the objects they saved).
 */
const VIA_KEYS = 4096;
const viaKeys: (ViaKey | undefined)[] = new Array(VIA_KEYS).fill(undefined);

export function sharedViaKey(via: Via | undefined): ViaKey | undefined {
  if (!via) return undefined;
  const branch = via.branch;
  if (branch === undefined || branch.length === 0) return { host: keepText(via.host), port: via.port, transport: keepText(via.transport), branch };
  let h = branch.length;
  for (let i = 0; i < branch.length; i++) h = (Math.imul(h, 31) + branch.charCodeAt(i)) | 0;
  const slot = (h ^ (h >>> 12)) & (VIA_KEYS - 1);
  const known = viaKeys[slot];
  if (known && known.branch === branch && known.host === via.host && known.port === via.port && known.transport === via.transport) return known;
  const key: ViaKey = { host: keepText(via.host), port: via.port, transport: keepText(via.transport), branch: keepText(branch) };
  viaKeys[slot] = key;
  return key;
}

/** A message whose parse is kept only in part (a row of the analysis): it answers these from its stored values. */
export interface StoredSip extends SipMessage {
  readonly topVia: ViaKey | undefined;
  readonly viaCount: number;
  /** The whole parse, read back from the bytes. */
  full(): ParsedSip;
}

export function isStoredSip(msg: SipMessage): msg is StoredSip {
  return typeof (msg as Partial<StoredSip>).full === "function";
}

/**
 * The first Via's matching part and the number of Vias of any SIP message: a stored message
 * answers from its stored values; a parse's `vias` would parse every Via.
 * vias[0], not the parser's own topVia: they differ when the first Via value is malformed.
 */
export function firstVia(msg: SipMessage): ViaKey | undefined {
  return isStoredSip(msg) ? msg.topVia : msg.vias[0];
}

export function viaCount(msg: SipMessage): number {
  return isStoredSip(msg) ? msg.viaCount : msg.vias.length;
}
