/**
 * Bytes <-> text for the protocol decoders. The pure core is compiled without DOM or Node typings,
 * so the two WHATWG codecs (present in Node, browsers and workers alike) are declared here locally.
 * ASCII — nearly every SIP header byte — is decoded without TextDecoder: for the short strings a
 * header index hands out, String.fromCharCode is several times cheaper than a decoder call.
 */

interface Utf8Decoder {
  decode(input: Uint8Array): string;
}
interface Utf8Encoder {
  encode(input: string): Uint8Array;
}
declare const TextDecoder: { new (label?: string, options?: { ignoreBOM?: boolean }): Utf8Decoder };
declare const TextEncoder: { new (): Utf8Encoder };

// ignoreBOM: a U+FEFF inside a header value is data, not a byte-order mark to drop.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Decode bytes [start, end) as UTF-8 (invalid sequences become U+FFFD; never throws).
 * Measured on Node 20: for 40-byte ASCII values TextDecoder on a subarray (~70 ns) beats building
 * the string char by char (~300 ns) and String.fromCharCode.apply (~140 ns); only very short
 * strings are cheaper by hand.
 */
export function decodeText(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 8) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) return utf8Decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/** Decode bytes as Latin-1: one char per byte, so offsets in the string equal offsets in the bytes. */
export function decodeLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    const chunk = bytes.subarray(i, Math.min(end, i + 4096));
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}

/** Encode text as UTF-8. */
export function encodeText(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export { concatBytes } from "../../capture/bytes";

/**
 * Recently decoded short ASCII texts, direct-mapped by a hash of their bytes: values that repeat
 * across messages (a call's Call-ID in its every message) are then one string, not one per
 * message. A miss just decodes and replaces the slot, so the table stays bounded.
 */
const SHARED_SLOTS = 4096;
const SHARED_MAX_LENGTH = 256;
const sharedTexts: (string | undefined)[] = new Array(SHARED_SLOTS).fill(undefined);

/** decodeText(bytes, start, end), returning an earlier equal string when one is at hand. */
export function decodeShared(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0 || n > SHARED_MAX_LENGTH) return decodeText(bytes, start, end);
  let h = n;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c >= 0x80) return decodeText(bytes, start, end);
    h = (Math.imul(h, 31) + c) | 0;
  }
  return decodeSharedHashed(bytes, start, end, h);
}

/**
 * decodeShared for ASCII bytes whose hash the caller computed while scanning them (h = length,
 * then h = h * 31 + byte, 32-bit, for each byte): the bytes are not hashed a second time.
 */
export function decodeSharedHashed(bytes: Uint8Array, start: number, end: number, h: number): string {
  const n = end - start;
  if (n <= 0 || n > SHARED_MAX_LENGTH) return decodeText(bytes, start, end);
  const slot = (h ^ (h >>> 13)) & (SHARED_SLOTS - 1);
  const cached = sharedTexts[slot];
  if (cached !== undefined && cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = decodeText(bytes, start, end);
  sharedTexts[slot] = text;
  return text;
}
