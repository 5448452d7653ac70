/**
 * name-addr / addr-spec with header parameters (From, To, Contact, Route, Record-Route,
 * P-Asserted-Identity ...), RFC 3261 §20.10 and §25.1:
 *   "Display, Name" <sip:a@b;lr>;tag=1     Display Name <sip:a@b>     <sip:a@b>
 *   sip:a@b;tag=1   (bare URI: the parameters belong to the HEADER, not the URI)
 *   *               (Contact wildcard)
 */
import type { NameAddr } from "./types";
import { NO_PARAMS, parseParams, shareString, unquote } from "./header-values";
import { parseUri } from "./uri";
import { isHostByte, isParamByte, paramValue, scanParams } from "./scan-bytes";

export function parseNameAddr(text: string | undefined): NameAddr | undefined {
  if (text === undefined) return undefined;
  const raw = text.trim();
  if (!raw) return undefined;
  let displayName: string | undefined;
  let i = 0;
  if (raw[0] === '"') {
    // Quoted display name: may contain commas, '<' and escaped quotes.
    let j = 1;
    while (j < raw.length && raw[j] !== '"') j += raw[j] === "\\" ? 2 : 1;
    displayName = unquote(raw.slice(0, Math.min(j + 1, raw.length)));
    i = j + 1;
  }
  const lt = raw.indexOf("<", i);
  let uriText: string;
  let paramText: string;
  if (lt >= 0) {
    if (displayName === undefined) {
      const d = raw.slice(0, lt).trim();
      if (d) displayName = d;
    }
    const gt = raw.indexOf(">", lt);
    uriText = raw.slice(lt + 1, gt < 0 ? raw.length : gt).trim();
    paramText = gt < 0 ? "" : raw.slice(gt + 1);
  } else {
    const rest = raw.slice(i).trim();
    const semi = rest.indexOf(";");
    uriText = (semi < 0 ? rest : rest.slice(0, semi)).trim();
    paramText = semi < 0 ? "" : rest.slice(semi);
  }
  const semi = paramText.indexOf(";");
  const params = semi < 0 ? NO_PARAMS : parseParams(paramText.slice(semi + 1));
  const tag = params.tag ?? undefined;
  const uri = uriText === "*" ? undefined : parseUri(uriText);
  return { displayName: displayName === undefined ? undefined : shareString(displayName), uri, uriText, tag: tag === null ? undefined : tag, params, raw };
}

/**
 * A From or To as the call list shows it: user@host[:port] of its URI (scheme and parameters left
 * out), else the text between <> when the URI did not parse; undefined without the header.
 */
export function shortAddress(na: NameAddr | undefined): string | undefined {
  if (!na) return undefined;
  const u = na.uri;
  if (!u) return na.uriText;
  return `${u.user ? u.user + "@" : ""}${u.host}${u.port ? ":" + u.port : ""}`;
}

/**
 * What scanCommonNameAddr found: [user start, user end (start -1: no user), host start, host end,
 * port end (-1: no port), tag value start, tag value end (start -1: no tag value)]. Overwritten by
 * the next scan.
 */
export const nameAddrParts = new Int32Array(7);

/**
 * The common From / To value — [display name] <sip:user@host[:port][;uri-params]>[;param[=value]]...
 * with a plain display name (quoted without escapes, or unquoted), a sip or sips URI whose user
 * needs no decoding (it may hold a comma, as RFC 3261's user-unreserved allows), a plain host name
 * or IPv4 address, and no blanks or quotes outside the display name nor commas after the user —
 * checked and taken apart in one pass over its bytes [s, e), without building a
 * NameAddr. True: parseNameAddr would give a NameAddr with a URI, whose tag, URI user and
 * shortAddress are the texts of the ranges nameAddrParts now holds (the address runs from the user,
 * else the host, to the port, else the host end). False: not that shape; parse the text in full.
 */
export function scanCommonNameAddr(b: Uint8Array, s: number, e: number): boolean {
  const lt = afterDisplayName(b, s, e);
  if (lt < 0 || b[lt] !== 60 /* < */) return false;
  // "sip:" or "sips:", as written (another spelling or scheme goes to the full parser).
  let i = lt + 1;
  if (e - i < 5 || b[i] !== 115 || b[i + 1] !== 105 || b[i + 2] !== 112) return false;
  i += b[i + 3] === 115 ? 4 : 3;
  if (b[i] !== 58 /* : */) return false;
  i++;
  // userinfo: up to the first '@' of the URI (as parseUri reads it); a plain user only.
  let us = -1;
  let ue = -1;
  let j = i;
  while (j < e && isUserByte(b[j])) j++;
  if (j < e && b[j] === 64 /* @ */) {
    if (j === i) return false;
    us = i;
    ue = j;
    i = j + 1;
  }
  const hs = i;
  while (i < e && isHostByte(b[i])) i++;
  const he = i;
  if (he === hs) return false;
  let pe = -1;
  if (i < e && b[i] === 58) {
    // A port as shortAddress prints it: 1 to 5 digits, no leading zero, at most 65535.
    const ds = ++i;
    let p = 0;
    while (i < e && b[i] >= 48 && b[i] <= 57) p = p * 10 + (b[i++] - 48);
    if (i === ds || i - ds > 5 || b[ds] === 48 || p > 65535) return false;
    pe = i;
  }
  // URI parameters (no '@' among them: parseUri would take the user from up to it) to '>'.
  if (i < e && b[i] === 59 /* ; */) {
    while (i < e && b[i] !== 62 /* > */) {
      const c = b[i];
      if (!isParamByte(c) || c === 64 || c === 63 /* ? */ || c === 60) return false;
      i++;
    }
  }
  if (i >= e || b[i] !== 62) return false;
  i++;
  if (i < e && b[i] !== 59) return false;
  // Header parameters: the first one named "tag" gives the tag.
  if (!scanParams(b, i, e, "tag")) return false;
  nameAddrParts[0] = us;
  nameAddrParts[1] = ue;
  nameAddrParts[2] = hs;
  nameAddrParts[3] = he;
  nameAddrParts[4] = pe;
  nameAddrParts[5] = paramValue[0];
  nameAddrParts[6] = paramValue[1];
  return true;
}

/**
 * Offset of the '<' candidate after a plain display name at b[s]: a quoted one without escapes
 * and then blanks, or unquoted visible ASCII and blanks; -1 when the display name is not plain.
 */
function afterDisplayName(b: Uint8Array, s: number, e: number): number {
  let i = s;
  if (b[i] === 34 /* " */) {
    i++;
    while (i < e && b[i] !== 34) {
      const c = b[i];
      if (c === 92 /* \ */ || c < 0x20 || c > 0x7e) return -1;
      i++;
    }
    if (i >= e) return -1;
    i++;
    while (i < e && b[i] === 32) i++;
    return i;
  }
  while (i < e) {
    const c = b[i];
    if (c === 60) return i;
    if (c === 34 || c === 62 || c === 92 || c < 0x20 || c > 0x7e) return -1;
    i++;
  }
  return -1;
}

/** A URI user that parseUri keeps as written: letters, digits and marks, none of ':', '%', ';', '?', '@'. */
function isUserByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f || c === 0x2b || c === 0x2a || c === 0x21 || c === 0x7e || c === 0x27 || c === 0x28 || c === 0x29 || c === 0x26 || c === 0x3d || c === 0x24 || c === 0x2c;
}
