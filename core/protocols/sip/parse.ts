/**
 * SIP message parser: a LAZY header index over the raw bytes (RFC 3261 §7).
 *
 * Construction scans the bytes once: it finds the start line and records, per header field, the
 * offsets of its name, value and line(s) plus its canonical key. Nothing else is decoded. Values
 * are decoded when asked for, and the structured headers (Call-ID, CSeq, From, To, Via, Contact,
 * Route, Record-Route, body) are parsed on first access and cached. This is what lets the ingest
 * hot path read start line + Call-ID + CSeq + tags + top branch of ~10^5 messages per second
 * without building objects it never reads. The raw bytes stay the source of truth.
 *
 * Never throws: any failure becomes an entry in `problems`. Problems from structure (start line,
 * header lines, framing) are known at once; problems from header grammar (a bad Via, a missing
 * Call-ID ...) are found when `problems` is first read, which parses the mandatory headers.
 */
import type { CSeq, NameAddr, SipHeaderField, SipMessage, Via } from "./types";
import { canonicalHeaderKey, compactToKey, isListHeader } from "./header-names";
import { firstListItem, parseCSeq, splitHeaderList } from "./header-values";
import { parseNameAddr } from "./name-addr";
import { parseVia } from "./via";
import { decodeText } from "./text";

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const COLON = 58;

/** "SIP/" as bytes. */
function startsWithSipSlash(b: Uint8Array, i: number, end: number): boolean {
  return end - i >= 4 && b[i] === 83 && b[i + 1] === 73 && b[i + 2] === 80 && b[i + 3] === 47;
}

/** Token characters of RFC 3261 §25.1 (method names, header names). */
function isTokenByte(c: number): boolean {
  if (c >= 0x61 && c <= 0x7a) return true; // a-z
  if (c >= 0x41 && c <= 0x5a) return true; // A-Z
  if (c >= 0x30 && c <= 0x39) return true; // 0-9
  return c === 0x2d || c === 0x2e || c === 0x21 || c === 0x25 || c === 0x2a || c === 0x5f || c === 0x2b || c === 0x60 || c === 0x27 || c === 0x7e;
}

/**
 * Is [s, e) a plausible start line? "SIP/x.y NNN ..." or "TOKEN SP something SP SIP/x.y".
 * Used to skip junk before the message.
 */
function isStartLine(b: Uint8Array, s: number, e: number): boolean {
  if (startsWithSipSlash(b, s, e)) {
    let i = s + 4;
    while (i < e && b[i] !== SP) i++;
    if (e - i < 4) return false;
    return b[i + 1] >= 0x30 && b[i + 1] <= 0x39 && b[i + 2] >= 0x30 && b[i + 2] <= 0x39 && b[i + 3] >= 0x30 && b[i + 3] <= 0x39;
  }
  let i = s;
  while (i < e && isTokenByte(b[i])) i++;
  if (i === s || i >= e || b[i] !== SP) return false;
  // ends with " SIP/..."
  let j = e;
  while (j > i && b[j - 1] !== SP) j--;
  return j > i + 1 && startsWithSipSlash(b, j, e);
}

const STRIDE = 6;

function isSip20(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 7 && startsWithSipSlash(b, s, e) && b[s + 4] === 50 && b[s + 5] === 46 && b[s + 6] === 48;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isTokenRange(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isTokenByte(b[i])) return false;
  return true;
}

const METHODS = ["INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "INFO", "PRACK", "UPDATE", "REFER"];

/** Method name; the common ones are shared constant strings (no allocation per message). */
function methodName(b: Uint8Array, s: number, e: number): string {
  for (const m of METHODS) {
    if (m.length !== e - s) continue;
    let same = true;
    for (let i = 0; i < m.length; i++) {
      if (m.charCodeAt(i) !== b[s + i]) {
        same = false;
        break;
      }
    }
    if (same) return m;
  }
  return decodeText(b, s, e);
}

function lineContentEnd(b: Uint8Array, lineStart: number, lf: number): number {
  return lf > lineStart && b[lf - 1] === CR ? lf - 1 : lf;
}

class LazySipMessage implements SipMessage {
  readonly raw: Uint8Array;
  kind: "request" | "response" = "request";
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  /** Offset where the start line begins (after skipped junk) and where the header block ends. */
  startLineOffset = 0;
  startLineEnd = 0;
  bodyOffset = 0;
  /** SIP version token of the start line, e.g. "SIP/2.0". */
  version = "";

  // The index: per header field, its canonical key and STRIDE offsets in one flat array of small
  // integers (line start, name end, value start, value end, line end incl. LF, folded flag): no
  // per-field objects. (A plain array, not an Int32Array: V8 allocates typed arrays far slower.)
  keys: string[] = [];
  spans: number[] = [];

  private readonly structural: string[] = [];
  /** The head (start line + headers) as text when it decoded one char per byte, else undefined. */
  private head?: string;
  private checkedProblems?: string[];
  private cache: {
    fields?: SipHeaderField[];
    callId?: string | null;
    cseq?: CSeq | null;
    from?: NameAddr | null;
    to?: NameAddr | null;
    vias?: Via[];
    topVia?: Via | null;
    /** Via values that did not parse (reported by problems). */
    badVias?: string[];
    contact?: NameAddr[];
    recordRoute?: NameAddr[];
    route?: NameAddr[];
    contentLength?: number | null;
    body?: Uint8Array;
    bodyProblems?: string[];
  } = {};

  constructor(raw: Uint8Array) {
    this.raw = raw;
    this.index();
  }

  private index(): void {
    const b = this.raw;
    const n = b.length;
    // 1. Start line. RFC 3261 §7.5: CRLFs before the start line are ignored (keep-alives); any
    //    other junk is skipped to the first plausible start line and reported.
    let p = 0;
    while (p < n && (b[p] === CR || b[p] === LF)) p++;
    let lf = b.indexOf(LF, p);
    let le = lf < 0 ? n : lineContentEnd(b, p, lf);
    if (!isStartLine(b, p, le)) {
      let q = lf < 0 ? n : lf + 1;
      let found = -1;
      while (q < n) {
        const qlf = b.indexOf(LF, q);
        const qe = qlf < 0 ? n : lineContentEnd(b, q, qlf);
        if (isStartLine(b, q, qe)) {
          found = q;
          break;
        }
        if (qlf < 0) break;
        q = qlf + 1;
      }
      if (found >= 0) {
        this.structural.push(`skipped ${found - p} bytes of junk before the start line`);
        p = found;
        lf = b.indexOf(LF, p);
        le = lf < 0 ? n : lineContentEnd(b, p, lf);
      } else {
        this.structural.push("no valid SIP start line");
      }
    }
    this.startLineOffset = p;
    this.startLineEnd = le;
    const startLineStart = p;
    p = lf < 0 ? n : lf + 1;

    // 2. Header lines until the empty line.
    let terminated = false;
    let count = 0;
    const keys: string[] = [];
    const sp: number[] = [];
    while (p < n) {
      const c = b[p];
      if (c === SP || c === HT) {
        // Folded continuation line (RFC 3261 §7.3.1): part of the previous field's value.
        const e = b.indexOf(LF, p);
        const ce = e < 0 ? n : lineContentEnd(b, p, e);
        const next = e < 0 ? n : e + 1;
        if (count > 0) {
          const o = (count - 1) * STRIDE;
          sp[o + 3] = ce;
          sp[o + 4] = next;
          sp[o + 5] = 1;
        } else this.structural.push(`continuation line without a header at offset ${p}`);
        p = next;
        continue;
      }
      // One pass over the name: find ':' (or the line end) and hash the lower-cased bytes for keyOf.
      let i = p;
      let h = 0;
      let ch = 0;
      while (i < n) {
        ch = b[i];
        if (ch === COLON || ch === LF) break;
        h = (Math.imul(h, 31) + (ch >= 0x41 && ch <= 0x5a ? ch | 0x20 : ch)) | 0;
        i++;
      }
      if (i >= n || ch === LF) {
        const ce = i >= n ? n : lineContentEnd(b, p, i);
        const next = i >= n ? n : i + 1;
        if (ce === p) {
          // The empty line: end of the header block.
          terminated = true;
          p = next;
          break;
        }
        this.structural.push(`header line without ':' at offset ${p}`);
        p = next;
        continue;
      }
      const colon = i;
      const e = b.indexOf(LF, colon);
      const ce = e < 0 ? n : lineContentEnd(b, colon, e);
      const next = e < 0 ? n : e + 1;
      let nameEnd = colon;
      while (nameEnd > p && (b[nameEnd - 1] === SP || b[nameEnd - 1] === HT)) nameEnd--;
      let vs = colon + 1;
      while (vs < ce && (b[vs] === SP || b[vs] === HT)) vs++;
      keys.push(keyOf(b, p, nameEnd, nameEnd === colon ? h : undefined));
      sp.push(p, nameEnd, vs, ce, next, 0);
      count++;
      p = next;
    }
    this.keys = keys;
    this.spans = sp;
    if (!terminated) this.structural.push("header block not terminated by an empty line");
    this.bodyOffset = p;
    // Decode the whole head once (one decoder call is ~90 ns for 550 bytes); when every byte became
    // one char, string offsets equal byte offsets and each value is a cheap slice of it.
    const head = decodeText(b, 0, p);
    if (head.length === p) this.head = head;
    this.parseStartLine(startLineStart, le);
  }

  /** Text of bytes [s, e) of the head. */
  private str(s: number, e: number): string {
    return this.head !== undefined && e <= this.head.length ? this.head.slice(s, e) : decodeText(this.raw, s, e);
  }

  private parseStartLine(s: number, e: number): void {
    const b = this.raw;
    if (startsWithSipSlash(b, s, e)) {
      // SIP-version SP Status-Code SP Reason-Phrase
      this.kind = "response";
      let i = s;
      while (i < e && b[i] !== SP) i++;
      this.version = isSip20(b, s, i) ? "SIP/2.0" : this.str(s, i);
      while (i < e && b[i] === SP) i++;
      const cs = i;
      while (i < e && b[i] !== SP) i++;
      const code = i - cs === 3 ? (b[cs] - 48) * 100 + (b[cs + 1] - 48) * 10 + (b[cs + 2] - 48) : NaN;
      if (i - cs === 3 && code >= 100 && code <= 999 && isDigit(b[cs + 1]) && isDigit(b[cs + 2])) this.status = code;
      else this.structural.push(`bad status code "${this.str(cs, i)}"`);
      this.reason = i < e ? this.str(i + 1, e) : "";
      return;
    }
    // Method SP Request-URI SP SIP-Version (extra spaces tolerated; the URI may not contain SP).
    this.kind = "request";
    let i = s;
    while (i < e && b[i] !== SP) i++;
    const methodEnd = i;
    while (i < e && b[i] === SP) i++;
    let j = e;
    while (j > i && b[j - 1] === SP) j--;
    const lineEnd = j;
    while (j > i && b[j - 1] !== SP) j--;
    const versionStart = j;
    while (j > i && b[j - 1] === SP) j--;
    if (methodEnd > s && isTokenRange(b, s, methodEnd)) this.method = methodName(b, s, methodEnd);
    if (j > i) {
      this.requestUri = this.str(i, j);
      this.version = isSip20(b, versionStart, lineEnd) ? "SIP/2.0" : this.str(versionStart, lineEnd);
      if (!startsWithSipSlash(b, versionStart, lineEnd)) this.structural.push(`bad SIP version "${this.version}"`);
    } else {
      if (versionStart < lineEnd) this.requestUri = this.str(versionStart, lineEnd);
      if (e > s) this.structural.push(`bad request line "${this.str(s, Math.min(e, s + 80))}"`);
    }
  }

  /** Decoded, unfolded value of field i. */
  valueOf(i: number): string {
    const b = this.raw;
    const o = i * STRIDE;
    const s = this.spans[o + 2];
    let e = this.spans[o + 3];
    while (e > s && (b[e - 1] === SP || b[e - 1] === HT)) e--;
    const text = this.str(s, e);
    // Unfold: each CRLF + leading whitespace becomes one space (RFC 3261 §7.3.1); a value that
    // starts on the continuation line ("To :\r\n sip:...") loses the leading space too.
    return this.spans[o + 5] ? text.replace(/[ \t]*\r?\n[ \t]+/g, " ").trim() : text;
  }

  private indexOfKey(key: string, from = 0): number {
    const keys = this.keys;
    for (let i = from; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  header(name: string): string | undefined {
    return this.valueByKey(canonicalHeaderKey(name));
  }

  /** First value for an already-canonical key (skips name normalisation on the hot path). */
  valueByKey(key: string): string | undefined {
    const i = this.indexOfKey(key);
    return i < 0 ? undefined : this.valueOf(i);
  }

  headerValues(name: string): string[] {
    const key = canonicalHeaderKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (let i = this.indexOfKey(key); i >= 0; i = this.indexOfKey(key, i + 1)) {
      const v = this.valueOf(i);
      if (list) for (const part of splitHeaderList(v)) out.push(part);
      else out.push(v);
    }
    return out;
  }

  get fields(): readonly SipHeaderField[] {
    if (!this.cache.fields) {
      const out: SipHeaderField[] = [];
      for (let i = 0; i < this.keys.length; i++) {
        out.push({
          name: this.str(this.spans[i * STRIDE], this.spans[i * STRIDE + 1]),
          key: this.keys[i],
          value: this.valueOf(i),
          start: this.spans[i * STRIDE],
          // The content end of the field's last line (before its CRLF).
          end: this.spans[i * STRIDE + 3],
        });
      }
      this.cache.fields = out;
    }
    return this.cache.fields;
  }

  get callId(): string | undefined {
    if (this.cache.callId === undefined) this.cache.callId = this.valueByKey("call-id") ?? null;
    return this.cache.callId ?? undefined;
  }

  get cseq(): CSeq | undefined {
    if (this.cache.cseq === undefined) this.cache.cseq = parseCSeq(this.valueByKey("cseq")) ?? null;
    return this.cache.cseq ?? undefined;
  }

  get from(): NameAddr | undefined {
    if (this.cache.from === undefined) this.cache.from = parseNameAddr(this.valueByKey("from")) ?? null;
    return this.cache.from ?? undefined;
  }

  get to(): NameAddr | undefined {
    if (this.cache.to === undefined) this.cache.to = parseNameAddr(this.valueByKey("to")) ?? null;
    return this.cache.to ?? undefined;
  }

  get vias(): readonly Via[] {
    if (!this.cache.vias) {
      const out: Via[] = [];
      const bad: string[] = [];
      const values = this.headerValues("via");
      for (let k = 0; k < values.length; k++) {
        const v = values[k];
        // The top Via is often parsed already (topVia, the hot path); do not parse it twice.
        const top = k === 0 ? this.cache.topVia : undefined;
        const via = top && top.raw === v.trim() ? top : parseVia(v);
        if (via) out.push(via);
        else bad.push(v);
      }
      this.cache.vias = out;
      this.cache.badVias = bad;
    }
    return this.cache.vias;
  }

  /** The top Via only — parses just the first value of the first Via field (hot path). */
  get topVia(): Via | undefined {
    if (this.cache.vias) return this.cache.vias[0];
    const i = this.indexOfKey("via");
    if (i < 0) return undefined;
    if (this.cache.topVia === undefined) {
      const first = firstListItem(this.valueOf(i));
      this.cache.topVia = (first === undefined ? undefined : parseVia(first)) ?? null;
    }
    return this.cache.topVia ?? undefined;
  }

  private nameAddrs(name: string): NameAddr[] {
    const out: NameAddr[] = [];
    for (const v of this.headerValues(name)) {
      const na = parseNameAddr(v);
      if (na) out.push(na);
    }
    return out;
  }

  get contact(): readonly NameAddr[] {
    return (this.cache.contact ??= this.nameAddrs("contact"));
  }

  get recordRoute(): readonly NameAddr[] {
    return (this.cache.recordRoute ??= this.nameAddrs("record-route"));
  }

  get route(): readonly NameAddr[] {
    return (this.cache.route ??= this.nameAddrs("route"));
  }

  get contentType(): string | undefined {
    return this.valueByKey("content-type");
  }

  get contentLength(): number | undefined {
    if (this.cache.contentLength === undefined) {
      const v = this.valueByKey("content-length");
      this.cache.contentLength = v !== undefined && /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : null;
    }
    return this.cache.contentLength ?? undefined;
  }

  get body(): Uint8Array {
    if (!this.cache.body) this.frameBody();
    return this.cache.body!;
  }

  /**
   * Body by Content-Length. The bytes handed to the parser are one message (a datagram, or a
   * stream message already framed by the sniffer), so without a usable Content-Length the rest of
   * the bytes is the body (RFC 3261 §18.3 allows that for UDP) — reported when there is a body.
   */
  private frameBody(): void {
    const problems: string[] = [];
    const b = this.raw;
    const avail = b.length - this.bodyOffset;
    const clText = this.valueByKey("content-length");
    const cl = this.contentLength;
    let body: Uint8Array;
    if (cl === undefined) {
      body = b.subarray(this.bodyOffset);
      if (clText !== undefined) problems.push(`bad Content-Length "${clText}"; body taken as the remaining ${avail} bytes`);
      else if (avail > 0 && !isOnlyCrlf(body)) problems.push(`no Content-Length; body taken as the remaining ${avail} bytes`);
    } else if (cl > avail) {
      body = b.subarray(this.bodyOffset);
      problems.push(`Content-Length ${cl} larger than the ${avail} bytes present (truncated body)`);
    } else {
      body = b.subarray(this.bodyOffset, this.bodyOffset + cl);
      const extra = b.subarray(this.bodyOffset + cl);
      if (extra.length > 0 && !isOnlyCrlf(extra)) problems.push(`${extra.length} bytes after the body (Content-Length ${cl}) ignored`);
    }
    this.cache.body = body;
    this.cache.bodyProblems = problems;
  }

  get problems(): readonly string[] {
    if (!this.checkedProblems) {
      // Reads only cached parses; the text of a header is decoded again only to quote it in a problem.
      const out = this.structural.length ? [...this.structural] : [];
      try {
        void this.body; // frames the body and records its problems
        const bodyProblems = this.cache.bodyProblems;
        if (bodyProblems && bodyProblems.length) out.push(...bodyProblems);
        if (this.callId === undefined) out.push("missing Call-ID");
        const cseq = this.cseq;
        if (!cseq) {
          const text = this.valueByKey("cseq");
          out.push(text === undefined ? "missing CSeq" : `bad CSeq "${text}"`);
        } else if (this.kind === "request" && this.method && cseq.method !== this.method) {
          out.push(`CSeq method ${cseq.method} differs from request method ${this.method}`);
        }
        if (!this.from?.uri) {
          const text = this.valueByKey("from");
          out.push(text === undefined ? "missing From" : `bad From "${text}"`);
        }
        if (!this.to?.uri) {
          const text = this.valueByKey("to");
          out.push(text === undefined ? "missing To" : `bad To "${text}"`);
        }
        const vias = this.vias;
        const bad = this.cache.badVias ?? [];
        if (vias.length === 0 && bad.length === 0) out.push("missing Via");
        for (const v of bad) out.push(`bad Via "${v.slice(0, 80)}"`);
      } catch (e) {
        out.push(`internal parser error: ${String(e)}`);
      }
      this.checkedProblems = out;
    }
    return this.checkedProblems;
  }

}

function isOnlyCrlf(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== CR && b[i] !== LF) return false;
  return true;
}

/**
 * Interned canonical keys by a hash of the lower-cased name bytes: a capture repeats the same
 * couple of dozen header names millions of times, so building each key string once and verifying
 * the cached one byte by byte is far cheaper than building a new string per field. Bounded so a
 * hostile capture with endless distinct names cannot grow it without limit.
 */
const KEY_CACHE_SIZE = 1024; // direct-mapped by hash: a miss just rebuilds the string
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);

function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Canonical key of the header name at [s, e): lower-case long form. */
function keyOf(b: Uint8Array, s: number, e: number, hash?: number): string {
  const len = e - s;
  if (len === 1) {
    const letter = String.fromCharCode(lowerByte(b[s]));
    return compactToKey(letter) ?? letter;
  }
  let h = hash ?? 0;
  if (hash === undefined) for (let i = s; i < e; i++) h = (Math.imul(h, 31) + lowerByte(b[i])) | 0;
  const slot = h & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (cached.charCodeAt(i) !== lowerByte(b[s + i])) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  let k = "";
  for (let i = s; i < e; i++) k += String.fromCharCode(lowerByte(b[i]));
  keyCache[slot] = k;
  return k;
}

/** Message for bytes the parser could not even index (never expected; keeps the never-throw promise). */
function brokenMessage(raw: Uint8Array, err: unknown): SipMessage {
  return {
    raw,
    kind: "request",
    fields: [],
    header: () => undefined,
    headerValues: () => [],
    vias: [],
    contact: [],
    recordRoute: [],
    route: [],
    bodyOffset: raw.length,
    body: new Uint8Array(0),
    problems: [`internal parser error: ${String(err)}`],
  };
}

/** Parse one SIP message (a whole datagram or one framed stream message). Never throws. */
export function parseSip(bytes: Uint8Array): SipMessage & { readonly topVia?: Via; readonly version: string; readonly startLineOffset: number } {
  try {
    return new LazySipMessage(bytes);
  } catch (e) {
    return Object.assign(brokenMessage(bytes, e), { version: "", startLineOffset: 0 });
  }
}

export type ParsedSip = ReturnType<typeof parseSip>;

/** Internal access for the serializer: the field line offsets of a message made by parseSip. */
export function fieldLines(msg: SipMessage): { start: number; end: number; nameEnd: number; key: string }[] | undefined {
  if (!(msg instanceof LazySipMessage)) return undefined;
  return msg.keys.map((key, i) => ({ start: msg.spans[i * STRIDE], end: msg.spans[i * STRIDE + 4], nameEnd: msg.spans[i * STRIDE + 1], key }));
}

/** Start line span [start, end) of a message made by parseSip (without its CRLF). */
export function startLineSpan(msg: SipMessage): { start: number; end: number } | undefined {
  if (!(msg instanceof LazySipMessage)) return undefined;
  return { start: msg.startLineOffset, end: msg.startLineEnd };
}
