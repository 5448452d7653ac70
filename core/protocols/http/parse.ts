/**
 * HTTP/1.1 message parser (RFC 9112): start line, header fields (obs-fold unfolded), body framed by
 * Transfer-Encoding: chunked (de-chunked; trailers ignored) or Content-Length, else — for a
 * response — the rest of the bytes. Input is one message as the stream framer cut it. Pure and
 * total: anything wrong is a problem, never an exception.
 */
import type { HttpMessage } from "./types";
import { decodeText, concatBytes } from "../sip/text";
import { bodilessResponse } from "../../capture/framing/http";

const LF = 10;
const CR = 13;

const STATUS_TEXT: Record<number, string> = { 100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** Standard reason phrase for a status code ("" when unknown). */
export function httpReason(status: number): string {
  return STATUS_TEXT[status] ?? "";
}

function lineEnd(b: Uint8Array, from: number): { content: number; next: number } {
  const lf = b.indexOf(LF, from);
  if (lf < 0) return { content: b.length, next: b.length };
  return { content: lf > from && b[lf - 1] === CR ? lf - 1 : lf, next: lf + 1 };
}

/**
 * `requestMethod`: for a response, the method of the request it answers when known (the capture
 * layer's Pdu.answers): a response to HEAD has no body whatever its Content-Length says.
 */
export function parseHttp(bytes: Uint8Array, requestMethod?: string): HttpMessage {
  const problems: string[] = [];
  const headers: { name: string; value: string }[] = [];
  const msg: HttpMessage = {
    raw: bytes,
    kind: "request",
    version: "",
    headers,
    header: (name: string) => {
      const n = name.toLowerCase();
      return headers.find((h) => h.name.toLowerCase() === n)?.value;
    },
    body: new Uint8Array(0),
    problems,
  };
  try {
    let p = 0;
    // Tolerate empty lines before the start line (RFC 9112 §2.2).
    while (p < bytes.length && (bytes[p] === CR || bytes[p] === LF)) p++;
    const sl = lineEnd(bytes, p);
    const start = decodeText(bytes, p, sl.content);
    p = sl.next;
    const resp = /^(HTTP\/\d(?:\.\d)?) +(\d{3})(?: (.*))?$/.exec(start);
    if (resp) {
      msg.kind = "response";
      msg.version = resp[1];
      msg.status = Number(resp[2]);
      msg.reason = resp[3] ?? "";
    } else {
      const req = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S+) +(HTTP\/\d(?:\.\d)?)$/.exec(start);
      if (req) {
        msg.method = req[1];
        msg.path = req[2];
        msg.version = req[3];
      } else {
        problems.push(`bad HTTP start line "${start.slice(0, 80)}"`);
        const parts = start.split(" ");
        if (parts[0]) msg.method = parts[0];
        if (parts[1]) msg.path = parts[1];
      }
    }
    let terminated = false;
    while (p < bytes.length) {
      const le = lineEnd(bytes, p);
      if (le.content === p) {
        terminated = true;
        p = le.next;
        break;
      }
      const line = decodeText(bytes, p, le.content);
      if ((line[0] === " " || line[0] === "\t") && headers.length) {
        // obs-fold (RFC 9112 §5.2): replace with a space.
        headers[headers.length - 1].value = `${headers[headers.length - 1].value} ${line.trim()}`.trim();
        problems.push("obsolete header line folding");
      } else {
        const colon = line.indexOf(":");
        if (colon <= 0) problems.push(`header line without a name and ':' at offset ${p}`);
        else {
          const name = line.slice(0, colon);
          if (/\s$/.test(name)) problems.push(`whitespace before ':' in header "${name.trim()}"`);
          headers.push({ name: name.trim(), value: line.slice(colon + 1).trim() });
        }
      }
      p = le.next;
    }
    if (!terminated) problems.push("header block not terminated by an empty line");
    msg.body = frameBody(msg, bytes, p, problems, requestMethod);
  } catch (e) {
    problems.push(`internal parser error: ${String(e)}`);
  }
  return msg;
}

function frameBody(msg: HttpMessage, bytes: Uint8Array, at: number, problems: string[], requestMethod: string | undefined): Uint8Array {
  const rest = bytes.subarray(at);
  // RFC 9112 §6.3: 1xx, 204, 304 and any response to HEAD (a 2xx to CONNECT too) end at the header block.
  if (msg.kind === "response" && msg.status !== undefined && bodilessResponse(msg.status, requestMethod)) {
    if (rest.length) problems.push(`${rest.length} bytes after a response that has no body (${requestMethod === "HEAD" ? "to HEAD" : msg.status}) ignored`);
    return rest.subarray(0, 0);
  }
  const te = msg.header("transfer-encoding");
  if (te && /(^|,)\s*chunked\s*$/i.test(te)) return dechunk(rest, problems);
  const clText = msg.header("content-length");
  if (clText !== undefined) {
    const values = clText.split(",").map((s) => s.trim());
    if (!values.every((v) => /^\d+$/.test(v)) || new Set(values).size !== 1) {
      problems.push(`bad Content-Length "${clText}"`);
      return rest;
    }
    const cl = Number(values[0]);
    if (cl > rest.length) {
      problems.push(`Content-Length ${cl} larger than the ${rest.length} bytes present (truncated body)`);
      return rest;
    }
    if (rest.length > cl) problems.push(`${rest.length - cl} bytes after the body ignored`);
    return rest.subarray(0, cl);
  }
  // No framing header: a request has no body; a response runs to the end of the connection.
  if (msg.kind === "request") {
    if (rest.length) problems.push(`${rest.length} bytes after a request without Content-Length ignored`);
    return rest.subarray(0, 0);
  }
  return rest;
}

/** Decode a chunked body (RFC 9112 §7.1). */
export function dechunk(b: Uint8Array, problems: string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let p = 0;
  for (;;) {
    if (p >= b.length) {
      problems.push("chunked body ends without the last (0-size) chunk");
      break;
    }
    const le = lineEnd(b, p);
    const sizeLine = decodeText(b, p, le.content);
    const m = /^([0-9A-Fa-f]{1,8})(?:\s*;.*)?\s*$/.exec(sizeLine);
    if (!m) {
      problems.push(`bad chunk size line "${sizeLine.slice(0, 40)}"`);
      break;
    }
    const size = parseInt(m[1], 16);
    p = le.next;
    if (size === 0) {
      // Skip trailer fields up to the empty line.
      while (p < b.length) {
        const t = lineEnd(b, p);
        const empty = t.content === p;
        p = t.next;
        if (empty) break;
      }
      break;
    }
    if (p + size > b.length) {
      problems.push(`chunk of ${size} bytes truncated (${b.length - p} present)`);
      parts.push(b.subarray(p));
      break;
    }
    parts.push(b.subarray(p, p + size));
    p += size;
    if (b[p] === CR && b[p + 1] === LF) p += 2;
    else if (b[p] === LF) p += 1;
    else {
      problems.push("chunk data not followed by CRLF");
    }
  }
  return concatBytes(parts);
}
