import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseSip } from "./parse";
import { buildRequest, buildResponse, partsOf, reasonPhrase, setHeaderParam, withHeaders } from "./serialize";
import { crlf, wire } from "./test-wire";
import { decodeText } from "./text";

const INVITE = `INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq:   314159 INVITE
Subject: folded
  subject line
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Type: application/sdp
l: {CL}

v=0
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com
`;

describe("buildRequest / buildResponse", () => {
  it("builds a request with Content-Length set and round-trips through the parser", () => {
    const bytes = buildRequest({
      method: "OPTIONS",
      uri: "sip:[2001:db8::1]:5070",
      headers: [
        ["Via", "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1;rport"],
        ["From", '"Q, R" <sip:q@r>;tag=9'],
        ["To", "<sip:[2001:db8::1]>"],
        ["Call-ID", "x@y"],
        ["CSeq", "3 OPTIONS"],
        ["Content-Length", "999"],
      ],
      body: "hello",
    });
    expect(decodeText(bytes)).toBe(crlf(`OPTIONS sip:[2001:db8::1]:5070 SIP/2.0\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1;rport\nFrom: "Q, R" <sip:q@r>;tag=9\nTo: <sip:[2001:db8::1]>\nCall-ID: x@y\nCSeq: 3 OPTIONS\nContent-Length: 5\n\nhello`));
    const m = parseSip(bytes);
    expect(m.problems).toEqual([]);
    expect(m.from?.displayName).toBe("Q, R");
    expect(buildRequest(partsOf(m) as Parameters<typeof buildRequest>[0])).toEqual(bytes);
  });
  it("builds a response with the standard reason and a Content-Length of 0", () => {
    const bytes = buildResponse({ status: 487, headers: [["Via", "SIP/2.0/UDP a;branch=z9hG4bKx"], ["CSeq", "1 INVITE"]] });
    expect(decodeText(bytes)).toBe("SIP/2.0 487 Request Terminated\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    expect(reasonPhrase(481)).toBe("Call/Transaction Does Not Exist");
  });
  it("parse(build(parts)) gives back the parts (property)", () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(token, value), { maxLength: 8 }), fc.string({ maxLength: 50 }), (hdrs, body) => {
        const headers = hdrs.filter(([n]) => !/^(content-length|l)$/i.test(n));
        const bytes = buildRequest({ method: "MESSAGE", uri: "sip:a@b", headers, body });
        const m = parseSip(bytes);
        expect(m.method).toBe("MESSAGE");
        expect(m.fields.slice(0, -1).map((f) => [f.name, f.value])).toEqual(headers);
        expect(decodeText(m.body)).toBe(body);
        expect(buildRequest(partsOf(m) as Parameters<typeof buildRequest>[0])).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe("withHeaders keeps every other byte", () => {
  const orig = parseSip(wire(INVITE));
  const text = decodeText(orig.raw);
  it("no edits -> identical bytes", () => {
    expect(withHeaders(orig, [])).toEqual(orig.raw);
  });
  it("replaces Call-ID and the From tag only", () => {
    const out = withHeaders(orig, [
      { name: "i", value: "replayed-1@sipscope" },
      { name: "from", value: setHeaderParam(orig.header("from")!, "tag", "newtag") },
    ]);
    const expected = text.replace("Call-ID: a84b4c76e66710@pc33.atlanta.example.com", "Call-ID: replayed-1@sipscope").replace(";tag=1928301774", ";tag=newtag");
    expect(decodeText(out)).toBe(expected);
    const m = parseSip(out);
    expect(m.callId).toBe("replayed-1@sipscope");
    expect(m.from?.tag).toBe("newtag");
    expect(m.from?.displayName).toBe("Alice, A.");
  });
  it("pushes a Via on top, rewrites the old top branch by element, removes a header", () => {
    const out = withHeaders(orig, [
      { name: "via", element: 0, value: setHeaderParam(orig.vias[0].raw, "branch", "z9hG4bKreplay") },
      { name: "Via", add: "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1", position: "first" },
      { name: "subject", value: null },
    ]);
    const m = parseSip(out);
    expect(m.vias.map((v) => v.branch)).toEqual(["z9hG4bKp1", "z9hG4bKreplay"]);
    expect(m.header("subject")).toBeUndefined();
    expect(decodeText(m.body)).toBe(decodeText(orig.body));
    expect(m.problems).toEqual([]);
    expect(decodeText(out)).toContain("CSeq:   314159 INVITE\r\n");
  });
  it("new body updates the (compact) Content-Length in place; new headers are appended", () => {
    const out = withHeaders(orig, { body: "v=0\r\n", headers: [{ name: "X-Replay", value: "1" }], startLine: "INVITE sip:bob@127.0.0.1:5080 SIP/2.0" });
    const m = parseSip(out);
    expect(m.requestUri).toBe("sip:bob@127.0.0.1:5080");
    expect(m.header("l")).toBe("5");
    expect(m.fields.find((f) => f.key === "content-length")?.name).toBe("l");
    expect(m.header("x-replay")).toBe("1");
    expect(decodeText(m.body)).toBe("v=0\r\n");
    expect(m.problems).toEqual([]);
  });
  it("element edits inside a comma-joined field keep the other elements", () => {
    const m = parseSip(wire(`SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\nVia: SIP/2.0/UDP c;branch=z9hG4bK3\nContent-Length: 0\n\n`));
    const dropTop = parseSip(withHeaders(m, [{ name: "via", element: 0, value: null }]));
    expect(dropTop.vias.map((v) => v.host)).toEqual(["b", "c"]);
    const third = parseSip(withHeaders(m, [{ name: "v", element: 2, value: "SIP/2.0/TCP d;branch=z9hG4bK4" }]));
    expect(third.vias.map((v) => v.host)).toEqual(["a", "b", "d"]);
    const add = parseSip(withHeaders(m, [{ name: "via", add: "SIP/2.0/UDP z;branch=z9hG4bKz" }]));
    expect(add.vias.map((v) => v.host)).toEqual(["a", "b", "c", "z"]);
    const byField = parseSip(withHeaders(m, [{ name: "via", field: 1, value: null }]));
    expect(byField.vias.map((v) => v.host)).toEqual(["a", "b"]);
  });
});

describe("setHeaderParam", () => {
  const rows: [string, string, string | null | true, string][] = [
    ['"A;B" <sip:a@x;lr>;tag=1', "tag", "2", '"A;B" <sip:a@x;lr>;tag=2'],
    ["<sip:a@x>", "tag", "9", "<sip:a@x>;tag=9"],
    ["sip:a@x;tag=1;foo", "foo", null, "sip:a@x;tag=1"],
    ["SIP/2.0/UDP h:5060;branch=z9hG4bKa;rport", "rport", "5061", "SIP/2.0/UDP h:5060;branch=z9hG4bKa;rport=5061"],
    ["SIP/2.0/UDP h:5060;branch=z9hG4bKa", "rport", true, "SIP/2.0/UDP h:5060;branch=z9hG4bKa;rport"],
    ["SIP/2.0/UDP h ; BRANCH = z9hG4bKa", "branch", "z9hG4bKb", "SIP/2.0/UDP h ; BRANCH =z9hG4bKb"],
  ];
  for (const [input, name, value, expected] of rows) it(`${input} ${name}=${value}`, () => expect(setHeaderParam(input, name, value)).toBe(expected));
});
