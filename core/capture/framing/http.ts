/**
 * HTTP/1.x framing (RFC 9112 §6): start line `METHOD SP target SP HTTP/1.x` or `HTTP/1.x SP NNN`;
 * body by Transfer-Encoding: chunked, else Content-Length, else none for requests; any other
 * response without either runs until the connection closes ("until-close", framed by the TCP layer
 * at FIN/RST or end of capture).
 *
 * RFC 9112 §6.3 items 1-2 come first, whatever Content-Length / Transfer-Encoding say: a response to
 * HEAD, any 1xx, 204 or 304, and a 2xx to CONNECT end at the header block. Only the stream layer
 * knows which request a response answers, so it passes that request's method in.
 */
import { findHeader, findHeaderEnd, indexOfLf, matchExact, matchLower, MORE, NONE, parseDecimal, type Framing } from "./framing";

const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
const MAX_HEADER_BLOCK = 256 * 1024;
const MAX_BODY = 64 << 20;

/** Where the bytes at off start an HTTP message: "request", "response", "partial" (too few bytes) or undefined. */
export function httpStart(b: Uint8Array, off: number, end: number): "request" | "response" | "partial" | undefined {
  if (end - off < 8) {
    // only a consistent prefix can wait for more
    for (const m of ["HTTP/1.", ...METHODS.map((x) => x + " ")]) {
      const n = Math.min(m.length, end - off);
      if (n > 0 && matchExact(b, off, off + n, m.slice(0, n))) return "partial";
    }
    return undefined;
  }
  if (matchExact(b, off, end, "HTTP/1.")) return "response";
  for (const m of METHODS) {
    if (!matchExact(b, off, end, m) || b[off + m.length] !== 32) continue;
    // The line must end in HTTP/1.x (this is what tells "OPTIONS sip:x SIP/2.0" apart).
    const lf = indexOfLf(b, off, Math.min(end, off + 16384));
    if (lf < 0) return end - off < 16384 ? "partial" : undefined;
    let e = lf;
    if (b[e - 1] === 13) e--;
    return e - off > m.length + 9 && b[e - 9] === 32 && matchExact(b, e - 8, e - 1, "HTTP/1.") ? "request" : undefined;
  }
  return undefined;
}

/** The method a request start line at b[off..end) begins with (one of the known methods), or undefined. */
export function httpRequestMethod(b: Uint8Array, off: number, end: number): string | undefined {
  for (const m of METHODS) if (matchExact(b, off, end, m) && b[off + m.length] === 32) return m;
  return undefined;
}

/** True when an HTTP/1.x start line begins at off. */
export function sniffHttp(b: Uint8Array, off: number, end: number): boolean {
  const k = httpStart(b, off, end);
  return k === "request" || k === "response";
}

export interface HttpFraming {
  framing: Framing;
  /** The response body runs until the connection closes. */
  untilClose?: boolean;
}

/** Frames one HTTP/1.x message at b[off..end). */
export function frameHttp(b: Uint8Array, off: number, end: number, stream: boolean): Framing {
  return frameHttpEx(b, off, end, stream).framing;
}

/** Is the response to a request with this method (undefined: request not seen) and status bodiless? */
export function bodilessResponse(status: number, requestMethod: string | undefined): boolean {
  if ((status >= 100 && status < 200) || status === 204 || status === 304) return true;
  return requestMethod === "HEAD" || (requestMethod === "CONNECT" && status >= 200 && status < 300);
}

/**
 * Frames one HTTP/1.x message at b[off..end). `requestMethod` is the method of the request a
 * response at `off` answers, when the caller knows it (HTTP/1.1 answers in request order).
 */
export function frameHttpEx(b: Uint8Array, off: number, end: number, stream: boolean, requestMethod?: string): HttpFraming {
  const k = httpStart(b, off, end);
  if (k === undefined) return { framing: NONE };
  if (k === "partial") return { framing: stream ? MORE : NONE };
  if (!stream) return { framing: { kind: "pdu", start: off, end } };
  const hdrEnd = findHeaderEnd(b, off, end);
  if (hdrEnd < 0) return { framing: end - off > MAX_HEADER_BLOCK ? NONE : MORE };
  if (k === "response") {
    const status = parseDecimal(b, off + 9, off + 12);
    if (bodilessResponse(status, requestMethod)) return { framing: { kind: "pdu", start: off, end: hdrEnd } };
  }
  const te = findHeader(b, off, hdrEnd, ["transfer-encoding"]);
  if (te && matchLower(b, te.end - 7, te.end, "chunked")) {
    const e = chunkedEnd(b, hdrEnd, end);
    if (e === -2) return { framing: { kind: "pdu", start: off, end: hdrEnd, problem: "malformed chunked body: body not framed" } };
    return { framing: e < 0 ? MORE : { kind: "pdu", start: off, end: e } };
  }
  const cl = findHeader(b, off, hdrEnd, ["content-length"]);
  if (cl) {
    const n = parseDecimal(b, cl.value, cl.end);
    if (n < 0 || n > MAX_BODY) return { framing: { kind: "pdu", start: off, end: hdrEnd, problem: "unusable Content-Length: body assumed empty" } };
    return { framing: hdrEnd + n > end ? { kind: "more", need: hdrEnd + n - off } : { kind: "pdu", start: off, end: hdrEnd + n } };
  }
  if (k === "request") return { framing: { kind: "pdu", start: off, end: hdrEnd } };
  return { framing: MORE, untilClose: true };
}

/** End of a chunked body starting at p: index after the last CRLF, -1 for "need more", -2 malformed. */
function chunkedEnd(b: Uint8Array, p: number, end: number): number {
  for (;;) {
    const lf = indexOfLf(b, p, end);
    if (lf < 0) return end - p > 1024 ? -2 : -1;
    let size = 0;
    let digits = 0;
    let q = p;
    for (; q < lf; q++) {
      const c = b[q];
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (v < 0) break;
      size = size * 16 + v;
      if (++digits > 8) return -2;
    }
    if (!digits) return -2;
    p = lf + 1;
    if (size === 0) {
      // trailer section: header lines until an empty line
      for (;;) {
        const l2 = indexOfLf(b, p, end);
        if (l2 < 0) return -1;
        const empty = l2 === p || (l2 === p + 1 && b[p] === 13);
        p = l2 + 1;
        if (empty) return p;
      }
    }
    p += size;
    // CRLF after the chunk data
    if (p + 1 > end) return -1;
    if (b[p] === 13) p++;
    if (p >= end) return -1;
    if (b[p] !== 10) return -2;
    p++;
  }
}
