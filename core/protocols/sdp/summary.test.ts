import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { summariseSdp } from "./summary";

const crlf = (t: string) => t.replace(/\r?\n/g, "\r\n");

const ROWS: { name: string; sdp: string; expect: Partial<ReturnType<typeof summariseSdp>> & { summary: string[] } }[] = [
  {
    name: "audio offer with rtpmap and telephone-event",
    sdp: `v=0
o=alice 2890844526 2890844526 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49172 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
`,
    expect: { connection: "192.0.2.1", onHold: false, summary: ["audio 49172 RTP/AVP PCMU,PCMA,telephone-event sendrecv @192.0.2.1"] },
  },
  {
    name: "static payloads without rtpmap, media-level c= and hold",
    sdp: `v=0
o=- 1 2 IN IP4 198.51.100.7
s=call
t=0 0
m=audio 3456 RTP/AVP 18 0
c=IN IP4 0.0.0.0
a=sendonly
m=video 0 RTP/AVP 31
c=IN IP4 198.51.100.7
`,
    expect: { connection: "0.0.0.0", onHold: true, summary: ["audio 3456 RTP/AVP G729,PCMU sendonly @0.0.0.0", "video 0 RTP/AVP H261 @198.51.100.7"] },
  },
  {
    name: "session-level inactive, IPv6, SRTP profile",
    sdp: `v=0
o=bob 7 8 IN IP6 2001:db8::2
s=-
c=IN IP6 2001:db8::2
t=0 0
a=inactive
m=audio 5004 RTP/SAVP 96
a=rtpmap:96 opus/48000/2
`,
    expect: { connection: "2001:db8::2", onHold: true, summary: ["audio 5004 RTP/SAVP opus inactive @2001:db8::2"] },
  },
];

describe("summariseSdp", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const s = summariseSdp(crlf(row.sdp));
      expect(s).toMatchObject(row.expect);
      expect(s.problems).toEqual([]);
    });
  }
  it("reports garbage instead of throwing", () => {
    const s = summariseSdp("hello world");
    expect(s.media).toEqual([]);
    expect(s.problems.length).toBeGreaterThan(0);
  });
  it("origin and media fields", () => {
    const s = summariseSdp(crlf(ROWS[0].sdp));
    expect(s.origin).toEqual({ username: "alice", sessionId: "2890844526", version: 2890844526, address: "192.0.2.1" });
    expect(s.media[0]).toMatchObject({ type: "audio", port: 49172, protocol: "RTP/AVP", payloads: [0, 8, 101], direction: "sendrecv" });
  });
  it("never throws on random or mutated text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 0, max: 400 }), fc.string({ maxLength: 20 }), (junk, at, ins) => {
        const base = crlf(ROWS[0].sdp);
        const mutated = base.slice(0, at) + ins + base.slice(at + ins.length);
        summariseSdp(junk);
        const s = summariseSdp(mutated);
        expect(Array.isArray(s.problems)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
