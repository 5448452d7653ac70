import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseHttp } from "./parse";
import { buildHttpRequest, buildHttpResponse } from "./serialize";
import { decodeText, encodeText } from "../sip/text";

const wire = (t: string) => encodeText(t.replace(/\r?\n/g, "\r\n"));

const ROWS: { name: string; bytes: Uint8Array; expect: Record<string, unknown>; body: string; problems: string[] }[] = [
  {
    name: "kamailio xhttp request with Content-Length",
    bytes: wire(`POST /rpc HTTP/1.1\nHost: 127.0.0.1:5060\nContent-Type: application/json\nContent-Length: 40\n\n{"jsonrpc":"2.0","method":"core.uptime"}`),
    expect: { kind: "request", method: "POST", path: "/rpc", version: "HTTP/1.1" },
    body: '{"jsonrpc":"2.0","method":"core.uptime"}',
    problems: [],
  },
  {
    name: "GET without a body",
    bytes: wire(`GET /status?x=1 HTTP/1.1\nHost: a\n\n`),
    expect: { kind: "request", method: "GET", path: "/status?x=1" },
    body: "",
    problems: [],
  },
  {
    name: "chunked response with extension and trailer",
    bytes: wire(`HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;ext=1\nhello\n7\n, world\n0\nX-Trailer: t\n\n`),
    expect: { kind: "response", status: 200, reason: "OK" },
    body: "hello, world",
    problems: [],
  },
  {
    name: "response without framing runs to the end",
    bytes: wire(`HTTP/1.0 500 Internal Server Error\nServer: x\n\ntoo few headers`),
    expect: { status: 500, version: "HTTP/1.0", reason: "Internal Server Error" },
    body: "too few headers",
    problems: [],
  },
  {
    name: "Content-Length larger than the data",
    bytes: wire(`HTTP/1.1 200 OK\nContent-Length: 10\n\nabc`),
    expect: { status: 200 },
    body: "abc",
    problems: ["Content-Length 10 larger than the 3 bytes present (truncated body)"],
  },
  {
    name: "truncated chunk, folded header",
    bytes: wire(`HTTP/1.1 200 OK\nX-Long: a\n  b\nTransfer-Encoding: chunked\n\nA\nabc`),
    expect: { status: 200 },
    body: "abc",
    problems: ["obsolete header line folding", "chunk of 10 bytes truncated (3 present)"],
  },
  {
    name: "garbage start line",
    bytes: wire(`\x16\x03\x01 hello\n\n`),
    expect: { kind: "request" },
    body: "",
    problems: ['bad HTTP start line "\x16\x03\x01 hello"'],
  },
];

describe("parseHttp", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const m = parseHttp(row.bytes);
      expect(m).toMatchObject(row.expect);
      expect(decodeText(m.body)).toBe(row.body);
      expect(m.problems).toEqual(row.problems);
    });
  }
  it.each([
    ["a 304 with Content-Length", "HTTP/1.1 304 Not Modified\nContent-Length: 1234\n\n", undefined, []],
    ["a 204 with Content-Length", "HTTP/1.1 204 No Content\nContent-Length: 10\n\n", undefined, []],
    ["a 200 to HEAD with Content-Length", "HTTP/1.1 200 OK\nContent-Length: 1234\n\n", "HEAD", []],
    ["a 200 to HEAD followed by stray bytes", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", "HEAD", ["3 bytes after a response that has no body (to HEAD) ignored"]],
  ])("%s has no body (RFC 9112 §6.3)", (_name, text, method, problems) => {
    const m = parseHttp(wire(text), method);
    expect(m.body.length).toBe(0);
    expect(m.problems).toEqual(problems);
  });

  it("the same 200 not known to answer HEAD is a truncated body", () => {
    expect(parseHttp(wire("HTTP/1.1 200 OK\nContent-Length: 1234\n\n")).problems).toEqual(["Content-Length 1234 larger than the 0 bytes present (truncated body)"]);
  });

  it("headers are case-insensitive and keep order", () => {
    const m = parseHttp(ROWS[0].bytes);
    expect(m.header("content-type")).toBe("application/json");
    expect(m.header("HOST")).toBe("127.0.0.1:5060");
    expect(m.headers.map((h) => h.name)).toEqual(["Host", "Content-Type", "Content-Length"]);
    expect(parseHttp(ROWS[2].bytes).header("x-long")).toBeUndefined();
    expect(parseHttp(ROWS[5].bytes).header("x-long")).toBe("a b");
  });
  it("never throws on random or mutated bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        parseHttp(b);
      }),
      { numRuns: 500 },
    );
    const base = ROWS[2].bytes;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(base.length), (edits, cut) => {
        const b = base.slice(0, cut);
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        const m = parseHttp(b);
        expect(Array.isArray(m.problems)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("HTTP serialize", () => {
  it("response round-trips and replaces framing headers", () => {
    const bytes = buildHttpResponse(200, { headers: [["Content-Type", "application/json"], ["Content-Length", "999"], ["Transfer-Encoding", "chunked"]], body: '{"ok":true}' });
    expect(decodeText(bytes)).toBe('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
    const m = parseHttp(bytes);
    expect(m).toMatchObject({ kind: "response", status: 200, reason: "OK", problems: [] });
    expect(decodeText(m.body)).toBe('{"ok":true}');
  });
  it("204 has no body; requests get Content-Length only with a body", () => {
    expect(decodeText(buildHttpResponse(204, { body: "x" }))).toBe("HTTP/1.1 204 No Content\r\n\r\n");
    expect(decodeText(buildHttpRequest("GET", "/", { headers: [["Host", "a"]] }))).toBe("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const post = parseHttp(buildHttpRequest("POST", "/rpc", { body: "{}" }));
    expect(post).toMatchObject({ method: "POST", path: "/rpc", problems: [] });
    expect(decodeText(post.body)).toBe("{}");
  });
});
