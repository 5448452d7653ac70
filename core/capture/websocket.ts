/**
 * WebSocket (RFC 6455 §5) frame headers and payload unmasking. The TCP layer frames the stream
 * with `wsFrameHeader` and assembles messages (continuation frames) itself.
 */

export interface WsFrameHeader {
  fin: boolean;
  opcode: number;
  /** Header length including the masking key. */
  headerLen: number;
  payloadLen: number;
  /** Offset of the 4-byte masking key in the buffer, or -1 when unmasked. */
  maskAt: number;
}

/** Largest frame we accept (a SIP message is far smaller; this just bounds memory). */
export const MAX_WS_FRAME = 16 << 20;

/** The frame header at b[off..end): a header, 0 when more bytes are needed, or an error text. */
export function wsFrameHeader(b: Uint8Array, off: number, end: number): WsFrameHeader | 0 | string {
  if (end - off < 2) return 0;
  const b0 = b[off];
  const b1 = b[off + 1];
  const opcode = b0 & 0x0f;
  if (b0 & 0x70) return "WebSocket frame with reserved bits set (an extension we do not decode)";
  if ((opcode >= 3 && opcode <= 7) || opcode >= 11) return `WebSocket frame with reserved opcode ${opcode}`;
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let p = off + 2;
  if (len === 126) {
    if (end - p < 2) return 0;
    len = (b[p] << 8) | b[p + 1];
    p += 2;
  } else if (len === 127) {
    if (end - p < 8) return 0;
    const hi = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    if (hi !== 0 || lo > MAX_WS_FRAME) return `WebSocket frame of ${hi * 4294967296 + lo} bytes is too large`;
    len = lo;
    p += 8;
  }
  if (len > MAX_WS_FRAME) return `WebSocket frame of ${len} bytes is too large`;
  let maskAt = -1;
  if (masked) {
    if (end - p < 4) return 0;
    maskAt = p;
    p += 4;
  }
  return { fin: (b0 & 0x80) !== 0, opcode, headerLen: p - off, payloadLen: len, maskAt };
}

/** The frame payload, unmasked into a new buffer when masked (a subarray otherwise). */
export function wsPayload(b: Uint8Array, off: number, h: WsFrameHeader): Uint8Array {
  const start = off + h.headerLen;
  const src = b.subarray(start, start + h.payloadLen);
  if (h.maskAt < 0) return src;
  const out = new Uint8Array(h.payloadLen);
  const m0 = b[h.maskAt];
  const m1 = b[h.maskAt + 1];
  const m2 = b[h.maskAt + 2];
  const m3 = b[h.maskAt + 3];
  for (let i = 0; i < out.length; i++) {
    const k = i & 3;
    out[i] = src[i] ^ (k === 0 ? m0 : k === 1 ? m1 : k === 2 ? m2 : m3);
  }
  return out;
}
