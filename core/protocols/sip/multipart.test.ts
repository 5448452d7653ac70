import { describe, expect, it } from "vitest";
import { parseSip } from "./parse";
import { multipartBoundary, splitMultipart } from "./multipart";
import { wire } from "./test-wire";
import { decodeText, encodeText } from "./text";

// RFC 4475 §3.1.1.11 "mpart01" shape: SDP + a binary part, boundary quoted.
const MPART = `MESSAGE sip:kumiko@example.org SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport
Max-Forwards: 70
Route: <sip:127.0.0.1:5080>
Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=
Contact: <sip:fluffy@127.0.0.1:5070>
To: <sip:kumiko@example.org>
From: <sip:fluffy@example.com>;tag=2fb0dcc9
Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..
CSeq: 1 MESSAGE
Content-Transfer-Encoding: binary
Content-Type: multipart/mixed;boundary="2be0b6d8-2a95-4c41-ab5a-3d8b5d1f01a1"
Date: Thu, 21 Feb 2008 20:13:09 GMT
Content-Length: {CL}

--2be0b6d8-2a95-4c41-ab5a-3d8b5d1f01a1
Content-Type: text/plain
Content-Transfer-Encoding: binary

Hello
--2be0b6d8-2a95-4c41-ab5a-3d8b5d1f01a1
Content-Type: application/octet-stream
Content-Transfer-Encoding: binary

\u00ff\u0001
--2be0b6d8-2a95-4c41-ab5a-3d8b5d1f01a1--
`;

describe("splitMultipart", () => {
  it("splits the parts of a SIP multipart body with their headers", () => {
    const m = parseSip(wire(MPART));
    expect(m.problems).toEqual([]);
    expect(multipartBoundary(m.contentType)).toBe("2be0b6d8-2a95-4c41-ab5a-3d8b5d1f01a1");
    const mp = splitMultipart(m.body, m.contentType);
    expect(mp.problems).toEqual([]);
    expect(mp.parts.map((p) => p.contentType)).toEqual(["text/plain", "application/octet-stream"]);
    expect(decodeText(mp.parts[0].body)).toBe("Hello");
    expect(decodeText(mp.parts[1].body)).toBe("\u00ff\u0001");
    expect(mp.parts[0].headers).toEqual([
      { name: "Content-Type", value: "text/plain" },
      { name: "Content-Transfer-Encoding", value: "binary" },
    ]);
    // offsets are within the body
    expect(decodeText(m.body.subarray(mp.parts[0].offset, mp.parts[0].offset + 5))).toBe("Hello");
  });
  it("SDP + ISUP with unquoted boundary, preamble and LF-only lines", () => {
    const body = encodeText("preamble\n--b1\nContent-Type: application/sdp\n\nv=0\no=x\n--b1\nContent-Type: application/isup;version=itu-t92+;base=itu-t92+\nContent-Disposition: signal;handling=optional\n\n\u0001\u0010\n--b1--\nepilogue");
    const mp = splitMultipart(body, "multipart/mixed; boundary=b1");
    expect(mp.parts.map((p) => [p.contentType, decodeText(p.body)])).toEqual([
      ["application/sdp", "v=0\no=x"],
      ["application/isup;version=itu-t92+;base=itu-t92+", "\u0001\u0010"],
    ]);
  });
  it("problems: no boundary, boundary absent, no close delimiter", () => {
    expect(splitMultipart(encodeText("x"), "multipart/mixed").problems).toEqual(["multipart body without a boundary parameter"]);
    expect(splitMultipart(encodeText("x"), "multipart/mixed;boundary=zz").problems).toEqual(['boundary "zz" not found in body']);
    const open = splitMultipart(encodeText("--zz\r\n\r\nbody"), "multipart/mixed;boundary=zz");
    expect(open.problems).toEqual(["multipart body without a close delimiter"]);
    expect(decodeText(open.parts[0].body)).toBe("body");
  });
});
