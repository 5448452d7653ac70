import { describe, expect, it } from "vitest";
import { parseSip } from "../sip/parse";
import { buildRequest } from "../sip/serialize";
import { sdpOf, sdpText } from "./from-sip";

const SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
const base: [string, string][] = [
  ["Via", "SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK1"],
  ["From", "<sip:a@x>;tag=1"],
  ["To", "<sip:b@y>"],
  ["Call-ID", "sdp1"],
  ["CSeq", "1 INVITE"],
];

describe("sdpOf", () => {
  it("plain application/sdp body", () => {
    const m = parseSip(buildRequest({ method: "INVITE", uri: "sip:b@y", headers: [...base, ["c", "application/sdp"]], body: SDP }));
    expect(sdpOf(m)?.summary).toEqual(["audio 4000 RTP/AVP PCMA @192.0.2.5"]);
  });
  it("SDP part of a multipart body (SIP-I)", () => {
    const body = `--b\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n--b\r\nContent-Type: application/isup;version=itu-t92+\r\n\r\n\u0001\r\n--b--\r\n`;
    const m = parseSip(buildRequest({ method: "INVITE", uri: "sip:b@y", headers: [...base, ["Content-Type", "multipart/mixed;boundary=b"]], body }));
    expect(sdpText(m)).toBe(SDP);
    expect(sdpOf(m)?.media[0].codecs).toEqual(["PCMA"]);
  });
  it("no SDP: other content or no body", () => {
    expect(sdpOf(parseSip(buildRequest({ method: "MESSAGE", uri: "sip:b@y", headers: [...base, ["Content-Type", "text/plain"]], body: "hi" })))).toBeUndefined();
    expect(sdpOf(parseSip(buildRequest({ method: "BYE", uri: "sip:b@y", headers: base })))).toBeUndefined();
  });
});
