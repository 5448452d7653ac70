/**
 * Framing SIP on a byte stream (RFC 3261 §18.3): headers end at CRLFCRLF, the body is exactly
 * Content-Length bytes (mandatory on streams). CRLF keep-alives between messages are skipped.
 * Limits guard against floods: a header block or body over the limit is an error and the
 * connection should be closed after answering what can be answered.
 */

export interface FramerLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = { maxHeaderBytes: 32 * 1024, maxBodyBytes: 256 * 1024 };

export type FramerOutput =
  | { kind: "message"; bytes: Uint8Array }
  /** The stream cannot be framed any more; `head` holds the header bytes seen (to answer 4xx/513). */
  | { kind: "error"; status: 400 | 513; reason: string; head: Uint8Array };

export class SipStreamFramer {
  private buf: Uint8Array = new Uint8Array(0);
  private failed = false;

  constructor(private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS) {}

  push(chunk: Uint8Array): FramerOutput[] {
    if (this.failed) return [];
    if (this.buf.length === 0) this.buf = chunk;
    else {
      const n = new Uint8Array(this.buf.length + chunk.length);
      n.set(this.buf);
      n.set(chunk, this.buf.length);
      this.buf = n;
    }
    const out: FramerOutput[] = [];
    let start = 0;
    const b = this.buf;
    for (;;) {
      while (start < b.length && (b[start] === 13 || b[start] === 10)) start++;
      if (start >= b.length) break;
      const end = findHeaderEnd(b, start, this.limits.maxHeaderBytes);
      if (end < 0) {
        if (b.length - start > this.limits.maxHeaderBytes) {
          out.push({ kind: "error", status: 513, reason: "Header Section Too Large", head: b.slice(start, start + this.limits.maxHeaderBytes) });
          this.failed = true;
          this.buf = new Uint8Array(0);
          return out;
        }
        break;
      }
      const len = contentLength(b, start, end);
      if (len === undefined || len < 0) {
        out.push({ kind: "error", status: 400, reason: len === undefined ? "Missing Content-Length" : "Bad Content-Length", head: b.slice(start, end) });
        this.failed = true;
        this.buf = new Uint8Array(0);
        return out;
      }
      if (len > this.limits.maxBodyBytes) {
        out.push({ kind: "error", status: 513, reason: "Message Too Large", head: b.slice(start, end) });
        this.failed = true;
        this.buf = new Uint8Array(0);
        return out;
      }
      if (b.length < end + len) break;
      out.push({ kind: "message", bytes: b.slice(start, end + len) });
      start = end + len;
    }
    this.buf = start >= b.length ? new Uint8Array(0) : b.slice(start);
    return out;
  }
}

/** Offset just past CRLFCRLF (or LFLF), or -1. */
function findHeaderEnd(b: Uint8Array, from: number, limit: number): number {
  const stop = Math.min(b.length, from + limit + 4);
  for (let i = from; i < stop; i++) {
    if (b[i] !== 10) continue;
    if (b[i + 1] === 10) return i + 2;
    if (b[i + 1] === 13 && b[i + 2] === 10) return i + 3;
  }
  return -1;
}

/** Content-Length (or compact "l") value in the header block [start, end); undefined when absent. */
function contentLength(b: Uint8Array, start: number, end: number): number | undefined {
  let lineStart = start;
  for (let i = start; i < end; i++) {
    if (b[i] !== 10) continue;
    const line = ascii(b, lineStart, i);
    lineStart = i + 1;
    const m = /^(content-length|l)\s*:\s*(\S*)\s*$/i.exec(line);
    if (m) return /^\d+$/.test(m[2]) ? Number(m[2]) : -1;
  }
  return undefined;
}

function ascii(b: Uint8Array, s: number, e: number): string {
  let out = "";
  for (let i = s; i < e && i - s < 200; i++) if (b[i] !== 13) out += String.fromCharCode(b[i]);
  return out;
}
