/**
 * What a SIP message kept for a whole analysis without its parse is made of: the few values every
 * pass reads (start line, Call-ID, CSeq, tags, users, top Via, problems, a few headers) are copied
 * out of the parse once, and everything else (header fields, Contact, Route, body, raw bytes) is
 * parsed again from the bytes when asked for. The analysis keeps them in rows of columns
 * (core/analysis/message-rows.ts); this file holds what any such store shares: where bytes are
 * read back from, which headers are kept, and the interning of kept texts, From/To parts and
 * top-Via keys (from a parse, or straight from the bytes of a value in the common shape).
 *
 * Why: a capture of 10^5 messages kept as parses held ~750 bytes of objects per message plus the
 * bytes themselves; stored, a message's bytes can stay in the file (a `BytesHome` reads them back
 * by position), so memory no longer grows with the size of the bytes. The analysis passes over all
 * messages read only the stored values; the rare rule that reads a header re-parses that one
 * message (a small cache keeps the last few parses).
 */
import type { NameAddr, SipMessage, Via, ViaKey } from "./types";
import { createInterner } from "../../capture/intern";
import { decodeText, sameAscii, TextsByBytes } from "./text";
import { nameAddrParts } from "./name-addr";
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
 * keepText of the text of bytes [s, e), straight from the bytes (see TextsByBytes): a repeat (a
 * response's branch, a recurring Request-URI) makes no string; a new text is decoded into a flat
 * string of its own (nothing to copy). Non-ASCII and long texts go through keepText.
 */
const keptTexts = new TextsByBytes(8192, 256, (b, s, e) => keepText(decodeText(b, s, e)));

export function keepBytes(b: Uint8Array, s: number, e: number): string {
  return keptTexts.get(b, s, e);
}

/**
 * What a stored message keeps of a From or To: its tag and URI user, interned; the rest of its
 * call-list address (see addressOf); and whether its URI parsed.
 */
export interface KeptNameAddr {
  readonly tag: string | undefined;
  readonly user: string | undefined;
  /**
   * shortAddress less its "user@": host[:port] (the URI text when there is no URI). A capture has
   * few of them, where user@host texts are one per party: a row keeps this one as a table index.
   */
  readonly hostPort: string | undefined;
  readonly hasUri: boolean;
}

/** The call-list address (shortAddress) of kept parts: "user@" when there is a user, then hostPort. */
export function addressOf(user: string | undefined, hostPort: string | undefined): string | undefined {
  return hostPort === undefined || !user ? hostPort : user + "@" + hostPort;
}

const NO_NAME_ADDR: KeptNameAddr = Object.freeze({ tag: undefined, user: undefined, hostPort: undefined, hasUri: false });

/** The kept parts of a From/To parse (undefined or null: none, or a value that did not parse). */
export function keptNameAddr(na: NameAddr | null | undefined): KeptNameAddr {
  if (!na) return NO_NAME_ADDR;
  const u = na.uri;
  // As shortAddress writes it, less the user.
  const hostPort = u ? (u.port ? `${u.host}:${u.port}` : u.host) : na.uriText;
  return { tag: keepTextOptional(na.tag), user: keepTextOptional(u?.user), hostPort: keepTextOptional(hostPort), hasUri: u !== undefined };
}

/** The kept parts of the From/To in `b` that scanCommonNameAddr just took apart (see nameAddrParts). */
export function keptNameAddrOfParts(b: Uint8Array): KeptNameAddr {
  const p = nameAddrParts;
  // The host follows the user's '@' at once (scanCommonNameAddr takes a plain user only).
  return { tag: p[5] < 0 ? undefined : keepBytes(b, p[5], p[6]), user: p[0] < 0 ? undefined : keepBytes(b, p[0], p[1]), hostPort: keepBytes(b, p[2], p[4] >= 0 ? p[4] : p[3]), hasUri: true };
}

/**
 * Where the top Via says the request was sent from — host, port and transport, what matching
 * compares besides the branch. A capture has a few hundred of them, so each is one shared object:
 * a stored message keeps its top Via as the branch text plus one of these (a top-Via object of its
 * own per message was ~3.4 MB on 10^5 messages).
 */
export type SentBy = Readonly<Omit<ViaKey, "branch">>;

/** Interned sent-by objects by host; bounded (a hostile capture with endless hosts only re-fills it). */
const MAX_SENT_BY_HOSTS = 4096;
const sentByHosts = new Map<string, SentBy[]>();

export function sharedSentBy(via: ViaKey | undefined): SentBy | undefined {
  if (!via) return undefined;
  let known = sentByHosts.get(via.host);
  if (known) {
    for (let i = 0; i < known.length; i++) {
      const k = known[i];
      if (k.port === via.port && k.transport === via.transport) return k;
    }
  } else {
    if (sentByHosts.size >= MAX_SENT_BY_HOSTS) sentByHosts.clear();
    sentByHosts.set(via.host, (known = []));
  }
  const made: SentBy = { host: keepText(via.host), port: via.port, transport: keepText(via.transport) };
  known.push(made);
  return made;
}

const SENT_BY_SLOTS = 1024;
const sentBySlots: (SentBy | undefined)[] = new Array(SENT_BY_SLOTS).fill(undefined);

/**
 * sharedSentBy of a sent-by read from bytes (host [hs, he), ASCII; port -1: none): a recent one is
 * found by a hash of the bytes, without making the host text (a capture has a few hundred).
 */
export function sentByOfBytes(b: Uint8Array, hs: number, he: number, port: number, transport: string): SentBy {
  let h = Math.imul(port, 31) + transport.charCodeAt(0) + transport.length;
  for (let i = hs; i < he; i++) h = (Math.imul(h, 31) + b[i]) | 0;
  const slot = (h ^ (h >>> 11)) & (SENT_BY_SLOTS - 1);
  const known = sentBySlots[slot];
  const p = port < 0 ? undefined : port;
  if (known !== undefined && known.port === p && known.transport === transport && sameAscii(known.host, b, hs, he - hs)) return known;
  return (sentBySlots[slot] = sharedSentBy({ host: decodeText(b, hs, he), port: p, transport, branch: undefined })!);
}

/** A message whose parse is kept only in part (a row of the analysis): it answers these from its stored values. */
export interface StoredSip extends SipMessage {
  /** The top Via's branch, and where it says the message was sent from (undefined: no Via). */
  readonly topViaBranch: string | undefined;
  readonly topViaSentBy: SentBy | undefined;
  /** Both as one new object (vias[0]'s matching part). */
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
 * A stored message's answer is a new object: read firstViaBranch when only the branch is needed.
 */
export function firstVia(msg: SipMessage): ViaKey | undefined {
  return isStoredSip(msg) ? msg.topVia : msg.vias[0];
}

export function firstViaBranch(msg: SipMessage): string | undefined {
  return isStoredSip(msg) ? msg.topViaBranch : msg.vias[0]?.branch;
}

export function viaCount(msg: SipMessage): number {
  return isStoredSip(msg) ? msg.viaCount : msg.vias.length;
}
