/**
 * scanCommonVia is a fast path beside parseVia: whenever it accepts a Via value, parseVia must
 * accept it too and find the same transport, host, port and branch; and a message read through
 * it (viaCount, scanTopVia, problems) must answer what the full Via parse answers. Checked on a
 * table of shapes, on every SIP message of the public captures, and on random and mutated text.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCaptureDecoder } from "../../capture/decoder";
import { parseSip } from "./parse";
import { decodeText, encodeText } from "./text";
import { COMMON_TRANSPORTS, parseVia, scanCommonVia, viaParts } from "./via";
import { wire } from "./test-wire";

/** The fast path's reads of a parse (not part of SipMessage). */
interface ViaReads {
  readonly viaCount: number;
  scanTopVia(): boolean;
}

/** What scanCommonVia found, in parseVia's terms (undefined: it declined). */
function scanned(bytes: Uint8Array, s = 0, e = bytes.length) {
  if (!scanCommonVia(bytes, s, e)) return undefined;
  return {
    transport: COMMON_TRANSPORTS[viaParts[0]],
    host: decodeText(bytes, viaParts[1], viaParts[2]),
    port: viaParts[3] < 0 ? undefined : viaParts[3],
    branch: viaParts[4] < 0 ? undefined : decodeText(bytes, viaParts[4], viaParts[5]),
  };
}

/** scanCommonVia agrees with parseVia on this value; returns whether it took the fast path. */
function agreesOnValue(text: string): boolean {
  const fast = scanned(encodeText(text));
  if (fast === undefined) return false;
  const full = parseVia(text);
  expect(full, text).toBeDefined();
  expect(fast, text).toEqual({ transport: full!.transport, host: full!.host, port: full!.port, branch: full!.branch });
  return true;
}

/** A message read through the fast path answers what the full Via parse answers. */
function agreesOnMessage(bytes: Uint8Array): void {
  const full = parseSip(bytes);
  const vias = full.vias; // read first: problems then reuse the full parse
  const fullProblems = full.problems;
  const fast = parseSip(bytes);
  const fastProblems = fast.problems; // read first: counts the Vias through the fast path
  expect(fastProblems).toEqual(fullProblems);
  const reads = fast as unknown as ViaReads;
  expect(reads.viaCount).toBe(vias.length);
  if (reads.scanTopVia()) {
    const top = vias[0];
    expect(top).toBeDefined();
    expect({
      transport: COMMON_TRANSPORTS[viaParts[0]],
      host: decodeText(bytes, viaParts[1], viaParts[2]),
      port: viaParts[3] < 0 ? undefined : viaParts[3],
      branch: viaParts[4] < 0 ? undefined : decodeText(bytes, viaParts[4], viaParts[5]),
    }).toEqual({ transport: top.transport, host: top.host, port: top.port, branch: top.branch });
  }
}

const COMMON = [
  "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport",
  "SIP/2.0/UDP 10.0.0.1:5060;rport=5060;received=10.9.9.9;branch=z9hG4bK-1",
  "SIP/2.0/TCP proxy.example.com;branch=z9hG4bK.abc",
  "SIP/2.0/udp host_1;BRANCH=Z9hG4bK-up",
  "SIP/2.0/Tls a.b:5061;branch=z9hG4bK-1;branch=second",
  "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport",
  "SIP/2.0/SCTP h:65535",
  "SIP/2.0/WS h",
  "SIP/2.0/UDP  h:1;branch",
  "SIP/2.0/UDP h;branch=;x",
  "SIP/2.0/UDP h;branch=a=b;;x=",
  "SIP/2.0/UDP h;x;branch=<odd>\\;y",
  "SIP/2.0/UDP h;branchx=1;branch=2",
  "SIP/2.0/UDP h:05060;branch=1",
];

const DECLINED = [
  "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1",
  "SIP/2.0/UDP fe80:0:0:0:21a:a0ff:fe07:32e0:5060;branch=1",
  "SIP / 2.0 / UDP h;branch=1",
  "SIP/2.0/UDP h ;branch=1",
  "SIP/2.0/UDP h; branch=1",
  "SIP/2.0/UDP h;branch=\"q;x\"",
  "SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2",
  "SIP/2.0/UDP h:65536;branch=1",
  "SIP/2.0/UDP h:123456",
  "SIP/2.0/UDP h:;branch=1",
  "SIP/2.0/XYZ h;branch=1",
  "SIP/2.0/UDP",
  "SIP/2.0/UDP h\tx",
  "SIP/3.0/UDP h;branch=1",
  "sip/2.0/UDP h;branch=1",
  "SIP/2.0/UDP hé;branch=1",
  "SIP/2.0/UDP h;branch=é",
  "SIP/2.0/UDP h/x;branch=1",
  "",
];

describe("scanCommonVia agrees with parseVia", () => {
  it("takes the common shapes, and reads them as parseVia does", () => {
    for (const text of COMMON) expect(agreesOnValue(text), text).toBe(true);
  });

  it("declines what it does not know (the full parser decides those)", () => {
    for (const text of DECLINED) expect(agreesOnValue(text), text).toBe(false);
  });

  it("reads only the bytes it is given", () => {
    const bytes = encodeText("Via: SIP/2.0/UDP h:5060;branch=z9hG4bK-7;rport\r\n");
    expect(scanCommonVia(bytes, 5, bytes.length - 8)).toBe(true);
    expect(decodeText(bytes, viaParts[4], viaParts[5])).toBe("z9hG4bK-7");
  });

  it("random Via-like text", () => {
    const alphabet = fc.constantFrom(..."SIP/2.0/UDPTCPWSudptcpws hx1.-_:;=,\"[]<>\\\t\r\nbranchBRANCH5060é".split(""));
    const prefix = fc.constantFrom("SIP/2.0/UDP ", "SIP/2.0/", "SIP/2.0/tcp h", "");
    fc.assert(fc.property(prefix, fc.array(alphabet, { maxLength: 60 }), (p, chars) => void agreesOnValue(p + chars.join(""))), { numRuns: 5000 });
  });

  it("mutations of common Vias", () => {
    const edit = fc.tuple(fc.nat(60), fc.constantFrom(..." ;:=,\"[]\t\r\nAbB0é/".split("")), fc.boolean());
    fc.assert(
      fc.property(fc.constantFrom(...COMMON), fc.array(edit, { maxLength: 4 }), (base, edits) => {
        let text = base;
        for (const [at, c, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + c + text.slice(insert ? i : i + 1);
        }
        agreesOnValue(text);
      }),
      { numRuns: 5000 },
    );
  });
});

const MESSAGE = (vias: string[]) =>
  wire(`SIP/2.0 200 OK
${vias.map((v) => `Via: ${v}`).join("\n")}
From: <sip:a@x>;tag=1
To: <sip:b@x>;tag=2
Call-ID: c
CSeq: 1 INVITE
Content-Length: 0

`);

describe("a message read through scanCommonVia answers as with its full Via parse", () => {
  it("table of Via field lists", () => {
    const lists = [
      [],
      [COMMON[0]],
      [COMMON[0], COMMON[1]],
      [DECLINED[0], COMMON[0]],
      ["garbage", COMMON[2]],
      ["garbage, SIP/2.0/UDP a;branch=1", COMMON[3]],
      [COMMON[4], "bad one", DECLINED[6]],
      ["", COMMON[0]],
      ["SIP/2.0/UDP h;branch=1,", COMMON[0]],
    ];
    for (const list of lists) agreesOnMessage(MESSAGE(list));
    agreesOnMessage(wire("INVITE sip:b@x SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK-c\nVia: SIP/2.0/UDP\n  h2;branch=folded\n\n"));
  });

  it("mutated messages", () => {
    const base = MESSAGE([COMMON[1], COMMON[5]]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
        const b = base.slice();
        for (const [at, v] of edits) b[at] = v;
        agreesOnMessage(b);
      }),
      { numRuns: 3000 },
    );
  });

  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const publicDir = path.resolve(repoRoot, "..", "shared", "captures", "public");
  const captures = existsSync(publicDir) ? readdirSync(publicDir).filter((f) => /\.pcap(ng)?$/.test(f)) : [];
  it.skipIf(!captures.length)("every SIP message of the public captures", () => {
    let messages = 0;
    for (const name of captures) {
      const sip: Uint8Array[] = [];
      const decoder = createCaptureDecoder({ pdu: (p) => void (p.protocol === "sip" && sip.push(p.bytes.slice())), problem: () => {}, connection: () => {}, record: () => {} });
      try {
        decoder.push(new Uint8Array(readFileSync(path.join(publicDir, name))));
        decoder.end();
      } catch {
        // an unreadable capture has no messages to compare
      }
      for (const bytes of sip) agreesOnMessage(bytes);
      messages += sip.length;
    }
    expect(messages).toBeGreaterThan(1000);
  });
  if (!captures.length) console.warn("via-scan tests: ../shared/captures/public not found; real captures not compared");
});
