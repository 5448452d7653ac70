/**
 * appendMessageJson must give exactly JSON.stringify(messageDTOAt(ctx, i)): over every message of
 * every sample, public and lab capture (so a field added to the DTO and not here fails), and over
 * hand-made messages whose values JSON escapes or writes oddly (quotes, control chars, lone
 * surrogates, U+2028, NaN, undefined), plus random ones.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { loadFiles } from "../node/ingest";
import { analyzeRun, messageDTOAt } from "./analyze";
import { appendMessageJson, appendMessageJsonGeneral, JsonBytes, seconds, type MessageJsonContext } from "./message-json";
import type { AnalysisContext } from "./context";
import type { Observed } from "./model";
import type { SipMessage } from "../protocols/sip/types";
import type { DiameterMessage } from "../protocols/diameter/types";
import type { HttpMessage } from "../protocols/http/types";
import { parseSip } from "../protocols/sip/parse";
import { parseHttp } from "../protocols/http/parse";
import { repoRoot, sharedDir } from "../../test/shared";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Each message's text from appendMessageJson (or its general path alone), written one after
 * another into one small buffer (it must grow).
 */
function written(ctx: MessageJsonContext, append = appendMessageJson): string[] {
  const out = new JsonBytes(64);
  const ends: number[] = [];
  for (let i = 0; i < ctx.msgs.length; i++) {
    append(out, ctx, i);
    ends.push(out.length);
  }
  const all = out.bytes.subarray(0, out.length);
  return ends.map((end, i) => decoder.decode(all.subarray(i ? ends[i - 1] : 0, end)));
}

/** Both paths, each compared with the DTO's JSON. */
function expectSame(ctx: MessageJsonContext): void {
  const want = expected(ctx);
  expect(firstDifference(written(ctx), want)).toBeUndefined();
  expect(firstDifference(written(ctx, appendMessageJsonGeneral), want)).toBeUndefined();
}

function expected(ctx: MessageJsonContext): string[] {
  return ctx.msgs.map((_, i) => JSON.stringify(messageDTOAt(ctx as AnalysisContext, i)));
}

/** First differing message, for a readable failure (toEqual on 10^3 long strings is not). */
function firstDifference(got: string[], want: string[]): string | undefined {
  if (got.length !== want.length) return `${got.length} messages written, ${want.length} expected`;
  const i = got.findIndex((g, k) => g !== want[k]);
  return i < 0 ? undefined : `message ${i}:\n got  ${got[i]}\n want ${want[i]}`;
}

function listCaptures(): { name: string; files: string[] }[] {
  const list: { name: string; files: string[] }[] = [];
  const samples = path.join(repoRoot, "samples");
  if (existsSync(samples)) {
    for (const f of readdirSync(samples).filter((f) => f.endsWith(".pcap")).sort()) {
      const log = path.join(samples, f.replace(/\.pcap$/, ".log"));
      list.push({ name: `samples/${f}`, files: existsSync(log) ? [path.join(samples, f), log] : [path.join(samples, f)] });
    }
    // Several files on one timeline: messages of the second file carry `file`.
    const two = ["register-failed.pcap", "dia-error-result.pcap"].map((f) => path.join(samples, f));
    if (two.every((f) => existsSync(f))) list.push({ name: "samples: two files as one timeline", files: two });
  }
  if (sharedDir) {
    const pub = path.join(sharedDir, "captures", "public");
    if (existsSync(pub)) for (const f of readdirSync(pub).filter((f) => /\.pcap(ng)?$/.test(f)).sort()) list.push({ name: `public/${f}`, files: [path.join(pub, f)] });
    const lab = path.join(sharedDir, "captures", "lab");
    if (existsSync(lab)) {
      for (const d of readdirSync(lab, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
        const dir = path.join(lab, d);
        const pcap = readdirSync(dir).find((f) => /\.pcap(ng)?$/.test(f));
        if (!pcap) continue;
        const log = path.join(dir, "kamailio.log");
        list.push({ name: `lab/${d}`, files: existsSync(log) ? [path.join(dir, pcap), log] : [path.join(dir, pcap)] });
      }
    }
  } else console.warn("SKIPPED message-json public/lab captures: ../shared/captures not found next to the repository");
  return list;
}

const captures = listCaptures();

describe("appendMessageJson equals JSON.stringify(messageDTOAt) on captures", () => {
  test("there are captures to compare", () => {
    expect(captures.length).toBeGreaterThan(10);
  });
  test.each(captures)("$name", async ({ files }) => {
    const loaded = await loadFiles(files, { messageDtos: false });
    try {
      const { ctx } = analyzeRun(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      expect(ctx.msgs.length).toBeGreaterThan(0);
      expectSame(ctx);
    } finally {
      loaded.model.close?.();
    }
  });

  test("the samples cover SIP, Diameter, HTTP, retransmitted and several-file messages", async () => {
    // Guards the test above: the shapes it compares are really there.
    const seen = new Set<string>();
    for (const { files } of captures.filter((c) => c.name.startsWith("samples"))) {
      const loaded = await loadFiles(files, { messageDtos: false });
      const { ctx } = analyzeRun(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      for (const m of ctx.msgs) {
        seen.add(m.protocol);
        if (m.fromLog) seen.add("fromLog");
        if (m.file) seen.add("file>0");
      }
      ctx.retrans.forEach((r) => r && seen.add("retransmission"));
      loaded.model.close?.();
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(["diameter", "file>0", "http", "retransmission", "sip"]));
  });
});

// ---- hand-made messages ----

const A = { ip: "10.0.0.1", port: 5060 };
const B = { ip: "2001:db8::1", port: 5061 };

function sip(fields: Partial<SipMessage> & { branch?: string }): SipMessage {
  const { branch, ...rest } = fields;
  return { kind: "request", method: "INVITE", problems: [], vias: branch === undefined ? [] : [{ branch }], ...rest } as unknown as SipMessage;
}

function observed(fields: Partial<Observed>, i = 0): Observed {
  return { id: i, file: 0, frame: i + 1, time: 1700000000.25, src: A, dst: B, transport: "udp", protocol: "sip", ...fields } as Observed;
}

function ctxOf(msgs: Observed[], txn: number[] = [], retrans: number[] = []): MessageJsonContext {
  const txnOf = new Int32Array(msgs.length).fill(-1);
  txn.forEach((t, i) => (txnOf[i] = t));
  return { msgs, txnOf, retrans: Uint8Array.from(msgs.map((_, i) => retrans[i] ?? 0)) };
}

function diameter(fields: Partial<DiameterMessage>): DiameterMessage {
  return {
    raw: new Uint8Array(0),
    version: 1,
    length: 20,
    flags: { request: true, proxiable: true, error: false, retransmit: false },
    commandCode: 303,
    name: "MAR",
    longName: "Multimedia-Auth-Request",
    applicationId: 16777216,
    hopByHop: 0x1234,
    endToEnd: 0xfedcba98,
    avps: [],
    problems: [],
    ...fields,
  };
}

function http(fields: Partial<HttpMessage>): HttpMessage {
  return { raw: new Uint8Array(0), kind: "request", method: "POST", path: "/x", version: "HTTP/1.1", headers: [], header: () => undefined, body: new Uint8Array(0), problems: [], ...fields };
}

const awkward = ['q"uote', "back\\slash", "ctl\u0000\u0001\u001f\u007f", "tab\tnl\ncr\r", "é non-ASCII ü", "line\u2028sep\u2029", "lone \ud800 high", "lone \udc00 low", "pair 😀", "end high \ud83d", "", " ", "trailing  ", "\u00a0nbsp\u00a0", "x".repeat(70000)];

const handMade: [string, Observed][] = [
  ["plain request", observed({ sip: sip({ requestUri: "sip:bob@example.com", callId: "c1", cseq: { seq: 1, method: "INVITE" }, fromUser: "alice", toUser: "bob", fromTag: "f1", branch: "z9hG4bK1" }) })],
  ["response", observed({ sip: sip({ kind: "response", status: 180, reason: "Ringing", callId: "c1", cseq: { seq: 1, method: "INVITE" }, toTag: "t1" }) })],
  ["response without reason", observed({ sip: sip({ kind: "response", status: 200, reason: "" }) })],
  ["response, no status", observed({ sip: sip({ kind: "response", status: undefined, reason: "OK" }) })],
  ["response, fractional status", observed({ sip: sip({ kind: "response", status: 200.5, reason: "OK" }) })],
  ["request without method or URI", observed({ sip: sip({ method: undefined, requestUri: undefined }) })],
  ["request with empty callId", observed({ sip: sip({ callId: "", fromUser: "", toTag: "", branch: "" }) })],
  ["cseq odd numbers", observed({ sip: sip({ cseq: { seq: NaN, method: "BYE" } }) })],
  ["cseq big", observed({ sip: sip({ cseq: { seq: 2 ** 32 + 1, method: "BYE" } }) })],
  ["cseq negative", observed({ sip: sip({ cseq: { seq: -1, method: 'B"YE' } }) })],
  ["problems", observed({ sip: sip({ problems: ['bad "Via"', "ctl \u0007", "\ud800"] }) })],
  ["second file", observed({ file: 2, sip: sip({}) })],
  ["NaN time, undefined frame", observed({ time: NaN, frame: undefined as unknown as number, sip: sip({}) })],
  ["infinite time, -0 id", observed({ id: -0, time: -Infinity, sip: sip({}) })],
  ["no id", observed({ id: undefined as unknown as number, sip: sip({}) })],
  ["huge and tiny numbers", observed({ time: 1e21, frame: 1.5e-7, sip: sip({}) })],
  ["odd endpoints", observed({ src: { ip: "fe80::1%eth0", port: 0 }, dst: { ip: 'a"b', port: NaN }, sip: sip({}) })],
  ["negative port", observed({ src: { ip: "1.2.3.4", port: -5 }, sip: sip({}) })],
  ["no transport", observed({ transport: undefined as unknown as "udp", sip: sip({}) })],
  ["diameter request", observed({ protocol: "diameter", transport: "tcp", diameter: diameter({ sessionId: "s;1;\u00e9" }) })],
  ["diameter answer with result", observed({ protocol: "diameter", diameter: diameter({ flags: { request: false, proxiable: false, error: true, retransmit: false }, name: "MAA", resultCode: 2001 }) })],
  ["diameter experimental result", observed({ protocol: "diameter", file: 1, diameter: diameter({ experimentalResultCode: 5001, sessionId: "", problems: ["short AVP"] }) })],
  ["http request", observed({ protocol: "http", transport: "tcp", http: http({ path: '/a"b\\c' }) })],
  ["http request without path", observed({ protocol: "http", http: http({ path: undefined, method: "GET" }) })],
  ["http response", observed({ protocol: "http", http: http({ kind: "response", method: undefined, path: undefined, status: 404, reason: "Not Found", problems: ["x"] }) })],
  ["http response without reason", observed({ protocol: "http", http: http({ kind: "response", status: 204, reason: "" }) })],
  ["neither", observed({ protocol: "http" })],
];
for (const [k, s] of awkward.entries()) {
  handMade.push([`awkward ${k} in every SIP string`, observed({ sip: sip({ method: s, requestUri: s, callId: s, cseq: { seq: 7, method: s }, fromUser: s, toUser: s, fromTag: s, toTag: s, branch: s }) })]);
  handMade.push([`awkward ${k} in a SIP response`, observed({ src: { ip: s, port: 1 }, sip: sip({ kind: "response", status: 486, reason: s }) })]);
  handMade.push([`awkward ${k} in diameter`, observed({ protocol: "diameter", diameter: diameter({ name: s, sessionId: s, problems: [s] }) })]);
  handMade.push([`awkward ${k} in http`, observed({ protocol: "http", http: http({ method: s, path: s, version: s }) })]);
}

describe("appendMessageJson equals JSON.stringify(messageDTOAt) on hand-made messages", () => {
  test.each(handMade)("%s", (_name, o) => {
    for (const [txn, retrans] of [
      [-1, 0],
      [3, 0],
      [0, 1],
    ]) {
      expectSame(ctxOf([o], [txn], [retrans]));
    }
  });

  test("all of them one after another in one buffer", () => {
    // A message that leaves the fast path late must not disturb the ones written before it.
    const msgs = handMade.map(([, o], i) => ({ ...o, id: i }));
    expectSame(ctxOf(msgs, msgs.map((_, i) => (i % 3) - 1), msgs.map((_, i) => i % 2)));
  });

  test("parsed wire text with non-ASCII and control bytes", () => {
    const wire = [
      "INVITE sip:b\u00f6b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK\"q\r\nFrom: \"A\" <sip:al\\ice@x>;tag=\u0001t\r\nTo: <sip:bob@x>\r\nCall-ID: id\u2028x\r\nCSeq: 9 INVITE\r\nContent-Length: 0\r\n\r\n",
      "SIP/2.0 603 D\u00e9clin\u00e9 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
      "garbage\r\n\r\n",
    ];
    const bytes = wire.map((w) => new TextEncoder().encode(w));
    // One string with a byte that is not UTF-8, as a capture may hold.
    bytes.push(Uint8Array.from([...new TextEncoder().encode("OPTIONS sip:x SIP/2.0\r\nCall-ID: "), 0xff, 0xfe, ...new TextEncoder().encode("\r\nCSeq: 1 OPTIONS\r\n\r\n")]));
    const msgs = bytes.map((b, i) => observed({ sip: parseSip(b) }, i));
    msgs.push(observed({ protocol: "http", http: parseHttp(new TextEncoder().encode("GET /p\u00e4th?a=\"1\" HTTP/1.1\r\nHost: x\r\n\r\n")) }, msgs.length));
    msgs.push(observed({ protocol: "http", http: parseHttp(new TextEncoder().encode("HTTP/1.1 500 Int\u00e9rnal\r\n\r\n"), "GET") }, msgs.length));
    expectSame(ctxOf(msgs, [0, -1, 2], [0, 1]));
  });

  test("random strings and numbers", () => {
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-ascii" }), fc.constantFrom(...awkward.slice(0, -1)));
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const num = fc.oneof(fc.integer(), fc.nat(), fc.double(), fc.constant(NaN));
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom("request" as const, "response" as const),
          method: maybe(text),
          requestUri: maybe(text),
          status: maybe(num),
          reason: maybe(text),
          callId: maybe(text),
          seq: num,
          cseqMethod: text,
          fromUser: maybe(text),
          toTag: maybe(text),
          branch: maybe(text),
          ip: text,
          port: num,
          time: num,
          file: fc.nat(3),
          txn: fc.integer({ min: -1, max: 5 }),
          retrans: fc.nat(1),
        }),
        (r) => {
          const o = observed({
            time: r.time,
            file: r.file,
            src: { ip: r.ip, port: r.port },
            sip: sip({ kind: r.kind, method: r.method, requestUri: r.requestUri, status: r.status, reason: r.reason, callId: r.callId, cseq: { seq: r.seq, method: r.cseqMethod }, fromUser: r.fromUser, toTag: r.toTag, branch: r.branch }),
          });
          expectSame(ctxOf([o], [r.txn], [r.retrans]));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("seconds: a capture time written as String(time) writes it", () => {
  const text = (t: number) => {
    const b = new Uint8Array(64);
    const end = seconds(b, 0, t);
    return Buffer.from(b.subarray(0, end)).toString("latin1");
  };
  test.each([
    1700000000.0004, 1700000000.01, 1700000000.1, 1700000000.999999, 1700000000.000001, 1073741824.5, 2147483647.999999,
    // Outside the microsecond range, or not a microsecond value: String's own text.
    1700000000.0000001, 1700000000.9999999, 1700000000.1234567, 2147483648.25, 1073741823.25, 0.5, 12.000001, 1e21 + 0.5, -1700000000.5,
  ])("%s", (t) => expect(text(t)).toBe(String(t)));
  test("any microsecond or random time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x40000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 999999 }), (s, us) => {
        const t = s + us / 1e6;
        expect(text(t)).toBe(String(t));
      }),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(fc.double({ min: 1e8, max: 3e9, noNaN: true }), (t) => {
        expect(text(t)).toBe(String(t));
      }),
      { numRuns: 20000 },
    );
  });
});
