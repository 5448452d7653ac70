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

/** Is `text` the n ASCII bytes at b[s]? */
export function sameAscii(text: string, b: Uint8Array, s: number, n: number): boolean {
  if (text.length !== n) return false;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) !== b[s + i]) return false;
  return true;
}

/**
 * Recently decoded short ASCII texts, direct-mapped by a hash of their bytes: values that repeat
 * across messages (a call's Call-ID in its every message) are then one string, not one per
 * message, and a repeat costs a hash of the bytes and one comparison, with no string made. A miss
 * just decodes and replaces the slot, so the table stays bounded. Each slot's hash is kept too: a
 * slot holding another text is told without loading that text (a cache miss).
 */
export class TextsByBytes {
  private readonly texts: (string | undefined)[];
  private readonly hashes: Int32Array;

  /** `unshared`: how bytes the table does not take (non-ASCII, empty, longer than maxLength) are decoded. */
  constructor(
    private readonly slots: number,
    private readonly maxLength: number,
    private readonly unshared: (b: Uint8Array, s: number, e: number) => string = decodeText,
  ) {
    this.texts = new Array(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
  }

  /** The text of bytes [s, e): an earlier equal string when one is at hand. */
  get(b: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n <= 0 || n > this.maxLength) return this.unshared(b, s, e);
    let h = n;
    for (let i = s; i < e; i++) {
      const c = b[i];
      // Non-ASCII decodes to fewer chars than bytes: not comparable char by byte.
      if (c >= 0x80) return this.unshared(b, s, e);
      h = (Math.imul(h, 31) + c) | 0;
    }
    return this.getHashed(b, s, e, h);
  }

  /**
   * get() for ASCII bytes whose hash the caller computed while scanning them (h = length, then
   * h = h * 31 + byte, 32-bit, for each byte): the bytes are not hashed a second time.
   */
  getHashed(b: Uint8Array, s: number, e: number, h: number): string {
    const n = e - s;
    if (n <= 0 || n > this.maxLength) return this.unshared(b, s, e);
    const slot = (h ^ (h >>> 13)) & (this.slots - 1);
    if (this.hashes[slot] === h) {
      const known = this.texts[slot];
      if (known !== undefined && sameAscii(known, b, s, n)) return known;
    }
    const text = decodeText(b, s, e);
    this.hashes[slot] = h;
    this.texts[slot] = text;
    return text;
  }
}

const sharedTexts = new TextsByBytes(4096, 256);

/** decodeText(bytes, start, end), returning an earlier equal string when one is at hand. */
export function decodeShared(bytes: Uint8Array, start: number, end: number): string {
  return sharedTexts.get(bytes, start, end);
}

/** decodeShared for ASCII bytes whose hash the caller computed while scanning them (see TextsByBytes.getHashed). */
export function decodeSharedHashed(bytes: Uint8Array, start: number, end: number, h: number): string {
  return sharedTexts.getHashed(bytes, start, end, h);
}
