/**
 * HTTP Digest for SIP (RFC 3261 §22, RFC 2617, algorithm MD5 per RFC 8760): build a challenge, parse
 * an Authorization header, verify a response. Pure: the nonce's randomness comes in from the caller.
 */
import { md5Hex } from "./md5";

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  qop?: "auth";
  stale?: boolean;
}

export function challengeHeader(c: DigestChallenge): string {
  let v = `Digest realm="${c.realm}", nonce="${c.nonce}", algorithm=MD5`;
  if (c.qop) v += `, qop="${c.qop}"`;
  if (c.opaque) v += `, opaque="${c.opaque}"`;
  if (c.stale) v += ", stale=true";
  return v;
}

/** Parameters of `Authorization: Digest k=v, k="v"`; undefined when the scheme is not Digest. */
export function parseDigestCredentials(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  const m = /^\s*Digest\s+/i.exec(value);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  const rest = value.slice(m[0].length);
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest))) out[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  return out;
}

export function ha1(user: string, realm: string, password: string): string {
  return md5Hex(`${user}:${realm}:${password}`);
}

/** The expected `response` for credentials `c` on `method`, given HA1. */
export function expectedResponse(ha1Hex: string, method: string, c: Record<string, string>): string {
  const ha2 = md5Hex(`${method}:${c.uri ?? ""}`);
  if (c.qop) return md5Hex(`${ha1Hex}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`);
  return md5Hex(`${ha1Hex}:${c.nonce}:${ha2}`);
}

export type DigestVerdict = "ok" | "bad-response" | "unknown-nonce" | "malformed";

export function verifyDigest(ha1Hex: string, method: string, c: Record<string, string>, nonceKnown: (nonce: string) => boolean): DigestVerdict {
  if (!c.nonce || !c.response || !c.username) return "malformed";
  if (c.algorithm && c.algorithm.toUpperCase() !== "MD5") return "malformed";
  if (!nonceKnown(c.nonce)) return "unknown-nonce";
  return expectedResponse(ha1Hex, method, c) === c.response.toLowerCase() ? "ok" : "bad-response";
}
