/**
 * HTTP/1.1 message building for the engine's HTTP endpoint and for tests: start line, headers in
 * the given order, body with Content-Length set (any Content-Length / Transfer-Encoding given is
 * replaced, so the framing always matches the body).
 */
import { concatBytes, encodeText } from "../sip/text";
import { httpReason } from "./parse";

export interface HttpParts {
  headers?: [string, string][];
  body?: Uint8Array | string;
}

function build(startLine: string, parts: HttpParts, withLength: boolean): Uint8Array {
  const body = typeof parts.body === "string" ? encodeText(parts.body) : (parts.body ?? new Uint8Array(0));
  let head = `${startLine}\r\n`;
  for (const [n, v] of parts.headers ?? []) {
    const k = n.toLowerCase();
    if (k === "content-length" || k === "transfer-encoding") continue;
    head += `${n}: ${v}\r\n`;
  }
  if (withLength) head += `Content-Length: ${body.length}\r\n`;
  head += "\r\n";
  return concatBytes([encodeText(head), body]);
}

export function buildHttpResponse(status: number, parts: HttpParts & { reason?: string } = {}): Uint8Array {
  // 1xx and 204 carry no body and no Content-Length (RFC 9110 §8.6).
  const bodyless = (status >= 100 && status < 200) || status === 204;
  return build(`HTTP/1.1 ${status} ${parts.reason ?? httpReason(status)}`, bodyless ? { ...parts, body: undefined } : parts, !bodyless);
}

export function buildHttpRequest(method: string, target: string, parts: HttpParts = {}): Uint8Array {
  const hasBody = parts.body !== undefined && (typeof parts.body === "string" ? parts.body.length > 0 : parts.body.length > 0);
  return build(`${method} ${target} HTTP/1.1`, parts, hasBody || method === "POST" || method === "PUT");
}
