/**
 * Building SIP messages as text. The engine forwards by rewriting header *lines* (Via, Route,
 * Record-Route, Max-Forwards) and copies everything else byte for byte (latin1 string <-> bytes is
 * lossless), so a proxied message keeps whatever the endpoint wrote.
 */
import type { SipMessage } from "../protocols/sip/types";
import { decodeLatin1, encodeText } from "../protocols/sip/text";
import { splitHeaderList } from "../protocols/sip/header-values";

export interface HeaderLine {
  name: string;
  value: string;
}

export const REASONS: Record<number, string> = {
  100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 183: "Session Progress",
  200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 408: "Request Timeout", 413: "Request Entity Too Large", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
  420: "Bad Extension", 423: "Interval Too Brief", 480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
  482: "Loop Detected", 483: "Too Many Hops", 486: "Busy Here", 487: "Request Terminated", 489: "Bad Event",
  500: "Server Internal Error", 501: "Not Implemented", 503: "Service Unavailable", 504: "Server Time-out", 513: "Message Too Large",
};

export const ENGINE_ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, MESSAGE, INFO, UPDATE, PRACK, REFER";
export const KNOWN_METHODS = new Set(ENGINE_ALLOW.split(", "));
export const SERVER_NAME = "SIPScope engine";

export function latin1(bytes: Uint8Array): string {
  return decodeLatin1(bytes);
}

export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** The header lines of a parsed message, in wire order (folding already undone by the parser). */
export function headerLines(msg: SipMessage): HeaderLine[] {
  return msg.fields.map((f) => ({ name: f.name, value: f.value }));
}

function assemble(startLine: string, headers: readonly HeaderLine[], body: Uint8Array | undefined): Uint8Array {
  let head = startLine + "\r\n";
  for (const h of headers) {
    if (h.name.toLowerCase() === "content-length" || h.name === "l") continue;
    head += `${h.name}: ${h.value}\r\n`;
  }
  const len = body ? body.length : 0;
  head += `Content-Length: ${len}\r\n\r\n`;
  // Header values come from the parser decoded as UTF-8, so they go back out as UTF-8.
  const headBytes = encodeText(head);
  if (!len) return headBytes;
  const out = new Uint8Array(headBytes.length + len);
  out.set(headBytes);
  out.set(body!, headBytes.length);
  return out;
}

export function serializeRequest(method: string, uri: string, headers: readonly HeaderLine[], body?: Uint8Array): Uint8Array {
  return assemble(`${method} ${uri} SIP/2.0`, headers, body);
}

export function serializeResponse(status: number, reason: string | undefined, headers: readonly HeaderLine[], body?: Uint8Array): Uint8Array {
  return assemble(`SIP/2.0 ${status} ${reason ?? REASONS[status] ?? "Unknown"}`, headers, body);
}

const isVia = (name: string) => name.toLowerCase() === "via" || name === "v";
const keyOf = (name: string) => {
  const n = name.toLowerCase();
  return ({ v: "via", f: "from", t: "to", i: "call-id", m: "contact", l: "content-length", c: "content-type" } as Record<string, string>)[n] ?? n;
};

/** Add `received`/`rport` to the top Via value (RFC 3261 §18.2.1, RFC 3581 §4). */
export function stampVia(value: string, srcIp: string, srcPort: number): string {
  const [top, ...rest] = splitHeaderList(value);
  let v = top;
  const hostMatch = /^\s*SIP\s*\/\s*2\.0\s*\/\s*\S+\s+(\[[^\]]+\]|[^\s;:]+)/i.exec(v);
  if (/;\s*rport(?=\s*(;|$))/i.test(v)) v = v.replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${srcPort}`);
  if (hostMatch && hostMatch[1] !== srcIp && !/;\s*received=/i.test(v)) v += `;received=${srcIp}`;
  return [v, ...rest].join(", ");
}

export interface ResponseOptions {
  toTag?: string;
  headers?: HeaderLine[];
  body?: Uint8Array;
  contentType?: string;
  reason?: string;
  /** Source of the request: stamps received/rport on the top Via. */
  source?: { ip: string; port: number };
  /** Server header value (default "SIPScope engine"). */
  server?: string;
}

/** A response to `req` (RFC 3261 §8.2.6): Via, From, To (+tag), Call-ID, CSeq copied; RR copied for dialogs. */
export function buildResponse(req: SipMessage, status: number, opts: ResponseOptions = {}): Uint8Array {
  const out: HeaderLine[] = [];
  let firstVia = true;
  const copyRR = status > 100 && status < 300 && req.method !== "REGISTER";
  for (const f of req.fields) {
    const k = keyOf(f.name);
    if (k === "via") {
      out.push({ name: f.name, value: firstVia && opts.source ? stampVia(f.value, opts.source.ip, opts.source.port) : f.value });
      firstVia = false;
    } else if (k === "from" || k === "call-id" || k === "cseq") out.push({ name: f.name, value: f.value });
    else if (k === "to") {
      const needTag = status > 100 && opts.toTag && !/;\s*tag=/i.test(f.value);
      out.push({ name: f.name, value: needTag ? `${f.value};tag=${opts.toTag}` : f.value });
    } else if (k === "record-route" && copyRR) out.push({ name: f.name, value: f.value });
  }
  out.push({ name: "Server", value: opts.server ?? SERVER_NAME });
  if (opts.headers) out.push(...opts.headers);
  if (opts.body && opts.contentType) out.push({ name: "Content-Type", value: opts.contentType });
  return serializeResponse(status, opts.reason, out, opts.body);
}

/** Remove the first Via value (a proxy forwarding a response upstream, §16.7 step 3). */
export function popTopVia(headers: HeaderLine[]): HeaderLine[] {
  const out = headers.slice();
  const i = out.findIndex((h) => isVia(h.name));
  if (i < 0) return out;
  const values = splitHeaderList(out[i].value);
  if (values.length <= 1) out.splice(i, 1);
  else out[i] = { name: out[i].name, value: values.slice(1).join(", ") };
  return out;
}

/** Remove the first Route value. */
export function popTopRoute(headers: HeaderLine[]): HeaderLine[] {
  const out = headers.slice();
  const i = out.findIndex((h) => h.name.toLowerCase() === "route");
  if (i < 0) return out;
  const values = splitHeaderList(out[i].value);
  if (values.length <= 1) out.splice(i, 1);
  else out[i] = { name: out[i].name, value: values.slice(1).join(", ") };
  return out;
}

export function messageText(msg: SipMessage): string {
  return latin1(msg.raw);
}
