/**
 * SIP framing (RFC 3261 §7, §18.3): where a SIP message starts and ends in a datagram or stream.
 *
 * Start line sniff: `METHOD SP (sip:|sips:|tel:)uri SP SIP/2.0` or `SIP/2.0 NNN`. A method token
 * that is unknown but *ends* in a known method ("DBREGISTER") is read as junk + that method: the
 * PDU starts at the method and the junk is reported (tshark, too, finds REGISTER there).
 * Header block ends at CRLFCRLF (LFLF tolerated). On a stream the body length comes from
 * Content-Length (or compact `l:`); a stream message without one is framed with an empty body and
 * a problem. CRLF keep-alives (RFC 5626 §4.4.1) between messages are dropped.
 */
import { indexOfLf, matchLower, MORE, NONE, parseDecimal, type Framing } from "./framing";

// Longest first, so a suffix match prefers PRACK over ACK.
const KNOWN_METHODS = ["SUBSCRIBE", "REGISTER", "OPTIONS", "MESSAGE", "PUBLISH", "INVITE", "CANCEL", "NOTIFY", "UPDATE", "PRACK", "REFER", "INFO", "BYE", "ACK"];
/** A start line longer than this is not one (Via/Request-URI may be long, but not this long). */
const MAX_START_LINE = 8192;
const MAX_HEADER_BLOCK = 256 * 1024;
const MAX_BODY = 16 << 20;

// RFC 3261 token characters: alphanum and -.!%*_+`'~
const TOKEN = new Uint8Array(256);
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

const enum Line {
  No = 0,
  Request = 1,
  Response = 2,
  /** A consistent prefix of a start line without its end yet. */
  Partial = 3,
}

function isScheme(b: Uint8Array, p: number, end: number): number {
  // returns the length of the matched "sip:" / "sips:" / "tel:" (case-insensitive), 0 if none, -1 if too short to tell
  const lower = (i: number) => b[i] | 0x20;
  if (end - p < 4) return -1;
  if (lower(p) === 0x73 && lower(p + 1) === 0x69 && lower(p + 2) === 0x70) {
    if (b[p + 3] === 58) return 4;
    if (end - p < 5) return -1;
    if (lower(p + 3) === 0x73 && b[p + 4] === 58) return 5;
    return 0;
  }
  if (lower(p) === 0x74 && lower(p + 1) === 0x65 && lower(p + 2) === 0x6c && b[p + 3] === 58) return 4;
  return 0;
}

/** Classifies the line starting at `off`; `lineEnd` receives nothing (framers find it themselves). */
function startLine(b: Uint8Array, off: number, end: number): Line {
  // Response: "SIP/2.0 NNN"
  if (b[off] === 83 /* S */ && end - off >= 4 && b[off + 1] === 73 && b[off + 2] === 80 && b[off + 3] === 47) {
    const want = "SIP/2.0 ";
    for (let i = 4; i < 12; i++) {
      if (off + i >= end) return Line.Partial;
      const c = b[off + i];
      if (i < 8) {
        if (c !== want.charCodeAt(i)) return Line.No;
      } else if (i < 11) {
        if (c < 48 || c > 57) return Line.No;
      } else if (c !== 32 && c !== 13 && c !== 10) return Line.No;
    }
    return Line.Response;
  }
  // Request: token SP scheme ... SP "SIP/2.0" EOL
  let p = off;
  while (p < end && TOKEN[b[p]]) p++;
  if (p === off) return Line.No;
  if (p === end) return p - off < 32 ? Line.Partial : Line.No;
  if (b[p] !== 32) return Line.No;
  p++;
  const s = isScheme(b, p, end);
  if (s < 0) return Line.Partial;
  if (s === 0) return Line.No;
  // find the line end and check it ends with " SIP/2.0"
  const limit = Math.min(end, off + MAX_START_LINE);
  let q = p + s;
  while (q < limit && b[q] !== 10) {
    if (b[q] < 32 && b[q] !== 9 && b[q] !== 13) return Line.No;
    q++;
  }
  if (q === limit) return limit === end && end - off < MAX_START_LINE ? Line.Partial : Line.No;
  let e = q;
  if (e > off && b[e - 1] === 13) e--;
  const tail = " SIP/2.0";
  if (e - off < tail.length) return Line.No;
  for (let i = 0; i < tail.length; i++) {
    let c = b[e - tail.length + i];
    if (c >= 97 && c <= 122) c &= 0xdf; // "sip/2.0" seen in the wild; accept case-insensitively
    if (c !== tail.charCodeAt(i)) return Line.No;
  }
  return Line.Request;
}

/** Length of the junk before a known method inside an unknown method token (0 when none). */
function junkBeforeMethod(b: Uint8Array, off: number, end: number): number {
  let p = off;
  while (p < end && TOKEN[b[p]]) p++;
  const tokLen = p - off;
  for (const m of KNOWN_METHODS) {
    if (tokLen === m.length && sameAt(b, off, m)) return 0; // a known method itself
  }
  for (const m of KNOWN_METHODS) {
    if (tokLen <= m.length) continue;
    let same = true;
    for (let i = 0; i < m.length && same; i++) same = b[p - m.length + i] === m.charCodeAt(i);
    if (same) return tokLen - m.length;
  }
  return 0;
}

function sameAt(b: Uint8Array, off: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** True when a SIP start line begins at `off` (the heuristic every transport uses). */
export function sniffSip(b: Uint8Array, off: number, end: number): boolean {
  while (off < end && (b[off] === 13 || b[off] === 10)) off++;
  const k = startLine(b, off, end);
  return k === Line.Request || k === Line.Response;
}

/** Frames one SIP message at b[off..end). */
export function frameSip(b: Uint8Array, off: number, end: number, stream: boolean): Framing {
  let start = off;
  while (start < end && (b[start] === 13 || b[start] === 10)) start++;
  if (start === end) return start > off ? { kind: "skip", end } : MORE;
  const kind = startLine(b, start, end);
  if (kind === Line.No) return NONE;
  if (kind === Line.Partial) return stream ? MORE : NONE;
  let problem: string | undefined;
  if (kind === Line.Request) {
    const junk = junkBeforeMethod(b, start, end);
    if (junk > 0) {
      problem = `${junk} junk byte(s) before the request line skipped`;
      start += junk;
    }
  }
  if (!stream) return { kind: "pdu", start, end, problem };
  // One pass over the header lines: find the empty line and the (first) Content-Length on the way.
  let p = indexOfLf(b, start, end) + 1;
  if (p === 0) return end - start > MAX_HEADER_BLOCK ? NONE : MORE;
  let hdrEnd = -1;
  let clLine = -1;
  while (p < end) {
    const c = b[p];
    if (c === 10) {
      hdrEnd = p + 1;
      break;
    }
    if (c === 13) {
      if (p + 1 >= end) break;
      if (b[p + 1] === 10) {
        hdrEnd = p + 2;
        break;
      }
    }
    const lc = c | 0x20;
    if (clLine < 0 && (lc === 0x63 || lc === 0x6c)) {
      const v = contentLengthValue(b, p, end);
      if (v !== -2) clLine = p;
    }
    const lf = indexOfLf(b, p, end);
    if (lf < 0) break;
    p = lf + 1;
  }
  if (hdrEnd < 0) return end - start > MAX_HEADER_BLOCK ? NONE : MORE;
  let bodyLen = 0;
  if (clLine < 0) {
    problem = joinProblem(problem, "no Content-Length on a stream transport: body assumed empty");
  } else {
    const n = contentLengthValue(b, clLine, hdrEnd);
    if (n < 0) problem = joinProblem(problem, "unreadable Content-Length on a stream transport: body assumed empty");
    else if (n > MAX_BODY) problem = joinProblem(problem, `Content-Length ${n} is beyond ${MAX_BODY}: body assumed empty`);
    else bodyLen = n;
  }
  const pduEnd = hdrEnd + bodyLen;
  if (pduEnd > end) return { kind: "more", need: pduEnd - off };
  return { kind: "pdu", start, end: pduEnd, problem };
}

/**
 * For a header line at p: -2 when it is not Content-Length / "l", else its decimal value or -1
 * when that is unreadable.
 */
function contentLengthValue(b: Uint8Array, p: number, end: number): number {
  let q: number;
  if (matchLower(b, p, end, "content-length")) q = p + 14;
  else if ((b[p] | 0x20) === 0x6c) q = p + 1;
  else return -2;
  while (q < end && (b[q] === 32 || b[q] === 9)) q++;
  if (q >= end || b[q] !== 58) return -2;
  q++;
  while (q < end && (b[q] === 32 || b[q] === 9)) q++;
  let e = q;
  while (e < end && b[e] !== 13 && b[e] !== 10) e++;
  return parseDecimal(b, q, e);
}

function joinProblem(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}
