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
import { parseCSeq, splitHeaderList } from "./header-values";
import { parseNameAddr, scanCommonNameAddr, shortAddress } from "./name-addr";
import { keptNameAddr, keptNameAddrOfParts, type KeptNameAddr } from "./stored";
import { parseVia, scanCommonVia } from "./via";
import { decodeShared, decodeSharedHashed, decodeText } from "./text";
import { SharedValues } from "./shared-values";

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

/**
 * The header index of every message lives in shared blocks of 32-bit integers: per field two
 * entries, [line start, (line end - line start) * 256 + key id]. A message keeps only its block,
 * its first entry and its field count — no per-message arrays or key strings (measured: the old
 * per-message number[] + string[] index cost ~1 KB per message). Name end, value start, value
 * end and the folded flag are re-derived from the bytes on demand (a few bytes' scan).
 * A block is freed by the GC once no message indexed in it is alive; a block is small (8 KiB,
 * ~80 messages) so that a long-lived message among short-lived ones (an engine's dialog) pins little.
 */
const BLOCK_INTS = 2048;
/** Messages this large index into their own plain array (a line length could overflow 23 bits). */
const HUGE_MESSAGE = 1 << 23;
let block = new Int32Array(BLOCK_INTS);
let blockUsed = 0;

type Index = Int32Array | number[];

/** Scratch for the start-line scanner (positions only; strings are made when asked for). */
const SL = new Int32Array(8);
/** Scratch for valueRange: [value start, value end, folded, hash of the bytes, non-ASCII (0x80) or 0]. */
const VR = new Int32Array(5);
const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const problemScratch: string[] = [];
const NO_VIAS: readonly Via[] = Object.freeze([]);

/**
 * Start line positions into SL: [response?, a0, a1, b0, b1, c0, c1] where for a response a = version,
 * b = status code, c = reason (c0 = -1: none); for a request a = method, b = Request-URI (b0 = -1:
 * none), c = version (c0 = -1: none).
 */
function scanStartLine(b: Uint8Array, s: number, e: number): void {
  if (startsWithSipSlash(b, s, e)) {
    let i = s;
    while (i < e && b[i] !== SP) i++;
    SL[0] = 1;
    SL[1] = s;
    SL[2] = i;
    while (i < e && b[i] === SP) i++;
    const cs = i;
    while (i < e && b[i] !== SP) i++;
    SL[3] = cs;
    SL[4] = i;
    SL[5] = i < e ? i + 1 : -1;
    SL[6] = e;
    return;
  }
  // Method SP Request-URI SP SIP-Version (extra spaces tolerated; the URI may not contain SP).
  SL[0] = 0;
  let i = s;
  while (i < e && b[i] !== SP) i++;
  SL[1] = s;
  SL[2] = i;
  while (i < e && b[i] === SP) i++;
  let j = e;
  while (j > i && b[j - 1] === SP) j--;
  const lineEnd = j;
  while (j > i && b[j - 1] !== SP) j--;
  const versionStart = j;
  while (j > i && b[j - 1] === SP) j--;
  if (j > i) {
    SL[3] = i;
    SL[4] = j;
    SL[5] = versionStart;
    SL[6] = lineEnd;
  } else {
    SL[3] = versionStart < lineEnd ? versionStart : -1;
    SL[4] = lineEnd;
    SL[5] = -1;
    SL[6] = -1;
  }
}

/** What only some messages ever need; created on first use. */
interface Rare {
  fields?: SipHeaderField[];
  /** Via values that did not parse (reported by problems). */
  badVias?: string[];
  contact?: NameAddr[];
  recordRoute?: NameAddr[];
  route?: NameAddr[];
}

class LazySipMessage implements SipMessage {
  readonly raw: Uint8Array;
  kind: "request" | "response" = "request";
  method?: string;
  status?: number;
  /** Offset where the start line begins (after skipped junk) and where the header block ends. */
  startLineOffset = 0;
  startLineEnd = 0;
  bodyOffset = 0;

  /** This message's fields in the shared index: idx[first + 2k], idx[first + 2k + 1]. */
  private idx: Index = block;
  private first = 0;
  private count = 0;

  private structural?: string[];
  private checkedProblems?: readonly string[];
  private cCallId?: string | null;
  private cCseq?: CSeq | null;
  private cFrom?: NameAddr | null;
  private cTo?: NameAddr | null;
  /** What a stored message keeps of the From and To (see keptNameAddr). */
  private cKeptFrom?: KeptNameAddr;
  private cKeptTo?: KeptNameAddr;
  private cTopVia?: Via | null;
  private cVias?: readonly Via[];
  /** viaCount before vias is read (-1: not counted yet), and the field that holds vias[0] (-1: none). */
  private cViaCount = -1;
  private topViaField = -1;
  private rare?: Rare;

  constructor(raw: Uint8Array) {
    this.raw = raw;
    this.index();
  }

  private problem(text: string): void {
    (this.structural ??= []).push(text);
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
        this.problem(`skipped ${found - p} bytes of junk before the start line`);
        p = found;
        lf = b.indexOf(LF, p);
        le = lf < 0 ? n : lineContentEnd(b, p, lf);
      } else {
        this.problem("no valid SIP start line");
      }
    }
    this.startLineOffset = p;
    this.startLineEnd = le;
    const startLineStart = p;
    p = lf < 0 ? n : lf + 1;

    // 2. Header lines until the empty line, appended to the shared block (or a private array).
    const huge = n >= HUGE_MESSAGE;
    let idx: Index = huge ? [] : block;
    let first = huge ? 0 : blockUsed;
    let w = first;
    let terminated = false;
    while (p < n) {
      const c = b[p];
      if (c === SP || c === HT) {
        // Folded continuation line (RFC 3261 §7.3.1): part of the previous field's value.
        const e = b.indexOf(LF, p);
        const next = e < 0 ? n : e + 1;
        if (w > first) {
          const ls = idx[w - 2];
          const id = idx[w - 1] % 256;
          idx[w - 1] = (next - ls) * 256 + id;
        } else this.problem(`continuation line without a header at offset ${p}`);
        p = next;
        continue;
      }
      // One pass over the name: find ':' (or the line end) and hash the lower-cased bytes for keyIdOf.
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
        this.problem(`header line without ':' at offset ${p}`);
        p = next;
        continue;
      }
      const colon = i;
      const e = b.indexOf(LF, colon);
      const next = e < 0 ? n : e + 1;
      let nameEnd = colon;
      while (nameEnd > p && (b[nameEnd - 1] === SP || b[nameEnd - 1] === HT)) nameEnd--;
      if (!huge && w + 2 > idx.length) {
        // Block full: this message's entries move to a fresh block (the old one stays with its messages).
        const fresh = new Int32Array(Math.max(BLOCK_INTS, (w - first) * 2 + 64));
        fresh.set((idx as Int32Array).subarray(first, w));
        w -= first;
        first = 0;
        idx = block = fresh;
      }
      idx[w] = p;
      idx[w + 1] = (next - p) * 256 + keyIdOf(b, p, nameEnd, nameEnd === colon ? h : undefined);
      w += 2;
      p = next;
    }
    if (!huge) blockUsed = w;
    this.idx = idx;
    this.first = first;
    this.count = (w - first) >> 1;
    if (!terminated) this.problem("header block not terminated by an empty line");
    this.bodyOffset = p;
    this.parseStartLine(startLineStart, le);
  }

  /** Text of bytes [s, e). */
  private str(s: number, e: number): string {
    return decodeText(this.raw, s, e);
  }

  private parseStartLine(s: number, e: number): void {
    const b = this.raw;
    scanStartLine(b, s, e);
    if (SL[0] === 1) {
      // SIP-version SP Status-Code SP Reason-Phrase
      this.kind = "response";
      const cs = SL[3];
      const i = SL[4];
      const code = i - cs === 3 ? (b[cs] - 48) * 100 + (b[cs + 1] - 48) * 10 + (b[cs + 2] - 48) : NaN;
      if (i - cs === 3 && code >= 100 && code <= 999 && isDigit(b[cs + 1]) && isDigit(b[cs + 2])) this.status = code;
      else this.problem(`bad status code "${this.str(cs, i)}"`);
      return;
    }
    this.kind = "request";
    const methodEnd = SL[2];
    if (methodEnd > s && isTokenRange(b, s, methodEnd)) this.method = methodName(b, s, methodEnd);
    if (SL[5] >= 0) {
      if (!startsWithSipSlash(b, SL[5], SL[6])) this.problem(`bad SIP version "${this.version}"`);
    } else if (e > s) this.problem(`bad request line "${this.str(s, Math.min(e, s + 80))}"`);
  }

  get requestUri(): string | undefined {
    if (this.kind !== "request") return undefined;
    scanStartLine(this.raw, this.startLineOffset, this.startLineEnd);
    return SL[3] < 0 ? undefined : this.str(SL[3], SL[4]);
  }

  get reason(): string | undefined {
    if (this.kind !== "response") return undefined;
    scanStartLine(this.raw, this.startLineOffset, this.startLineEnd);
    return SL[5] < 0 ? "" : this.str(SL[5], SL[6]);
  }

  /** SIP version token of the start line, e.g. "SIP/2.0" ("" when a request line has none). */
  get version(): string {
    const b = this.raw;
    scanStartLine(b, this.startLineOffset, this.startLineEnd);
    const s = SL[0] === 1 ? SL[1] : SL[5];
    const e = SL[0] === 1 ? SL[2] : SL[6];
    if (s < 0) return "";
    return isSip20(b, s, e) ? "SIP/2.0" : this.str(s, e);
  }

  /**
   * The Request-URI of a request, the reason phrase of a response, as `text` makes them of their
   * bytes [s, e) (an interner of bytes: a capture repeats them, and a repeat then costs a hash of
   * the bytes, not a new string). The same texts as requestUri and reason.
   */
  lineTextOf(text: (b: Uint8Array, s: number, e: number) => string): string | undefined {
    scanStartLine(this.raw, this.startLineOffset, this.startLineEnd);
    if (this.kind === "request") return SL[3] < 0 ? undefined : text(this.raw, SL[3], SL[4]);
    return SL[5] < 0 ? "" : text(this.raw, SL[5], SL[6]);
  }

  /** valueByKey through the shared-text table (values that recur: Content-Type, Event ...). */
  sharedValueByKey(key: string): string | undefined {
    const k = this.indexOfKey(key);
    return k < 0 ? undefined : this.valueOf(k, true);
  }

  /**
   * First values of the header keys whose ids `want` marks (want[id] = position + 1 in `out`),
   * in one pass over the fields: out[position] is the shared text or undefined. Returns how many were found.
   */
  firstValuesOf(want: Uint8Array, out: (string | undefined)[]): number {
    const idx = this.idx;
    const o = this.first;
    let found = 0;
    for (let k = 0; k < this.count; k++) {
      const pos = want[idx[o + 2 * k + 1] % 256];
      if (pos !== 0 && out[pos - 1] === undefined) {
        out[pos - 1] = this.valueOf(k, true);
        found++;
      }
    }
    return found;
  }

  /** Canonical key id of field k. */
  private keyId(k: number): number {
    return this.idx[this.first + 2 * k + 1] % 256;
  }

  /** Canonical key of field k. */
  private keyAt(k: number): string {
    const id = this.keyId(k);
    if (id !== 0) return keyNames[id];
    const ls = this.idx[this.first + 2 * k];
    return keyOf(this.raw, ls, nameEndOf(this.raw, ls, colonOf(this.raw, ls)));
  }

  private lineStart(k: number): number {
    return this.idx[this.first + 2 * k];
  }

  /** Offset after field k's last line (after its LF). */
  private lineEnd(k: number): number {
    const w = this.idx[this.first + 2 * k + 1];
    return this.idx[this.first + 2 * k] + (w - (w % 256)) / 256;
  }

  /** Content end of field k's last line (before its CRLF). */
  private contentEnd(k: number): number {
    const b = this.raw;
    const le = this.lineEnd(k);
    if (le > 0 && b[le - 1] === LF) return b[le - 2] === CR && le - 2 >= this.lineStart(k) ? le - 2 : le - 1;
    return le;
  }

  /**
   * Value bytes of field k into VR: [start, end, folded?, hash, non-ASCII?] — leading and trailing
   * whitespace excluded; folded (1) when the value spans continuation lines.
   */
  private valueRange(k: number): void {
    const b = this.raw;
    this.valueBounds(k);
    const s = VR[0];
    const e = VR[1];
    // One pass over the value: a LF inside means folded (only SP/HT lie outside [s, e)), and the
    // hash and ASCII check that SharedValues needs come along for free.
    let folded = 0;
    let h = e - s;
    let high = 0;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c === LF) folded = 1;
      high |= c;
      h = (Math.imul(h, 31) + c) | 0;
    }
    VR[0] = s;
    VR[1] = e;
    VR[2] = folded;
    VR[3] = h;
    VR[4] = high & 0x80;
  }

  /** VR[0], VR[1] of valueRange only: field k's value bytes, leading and trailing whitespace excluded. */
  private valueBounds(k: number): void {
    const b = this.raw;
    const colon = colonOf(b, this.lineStart(k));
    const ce = this.contentEnd(k);
    let s = colon + 1;
    while (s < ce && (b[s] === SP || b[s] === HT)) s++;
    let e = ce;
    while (e > s && (b[e - 1] === SP || b[e - 1] === HT)) e--;
    VR[0] = s;
    VR[1] = e;
  }

  /** Decoded, unfolded value of field k; `shared`: reuse an equal earlier string (Call-ID). */
  valueOf(k: number, shared = false): string {
    const b = this.raw;
    this.valueRange(k);
    const s = VR[0];
    const e = VR[1];
    if (!VR[2]) return !shared ? decodeText(b, s, e) : VR[4] ? decodeShared(b, s, e) : decodeSharedHashed(b, s, e, VR[3]);
    // Unfold: each CRLF + leading whitespace becomes one space (RFC 3261 §7.3.1); a value that
    // starts on the continuation line ("To :\r\n sip:...") loses the leading space too.
    return decodeText(b, s, e).replace(/[ \t]*\r?\n[ \t]+/g, " ").trim();
  }

  /** The parse of field k's value, shared with earlier messages whose value has the same bytes. */
  private sharedValue<T>(k: number, table: SharedValues<T>): T {
    this.valueRange(k);
    return VR[2] ? table.parseText(this.valueOf(k)) : VR[4] ? table.parseText(decodeText(this.raw, VR[0], VR[1])) : table.getHashed(this.raw, VR[0], VR[1], VR[3]);
  }

  /** sharedValue of the first field with this key id; `none` when there is no such field. */
  private sharedById<T>(id: number, table: SharedValues<T>, none: T): T {
    const k = this.indexOfId(id);
    return k < 0 ? none : this.sharedValue(k, table);
  }

  /** Index of the first field with key `key` from `from` (-1: none). */
  private indexOfKey(key: string, from = 0): number {
    const id = keyIds.get(key);
    if (id !== undefined) return this.indexOfId(id, from);
    for (let k = from; k < this.count; k++) if (this.keyId(k) === 0 && this.keyAt(k) === key) return k;
    return -1;
  }

  /** Index of the first field with key id `id` (VIA, FROM ... or any other interned key) from `from` (-1: none). */
  private indexOfId(id: number, from = 0): number {
    const idx = this.idx;
    const o = this.first;
    for (let k = from; k < this.count; k++) if (idx[o + 2 * k + 1] % 256 === id) return k;
    return -1;
  }

  header(name: string): string | undefined {
    return this.valueByKey(canonicalHeaderKey(name));
  }

  /** First value for an already-canonical key (skips name normalisation on the hot path). */
  valueByKey(key: string): string | undefined {
    const k = this.indexOfKey(key);
    return k < 0 ? undefined : this.valueOf(k);
  }

  headerValues(name: string): string[] {
    const key = canonicalHeaderKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (let k = this.indexOfKey(key); k >= 0; k = this.indexOfKey(key, k + 1)) {
      const v = this.valueOf(k);
      if (list) for (const part of splitHeaderList(v)) out.push(part);
      else out.push(v);
    }
    return out;
  }

  get fields(): readonly SipHeaderField[] {
    const rare = (this.rare ??= {});
    if (!rare.fields) {
      const out: SipHeaderField[] = [];
      const b = this.raw;
      for (let k = 0; k < this.count; k++) {
        const start = this.lineStart(k);
        out.push({
          name: this.str(start, nameEndOf(b, start, colonOf(b, start))),
          key: this.keyAt(k),
          value: this.valueOf(k),
          start,
          // The content end of the field's last line (before its CRLF).
          end: this.contentEnd(k),
        });
      }
      rare.fields = out;
    }
    return rare.fields;
  }

  get callId(): string | undefined {
    if (this.cCallId === undefined) {
      const k = this.indexOfId(CALL_ID);
      // Shared: the ~10 messages of a call then hold one string, not ten copies.
      this.cCallId = k < 0 ? null : this.valueOf(k, true);
    }
    return this.cCallId ?? undefined;
  }

  get cseq(): CSeq | undefined {
    if (this.cCseq === undefined) this.cCseq = this.sharedById(CSEQ, sharedCSeqs, null);
    return this.cCseq ?? undefined;
  }

  get from(): NameAddr | undefined {
    if (this.cFrom === undefined) this.cFrom = this.sharedById(FROM, sharedNameAddrs, null);
    return this.cFrom ?? undefined;
  }

  get to(): NameAddr | undefined {
    if (this.cTo === undefined) this.cTo = this.sharedById(TO, sharedNameAddrs, null);
    return this.cTo ?? undefined;
  }

  /**
   * What a stored message keeps of the From (of the To when `to`): the same object for every
   * message with the same value bytes (a dialog's ~10 messages), read from the bytes for a value
   * in the common shape (scanCommonNameAddr) — no NameAddr is made — else from the full parse.
   */
  keptNameAddr(to: boolean): KeptNameAddr {
    let kept = to ? this.cKeptTo : this.cKeptFrom;
    if (kept === undefined) {
      kept = this.sharedById(to ? TO : FROM, keptNameAddrs, NO_KEPT_NAME_ADDR);
      if (to) this.cKeptTo = kept;
      else this.cKeptFrom = kept;
    }
    return kept;
  }

  /** from?.uri (to?.uri when `to`) is there: from the parse when made, else from the kept parts. */
  private hasUri(to: boolean): boolean {
    const parsed = to ? this.cTo : this.cFrom;
    if (parsed !== undefined) return parsed !== null && parsed.uri !== undefined;
    return this.keptNameAddr(to).hasUri;
  }

  get fromTag(): string | undefined {
    return this.from?.tag;
  }

  get toTag(): string | undefined {
    return this.to?.tag;
  }

  get fromUser(): string | undefined {
    return this.from?.uri?.user;
  }

  get toUser(): string | undefined {
    return this.to?.uri?.user;
  }

  get fromAddress(): string | undefined {
    return shortAddress(this.from);
  }

  get toAddress(): string | undefined {
    return shortAddress(this.to);
  }

  get vias(): readonly Via[] {
    if (!this.cVias) {
      let out: Via[] | undefined;
      let bad: string[] | undefined;
      let fields = 0;
      let firstField: ViaField | undefined;
      for (let k = this.indexOfId(VIA); k >= 0; k = this.indexOfId(VIA, k + 1)) {
        const field = this.sharedValue(k, sharedViaFields);
        // One Via field: its shared list. Two: a list shared with the messages that repeat both
        // fields (a transaction's request and responses at one hop). More: this message's own.
        if (fields === 0) out = field.vias;
        else if (fields === 1) {
          const top = firstField!;
          if (top.pairWith !== field) {
            top.pairWith = field;
            top.pair = top.vias.concat(field.vias);
          }
          out = top.pair;
        } else out = out!.concat(field.vias);
        if (fields++ === 0) firstField = field;
        if (field.bad) for (const text of field.bad) (bad ??= []).push(text);
      }
      this.cVias = out ?? NO_VIAS;
      if (bad) (this.rare ??= {}).badVias = bad;
      this.cTopVia = undefined;
    }
    return this.cVias;
  }

  /**
   * vias.length, counted without building Via objects: a field in the common shape (scanCommonVia)
   * is one Via; only the others are parsed (their bad values are kept for problems, as by vias).
   */
  get viaCount(): number {
    if (this.cVias) return this.cVias.length;
    if (this.cViaCount < 0) this.countVias();
    return this.cViaCount;
  }

  private countVias(): void {
    let count = 0;
    let top = -1;
    let bad: string[] | undefined;
    for (let k = this.indexOfId(VIA); k >= 0; k = this.indexOfId(VIA, k + 1)) {
      let parsed = 1;
      if (!this.scanVia(k)) {
        const field = this.sharedValue(k, sharedViaFields);
        parsed = field.vias.length;
        if (field.bad) for (const text of field.bad) (bad ??= []).push(text);
      }
      if (top < 0 && parsed > 0) top = k;
      count += parsed;
    }
    this.cViaCount = count;
    this.topViaField = top;
    if (bad) (this.rare ??= {}).badVias = bad;
  }

  /** scanCommonVia over the value of field k (a Via field). */
  private scanVia(k: number): boolean {
    this.valueBounds(k);
    return scanCommonVia(this.raw, VR[0], VR[1]);
  }

  /**
   * True when vias[0] is in the common shape; viaParts (./via.ts) then holds its parts' positions
   * in `raw` — what a stored row keeps of it, read without a Via object. False: read vias[0].
   */
  scanTopVia(): boolean {
    if (this.cViaCount < 0) this.countVias();
    return this.topViaField >= 0 && this.scanVia(this.topViaField);
  }

  /** The top Via only — the first value of the first Via field (hot path). */
  get topVia(): Via | undefined {
    if (this.cVias) return this.cVias[0];
    if (this.cTopVia === undefined) {
      const k = this.indexOfId(VIA);
      this.cTopVia = k < 0 ? null : (this.sharedValue(k, sharedViaFields).first ?? null);
    }
    return this.cTopVia ?? undefined;
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
    return ((this.rare ??= {}).contact ??= this.nameAddrs("contact"));
  }

  get recordRoute(): readonly NameAddr[] {
    return ((this.rare ??= {}).recordRoute ??= this.nameAddrs("record-route"));
  }

  get route(): readonly NameAddr[] {
    return ((this.rare ??= {}).route ??= this.nameAddrs("route"));
  }

  get contentType(): string | undefined {
    return this.valueByKey("content-type");
  }

  get contentLength(): number | undefined {
    const k = this.indexOfId(CONTENT_LENGTH);
    return k < 0 ? undefined : this.contentLengthAt(k);
  }

  /** Field k (a Content-Length) as a number, or undefined when it is not 1 to 10 digits (blanks around allowed). */
  private contentLengthAt(k: number): number | undefined {
    const digits = this.digitsValue(k);
    if (digits >= 0) return digits;
    const v = this.valueOf(k);
    return /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : undefined;
  }

  /**
   * Field k's value as a number when it is 1 to 10 ASCII digits and nothing else, read from the
   * bytes (the usual Content-Length: no string, no regular expression); -1 otherwise.
   */
  private digitsValue(k: number): number {
    const b = this.raw;
    this.valueBounds(k);
    const s = VR[0];
    const e = VR[1];
    if (e <= s || e - s > 10) return -1;
    let v = 0;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c < 0x30 || c > 0x39) return -1;
      v = v * 10 + (c - 0x30);
    }
    return v;
  }

  /** Body by Content-Length (see frameBody); a fresh view each time, nothing kept per message. */
  get body(): Uint8Array {
    return this.raw.subarray(this.bodyOffset, this.bodyEnd());
  }

  /** End of the body: Content-Length bytes, else (missing, bad or too large) the rest of the bytes. */
  private bodyEnd(): number {
    const cl = this.contentLength;
    const n = this.raw.length;
    return cl === undefined || cl > n - this.bodyOffset ? n : this.bodyOffset + cl;
  }

  /**
   * Body framing problems. The bytes handed to the parser are one message (a datagram, or a
   * stream message already framed by the sniffer), so without a usable Content-Length the rest of
   * the bytes is the body (RFC 3261 §18.3 allows that for UDP) — reported when there is a body.
   */
  private bodyProblems(out: string[]): void {
    const b = this.raw;
    const avail = b.length - this.bodyOffset;
    const clKey = this.indexOfId(CONTENT_LENGTH);
    const cl = clKey < 0 ? undefined : this.contentLengthAt(clKey);
    if (cl === undefined) {
      if (clKey >= 0) out.push(`bad Content-Length "${this.valueOf(clKey)}"; body taken as the remaining ${avail} bytes`);
      else if (avail > 0 && !isOnlyCrlf(b, this.bodyOffset, b.length)) out.push(`no Content-Length; body taken as the remaining ${avail} bytes`);
    } else if (cl > avail) {
      out.push(`Content-Length ${cl} larger than the ${avail} bytes present (truncated body)`);
    } else {
      const extra = avail - cl;
      if (extra > 0 && !isOnlyCrlf(b, this.bodyOffset + cl, b.length)) out.push(`${extra} bytes after the body (Content-Length ${cl}) ignored`);
    }
  }

  get problems(): readonly string[] {
    if (!this.checkedProblems) {
      // Reads only cached parses; the text of a header is decoded again only to quote it in a problem.
      // Gathered in one scratch list (nothing below reads problems again): most messages have
      // none, and then no list is made for them at all.
      const out = problemScratch;
      out.length = 0;
      if (this.structural) out.push(...this.structural);
      try {
        this.bodyProblems(out);
        if (this.callId === undefined) out.push("missing Call-ID");
        const cseq = this.cseq;
        if (!cseq) {
          const text = this.valueByKey("cseq");
          out.push(text === undefined ? "missing CSeq" : `bad CSeq "${text}"`);
        } else if (this.kind === "request" && this.method && cseq.method !== this.method) {
          out.push(`CSeq method ${cseq.method} differs from request method ${this.method}`);
        }
        if (!this.hasUri(false)) {
          const text = this.valueByKey("from");
          out.push(text === undefined ? "missing From" : `bad From "${text}"`);
        }
        if (!this.hasUri(true)) {
          const text = this.valueByKey("to");
          out.push(text === undefined ? "missing To" : `bad To "${text}"`);
        }
        const count = this.viaCount;
        const bad = this.rare?.badVias;
        if (count === 0 && !bad?.length) out.push("missing Via");
        if (bad) for (const v of bad) out.push(`bad Via "${v.slice(0, 80)}"`);
      } catch (e) {
        out.push(`internal parser error: ${String(e)}`);
      }
      this.checkedProblems = out.length ? out.slice() : NO_PROBLEMS;
    }
    return this.checkedProblems;
  }

  /** Field line offsets for the serializer. */
  lines(): { start: number; end: number; nameEnd: number; key: string }[] {
    const out = [];
    for (let k = 0; k < this.count; k++) {
      const start = this.lineStart(k);
      out.push({ start, end: this.lineEnd(k), nameEnd: nameEndOf(this.raw, start, colonOf(this.raw, start)), key: this.keyAt(k) });
    }
    return out;
  }
}

/**
 * The Vias of one Via field: the ones that parsed (shared, read-only: a message with one Via
 * field uses this very array as its `vias`), the parse of the first list item (the top Via when
 * this is the first field; undefined when it did not parse) and the texts of items that did not.
 */
interface ViaField {
  vias: Via[];
  first?: Via;
  bad?: string[];
  /** The last two-field list built with this field first (a transaction's messages at one hop repeat it). */
  pairWith?: ViaField;
  pair?: Via[];
}

function parseViaField(text: string): ViaField {
  // The usual field holds one Via: no list to split (splitHeaderList would trim and drop it if empty too).
  const one = text.indexOf(",") < 0 ? text.trim() : undefined;
  const items = one === undefined ? splitHeaderList(text) : one ? [one] : [];
  // map/filter make arrays of exactly the needed length (a push-grown array reserves 17 slots).
  const parsed = items.map((item) => parseVia(item));
  const first = parsed.length ? parsed[0] : undefined;
  // Every field in the literal (pairWith and pair filled later) keeps the objects one shape.
  if (parsed.every((via) => via !== undefined)) return { vias: parsed as Via[], first, bad: undefined, pairWith: undefined, pair: undefined };
  const bad = items.filter((_, j) => parsed[j] === undefined);
  return { vias: parsed.filter((via): via is Via => via !== undefined), first, bad, pairWith: undefined, pair: undefined };
}

/**
 * 1024 slots each: a From/To recurs within its dialog, a Via and CSeq within a transaction, so a
 * bigger table gains few hits (10^5-message capture: 4096 slots saved ~3% of the parses) while its
 * parses live long enough to be promoted out of the young generation, and its slots stop fitting
 * the CPU cache (measured: ~5% less CPU over the whole load with 1024 than with 4096).
 */
const sharedNameAddrs = new SharedValues<NameAddr | null>((text) => parseNameAddr(text) ?? null, 1024);
const sharedCSeqs = new SharedValues<CSeq | null>((text) => parseCSeq(text) ?? null, 1024);
const sharedViaFields = new SharedValues<ViaField>(parseViaField, 1024);
/** What stored messages keep of recent From/To values (parsed in full only when not in the common shape). */
const keptNameAddrs = new SharedValues<KeptNameAddr>(keptOfValue, 1024);
const NO_KEPT_NAME_ADDR = keptNameAddr(undefined);

/** The kept parts of a From/To value, read from its bytes when they are at hand and in the common shape. */
function keptOfValue(text: string, b?: Uint8Array, s = 0, e = 0): KeptNameAddr {
  return b !== undefined && scanCommonNameAddr(b, s, e) ? keptNameAddrOfParts(b) : keptNameAddr(parseNameAddr(text));
}

/**
 * Drop the parses kept for sharing. Once a capture is read, its last few thousand From/To/Via/CSeq
 * parses would stay alive through the whole analysis (~4 MB on a 10^5-message capture) though
 * nothing reads them; the next message parsed just fills the tables again.
 */
export function forgetSharedParses(): void {
  sharedNameAddrs.clear();
  sharedCSeqs.clear();
  sharedViaFields.clear();
  keptNameAddrs.clear();
}

/** Offset of the ':' of the field line starting at ls (the index only records lines that have one). */
function colonOf(b: Uint8Array, ls: number): number {
  let i = ls;
  while (b[i] !== COLON) i++;
  return i;
}

/** End of the header name: the colon, less whitespace before it. */
function nameEndOf(b: Uint8Array, ls: number, colon: number): number {
  let e = colon;
  while (e > ls && (b[e - 1] === SP || b[e - 1] === HT)) e--;
  return e;
}

function isOnlyCrlf(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] !== CR && b[i] !== LF) return false;
  return true;
}

/**
 * Canonical header keys interned as small ids (1..255; 0 = not interned, when a hostile capture
 * brings more distinct names than that: its key is rebuilt from the bytes when asked for).
 */
const keyNames: string[] = [""];
const keyIds = new Map<string, number>();

function internKey(key: string): number {
  let id = keyIds.get(key);
  if (id === undefined) {
    if (keyNames.length > 255) return 0;
    id = keyNames.length;
    keyNames.push(key);
    keyIds.set(key, id);
  }
  return id;
}
/** Ids of the keys the parser itself looks up (interned first, so they always have one). */
const VIA = internKey("via");
const FROM = internKey("from");
const TO = internKey("to");
const CALL_ID = internKey("call-id");
const CSEQ = internKey("cseq");
const CONTENT_LENGTH = internKey("content-length");
for (const k of ["contact", "max-forwards", "content-type", "record-route", "route"]) internKey(k);
/** The small id the header index gives a canonical key (0: none — the table of ids is full). */
export function headerKeyId(key: string): number {
  return internKey(key);
}

/**
 * Interned canonical keys by a hash of the lower-cased name bytes: a capture repeats the same
 * couple of dozen header names millions of times, so building each key string once and verifying
 * the cached one byte by byte is far cheaper than building a new string per field. Bounded so a
 * hostile capture with endless distinct names cannot grow it without limit.
 */
const KEY_CACHE_SIZE = 1024; // direct-mapped by hash: a miss just rebuilds the string
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);
const keyCacheId = new Int32Array(KEY_CACHE_SIZE);
/** Key id of a one-letter name by its lower-cased byte (-1: not yet known). */
const letterId = new Int32Array(256).fill(-1);

function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Cache slot of the name at [s, e) when the cached key matches it, else -1. */
function cachedKeySlot(b: Uint8Array, s: number, e: number, hash?: number): number {
  const len = e - s;
  let h = hash ?? 0;
  if (hash === undefined) for (let i = s; i < e; i++) h = (Math.imul(h, 31) + lowerByte(b[i])) | 0;
  // Two candidate slots (2-way): two hot names whose hashes collide ("via" and "content-type" do
  // in one slot) must not evict each other on every message.
  const slot = (h ^ (h >>> 10)) & (KEY_CACHE_SIZE - 1);
  if (keyMatches(keyCache[slot], b, s, len)) return slot;
  const other = slot ^ 1;
  if (keyMatches(keyCache[other], b, s, len)) return other;
  // Miss: fill the first slot when free, else the second.
  return -1 - (keyCache[slot] === undefined ? slot : other);
}

function keyMatches(cached: string | undefined, b: Uint8Array, s: number, len: number): boolean {
  if (cached === undefined || cached.length !== len) return false;
  for (let i = 0; i < len; i++) if (cached.charCodeAt(i) !== lowerByte(b[s + i])) return false;
  return true;
}

/** Canonical key of the header name at [s, e): lower-case long form. */
function keyOf(b: Uint8Array, s: number, e: number, hash?: number): string {
  if (e - s === 1) {
    const letter = String.fromCharCode(lowerByte(b[s]));
    return compactToKey(letter) ?? letter;
  }
  const found = cachedKeySlot(b, s, e, hash);
  if (found >= 0) return keyCache[found]!;
  let k = "";
  for (let i = s; i < e; i++) k += String.fromCharCode(lowerByte(b[i]));
  const slot = -1 - found;
  keyCache[slot] = k;
  keyCacheId[slot] = internKey(k);
  return k;
}

/** Key id of the header name at [s, e). */
function keyIdOf(b: Uint8Array, s: number, e: number, hash?: number): number {
  if (e - s === 1) {
    const c = lowerByte(b[s]);
    let id = letterId[c];
    if (id < 0) id = letterId[c] = internKey(keyOf(b, s, e));
    return id;
  }
  const found = cachedKeySlot(b, s, e, hash);
  if (found >= 0) return keyCacheId[found];
  keyOf(b, s, e, hash);
  return keyCacheId[-1 - found];
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
  msg = parsedOf(msg);
  if (!(msg instanceof LazySipMessage)) return undefined;
  return msg.lines();
}

/** Start line span [start, end) of a message made by parseSip (without its CRLF). */
export function startLineSpan(msg: SipMessage): { start: number; end: number } | undefined {
  msg = parsedOf(msg);
  if (!(msg instanceof LazySipMessage)) return undefined;
  return { start: msg.startLineOffset, end: msg.startLineEnd };
}

/** A stored message (./stored.ts) answers with its re-parse; named structurally, stored.ts imports this file. */
function parsedOf(msg: SipMessage): SipMessage {
  const full = (msg as { full?: () => SipMessage }).full;
  return typeof full === "function" ? full.call(msg) : msg;
}
