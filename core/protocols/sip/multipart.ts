/**
 * multipart/* bodies (RFC 2046 §5.1, used by SIP for SDP + ISUP, SDP + PIDF-LO, resource lists):
 * split a body into its parts, each with its own headers and byte range. Pure and never throws;
 * missing boundary or close delimiter becomes a problem. Nested multiparts are returned as one
 * part whose contentType says multipart — call splitMultipart again on it.
 */
import { parseParams, unquote } from "./header-values";
import { decodeText, encodeText } from "./text";

export interface BodyPart {
  headers: { name: string; value: string }[];
  /** Value of the part's Content-Type header, if any. */
  contentType?: string;
  body: Uint8Array;
  /** Offset of the part's body within the multipart body. */
  offset: number;
}

export interface Multipart {
  boundary?: string;
  parts: BodyPart[];
  problems: string[];
}

/** The boundary parameter of a multipart Content-Type, unquoted. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const semi = contentType.indexOf(";");
  if (semi < 0 || !/^\s*multipart\//i.test(contentType)) return undefined;
  const b = parseParams(contentType.slice(semi + 1)).boundary;
  return b ? unquote(b) : undefined;
}

/** Is `at` the start of a line (offset 0 or after LF) holding "--boundary"? */
function delimiterAt(body: Uint8Array, at: number, delim: Uint8Array): boolean {
  if (at + delim.length > body.length) return false;
  if (at > 0 && body[at - 1] !== 10) return false;
  for (let i = 0; i < delim.length; i++) if (body[at + i] !== delim[i]) return false;
  return true;
}

export function splitMultipart(body: Uint8Array, contentType: string | undefined): Multipart {
  const problems: string[] = [];
  const boundary = multipartBoundary(contentType);
  if (!boundary) return { parts: [], problems: ["multipart body without a boundary parameter"] };
  const delim = encodeText("--" + boundary);
  // Every delimiter line start.
  const starts: number[] = [];
  for (let i = body.indexOf(delim[0]); i >= 0 && i < body.length; i = body.indexOf(delim[0], i + 1)) {
    if (delimiterAt(body, i, delim)) starts.push(i);
  }
  if (starts.length === 0) return { boundary, parts: [], problems: [`boundary "${boundary}" not found in body`] };
  const parts: BodyPart[] = [];
  let closed = false;
  for (let k = 0; k < starts.length; k++) {
    const d = starts[k];
    const afterDelim = d + delim.length;
    if (body[afterDelim] === 45 && body[afterDelim + 1] === 45) {
      closed = true;
      break;
    }
    const lf = body.indexOf(10, afterDelim);
    if (lf < 0) break;
    const partStart = lf + 1;
    // The CRLF before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let partEnd = k + 1 < starts.length ? starts[k + 1] : body.length;
    if (k + 1 < starts.length) {
      if (partEnd > partStart && body[partEnd - 1] === 10) partEnd--;
      if (partEnd > partStart && body[partEnd - 1] === 13) partEnd--;
    }
    parts.push(parsePart(body, partStart, Math.max(partStart, partEnd)));
  }
  if (!closed) problems.push("multipart body without a close delimiter");
  return { boundary, parts, problems };
}

function parsePart(body: Uint8Array, start: number, end: number): BodyPart {
  const headers: { name: string; value: string }[] = [];
  let p = start;
  let bodyStart = start;
  for (;;) {
    if (p >= end) {
      bodyStart = end;
      break;
    }
    let lf = body.indexOf(10, p);
    if (lf < 0 || lf >= end) lf = end;
    const ce = lf > p && body[lf - 1] === 13 ? lf - 1 : lf;
    if (ce === p) {
      bodyStart = Math.min(lf + 1, end);
      break;
    }
    const line = decodeText(body, p, ce);
    if ((line[0] === " " || line[0] === "\t") && headers.length) {
      headers[headers.length - 1].value += " " + line.trim();
    } else {
      const colon = line.indexOf(":");
      if (colon < 0) {
        // No header block: the part is all body.
        bodyStart = p;
        break;
      }
      headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
    p = lf + 1;
  }
  const ct = headers.find((h) => h.name.toLowerCase() === "content-type" || h.name.toLowerCase() === "c");
  return { headers, contentType: ct?.value, body: body.subarray(bodyStart, end), offset: bodyStart };
}
