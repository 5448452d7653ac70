/** Property tests: the SIP decoders never throw and never hang, whatever the bytes. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseSip } from "./parse";
import { splitMultipart } from "./multipart";
import { parseUri } from "./uri";
import { parseNameAddr } from "./name-addr";
import { parseVia } from "./via";
import { setHeaderParam, withHeaders } from "./serialize";
import { wire } from "./test-wire";

const BASE = wire(`INVITE sip:bob@[2001:db8::2]:5060;transport=udp SIP/2.0
v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport, SIP / 2.0 / TCP [2001:db8::1];branch=z9hG4bK-2
From: "A, \\"B\\" <c>" <sip:a:pw@a.example;user=phone>;tag=ft
To: sip:bob@b.example;tag=tt
Call-ID: fuzz@host
CSeq: 1 INVITE
Contact: <sip:a@10.0.0.1>;expires=60, "X" <sips:x@y>
Subject: folded
 line
Content-Type: multipart/mixed;boundary=unique-boundary-1
Content-Length: {CL}

--unique-boundary-1
Content-Type: application/sdp

v=0
--unique-boundary-1
Content-Type: application/isup; version=itu-t92+

\x01\x02
--unique-boundary-1--
`);

/** Read everything a consumer might read. */
function touch(bytes: Uint8Array): void {
  const m = parseSip(bytes);
  void [m.kind, m.method, m.requestUri, m.status, m.reason, m.callId, m.cseq, m.from, m.to, m.vias, m.topVia, m.contact, m.route, m.recordRoute, m.contentType, m.contentLength, m.body, m.fields, m.problems];
  for (const f of m.fields) m.headerValues(f.name);
  splitMultipart(m.body, m.contentType);
  withHeaders(m, [{ name: "via", element: 0, value: null }, { name: "call-id", value: "x" }, { name: "via", add: "SIP/2.0/UDP p;branch=z9hG4bKp", position: "first" }]);
}

describe("SIP decoders never throw", () => {
  it("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => touch(b)), { numRuns: 1000 });
  });
  it("random SIP-ish text", () => {
    const alphabet = fc.constantFrom(..."SIP/2.0 INVITE sip:;,<>\"\\@[]:=\r\n\t vVfFtTiIlL0123456789-".split(""));
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 400 }), (chars) => touch(new TextEncoder().encode(chars.join("")))), { numRuns: 1000 });
  });
  it("mutations of a real message: byte flips, cuts, splices", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(BASE.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }), fc.nat(BASE.length), fc.nat(BASE.length), (edits, from, to) => {
        const b = BASE.slice(Math.min(from, to), Math.max(from, to) || BASE.length);
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        touch(b);
      }),
      { numRuns: 2000 },
    );
  });
  it("value grammars on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        parseUri(s);
        parseNameAddr(s);
        parseVia(s);
        setHeaderParam(s, "tag", "x");
        setHeaderParam(s, "tag", null);
      }),
      { numRuns: 2000 },
    );
  });
  it("a 1 MB message of header lines parses in bounded time", () => {
    const big = new TextEncoder().encode("OPTIONS sip:a SIP/2.0\r\n" + "X-H: v,v,v\r\n".repeat(80000) + "\r\n");
    const m = parseSip(big);
    expect(m.fields.length).toBe(80000);
    expect(m.headerValues("x-h").length).toBe(240000);
  });
});
