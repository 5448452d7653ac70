/**
 * scanCommonVia is a fast path beside parseVia: whenever it accepts a Via value, parseVia must
 * accept it too and find the same transport, host, port and branch. Checked on a table of shapes
 * and on random and mutated text (whole messages and real captures: fast-reads.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editedText } from "./test-wire";
import { decodeText, encodeText } from "./text";
import { COMMON_TRANSPORTS, parseVia, scanCommonVia, viaParts } from "./via";

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

const COMMON_VIAS = [
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

const DECLINED_VIAS = [
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
    for (const text of COMMON_VIAS) expect(agreesOnValue(text), text).toBe(true);
  });

  it("declines what it does not know (the full parser decides those)", () => {
    for (const text of DECLINED_VIAS) expect(agreesOnValue(text), text).toBe(false);
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
      fc.property(fc.constantFrom(...COMMON_VIAS), fc.array(edit, { maxLength: 4 }), (base, edits) => void agreesOnValue(editedText(base, edits))),
      { numRuns: 5000 },
    );
  });
});

