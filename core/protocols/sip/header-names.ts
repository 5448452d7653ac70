/**
 * SIP header names: compact forms (RFC 3261 §7.3.3 and the extensions that define one) and which
 * headers are comma-separated lists. Names are case-insensitive; the canonical key is the long
 * lower-case name, so "v", "Via" and "VIA" all index as "via".
 */

const COMPACT: Record<string, string> = {
  a: "accept-contact", // RFC 3841
  b: "referred-by", // RFC 3892
  c: "content-type",
  d: "request-disposition", // RFC 3841
  e: "content-encoding",
  f: "from",
  i: "call-id",
  j: "reject-contact", // RFC 3841
  k: "supported",
  l: "content-length",
  m: "contact",
  n: "identity-info", // RFC 4474
  o: "event", // RFC 6665
  r: "refer-to", // RFC 3515
  s: "subject",
  t: "to",
  u: "allow-events", // RFC 6665
  v: "via",
  x: "session-expires", // RFC 4028
  y: "identity", // RFC 4474 / 8224
};

/** Canonical key of a header name: lower-case long form. */
export function canonicalHeaderKey(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

/** Compact letter -> long lower-case name (for one ASCII byte, lower-cased). */
export function compactToKey(letter: string): string | undefined {
  return COMPACT[letter];
}

/**
 * Headers whose value may legally contain a top-level comma that does NOT separate list elements
 * (dates, credentials, free text, single name-addrs). headerValues() never splits these; every
 * other header is treated as a comma list, which is what RFC 3261 §7.3.1 allows for list headers
 * and is harmless for single-valued tokens.
 */
const NOT_LISTS = new Set([
  "date",
  "www-authenticate",
  "authorization",
  "proxy-authenticate",
  "proxy-authorization",
  "authentication-info",
  "call-id",
  "cseq",
  "from",
  "to",
  "subject",
  "user-agent",
  "server",
  "organization",
  "content-length",
  "content-type",
  "content-disposition",
  "max-forwards",
  "expires",
  "min-expires",
  "mime-version",
  "retry-after",
  "timestamp",
  "priority",
  "reply-to",
  "refer-to",
  "referred-by",
  "replaces",
  "event",
  "subscription-state",
  "rack",
  "rseq",
  "session-expires",
  "min-se",
  "identity",
  "identity-info",
  "p-charging-vector",
  "p-charging-function-addresses",
  "x-call-id",
  "x-cid",
]);

/** True when a header's value is a comma-separated list (see NOT_LISTS). */
export function isListHeader(key: string): boolean {
  return !NOT_LISTS.has(key);
}

/** Display form for a canonical key ("call-id" -> "Call-ID"), used when building messages. */
export function displayHeaderName(key: string): string {
  const special: Record<string, string> = { "call-id": "Call-ID", cseq: "CSeq", "www-authenticate": "WWW-Authenticate", "mime-version": "MIME-Version", rseq: "RSeq", rack: "RAck" };
  return special[key] ?? key.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}
