/**
 * The contract between the transport layers (UDP, TCP, SCTP, WebSocket, HEP) and the per-protocol
 * framers: "is there a PDU of my protocol at this offset, and where does it end?". Framers look
 * at bytes only (no strings except for tiny sniffs) and never allocate per byte.
 */

export type Framing =
  /** One PDU occupies [start, end); bytes in [off, start) are keep-alives or junk to drop. */
  | { kind: "pdu"; start: number; end: number; problem?: string }
  /** Bytes [off, end) are keep-alives (e.g. SIP CRLF pings): drop silently. */
  | { kind: "skip"; end: number }
  /**
   * Could be this protocol but more bytes are needed to say where it ends; `need`, when known, is
   * the total byte count from `off` (the stream layer then waits for that many before asking again).
   */
  | { kind: "more"; need?: number }
  /** Not this protocol at this offset. */
  | { kind: "none" };

export const MORE: Framing = Object.freeze({ kind: "more" }) as Framing;
export const NONE: Framing = Object.freeze({ kind: "none" }) as Framing;

/**
 * Frame one PDU at buf[off..end). `stream` is true on byte streams (TCP, and WebSocket for HTTP),
 * where the end must come from the message itself; false for message transports (UDP, SCTP,
 * WebSocket messages, HEP), where the PDU is the rest of the message.
 */
export type Framer = (buf: Uint8Array, off: number, end: number, stream: boolean) => Framing;

/** Index of the first byte after the header block (after CRLFCRLF or LFLF), or -1. */
export function findHeaderEnd(b: Uint8Array, off: number, end: number): number {
  for (let i = off; i < end; i++) {
    if (b[i] !== 10) continue;
    // b[i] is LF: header block ends when the next line is empty ("\r\n" or "\n").
    if (i + 1 < end && b[i + 1] === 10) return i + 2;
    if (i + 2 < end && b[i + 1] === 13 && b[i + 2] === 10) return i + 3;
  }
  return -1;
}

/** Index of the first LF at or after off, or -1. */
export function indexOfLf(b: Uint8Array, off: number, end: number): number {
  for (let i = off; i < end; i++) if (b[i] === 10) return i;
  return -1;
}

/** ASCII case-insensitive compare of b[off..] with a lower-case literal. */
export function matchLower(b: Uint8Array, off: number, end: number, lower: string): boolean {
  if (end - off < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = b[off + i];
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Exact compare of b[off..] with an ASCII literal. */
export function matchExact(b: Uint8Array, off: number, end: number, s: string): boolean {
  if (end - off < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Finds header `names` (lower-case, any of them) in the header block [off, hdrEnd) and returns the
 * offset of its value (after the colon and blanks) and the line end, or undefined. The start line
 * is skipped. Folded continuation lines are not values of their own, so they never match.
 */
export function findHeader(b: Uint8Array, off: number, hdrEnd: number, names: readonly string[]): { value: number; end: number } | undefined {
  let line = indexOfLf(b, off, hdrEnd) + 1; // skip the start line
  if (line <= 0) return undefined;
  while (line < hdrEnd) {
    const lf = indexOfLf(b, line, hdrEnd);
    const lineEnd = lf < 0 ? hdrEnd : lf;
    const c0 = b[line];
    if (c0 !== 32 && c0 !== 9) {
      for (const name of names) {
        if (!matchLower(b, line, lineEnd, name)) continue;
        let p = line + name.length;
        while (p < lineEnd && (b[p] === 32 || b[p] === 9)) p++;
        if (b[p] !== 58) continue; // ':'
        p++;
        while (p < lineEnd && (b[p] === 32 || b[p] === 9)) p++;
        let e = lineEnd;
        if (e > p && b[e - 1] === 13) e--;
        return { value: p, end: e };
      }
    }
    line = lineEnd + 1;
  }
  return undefined;
}

/** Parses decimal digits in [p, e) (trailing blanks allowed); -1 when none or not a number. */
export function parseDecimal(b: Uint8Array, p: number, e: number): number {
  let n = 0;
  let digits = 0;
  while (p < e && b[p] >= 48 && b[p] <= 57) {
    n = n * 10 + (b[p] - 48);
    digits++;
    p++;
    if (digits > 15) return -1;
  }
  while (p < e && (b[p] === 32 || b[p] === 9)) p++;
  return digits && p === e ? n : -1;
}

/** A short printable rendering of bytes for problem texts. */
export function preview(b: Uint8Array, off: number, end: number, max = 24): string {
  let s = "";
  for (let i = off; i < end && i < off + max; i++) {
    const c = b[i];
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return s;
}
