/**
 * SIP message building and byte-preserving rewriting.
 *
 * buildRequest/buildResponse make a message from parts (start line, ordered headers, body) and
 * always set Content-Length to the body's byte length. withHeaders() rewrites a parsed message:
 * edited header fields are re-written as "Name: value", every other byte (other fields, their
 * spacing and folding, unparsed lines, the body) is copied unchanged. This is what the engine and
 * replay use to rewrite Call-ID, tags, branches, Via and Contact without disturbing the rest.
 */
import type { SipMessage } from "./types";
import { canonicalHeaderKey } from "./header-names";
import { fieldLines, startLineSpan } from "./parse";
import { concatBytes, decodeText, encodeText } from "./text";

export type Body = Uint8Array | string;

export interface SipRequestParts {
  method: string;
  uri: string;
  /** Headers in wire order; a Content-Length here is replaced by the real one. */
  headers: readonly (readonly [string, string])[];
  body?: Body;
  version?: string;
}

export interface SipResponseParts {
  status: number;
  /** Default: the RFC 3261 reason phrase for the status. */
  reason?: string;
  headers: readonly (readonly [string, string])[];
  body?: Body;
  version?: string;
}

const REASONS: Record<number, string> = {
  100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued", 183: "Session Progress", 199: "Early Dialog Terminated",
  200: "OK", 202: "Accepted", 204: "No Notification",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy", 380: "Alternative Service",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone", 412: "Conditional Request Failed",
  413: "Request Entity Too Large", 414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
  420: "Bad Extension", 421: "Extension Required", 422: "Session Interval Too Small", 423: "Interval Too Brief",
  480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops",
  484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
  489: "Bad Event", 491: "Request Pending", 493: "Undecipherable",
  500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Server Time-out",
  505: "Version Not Supported", 513: "Message Too Large", 580: "Precondition Failure",
  600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
};

/** RFC 3261 §21 reason phrase ("" when the code has none registered). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

function bodyBytes(body: Body | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === "string" ? encodeText(body) : body;
}

function build(startLine: string, headers: readonly (readonly [string, string])[], body: Body | undefined): Uint8Array {
  const b = bodyBytes(body);
  let head = `${startLine}\r\n`;
  let wroteLength = false;
  for (const [name, value] of headers) {
    if (canonicalHeaderKey(name) === "content-length") {
      if (wroteLength) continue;
      head += `${name}: ${b.length}\r\n`;
      wroteLength = true;
    } else head += `${name}: ${value}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${b.length}\r\n`;
  head += "\r\n";
  return concatBytes([encodeText(head), b]);
}

export function buildRequest(p: SipRequestParts): Uint8Array {
  return build(`${p.method} ${p.uri} ${p.version ?? "SIP/2.0"}`, p.headers, p.body);
}

export function buildResponse(p: SipResponseParts): Uint8Array {
  return build(`${p.version ?? "SIP/2.0"} ${p.status} ${p.reason ?? reasonPhrase(p.status)}`, p.headers, p.body);
}

/** The parts of a parsed message (fields as written, unfolded), for re-building or comparing. */
export function partsOf(msg: SipMessage): SipRequestParts | SipResponseParts {
  const headers = msg.fields.map((f) => [f.name, f.value] as const);
  if (msg.kind === "response") return { status: msg.status ?? 0, reason: msg.reason ?? "", headers, body: msg.body };
  return { method: msg.method ?? "", uri: msg.requestUri ?? "", headers, body: msg.body };
}

/**
 * One header edit. Names are matched like header() does (any case, compact forms).
 * - { name, value }            every field of that name is replaced: a string -> one field, an
 *                              array -> one field per value (at the first field's place), null -> removed;
 *                              when the header is absent, new fields are appended.
 * - { name, field, value }     only the field-th field (0-based) is replaced or removed.
 * - { name, element, value }   only the element-th list value (as headerValues() counts them) is
 *                              replaced or removed; the rest of its field is kept.
 * - { name, add, position }    a new field before the first / after the last field of that name
 *                              (at the end of the headers when there is none). "first" is how a
 *                              proxy pushes its Via.
 */
export interface HeaderEdit {
  name: string;
  value?: string | readonly string[] | null;
  field?: number;
  element?: number;
  add?: string;
  position?: "first" | "last";
}

export interface MessageEdits {
  /** New start line (without CRLF). */
  startLine?: string;
  headers?: readonly HeaderEdit[];
  /** New body; Content-Length is updated to match. */
  body?: Body;
}

/** Ranges [start, end) of each trimmed top-level list element of a header value. */
function listRanges(value: string): [number, number][] {
  const out: [number, number][] = [];
  let inQuote = false;
  let angle = 0;
  let start = 0;
  const push = (s: number, e: number) => {
    while (s < e && /\s/.test(value[s])) s++;
    while (e > s && /\s/.test(value[e - 1])) e--;
    if (e > s) out.push([s, e]);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === "<") angle++;
    else if (c === ">") angle = Math.max(0, angle - 1);
    else if (c === "," && angle === 0) {
      push(start, i);
      start = i + 1;
    }
  }
  push(start, value.length);
  return out;
}

/** Rewrite a parsed message; returns the new bytes. See HeaderEdit for the edit forms. */
export function withHeaders(msg: SipMessage, edits: readonly HeaderEdit[] | MessageEdits): Uint8Array {
  const e: MessageEdits = Array.isArray(edits) ? { headers: edits as readonly HeaderEdit[] } : (edits as MessageEdits);
  const raw = msg.raw;
  const lines = fieldLines(msg) ?? [];
  const span = startLineSpan(msg) ?? { start: 0, end: 0 };
  const eolBytes = raw[span.end] === 13 ? "\r\n" : "\n";
  const names = lines.map((l) => decodeText(raw, l.start, l.nameEnd));

  // Per field: undefined = keep bytes; null = drop; string[] = write these values.
  const replace: (string[] | null | undefined)[] = lines.map(() => undefined);
  const before: string[][] = lines.map(() => []);
  const after: string[][] = lines.map(() => []);
  const appended: string[] = [];
  const headerEdits = [...(e.headers ?? [])];
  if (e.body !== undefined) headerEdits.push({ name: "content-length", value: String(bodyBytes(e.body).length) });

  for (const ed of headerEdits) {
    const key = canonicalHeaderKey(ed.name);
    const idx = lines.map((l, i) => (l.key === key ? i : -1)).filter((i) => i >= 0);
    const line = (name: string, v: string) => `${name}: ${v}`;
    if (ed.add !== undefined) {
      if (idx.length === 0) appended.push(line(ed.name, ed.add));
      else if (ed.position === "first") before[idx[0]].push(line(names[idx[0]], ed.add));
      else after[idx[idx.length - 1]].push(line(names[idx[idx.length - 1]], ed.add));
    } else if (ed.field !== undefined) {
      const i = idx[ed.field];
      if (i !== undefined) replace[i] = ed.value === null || ed.value === undefined ? null : typeof ed.value === "string" ? [ed.value] : [...ed.value];
    } else if (ed.element !== undefined) {
      let n = ed.element;
      for (const i of idx) {
        const current = replace[i] === undefined ? msg.fields[i].value : (replace[i] ?? []).join(", ");
        const ranges = listRanges(current);
        if (n >= ranges.length) {
          n -= ranges.length;
          continue;
        }
        const [s, t] = ranges[n];
        let next: string;
        if (typeof ed.value === "string") next = current.slice(0, s) + ed.value + current.slice(t);
        else {
          const keep = ranges.filter((_r, k) => k !== n).map(([a, b]) => current.slice(a, b));
          next = keep.join(", ");
        }
        replace[i] = next.trim() ? [next] : null;
        break;
      }
    } else {
      const values = ed.value === null || ed.value === undefined ? [] : typeof ed.value === "string" ? [ed.value] : [...ed.value];
      if (idx.length === 0) for (const v of values) appended.push(line(ed.name, v));
      else {
        idx.forEach((i, k) => (replace[i] = k === 0 && values.length ? values : null));
      }
    }
  }

  const out: Uint8Array[] = [];
  let cursor = 0;
  if (e.startLine !== undefined) {
    out.push(raw.subarray(0, span.start), encodeText(e.startLine));
    cursor = span.end;
  }
  const text = (s: string) => encodeText(s + eolBytes);
  lines.forEach((l, i) => {
    out.push(raw.subarray(cursor, l.start));
    for (const b of before[i]) out.push(text(b));
    const r = replace[i];
    if (r === undefined) out.push(raw.subarray(l.start, l.end));
    else if (r !== null) for (const v of r) out.push(text(`${names[i]}: ${v}`));
    for (const a of after[i]) out.push(text(a));
    cursor = l.end;
  });
  const headEnd = lines.length ? Math.max(cursor, lines[lines.length - 1].end) : Math.min(raw.length, span.end + (eolBytes.length));
  out.push(raw.subarray(cursor, headEnd));
  for (const a of appended) out.push(text(a));
  if (e.body !== undefined) {
    out.push(raw.subarray(headEnd, msg.bodyOffset), bodyBytes(e.body));
  } else out.push(raw.subarray(headEnd));
  return concatBytes(out);
}

/**
 * Set (or with null remove) a parameter of a header value, keeping the rest of the text:
 * setHeaderParam('"A" <sip:a@x;lr>;tag=1', "tag", "2") -> '"A" <sip:a@x;lr>;tag=2'.
 * Parameters are those after the closing '>' of a name-addr, else after the first ';' (bare URI, Via).
 */
export function setHeaderParam(value: string, name: string, newValue: string | null | true): string {
  let i = 0;
  let inQuote = false;
  let angleClose = -1;
  let firstSemi = -1;
  for (; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === "<") {
      const close = value.indexOf(">", i);
      if (close >= 0) {
        angleClose = close;
        i = close;
      }
    } else if (c === ";" && firstSemi < 0 && angleClose < 0) firstSemi = i;
  }
  const paramStart = angleClose >= 0 ? value.indexOf(";", angleClose) : firstSemi;
  const head = paramStart < 0 ? value.trimEnd() : value.slice(0, paramStart);
  const segs = paramStart < 0 ? [] : value.slice(paramStart + 1).split(";");
  const lname = name.toLowerCase();
  let found = false;
  const outSegs: string[] = [];
  for (const seg of segs) {
    const eq = seg.indexOf("=");
    const segName = (eq < 0 ? seg : seg.slice(0, eq)).trim().toLowerCase();
    if (segName === lname) {
      found = true;
      if (newValue === null) continue;
      outSegs.push(newValue === true ? seg.slice(0, eq < 0 ? seg.length : eq).trimEnd() : `${eq < 0 ? seg.trimEnd() : seg.slice(0, eq)}=${newValue}`);
    } else outSegs.push(seg);
  }
  if (!found && newValue !== null) outSegs.push(newValue === true ? name : `${name}=${newValue}`);
  return outSegs.length ? `${head};${outSegs.join(";")}` : head;
}
