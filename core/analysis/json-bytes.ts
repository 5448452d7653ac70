/**
 * A growable UTF-8 byte buffer that JSON text is written into piece by piece, with exactly
 * JSON.stringify's formatting of strings and numbers.
 *
 * Why bytes and not a string: `analyze --json` of a large capture writes ~45 MB of message
 * entries. Made as strings, every entry was an object, then its JSON text, then a part of a joined
 * piece that was flattened and UTF-8 encoded again for stdout. Written here, a plain-ASCII value
 * (nearly every value in a SIP trace) is copied char by char into the bytes stdout takes as they
 * are; only a string that needs escaping or holds non-ASCII goes through JSON.stringify.
 */
export class JsonBytes {
  bytes: Uint8Array;
  /** A view of `bytes`, for writers that store four bytes at a time. */
  view: DataView;
  /** Bytes written so far (bytes[0, length)). */
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(Math.max(capacity, 64));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Text the caller knows is ASCII and needs no escaping (punctuation, keys made by code). */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const b = this.bytes;
    let p = this.length;
    for (let i = 0; i < n; i++) b[p++] = text.charCodeAt(i);
    this.length = p;
  }

  /** Pre-encoded bytes (a key such as `,"frame":`). */
  raw(piece: Uint8Array): void {
    const n = piece.length;
    this.ensure(n + 32);
    const b = this.bytes;
    let p = this.length;
    for (let i = 0; i < n; i++) b[p++] = piece[i];
    this.length = p;
  }

  /** A number as JSON.stringify writes it (non-finite: null). */
  number(n: number): void {
    this.ensure(32);
    if (n >>> 0 === n) {
      // Ids, frames, statuses: digits without making a string.
      const b = this.bytes;
      const start = this.length;
      let digits = 1;
      for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
      let q = start + digits;
      this.length = q;
      for (let m = n; q > start; m = Math.floor(m / 10)) b[--q] = 48 + (m % 10);
      return;
    }
    // -0 prints "0" in JSON as in String(); NaN and the infinities print null.
    this.ascii(Number.isFinite(n) ? String(n) : "null");
  }

  /** A JSON string literal: `"` + the escaped text + `"`. */
  string(text: string): void {
    const start = this.length;
    const end = this.quotedAscii(text, start);
    if (end >= 0) this.length = end;
    else this.utf8(JSON.stringify(text));
  }

  /**
   * The escaped chars of `text` without quotes, as JSON.stringify would write them inside a longer
   * string. Equal to escaping the whole only when the neighbouring parts are ASCII (a lone
   * surrogate at a piece's edge must not pair with its neighbour): callers join such pieces.
   */
  stringPart(text: string): void {
    const start = this.length;
    const n = text.length;
    this.ensure(n);
    const b = this.bytes;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7f) {
        const quoted = JSON.stringify(text);
        this.length = start;
        this.utf8(quoted.slice(1, quoted.length - 1));
        return;
      }
      b[p++] = c;
    }
    this.length = p;
  }

  /**
   * The plain-ASCII case of `string`, written from `start`: the end, or -1 (the bytes are left
   * uncounted) when `text` holds a char JSON escapes or a non-ASCII char.
   */
  private quotedAscii(text: string, start: number): number {
    const n = text.length;
    this.ensure(n + 34);
    const b = this.bytes;
    let p = start;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7f) return -1;
      b[p++] = c;
    }
    b[p++] = 0x22;
    return p;
  }

  /** `text` (well-formed UTF-16: JSON.stringify escapes lone surrogates) as UTF-8. */
  utf8(text: string): void {
    const n = text.length;
    this.ensure(3 * n + 32);
    const b = this.bytes;
    let p = this.length;
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) b[p++] = c;
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 0x3f);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        // A lone surrogate cannot reach here from JSON.stringify; TextEncoder would write U+FFFD.
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.length = p;
  }

  /** Any JSON value as JSON.stringify writes it; false when it writes nothing (undefined, a function). */
  value(v: unknown): boolean {
    if (typeof v === "number") this.number(v);
    else if (typeof v === "string") this.string(v);
    else if (typeof v === "boolean") this.ascii(v ? "true" : "false");
    else {
      const text = JSON.stringify(v) as string | undefined;
      if (text === undefined) return false;
      this.utf8(text);
    }
    return true;
  }
}

/** The bytes of an ASCII text made by code (keys). */
export function asciiBytes(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
  return b;
}
