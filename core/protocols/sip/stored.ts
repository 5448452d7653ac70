/**
 * A SIP message kept for a whole analysis without its parse: the few values every pass reads
 * (start line, Call-ID, CSeq, tags, users, top Via, problems) are copied out of the parse once, and
 * everything else (header fields, Contact, Route, body, raw bytes) is parsed again from the bytes
 * when asked for.
 *
 * Why: a capture of 10^5 messages kept as parses held ~750 bytes of objects per message plus the
 * bytes themselves; a stored message is ~250 bytes (measured), and its bytes can stay in the file (a
 * `BytesHome` reads them back by position), so memory no longer grows with the size of the bytes.
 * The analysis passes over all messages read only the stored values; the rare rule that reads a
 * header re-parses that one message (a small cache keeps the last few parses).
 */
import type { CSeq, NameAddr, SipHeaderField, SipMessage, Via, ViaKey } from "./types";
import { createInterner } from "../../capture/intern";
import { parseSip, type ParsedSip } from "./parse";
import { canonicalHeaderKey } from "./header-names";
import { shortAddress } from "./name-addr";

/** Where stored messages' bytes are read back from: one per input file (core/node reads the file). */
export interface BytesHome {
  /** Exactly `length` bytes at `offset`; throws when they cannot be read (the file changed or is gone). */
  read(offset: number, length: number): Uint8Array;
}

/** Parses kept for re-use: a ladder or a rule reads a handful of messages several times. */
const CACHE_SIZE = 256;
const cache = new Map<StoredSipMessage, ParsedSip>();

const EMPTY = new Uint8Array(0);

/**
 * Headers the analysis reads on many messages (RSeq of every provisional, the correlation headers
 * of every call's first request, the presence headers of every SUBSCRIBE/NOTIFY/PUBLISH): their
 * first values are stored when present, so `header()` answers them without a re-parse.
 */
const KEPT_HEADERS = ["rseq", "x-cid", "x-call-id", "x-callid", "session-id", "p-charging-vector", "event", "subscription-state", "expires"];
const KEPT = new Set(KEPT_HEADERS);

/**
 * Stored texts are interned (a reason phrase, a user, a Request-URI recur across messages) and
 * flat: a tag or branch cut out of its header line would keep the whole line alive.
 */
const keep = createInterner(8192, 256, { flat: true });
const keepOptional = (text: string | undefined) => (text === undefined ? undefined : keep(text));

/**
 * The part of a parsed top Via that matching reads, as a small object of its own: the parse is
 * dropped (its texts interned). Made per message: a WeakMap from the parser's shared Via objects
 * measured slower, and its entries cost the garbage collector more than the objects they saved.
 */
function viaKeyOf(via: Via | undefined): ViaKey | undefined {
  if (!via) return undefined;
  return { host: keep(via.host), port: via.port, transport: keep(via.transport), branch: keepOptional(via.branch) };
}

export class StoredSipMessage implements SipMessage {
  readonly kind: "request" | "response";
  readonly method: string | undefined;
  readonly requestUri: string | undefined;
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly callId: string | undefined;
  readonly cseq: CSeq | undefined;
  readonly fromTag: string | undefined;
  readonly toTag: string | undefined;
  readonly fromUser: string | undefined;
  readonly toUser: string | undefined;
  readonly fromAddress: string | undefined;
  readonly toAddress: string | undefined;
  /** What matching reads of the top Via (vias[0]); the whole Via is in `vias`. */
  readonly topVia: ViaKey | undefined;
  readonly viaCount: number;
  readonly contentType: string | undefined;
  readonly problems: readonly string[];
  /** First values of the KEPT_HEADERS present, by canonical name (undefined: none present). */
  private readonly kept: Record<string, string> | undefined;
  /** The bytes themselves, or the home they are read back from at `at`. */
  private readonly home: Uint8Array | BytesHome;
  private readonly at: number;
  private readonly length: number;

  constructor(parsed: ParsedSip, home: Uint8Array | BytesHome, at = 0, length = home instanceof Uint8Array ? home.length : 0) {
    this.kind = parsed.kind;
    this.method = parsed.method;
    this.requestUri = keepOptional(parsed.requestUri);
    this.status = parsed.status;
    this.reason = keepOptional(parsed.reason);
    this.callId = parsed.callId;
    this.cseq = parsed.cseq;
    const from = parsed.from;
    const to = parsed.to;
    this.fromTag = keepOptional(from?.tag);
    this.toTag = keepOptional(to?.tag);
    this.fromUser = keepOptional(from?.uri?.user);
    this.toUser = keepOptional(to?.uri?.user);
    this.fromAddress = keepOptional(shortAddress(from));
    this.toAddress = keepOptional(shortAddress(to));
    // problems first: it parses every Via, so vias[0] below is a cached read.
    this.problems = parsed.problems;
    const vias = parsed.vias;
    // vias[0], not the parser's topVia: they differ when the first Via value is malformed.
    this.topVia = viaKeyOf(vias[0]);
    this.viaCount = vias.length;
    this.contentType = keepOptional(parsed.contentType);
    let kept: Record<string, string> | undefined;
    // The parser's valueByKey takes a canonical key as is (header() normalises the name first).
    const valueOf = (parsed as { valueByKey?: (key: string) => string | undefined }).valueByKey;
    for (const name of KEPT_HEADERS) {
      const value = valueOf ? valueOf.call(parsed, name) : parsed.header(name);
      if (value !== undefined) (kept ??= {})[name] = keep(value);
    }
    this.kept = kept;
    this.home = home;
    this.at = at;
    this.length = length;
  }

  /** The whole parse of this message (from the cache, else the bytes are read and parsed again). */
  full(): ParsedSip {
    let parsed = cache.get(this);
    if (parsed) return parsed;
    parsed = parseSip(this.raw);
    cache.set(this, parsed);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return parsed;
  }

  get raw(): Uint8Array {
    const home = this.home;
    if (home instanceof Uint8Array) return home;
    try {
      return home.read(this.at, this.length);
    } catch {
      // The capture file changed or went away since it was read: the stored values still stand.
      return EMPTY;
    }
  }

  get fields(): readonly SipHeaderField[] {
    return this.full().fields;
  }
  header(name: string): string | undefined {
    const key = canonicalHeaderKey(name);
    return KEPT.has(key) ? this.kept?.[key] : this.full().header(name);
  }
  headerValues(name: string): string[] {
    return this.full().headerValues(name);
  }
  get from(): NameAddr | undefined {
    return this.full().from;
  }
  get to(): NameAddr | undefined {
    return this.full().to;
  }
  get vias(): readonly Via[] {
    return this.full().vias;
  }
  get contact(): readonly NameAddr[] {
    return this.full().contact;
  }
  get recordRoute(): readonly NameAddr[] {
    return this.full().recordRoute;
  }
  get route(): readonly NameAddr[] {
    return this.full().route;
  }
  get contentLength(): number | undefined {
    return this.full().contentLength;
  }
  get bodyOffset(): number {
    return this.full().bodyOffset;
  }
  get body(): Uint8Array {
    return this.full().body;
  }
  get version(): string {
    return this.full().version;
  }
  get startLineOffset(): number {
    return this.full().startLineOffset;
  }
}

/**
 * The first Via's matching part and the number of Vias of any SIP message: a stored message
 * answers from its stored values; a parse's `vias` would parse every Via.
 * vias[0], not the parser's own topVia: they differ when the first Via value is malformed.
 */
export function firstVia(msg: SipMessage): ViaKey | undefined {
  return msg instanceof StoredSipMessage ? msg.topVia : msg.vias[0];
}

export function viaCount(msg: SipMessage): number {
  return msg instanceof StoredSipMessage ? msg.viaCount : msg.vias.length;
}
