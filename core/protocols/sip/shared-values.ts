/**
 * Parsed header values shared between messages whose header text is byte-for-byte the same.
 *
 * In a capture the same From, To, CSeq and Via texts recur: every message of a dialog carries
 * the same From and To, a response repeats its request's Vias and CSeq. Parsing each once and
 * handing the same (read-only) object to every message with that text cut the parser's retained
 * memory several-fold on a 130 000-message capture. The table is direct-mapped by a hash of the
 * bytes and verified char by char, so a collision only costs a re-parse, and it stays bounded.
 *
 * Consequence for callers: a parsed NameAddr / Via / CSeq may be shared by several messages and
 * must not be mutated (nothing in the code base does; the SipMessage fields are readonly).
 */
import { decodeText, sameAscii } from "./text";

/** Longer values (rare) are parsed per message: hashing them would cost more than it saves. */
const MAX_SHARED_LENGTH = 512;

export class SharedValues<T> {
  private readonly texts: (string | undefined)[];
  private readonly values: (T | undefined)[];
  /** The hash of each slot's text: a slot holding another text is told without loading that text (a cache miss). */
  private readonly hashes: Int32Array;

  /**
   * `parse` is given the text and, when it is shared, the ASCII bytes [s, e) of `b` it was read
   * from too: a parser may read the bytes instead of the text.
   */
  constructor(
    private readonly parse: (text: string, b?: Uint8Array, s?: number, e?: number) => T,
    private readonly size = 4096,
  ) {
    this.texts = new Array(size).fill(undefined);
    this.values = new Array(size).fill(undefined);
    this.hashes = new Int32Array(size);
  }

  /** Forget every kept parse (a finished capture's values need not outlive it). */
  clear(): void {
    this.texts.fill(undefined);
    this.values.fill(undefined);
  }

  /** parse(text) without sharing (folded or otherwise rewritten text). */
  parseText(text: string): T {
    return this.parse(text);
  }

  /** parse(text of bytes [s, e)), or the value already parsed from the same text. */
  get(b: Uint8Array, s: number, e: number): T {
    const n = e - s;
    if (n <= 0 || n > MAX_SHARED_LENGTH) return this.parse(decodeText(b, s, e));
    let h = n;
    for (let i = s; i < e; i++) {
      const c = b[i];
      // Non-ASCII text decodes to fewer chars than bytes: not comparable char by byte, not shared.
      if (c >= 0x80) return this.parse(decodeText(b, s, e));
      h = (Math.imul(h, 31) + c) | 0;
    }
    return this.getHashed(b, s, e, h);
  }

  /**
   * get() for ASCII bytes whose hash the caller computed while scanning them: h = length, then
   * h = h * 31 + byte (32-bit) for each byte.
   */
  getHashed(b: Uint8Array, s: number, e: number, h: number): T {
    const n = e - s;
    if (n <= 0 || n > MAX_SHARED_LENGTH) return this.parse(decodeText(b, s, e));
    const slot = (h ^ (h >>> 15)) & (this.size - 1);
    if (this.hashes[slot] === h) {
      const cached = this.texts[slot];
      if (cached !== undefined && sameAscii(cached, b, s, n)) return this.values[slot] as T;
    }
    const text = decodeText(b, s, e);
    const value = this.parse(text, b, s, e);
    this.texts[slot] = text;
    this.values[slot] = value;
    this.hashes[slot] = h;
    return value;
  }
}
