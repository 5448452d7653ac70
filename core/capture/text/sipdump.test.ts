import { describe, expect, it } from "vitest";
import { SipdumpReader } from "./sipdump";
import { ascii, collect, feed, text } from "./test-sinks";
import { neverThrowsOnMutations } from "../../../test/helpers/mutations";

const INVITE =
  "INVITE sip:bob@127.0.0.1:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\nCall-ID: d1\r\nCSeq: 1 INVITE\r\nContent-Length: 5\r\n\r\nv=0\r\n";
const OK_NO_FINAL_CRLF = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-2\r\nCall-ID: d1\r\nCSeq: 1 INVITE\r\nContent-Length: 3\r\n\r\nv=0";

function entry(meta: string[], msg: string): string {
  return "====================\n" + meta.join("\n") + "\n~~~~~~~~~~~~~~~~~~~~\n" + msg + "||||||||||||||||||||\n";
}

const FILE =
  entry(
    ["tag: snd", "pid: 4242", "process: 3", "time: 1763703552.123456", "date: Fri Nov 21 05:39:12 2025", "proto: udp ipv4", "srcip: 127.0.0.1", "srcport: 5060", "dstip: 127.0.0.1", "dstport: 5080"],
    INVITE,
  ) +
  entry(
    ["tag: rcv", "pid: 4243", "process: 4", "time: 1763703552.5", "date: Fri Nov 21 05:39:12 2025", "proto: tcp ipv6", "srcip: 2001:db8::2", "srcport: 5060", "dstip: 2001:0db8:0:0:0:0:0:1", "dstport: 5061"],
    OK_NO_FINAL_CRLF,
  ) +
  entry(["tag: rcv", "time: 1763703553.000001", "proto: tcp ipv4", "srcip: 10.0.0.9", "srcport: 40000", "dstip: 10.0.0.1", "dstport: 5060"], "\r\n\r\n") +
  entry(["tag: rcv", "time: 1763703554", "proto: tcp ipv4", "srcip: 10.0.0.9", "srcport: 40001", "dstip: 10.0.0.1", "dstport: 8080"], "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");

describe("SipdumpReader", () => {
  for (const byteByByte of [false, true]) {
    it(`reads entries with transport, addresses, times (${byteByByte ? "byte by byte" : "whole"})`, () => {
      const c = collect();
      feed(new SipdumpReader(c.capture), ascii(FILE), byteByByte);
      expect(c.pdus.map((p) => [p.frame, p.protocol, p.transport, p.time])).toEqual([
        [1, "sip", "udp", 1763703552.123456],
        [2, "sip", "tcp", 1763703552.5],
        [4, "http", "tcp", 1763703554],
      ]);
      expect(c.pdus[0].src).toEqual({ ip: "127.0.0.1", port: 5060 });
      expect(c.pdus[0].dst).toEqual({ ip: "127.0.0.1", port: 5080 });
      expect(c.pdus[1].src).toEqual({ ip: "2001:db8::2", port: 5060 });
      expect(c.pdus[1].dst).toEqual({ ip: "2001:db8::1", port: 5061 });
      expect(text(c.pdus[0].bytes)).toBe(INVITE);
      expect(text(c.pdus[1].bytes)).toBe(OK_NO_FINAL_CRLF);
      expect(c.problems.map((p) => [p.frame, p.skipped])).toEqual([[3, true]]);
      expect(FILE.slice(c.problems[0].offset, c.problems[0].offset! + 30)).toBe("====================\ntag: rcv\n");
      expect(c.problems[0].reason).toMatch(/keep-alive/);
      expect(c.records).toEqual([1, 2, 3, 4]);
    });
  }

  it("tolerates LF-only files, the arrow proto form, missing fields and a missing end marker", () => {
    const lf =
      "====================\ntag: rcv  \nproto: udp 192.0.2.1:5060 => 192.0.2.2:5070\n~~~~~~~~~~~~~~~~~~~~\nOPTIONS sip:x@192.0.2.2 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1\nContent-Length: 0\n\n" +
      "====================\ndate: Fri Nov 21 05:39:12 2025\nSIP/2.0 200 OK\nContent-Length: 0\n\n||||||||||||||||||||\n";
    const c = collect();
    feed(new SipdumpReader(c.capture), ascii(lf), false);
    expect(c.pdus).toHaveLength(2);
    expect(text(c.pdus[0].bytes)).toBe("OPTIONS sip:x@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1\r\nContent-Length: 0\r\n\r\n");
    expect(c.pdus[0].src).toEqual({ ip: "192.0.2.1", port: 5060 });
    expect(c.pdus[0].dst).toEqual({ ip: "192.0.2.2", port: 5070 });
    expect(c.pdus[0].problems?.[0]).toMatch(/no end marker/);
    expect(c.pdus[1].time).toBe(Date.UTC(2025, 10, 21, 5, 39, 12) / 1000);
    expect(c.pdus[1].src).toEqual({ ip: "0.0.0.0", port: 0 });
    expect(c.pdus[1].problems).toBeUndefined();
  });

  it("cuts an entry whose end marker is lost instead of growing without bound", () => {
    const big = "====================\ntag: rcv\n~~~~~~~~~~~~~~~~~~~~\nOPTIONS sip:x@h SIP/2.0\n" + "X-Pad: " + "a".repeat(1000) + "\n".repeat(1) ;
    const c = collect();
    const r = new SipdumpReader(c.capture);
    r.push(ascii(big));
    for (let i = 0; i < 5000; i++) r.push(ascii("X-Pad: " + "b".repeat(1000) + "\n"));
    r.end();
    expect(c.pdus).toHaveLength(1);
    expect(c.pdus[0].bytes.length).toBeLessThanOrEqual(4 << 20);
    expect(c.pdus[0].problems?.[0]).toMatch(/entry cut/);
    expect(c.problems.at(-1)?.reason).toMatch(/outside any sipdump entry/);
  });

  it("never throws on random or mutated bytes", () => {
    const base = ascii(FILE);
    neverThrowsOnMutations(base, (input) => {
      const c = collect();
      feed(new SipdumpReader(c.capture), input, false);
    });
  });
});
