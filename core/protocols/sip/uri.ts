/**
 * SIP/SIPS/TEL URI parsing (RFC 3261 §19.1, RFC 3966). Accepts userinfo with password, IPv6
 * references in [], uri-parameters and ?headers. Other schemes are kept with everything after the
 * colon in `host`. Returns undefined only when the text has no scheme or (for sip/sips) no host.
 */
import type { SipUri } from "./types";
import { NO_HEADERS, NO_PARAMS, parseParams, percentDecode, shareString } from "./header-values";
import { splitHostPort } from "./host-port";

/** RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
function isScheme(t: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = t.charCodeAt(i) | 0x20;
    const alpha = c >= 0x61 && c <= 0x7a;
    if (i === 0 ? !alpha : !(alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

export function parseUri(text: string): SipUri | undefined {
  const raw = text.trim();
  const colon = raw.indexOf(":");
  if (colon <= 0 || !isScheme(raw, colon)) return undefined;
  const scheme = colon === 3 && raw.startsWith("sip") ? "sip" : raw.slice(0, colon).toLowerCase();
  let rest = raw.slice(colon + 1);

  if (scheme === "tel") {
    const semi = rest.indexOf(";");
    const number = semi < 0 ? rest : rest.slice(0, semi);
    return { scheme, user: shareString(percentDecode(number)), host: "", params: semi < 0 ? NO_PARAMS : parseParams(rest.slice(semi + 1)), headers: NO_HEADERS, raw };
  }
  if (scheme !== "sip" && scheme !== "sips") {
    return { scheme, host: rest, params: NO_PARAMS, headers: NO_HEADERS, raw };
  }

  let user: string | undefined;
  let password: string | undefined;
  // The userinfo ends at the first '@' — userinfo cannot contain an unescaped '@' (RFC 3261 §25.1).
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(":");
    user = shareString(percentDecode(pc < 0 ? userinfo : userinfo.slice(0, pc)));
    if (pc >= 0) password = percentDecode(userinfo.slice(pc + 1));
    rest = rest.slice(at + 1);
  }

  // host[:port] runs to the first ';' (params) or '?' (headers); an IPv6 reference's ']' comes first.
  let i = 0;
  if (rest[0] === "[") {
    const close = rest.indexOf("]");
    if (close < 0) return undefined;
    i = close + 1;
  }
  while (i < rest.length && rest[i] !== ";" && rest[i] !== "?") i++;
  const { host, port } = splitHostPort(rest.slice(0, i));
  if (!host) return undefined;

  let params = NO_PARAMS;
  let headers = NO_HEADERS;
  const q = rest.indexOf("?", i);
  const paramText = q < 0 ? rest.slice(i) : rest.slice(i, q);
  if (paramText.startsWith(";")) params = parseParams(paramText.slice(1));
  if (q >= 0) {
    headers = {};
    for (const kv of rest.slice(q + 1).split("&")) {
      if (!kv) continue;
      const eq = kv.indexOf("=");
      if (eq < 0) headers[percentDecode(kv)] = "";
      else headers[percentDecode(kv.slice(0, eq))] = percentDecode(kv.slice(eq + 1));
    }
  }
  return { scheme, user, password, host: shareString(host), port, params, headers, raw };
}

/** host:port as written in a URI or Via (IPv6 re-bracketed). */
export function formatHostPort(host: string, port?: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
