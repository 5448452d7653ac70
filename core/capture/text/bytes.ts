/**
 * Byte <-> text functions for the text readers. The pure core has no TextDecoder in its lib, and
 * the readers need two views of a line: latin1 (one char per byte, so offsets and lengths map
 * back to bytes exactly when we cut a SIP message out of it) and UTF-8 (for text shown to people).
 */
import { concatBytes as concatAll } from "../bytes";

/** One char per byte (ISO-8859-1). Lossless: latin1ToBytes(latin1(b)) equals b. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let out = "";
  // fromCharCode.apply has an argument-count limit; 8 KiB slices stay far below it.
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  }
  return out;
}

export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** UTF-8 decode; malformed sequences become U+FFFD (never throws). */
export function utf8(b: Uint8Array, start = 0, end = b.length): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (b[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1(b, start, end);
  let out = "";
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      out += "\ufffd";
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; ok && k <= need; k++) {
      const d = b[i + k];
      if (i + k >= end || (d & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (d & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += "\ufffd";
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Like the shared concatBytes, but a single part is returned as it is (no copy): line assembly hot path. */
export function concatBytes(parts: Uint8Array[], total?: number): Uint8Array {
  return parts.length === 1 ? parts[0] : concatAll(parts, total);
}
