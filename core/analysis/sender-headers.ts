/**
 * The Record-Route and Contact name-addrs of a request, read straight from its bytes: what
 * `msg.recordRoute[0]` and `msg.contact` give, without the full parse (header index, cache entry,
 * problems) that a stored message makes to answer them. Node discovery (nodes.ts) asks this of up
 * to 16 requests per address; the full parse was most of its time.
 *
 * Only for a plain message: the start line first (after the CRLFs a parser skips), no continuation
 * line, every header line with a colon, an empty line ending the headers, no byte above 0x7f in the
 * values read. Anything else answers undefined and the caller asks the message itself, so the
 * result is always the parser's.
 */
import type { NameAddr } from "../protocols/sip/types";
import { parseNameAddr } from "../protocols/sip/name-addr";
import { splitHeaderList } from "../protocols/sip/header-values";
import { decodeText } from "../protocols/sip/text";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

export interface SenderHeaders {
  /** The first Record-Route name-addr (msg.recordRoute[0]). */
  recordRoute: NameAddr | undefined;
  /** Every Contact name-addr (msg.contact), when asked for; else empty. */
  contact: NameAddr[];
}

const codes = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const RECORD_ROUTE = codes("record-route");
const CONTACT = codes("contact");

/** Bytes [s, e) are `name` (lower-case ASCII) in any case. */
function isName(b: Uint8Array, s: number, e: number, name: readonly number[]): boolean {
  if (e - s !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = b[s + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name[i]) return false;
  }
  return true;
}

/** The name-addrs of one header value, as headerValues + parseNameAddr make them. */
function nameAddrs(b: Uint8Array, s: number, e: number, out: NameAddr[], firstOnly: boolean): void {
  const parts = splitHeaderList(decodeText(b, s, e));
  for (let i = 0; i < parts.length; i++) {
    const na = parseNameAddr(parts[i]);
    if (!na) continue;
    out.push(na);
    if (firstOnly) return;
  }
}

/**
 * `raw`: the message's bytes; `wantContact`: also read the Contacts. Undefined when the message is
 * not plain (see above) and only the full parse can say.
 */
export function senderHeaders(raw: Uint8Array, wantContact: boolean): SenderHeaders | undefined {
  const b = raw;
  const n = b.length;
  let p = 0;
  while (p < n && (b[p] === CR || b[p] === LF)) p++;
  // A request's start line begins with its method (a letter); anything else may be junk the parser skips.
  const c0 = b[p];
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a))) return undefined;
  let lf = b.indexOf(LF, p);
  if (lf < 0) return undefined;
  p = lf + 1;
  const rr: NameAddr[] = [];
  const contact: NameAddr[] = [];
  while (p < n) {
    const c = b[p];
    if (c === SP || c === HT) return undefined; // a folded line: the parser unfolds it
    let i = p;
    while (i < n && b[i] !== COLON && b[i] !== LF) i++;
    if (i >= n) return undefined;
    if (b[i] === LF) {
      // The empty line ends the headers; a line without a colon is a problem the parser reports.
      return (b[i - 1] === CR ? i - 1 : i) === p ? { recordRoute: rr[0], contact } : undefined;
    }
    const colon = i;
    lf = b.indexOf(LF, colon);
    if (lf < 0) return undefined; // unterminated header block
    let nameEnd = colon;
    while (nameEnd > p && (b[nameEnd - 1] === SP || b[nameEnd - 1] === HT)) nameEnd--;
    const isRr = rr.length === 0 && isName(b, p, nameEnd, RECORD_ROUTE);
    const isContact = !isRr && wantContact && (isName(b, p, nameEnd, CONTACT) || (nameEnd - p === 1 && (b[p] | 0x20) === 0x6d));
    if (isRr || isContact) {
      let s = colon + 1;
      let e = b[lf - 1] === CR && lf - 1 >= p ? lf - 1 : lf;
      while (s < e && (b[s] === SP || b[s] === HT)) s++;
      while (e > s && (b[e - 1] === SP || b[e - 1] === HT)) e--;
      for (let k = s; k < e; k++) if (b[k] >= 0x80) return undefined;
      // A value continued on a folded line is left to the parser.
      if (lf + 1 < n && (b[lf + 1] === SP || b[lf + 1] === HT)) return undefined;
      nameAddrs(b, s, e, isRr ? rr : contact, isRr);
    }
    p = lf + 1;
  }
  return undefined;
}
