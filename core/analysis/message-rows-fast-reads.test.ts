import { describe, expect, it } from "vitest";
import { parseSip } from "../protocols/sip/parse";
import { KEPT_HEADERS } from "../protocols/sip/stored";
import { MessageRows } from "./message-rows";

/**
 * The rows read a parse through its fast paths (shared-text decodes, the kept headers in one pass,
 * From/To parts kept beside the shared parse). Whatever the header shapes, a stored message must
 * answer exactly what the parse itself answers.
 */
const place = { file: 0, frame: 1, time: 1, src: { ip: "10.0.0.1", port: 5060 }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "udp" as const };

const cases: [string, string[]][] = [
  [
    "kept headers repeated, compact Event, odd case",
    [
      "SUBSCRIBE sip:pres@example.com SIP/2.0",
      "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-s1",
      "f: <sip:a@example.com>;tag=a1",
      "t: <sip:pres@example.com>",
      "i: sub-1@example.com",
      "CSeq: 1 SUBSCRIBE",
      "o: presence",
      "EVENT: dialog",
      "Expires: 3600",
      "expires: 10",
      "X-Cid:   spaced  ",
      "c: application/pidf+xml",
      "Content-Length: 0",
      "",
      "",
    ],
  ],
  [
    "folded kept header and folded From",
    [
      "NOTIFY sip:a@10.0.0.1 SIP/2.0",
      "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-n1",
      "From: <sip:pres@example.com>",
      " ;tag=p1",
      "To: <sip:a@example.com>;tag=a1",
      "Call-ID: sub-1@example.com",
      "CSeq: 2 NOTIFY",
      "Subscription-State: active;",
      "\texpires=3600",
      "Event: presence",
      "Content-Length: 0",
      "",
      "",
    ],
  ],
  [
    "response with a long reason and an empty kept header",
    [
      "SIP/2.0 480 Temporarily Unavailable Right Now",
      "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-r1",
      "From: <sip:a@example.com>;tag=a1",
      "To: <sip:b@example.com>;tag=b1",
      "Call-ID: r1@example.com",
      "CSeq: 1 INVITE",
      "RSeq:",
      "Content-Type: application/sdp",
      "Content-Length: 0",
      "",
      "",
    ],
  ],
  ["no headers at all", ["OPTIONS sip:x SIP/2.0", "", ""]],
  [
    "Vias: a bad first value, one only the full parser reads, a common one",
    [
      "SIP/2.0 200 OK",
      "Via: garbage, SIP / 2.0 / TCP [2001:db8::1]:5070 ;branch=z9hG4bK-v6",
      "v: SIP/2.0/udp 10.0.0.9:5062;rport;BRANCH=z9hG4bK-c1",
      "From: <sip:a@example.com>;tag=a1",
      "To: <sip:b@example.com>;tag=b1",
      "Call-ID: v1@example.com",
      "CSeq: 1 INVITE",
      "",
      "",
    ],
  ],
  [
    "Vias: the top one common, without a branch value",
    ["BYE sip:b@x SIP/2.0", "Via: SIP/2.0/TLS proxy.example.com:5061;branch", "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-2", "Call-ID: v2", "CSeq: 2 BYE", "", ""],
  ],
  ["Vias: none that parse", ["BYE sip:b@x SIP/2.0", "Via: nonsense", "Call-ID: v3", "CSeq: 2 BYE", "", ""]],
];

describe("stored values read through the parser's fast paths", () => {
  for (const [name, lines] of cases) {
    it(name, () => {
      const bytes = new TextEncoder().encode(lines.join("\r\n"));
      const parsed = parseSip(bytes);
      // Twice: the second message meets the shared parses and the kept From/To parts of the first.
      for (let round = 0; round < 2; round++) {
        const m = new MessageRows().addSip(place, parseSip(bytes), bytes);
        expect(m.requestUri).toBe(parsed.requestUri);
        expect(m.reason).toBe(parsed.reason);
        expect(m.contentType).toBe(parsed.contentType);
        for (const key of KEPT_HEADERS) expect(m.header(key), key).toBe(parsed.header(key));
        expect(m.fromTag).toBe(parsed.fromTag);
        expect(m.toTag).toBe(parsed.toTag);
        expect(m.fromUser).toBe(parsed.fromUser);
        expect(m.toUser).toBe(parsed.toUser);
        expect(m.fromAddress).toBe(parsed.fromAddress);
        expect(m.toAddress).toBe(parsed.toAddress);
        const top = parsed.vias[0];
        expect(m.topVia).toEqual(top && { host: top.host, port: top.port, transport: top.transport, branch: top.branch });
        expect(m.viaCount).toBe(parsed.vias.length);
        expect(m.problems).toEqual(parsed.problems);
      }
    });
  }

  it("a From and a To of one text share nothing wrong: each keeps its own parts", () => {
    const make = (from: string, to: string) =>
      new TextEncoder().encode(["BYE sip:b@x SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK-1", `From: ${from}`, `To: ${to}`, "Call-ID: c", "CSeq: 2 BYE", "", ""].join("\r\n"));
    const rows = new MessageRows();
    const a = rows.addSip(place, parseSip(make("<sip:a@x>;tag=1", "<sip:b@x>;tag=2")), new Uint8Array(0));
    const b = rows.addSip(place, parseSip(make("<sip:b@x>;tag=2", "<sip:a@x>;tag=1")), new Uint8Array(0));
    expect([a.fromTag, a.toTag, a.fromUser, a.toUser]).toEqual(["1", "2", "a", "b"]);
    expect([b.fromTag, b.toTag, b.fromUser, b.toUser]).toEqual(["2", "1", "b", "a"]);
  });
});
