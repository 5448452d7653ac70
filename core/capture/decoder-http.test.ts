/**
 * HTTP/1.1 framing on TCP that depends on the request a response answers (RFC 9112 §6.3):
 * responses to HEAD, 1xx/204/304 responses and a 2xx to CONNECT have no body whatever their
 * Content-Length / Transfer-Encoding say. Each case is one connection written as raw wire text,
 * decoded with two segment sizes and fed to the decoder whole and byte by byte.
 */
import { describe, expect, test } from "vitest";
import { createCaptureDecoder } from "./decoder";
import type { CaptureProblem, Endpoint, Pdu } from "./types";
import { writePcap } from "./pcap-writer";
import { TcpFlowBuilder, utf8 } from "./packet-builder";

const CLIENT: Endpoint = { ip: "10.0.0.1", port: 43000 };
const SERVER: Endpoint = { ip: "10.0.0.3", port: 8080 };

type Step = ["client" | "server", string] | ["lose", "client" | "server", string] | ["fin", "client" | "server"];

interface Case {
  name: string;
  steps: Step[];
  /** One row per PDU: "> start line | body" (request) or "< start line | body" (response). */
  want: string[];
  problems?: RegExp[];
  /** Skip the handshake (the capture started mid-connection). */
  midConnection?: boolean;
}

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function row(p: Pdu): string {
  const s = text(p.bytes);
  const he = s.indexOf("\r\n\r\n");
  const dir = p.src.port === CLIENT.port ? ">" : "<";
  return `${dir} ${s.slice(0, s.indexOf("\r\n"))} | ${he < 0 ? "?" : s.slice(he + 4)}`;
}

function packets(c: Case, mss: number): Uint8Array[] {
  const f = new TcpFlowBuilder(CLIENT, SERVER, { mss });
  const hs = f.handshake();
  const out: Uint8Array[] = c.midConnection ? [] : [...hs];
  for (const s of c.steps) {
    if (s[0] === "fin") out.push(f.fin(s[1]));
    else if (s[0] === "lose") f.send(s[1], utf8(s[2])); // sequence numbers advance; the packets are not captured
    else out.push(...f.send(s[0], utf8(s[1])));
  }
  return out;
}

function run(bytes: Uint8Array, chunk: number): { pdus: Pdu[]; problems: CaptureProblem[] } {
  const pdus: Pdu[] = [];
  const problems: CaptureProblem[] = [];
  const d = createCaptureDecoder({ pdu: (p) => pdus.push(p), problem: (p) => problems.push(p), connection: () => {} });
  for (let o = 0; o < bytes.length; o += chunk) d.push(bytes.slice(o, o + chunk));
  d.end();
  return { pdus, problems };
}

const ok = (headers: string, body = "") => `HTTP/1.1 200 OK\r\n${headers}\r\n${body}`;

const cases: Case[] = [
  {
    name: "HEAD with Content-Length, then GET on the same connection",
    steps: [
      ["client", "HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 1234\r\n")],
      ["client", "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 5\r\n", "hello")],
    ],
    want: ["> HEAD /file HTTP/1.1 | ", "< HTTP/1.1 200 OK | ", "> GET /file HTTP/1.1 | ", "< HTTP/1.1 200 OK | hello"],
  },
  {
    name: "pipelined GET, HEAD, GET answered in order",
    steps: [
      ["client", "GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 3\r\n", "abc") + ok("Content-Length: 99\r\n") + ok("Content-Length: 2\r\n", "xy")],
    ],
    want: ["> GET /a HTTP/1.1 | ", "> HEAD /b HTTP/1.1 | ", "> GET /c HTTP/1.1 | ", "< HTTP/1.1 200 OK | abc", "< HTTP/1.1 200 OK | ", "< HTTP/1.1 200 OK | xy"],
  },
  {
    name: "HEAD answered with chunked Transfer-Encoding: no chunks follow",
    steps: [
      ["client", "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Transfer-Encoding: chunked\r\n") + ok("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n")],
    ],
    want: ["> HEAD /c HTTP/1.1 | ", "> GET /c HTTP/1.1 | ", "< HTTP/1.1 200 OK | ", "< HTTP/1.1 200 OK | 3\r\nabc\r\n0\r\n\r\n"],
  },
  {
    name: "HEAD answered without any length: not a read-until-close body",
    steps: [
      ["client", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Server: t\r\n")],
      ["client", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 2\r\n", "ok")],
    ],
    want: ["> HEAD / HTTP/1.1 | ", "< HTTP/1.1 200 OK | ", "> GET / HTTP/1.1 | ", "< HTTP/1.1 200 OK | ok"],
  },
  {
    name: "304 and 204 carrying Content-Length have no body (RFC 9112 §6.3 item 1)",
    steps: [
      ["client", 'GET /a HTTP/1.1\r\nIf-None-Match: "e"\r\n\r\n'],
      ["server", "HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n"],
      ["client", "DELETE /a HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"],
      ["client", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 2\r\n", "ok")],
    ],
    want: ["> GET /a HTTP/1.1 | ", "< HTTP/1.1 304 Not Modified | ", "> DELETE /a HTTP/1.1 | ", "< HTTP/1.1 204 No Content | ", "> GET /b HTTP/1.1 | ", "< HTTP/1.1 200 OK | ok"],
  },
  {
    name: "a 100 Continue is interim: the final response still answers the same request",
    steps: [
      ["client", "POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"],
      ["server", "HTTP/1.1 100 Continue\r\nContent-Length: 9\r\n\r\n"],
      ["client", "dataHEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 2\r\n", "ok") + ok("Content-Length: 99\r\n")],
      ["client", "GET /g HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 1\r\n", "z")],
    ],
    want: ["< HTTP/1.1 100 Continue | ", "> POST /up HTTP/1.1 | data", "> HEAD /h HTTP/1.1 | ", "< HTTP/1.1 200 OK | ok", "< HTTP/1.1 200 OK | ", "> GET /g HTTP/1.1 | ", "< HTTP/1.1 200 OK | z"],
  },
  {
    name: "capture started mid-connection: a response with no request seen is framed by its Content-Length",
    midConnection: true,
    steps: [
      ["server", ok("Content-Length: 5\r\n", "hello")],
      ["client", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 5\r\n")],
    ],
    want: ["< HTTP/1.1 200 OK | hello", "> HEAD / HTTP/1.1 | ", "< HTTP/1.1 200 OK | "],
  },
  {
    name: "a gap loses the pairing: later responses are framed as if their requests were unseen",
    steps: [
      ["client", "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["lose", "server", ok("Content-Length: 1234\r\n")],
      ["client", "GET /y HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", ok("Content-Length: 2\r\n", "ok")],
      ["fin", "server"],
    ],
    want: ["> HEAD /x HTTP/1.1 | ", "> GET /y HTTP/1.1 | ", "< HTTP/1.1 200 OK | ok"],
    problems: [/^TCP gap of 41 bytes in 10\.0\.0\.3:8080 -> 10\.0\.0\.1:43000$/],
  },
  {
    name: "CONNECT 200 makes a tunnel: what follows is not HTTP and not a problem",
    steps: [
      ["client", "CONNECT sip.example.com:443 HTTP/1.1\r\nHost: sip.example.com:443\r\n\r\n"],
      ["server", "HTTP/1.1 200 Connection Established\r\nContent-Length: 77\r\n\r\n"],
      ["client", "\x16\x03\x01\x00\x05hello GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["server", "\x16\x03\x03\x00\x02hi\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"],
    ],
    want: ["> CONNECT sip.example.com:443 HTTP/1.1 | ", "< HTTP/1.1 200 Connection Established | "],
  },
  {
    name: "CONNECT refused (407) keeps the connection HTTP; the retried CONNECT's 200 tunnels",
    steps: [
      ["client", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"],
      ["server", "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny"],
      ["client", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n"],
      ["server", "HTTP/1.1 200 OK\r\n\r\n"],
      ["client", "\x16\x03\x01\x00\x01x"],
    ],
    want: ["> CONNECT h:443 HTTP/1.1 | ", "< HTTP/1.1 407 Proxy Authentication Required | deny", "> CONNECT h:443 HTTP/1.1 | ", "< HTTP/1.1 200 OK | "],
  },
];

describe("HTTP responses framed by the request they answer", () => {
  test.each(cases.flatMap((c) => [1460, 7].map((mss) => [c.name, mss, c] as const)))("%s (segments of %i bytes)", (_name, mss, c) => {
    const bytes = writePcap(packets(c, mss).map((p, i) => ({ time: 1000 + i, bytes: p })));
    const whole = run(bytes, bytes.length);
    const slow = run(bytes, 1);
    const summary = (o: ReturnType<typeof run>) => [o.pdus.map((p) => [p.frame, text(p.bytes), p.problems]), o.problems.map((p) => p.reason)];
    expect(summary(slow)).toEqual(summary(whole));
    // each direction in wire order (how the two directions interleave depends on the segment size)
    const rows = whole.pdus.map(row);
    for (const dir of [">", "<"]) expect(rows.filter((r) => r.startsWith(dir))).toEqual(c.want.filter((r) => r.startsWith(dir)));
    expect(rows).toHaveLength(c.want.length);
    expect(whole.pdus.filter((p) => p.problems?.length)).toEqual([]);
    const want = c.problems ?? [];
    expect(whole.problems).toHaveLength(want.length);
    whole.problems.forEach((p, i) => expect(p.reason).toMatch(want[i]));
  });

  test("each response names the request it answers (Pdu.answers), so the parser knows a HEAD response has no body", () => {
    const c = cases.find((x) => x.name.startsWith("pipelined GET, HEAD, GET"))!;
    const bytes = writePcap(packets(c, 1460).map((p, i) => ({ time: 1000 + i, bytes: p })));
    const { pdus } = run(bytes, bytes.length);
    expect(pdus.map((p) => [text(p.bytes).slice(0, 4), p.answers])).toEqual([
      ["GET ", undefined],
      ["HEAD", undefined],
      ["GET ", undefined],
      ["HTTP", "GET"],
      ["HTTP", "HEAD"],
      ["HTTP", "GET"],
    ]);
  });
});
