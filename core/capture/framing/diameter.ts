/**
 * Diameter framing (RFC 6733 §3): version 1, 24-bit message length (a multiple of 4, at least the
 * 20-byte header), command flags with the reserved bits clear and never both Request and Error.
 * `strict` (used by the any-port heuristic) also checks the first AVP header, because version +
 * length alone match too much random binary data.
 */
import { MORE, NONE, type Framing } from "./framing";

const MAX_MESSAGE = 16 << 20;

/** Returns the message length when a plausible Diameter header starts at off, 0 if more bytes are needed, -1 if not Diameter. */
export function diameterLength(b: Uint8Array, off: number, end: number, strict: boolean): number {
  if (end - off < 1) return 0;
  if (b[off] !== 1) return -1;
  if (end - off < 20) return 0;
  const len = (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
  if (len < 20 || len % 4 !== 0 || len > MAX_MESSAGE) return -1;
  const flags = b[off + 4];
  if (flags & 0x0f) return -1;
  if (flags & 0x80 && flags & 0x20) return -1; // a request never carries the E bit
  if (strict) {
    if (len === 20) return -1; // a message without AVPs is legal but says nothing; too weak as a sniff
    if (end - off < 28) return 0;
    const avpFlags = b[off + 24];
    const avpLen = (b[off + 25] << 16) | (b[off + 26] << 8) | b[off + 27];
    if (avpFlags & 0x1f || avpLen < 8 || avpLen > len - 20) return -1;
  }
  return len;
}

export function sniffDiameter(b: Uint8Array, off: number, end: number): boolean {
  return diameterLength(b, off, end, true) > 0;
}

/** Frames one Diameter message; `strict` as in diameterLength. */
export function frameDiameter(b: Uint8Array, off: number, end: number, stream: boolean, strict = false): Framing {
  const n = diameterLength(b, off, end, strict);
  if (n < 0) return NONE;
  if (n === 0) return stream ? MORE : NONE;
  if (off + n > end) return stream ? { kind: "more", need: n } : { kind: "pdu", start: off, end, problem: `Diameter length ${n} exceeds the ${end - off} bytes carried` };
  return { kind: "pdu", start: off, end: off + n };
}
