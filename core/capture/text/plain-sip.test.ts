import { describe, expect, it } from "vitest";
import { PlainSipReader } from "./plain-sip";
import { ascii, collect, feed, text } from "./test-sinks";
import { neverThrowsOnMutations } from "../../../test/helpers/mutations";

const REQ = "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1\r\nCall-ID: p1\r\nCSeq: 1 INVITE\r\nContent-Length: 5\r\n\r\nv=0\r\n";
const RSP = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1\r\nCall-ID: p1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

function read(input: string, byteByByte = false) {
  const c = collect();
  feed(new PlainSipReader(c.capture), ascii(input), byteByByte);
  return c;
}

describe("PlainSipReader", () => {
  for (const byteByByte of [false, true]) {
    const mode = byteByByte ? "byte by byte" : "whole";
    it(`reads messages separated by blank lines and dashes (${mode})`, () => {
      const c = read("\n" + REQ + "\n-----\n" + RSP.replace(/\r\n/g, "\n") + "\n\n" + RSP, byteByByte);
      expect(c.pdus.map((p) => text(p.bytes))).toEqual([REQ, RSP, RSP]);
      expect(c.pdus.map((p) => p.frame)).toEqual([1, 2, 3]);
      expect(c.pdus[0].src).toEqual({ ip: "0.0.0.0", port: 0 });
      expect(c.problems).toEqual([]);
    });

    it(`reads sngrep's text export with addresses and times (${mode})`, () => {
      const input = "2024/01/02 03:04:05.123456 10.0.0.1:5060 -> 10.0.0.2:5060\n" + REQ + "\n" + "2024/01/02 03:04:05.223456 [2001:db8::2]:5060 -> [2001:db8::1]:5062\n" + RSP + "\n";
      const c = read(input, byteByByte);
      expect(c.pdus).toHaveLength(2);
      expect(c.pdus[0].time).toBeCloseTo(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000 + 0.123456, 6);
      expect(c.pdus[0].src).toEqual({ ip: "10.0.0.1", port: 5060 });
      expect(c.pdus[0].dst).toEqual({ ip: "10.0.0.2", port: 5060 });
      expect(c.pdus[1].src).toEqual({ ip: "2001:db8::2", port: 5060 });
      expect(text(c.pdus[1].bytes)).toBe(RSP);
    });

    it(`reads ngrep -W byline output, undoing the "." CRs (${mode})`, () => {
      const dotted = (m: string) => m.replace(/\r\n/g, ".\n");
      const input =
        "interface: lo (127.0.0.0/255.0.0.0)\nfilter: ( port 5060 ) and (ip || ip6)\n#\nU 2024/01/02 03:04:05.000001 10.0.0.1:5060 -> 10.0.0.2:5060 #7\n" +
        dotted(REQ) + "\n#\nT 10.0.0.2:5060 -> 10.0.0.1:5060 [AP] #8\n" + dotted(RSP) + "\n";
      const c = read(input, byteByByte);
      expect(c.pdus.map((p) => [p.frame, p.transport])).toEqual([[7, "udp"], [8, "tcp"]]);
      expect(text(c.pdus[0].bytes)).toBe(REQ);
      expect(text(c.pdus[1].bytes)).toBe(RSP);
      expect(c.pdus[1].time).toBe(c.pdus[0].time);
      expect(c.problems).toEqual([]);
    });
  }

  it("reads ngrep's single-line form", () => {
    const c = read("U 10.0.0.1:5060 -> 10.0.0.2:5060 #3\n" + REQ.replace(/\r\n/g, "..") + "\n");
    expect(c.pdus).toHaveLength(1);
    expect(text(c.pdus[0].bytes)).toBe(REQ);
    expect(c.pdus[0].frame).toBe(3);
  });

  it("reports a short body and stray text", () => {
    const c = read("hello there\n" + REQ.replace("Content-Length: 5", "Content-Length: 40") + "-----\n");
    expect(c.pdus[0].problems?.[0]).toMatch(/Content-Length says 40/);
    expect(c.problems.map((p) => p.reason)).toEqual(["1 line(s) outside any SIP message ignored"]);
  });

  it("cuts a runaway block of header-like lines at 1 MiB", () => {
    const c = collect();
    const r = new PlainSipReader(c.capture);
    r.push(ascii("OPTIONS sip:x@h SIP/2.0\n"));
    for (let i = 0; i < 2000; i++) r.push(ascii("X-Pad: " + "c".repeat(1000) + "\n"));
    r.end();
    expect(c.pdus[0].bytes.length).toBeLessThanOrEqual((1 << 20) + 4);
    expect(c.pdus[0].problems?.[0]).toMatch(/cut at/);
  });

  it("never throws on random or mutated bytes", () => {
    const base = ascii("U 2024/01/02 03:04:05.000001 10.0.0.1:5060 -> 10.0.0.2:5060 #7\n" + REQ + "\n" + RSP);
    neverThrowsOnMutations(base, (input) => {
      const c = collect();
      feed(new PlainSipReader(c.capture), input, false);
    });
  });
});
