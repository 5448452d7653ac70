/**
 * Small value grammars shared by the SIP header parsers: list splitting that respects quoted
 * strings (with backslash escapes) and <...> URIs, ";name=value" parameter lists, and CSeq.
 * None of these throw: bad text yields empty or partial results.
 */
import type { CSeq } from "./types";
import { createInterner } from "../../capture/intern";

/**
 * Index of the next top-level comma at or after `from` — not inside "quotes" (honouring \" escapes)
 * nor <...> — or value.length when there is none. The one scanner behind both list readers below.
 */
function nextListComma(value: string, from: number): number {
  let inQuote = false;
  let angle = 0;
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60 /* < */) angle++;
    else if (c === 62 /* > */) {
      if (angle > 0) angle--;
    } else if (c === 44 /* , */ && angle === 0) return i;
  }
  return value.length;
}

/** Split a header value on top-level commas (see nextListComma); empty elements are dropped. */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  for (let start = 0; start <= value.length; ) {
    const end = nextListComma(value, start);
    const part = value.slice(start, end).trim();
    if (part) out.push(part);
    start = end + 1;
  }
  return out;
}

/** The first non-empty element of a comma list (same rules as splitHeaderList) without splitting the rest. */
export function firstListItem(value: string): string | undefined {
  for (let start = 0; start <= value.length; ) {
    const end = nextListComma(value, start);
    const part = trimSlice(value, start, end);
    if (part) return part;
    start = end + 1;
  }
  return undefined;
}

/**
 * One string per distinct short text among recent parses: hosts, users, tags and parameter
 * values recur across a capture's messages (a few hundred addresses in 10^5 messages), and the
 * parsed values that hold them live as long as the capture is open (see createInterner).
 */
export const shareString = createInterner(8192, 64);

/**
 * The parameters (or URI headers) of a value that has none: one frozen object for all of them
 * (parsed values are read-only; freezing makes a stray write fail loudly instead of leaking).
 */
export const NO_PARAMS: Record<string, string | null> = Object.freeze({}) as Record<string, string | null>;
export const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Remove surrounding quotes and backslash escapes from a quoted-string; other text is returned trimmed. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length < 2 || t[0] !== '"') return t;
  let s = "";
  const end = t[t.length - 1] === '"' ? t.length - 1 : t.length;
  // No escapes (the usual display name): one slice, not a string built char by char.
  const bs = t.indexOf("\\", 1);
  if (bs < 0 || bs >= end) return t.slice(1, end);
  for (let i = 1; i < end; i++) {
    const c = t[i];
    if (c === "\\" && i + 1 < end) s += t[++i];
    else s += c;
  }
  return s;
}

/**
 * Parse ";a=1;b;c="x;y"" (a leading ';' optional) into { a: "1", b: null, c: "\"x;y\"" }.
 * Names are lower-cased (parameter names are case-insensitive); values keep their text.
 */
export function parseParams(text: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  const n = text.length;
  let i = 0;
  while (i < n) {
    // one "name[=value]" segment up to the next ';' outside quotes
    let segEnd = i;
    let eq = -1;
    let inQuote = false;
    for (; segEnd < n; segEnd++) {
      const c = text.charCodeAt(segEnd);
      if (inQuote) {
        if (c === 92) segEnd++;
        else if (c === 34) inQuote = false;
      } else if (c === 34) inQuote = true;
      else if (c === 59 /* ; */) break;
      else if (c === 61 /* = */ && eq < 0) eq = segEnd;
    }
    if (segEnd > n) segEnd = n;
    // A repeated parameter keeps its first value (what Wireshark shows, e.g. for a doubled ;tag=).
    const name = lowerName(text, i, eq < 0 ? segEnd : eq);
    if (name && !Object.prototype.hasOwnProperty.call(params, name)) params[name] = eq < 0 ? null : shareString(trimSlice(text, eq + 1, segEnd));
    i = segEnd + 1;
  }
  return params;
}

/** Trimmed, lower-cased text[s, e); skips toLowerCase when there is nothing to lower (the usual case). */
function lowerName(text: string, s: number, e: number): string {
  while (s < e && isLws(text.charCodeAt(s))) s++;
  while (e > s && isLws(text.charCodeAt(e - 1))) e--;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return text.slice(s, e).toLowerCase();
  }
  return text.slice(s, e);
}

function isLws(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** text.slice(s, e).trim() without the intermediate string. */
export function trimSlice(text: string, s: number, e: number): string {
  while (s < e && isLws(text.charCodeAt(s))) s++;
  while (e > s && isLws(text.charCodeAt(e - 1))) e--;
  return text.slice(s, e);
}

/** "  4711 INVITE " -> { seq: 4711, method: "INVITE" }; undefined when malformed. */
export function parseCSeq(value: string | undefined): CSeq | undefined {
  if (value === undefined) return undefined;
  const n = value.length;
  let i = 0;
  while (i < n && isLws(value.charCodeAt(i))) i++;
  const ds = i;
  let seq = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === ds || i - ds > 10 || seq > 0xffffffff) return undefined;
  const ws = i;
  while (i < n && isLws(value.charCodeAt(i))) i++;
  if (i === ws) return undefined;
  const method = trimSlice(value, i, n);
  if (!method) return undefined;
  for (let k = 0; k < method.length; k++) {
    const c = method.charCodeAt(k);
    if (c <= 32 || c > 126) return undefined;
  }
  return { seq, method };
}

/** Percent-decode (RFC 3986 escapes); malformed escapes are kept as written. */
export function percentDecode(text: string): string {
  if (text.indexOf("%") < 0) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
