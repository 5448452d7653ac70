import { describe, expect, test } from "vitest";
import { bodilessResponse, frameHttpEx, httpRequestMethod } from "./http";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Where the framed message ends: "header" (at the header block), "all" (the whole input), "more", "until-close" or "none". */
function framed(wire: string, method?: string): string {
  const b = bytes(wire);
  const r = frameHttpEx(b, 0, b.length, true, method);
  if (r.untilClose) return "until-close";
  if (r.framing.kind !== "pdu") return r.framing.kind;
  const { start, end } = r.framing;
  return start !== 0 ? `starts at ${start}` : end === wire.indexOf("\r\n\r\n") + 4 ? "header" : end === wire.length ? "all" : `ends at ${end}`;
}

describe("HTTP/1.1 response framing by status and request method (RFC 9112 §6.3)", () => {
  const head = (status: string, headers: string) => `HTTP/1.1 ${status}\r\n${headers}\r\n`;
  const cases: [string, string, string | undefined, string][] = [
    ["200 with Content-Length answering GET reads the body", head("200 OK", "Content-Length: 4\r\n") + "body", "GET", "all"],
    ["200 with Content-Length, request unseen: the body too", head("200 OK", "Content-Length: 4\r\n") + "body", undefined, "all"],
    ["200 with Content-Length answering HEAD ends at the header block", head("200 OK", "Content-Length: 1234\r\n"), "HEAD", "header"],
    ["HEAD answered chunked: no chunks", head("200 OK", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", "HEAD", "header"],
    ["HEAD answered with no length: not until-close", head("200 OK", "Server: x\r\n"), "HEAD", "header"],
    ["no length answering GET runs until close", head("200 OK", "Server: x\r\n"), "GET", "until-close"],
    ["304 with Content-Length", head("304 Not Modified", "Content-Length: 500\r\n") + "next", "GET", "header"],
    ["204 with Content-Length, request unseen", head("204 No Content", "Content-Length: 7\r\n") + "next", undefined, "header"],
    ["204 chunked", head("204 No Content", "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", "DELETE", "header"],
    ["100 with Content-Length", head("100 Continue", "Content-Length: 9\r\n"), "POST", "header"],
    ["2xx to CONNECT ignores Content-Length", head("200 Connection Established", "Content-Length: 77\r\n") + "\x16\x03", "CONNECT", "header"],
    ["407 to CONNECT has its body", head("407 Proxy Authentication Required", "Content-Length: 4\r\n") + "deny", "CONNECT", "all"],
    ["a request is never bodiless by a method hint", "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", "HEAD", "all"],
    ["HEAD response with its header block incomplete waits", "HTTP/1.1 200 OK\r\nContent-Length: 1", "HEAD", "more"],
  ];
  test.each(cases)("%s", (_n, wire, method, want) => {
    expect(framed(wire, method)).toBe(want);
  });

  test("bodilessResponse and httpRequestMethod", () => {
    expect([100, 101, 199, 204, 304].map((s) => bodilessResponse(s, undefined))).toEqual([true, true, true, true, true]);
    expect([200, 205, 206, 301, 404, 500].map((s) => bodilessResponse(s, "GET"))).toEqual([false, false, false, false, false, false]);
    expect([200, 404].map((s) => bodilessResponse(s, "HEAD"))).toEqual([true, true]);
    expect([200, 299, 300, 407].map((s) => bodilessResponse(s, "CONNECT"))).toEqual([true, true, false, false]);
    expect(["HEAD / HTTP/1.1", "GET / HTTP/1.1", "HEADER / HTTP/1.1", "CONNECT h:1 HTTP/1.1", "OPTIONS sip:x SIP/2.0"].map((s) => httpRequestMethod(bytes(s), 0, s.length))).toEqual(["HEAD", "GET", undefined, "CONNECT", "OPTIONS"]);
  });
});
