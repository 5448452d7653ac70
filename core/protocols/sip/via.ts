/**
 * One Via value (RFC 3261 §20.42): "SIP / 2.0 / UDP host:port ;branch=z9hG4bK..;rport;received=..".
 * LWS is allowed around '/', ':' and ';' (RFC 4475 §3.1.1.1 shows all of these); IPv6 sent-by in [].
 * Hand-written scanner rather than a regex: the top Via's branch is read for every message.
 */
import type { Via } from "./types";
import { NO_PARAMS, parseParams, shareString } from "./header-values";
import { splitHostPort } from "./host-port";
import { isHostByte, paramValue, scanParams } from "./scan-bytes";

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

function skipWs(t: string, i: number): number {
  while (i < t.length && isWs(t.charCodeAt(i))) i++;
  return i;
}

/** End of a token: stops at whitespace or any of the given stop chars. */
function tokenEnd(t: string, i: number, stop1: number, stop2 = -1, stop3 = -1): number {
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (isWs(c) || c === stop1 || c === stop2 || c === stop3) break;
    i++;
  }
  return i;
}

const TRANSPORTS: Record<string, string> = { UDP: "UDP", TCP: "TCP", TLS: "TLS", SCTP: "SCTP", WS: "WS", WSS: "WSS", udp: "UDP", tcp: "TCP", tls: "TLS", ws: "WS", wss: "WSS", sctp: "SCTP" };

export function parseVia(text: string): Via | undefined {
  const raw = text.trim();
  const n = raw.length;
  // sent-protocol: name / version / transport
  let i = tokenEnd(raw, 0, 47);
  const name = raw.slice(0, i);
  i = skipWs(raw, i);
  if (!name || raw.charCodeAt(i) !== 47) return undefined;
  let s = skipWs(raw, i + 1);
  i = tokenEnd(raw, s, 47);
  const version = raw.slice(s, i);
  i = skipWs(raw, i);
  if (!version || raw.charCodeAt(i) !== 47) return undefined;
  s = skipWs(raw, i + 1);
  i = tokenEnd(raw, s, 59);
  const transportText = raw.slice(s, i);
  if (!transportText || i >= n || !isWs(raw.charCodeAt(i))) return undefined;
  i = skipWs(raw, i);
  // sent-by: host [ : port ]
  let host: string;
  if (raw.charCodeAt(i) === 91 /* [ */) {
    const close = raw.indexOf("]", i);
    if (close < 0) return undefined;
    host = raw.slice(i + 1, close);
    i = close + 1;
  } else {
    const e = tokenEnd(raw, i, 58, 59, 44);
    host = raw.slice(i, e);
    if (raw.charCodeAt(e) === 58) {
      // Several ':' before the parameters: an IPv6 address written without brackets.
      const sentByEnd = tokenEnd(raw, i, 59, 44);
      const sentBy = raw.slice(i, sentByEnd);
      if (sentBy.indexOf(":", sentBy.indexOf(":") + 1) >= 0) {
        const hp = splitHostPort(sentBy);
        host = hp.host;
        i = sentByEnd;
        return finishVia(raw, i, name, version, transportText, host, hp.port);
      }
    }
    i = e;
  }
  if (!host) return undefined;
  i = skipWs(raw, i);
  let port: number | undefined;
  if (raw.charCodeAt(i) === 58 /* : */) {
    i = skipWs(raw, i + 1);
    let p = 0;
    const ds = i;
    while (i < n) {
      const c = raw.charCodeAt(i);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
      i++;
    }
    if (i === ds || i - ds > 5 || p > 65535) return undefined;
    port = p;
    i = skipWs(raw, i);
  }
  return finishVia(raw, i, name, version, transportText, host, port);
}

/** Parameters after sent-by, and the Via object. */
function finishVia(raw: string, i: number, name: string, version: string, transportText: string, host: string, port: number | undefined): Via | undefined {
  const n = raw.length;
  i = skipWs(raw, i);
  let params = NO_PARAMS;
  if (i < n) {
    if (raw.charCodeAt(i) !== 59 /* ; */) return undefined;
    params = parseParams(raw.slice(i + 1));
  }
  const protocol = name === "SIP" && version === "2.0" ? "SIP/2.0" : `${name}/${version}`;
  const transport = TRANSPORTS[transportText] ?? transportText.toUpperCase();
  host = shareString(host);
  const branch = params.branch ?? undefined;
  const receivedText = params.received;
  const received = receivedText != null ? unbracket(receivedText) : undefined;
  const hasRport = "rport" in params;
  const r = params.rport;
  const rport = r === null || r === undefined || r === "" || !/^\d{1,5}$/.test(r) ? null : Number(r);
  // One literal per combination of the optional fields present (same key order as ever): a Via
  // is born with all its properties, so none carries an out-of-object array for late additions.
  if (branch !== undefined) {
    if (received !== undefined) return hasRport ? { protocol, transport, host, port, params, raw, branch, received, rport } : { protocol, transport, host, port, params, raw, branch, received };
    return hasRport ? { protocol, transport, host, port, params, raw, branch, rport } : { protocol, transport, host, port, params, raw, branch };
  }
  if (received !== undefined) return hasRport ? { protocol, transport, host, port, params, raw, received, rport } : { protocol, transport, host, port, params, raw, received };
  return hasRport ? { protocol, transport, host, port, params, raw, rport } : { protocol, transport, host, port, params, raw };
}

/** "[v6]" -> "v6" (each bracket dropped on its own, as the received= of RFC 5118 examples needs). */
function unbracket(text: string): string {
  const s = text.charCodeAt(0) === 91 ? 1 : 0;
  const e = text.length > s && text.charCodeAt(text.length - 1) === 93 ? text.length - 1 : text.length;
  return s === 0 && e === text.length ? text : shareString(text.slice(s, e));
}

/** The transports scanCommonVia knows, upper case (what parseVia makes of them in any case). */
export const COMMON_TRANSPORTS: readonly string[] = ["UDP", "TCP", "TLS", "SCTP", "WS", "WSS"];

/**
 * What scanCommonVia found: [transport (index in COMMON_TRANSPORTS), host start, host end, port
 * (-1: none), branch value start, branch value end (start -1: no branch value)]. Overwritten by
 * the next scan.
 */
export const viaParts = new Int32Array(6);

/**
 * The common Via value — "SIP/2.0/UDP host[:port][;param[=value]]..." with a plain host name or
 * IPv4 address, no blanks after sent-by, no quotes, no commas — checked and taken apart in one
 * pass over its bytes [s, e), without building a Via or its parameters. True: it is one Via that
 * parseVia would accept, with the parts viaParts now holds. False: not that shape (or not a Via);
 * parse the text in full to know. The problems check and a stored row read every message's Vias,
 * and nearly all of them are in this shape.
 */
export function scanCommonVia(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 10 || !isSip20Slash(b, s)) return false;
  let i = s + 8;
  const ts = i;
  while (i < e && isLetter(b[i])) i++;
  const transport = transportIndex(b, ts, i);
  if (transport < 0 || i >= e || b[i] !== 32) return false;
  while (i < e && b[i] === 32) i++;
  const hs = i;
  while (i < e && isHostByte(b[i])) i++;
  const he = i;
  if (he === hs) return false;
  let port = -1;
  if (i < e && b[i] === 58 /* : */) {
    const ds = ++i;
    let p = 0;
    while (i < e && b[i] >= 48 && b[i] <= 57) p = p * 10 + (b[i++] - 48);
    if (i === ds || i - ds > 5 || p > 65535) return false;
    port = p;
  }
  if (i < e && b[i] !== 59 /* ; */) return false;
  // Parameters: the first one named "branch" gives the branch.
  if (!scanParams(b, i, e, "branch")) return false;
  viaParts[0] = transport;
  viaParts[1] = hs;
  viaParts[2] = he;
  viaParts[3] = port;
  viaParts[4] = paramValue[0];
  viaParts[5] = paramValue[1];
  return true;
}

/** "SIP/2.0/" at b[s]. */
function isSip20Slash(b: Uint8Array, s: number): boolean {
  return b[s] === 83 && b[s + 1] === 73 && b[s + 2] === 80 && b[s + 3] === 47 && b[s + 4] === 50 && b[s + 5] === 46 && b[s + 6] === 48 && b[s + 7] === 47;
}

function isLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/** Index in COMMON_TRANSPORTS of the letters [s, e) in any case, or -1. */
function transportIndex(b: Uint8Array, s: number, e: number): number {
  for (let t = 0; t < COMMON_TRANSPORTS.length; t++) {
    const name = COMMON_TRANSPORTS[t];
    if (name.length !== e - s) continue;
    let k = 0;
    while (k < name.length && (b[s + k] & 0xdf) === name.charCodeAt(k)) k++;
    if (k === name.length) return t;
  }
  return -1;
}
