import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTextReader, detectTextFormat } from "./detect";
import { ascii, collect } from "./test-sinks";

const cases: [string, string, string | undefined][] = [
  ["stderr log", " 0(26617) INFO: <core> [core/sctp_core.c:74]: sctp_core_check_support(): SCTP API not enabled\nListening on \n", "kamailio-log"],
  ["syslog", "Nov 21 05:39:12 host /usr/sbin/kamailio[26975]: ERROR: dialog [dlg_req_within.c:313]: send_bye(): x\n", "kamailio-log"],
  ["iso syslog", "2026-11-21T05:39:12.123456+00:00 host kamailio[123]: WARNING: <script>: y\n", "kamailio-log"],
  ["log with SIP inside", " 1(1) INFO: <script>: got INVITE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\n", "kamailio-log"],
  ["sipdump", "====================\ntag: rcv\npid: 1\nprocess: 2\ntime: 1.000001\n~~~~~~~~~~~~~~~~~~~~\nOPTIONS sip:a@b SIP/2.0\n", "sipdump"],
  ["plain", "INVITE sip:bob@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n", "plain-sip"],
  ["plain response after a title", "Call 1\n-----\nSIP/2.0 200 OK\nCall-ID: x\n", "plain-sip"],
  ["sngrep", "2024/01/02 03:04:05.123456 10.0.0.1:5060 -> 10.0.0.2:5060\n", "plain-sip"],
  ["ngrep", "interface: lo\nU 10.0.0.1:5060 -> 10.0.0.2:5060 #1\nOPTIONS sip:x@y SIP/2.0.\n", "plain-sip"],
  ["other text", "hello world\nnothing to see\n", undefined],
  ["a separator alone is not sipdump", "====================\nhello\n", undefined],
  ["binary", "\x00\x01\x02INVITE sip:a@b SIP/2.0\n", undefined],
  ["empty", "", undefined],
  ["pcap magic", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00", undefined],
];

describe("detectTextFormat", () => {
  it.each(cases)("%s", (_name, input, want) => {
    expect(detectTextFormat(ascii(input))).toBe(want);
  });

  it("never throws on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (b) => void detectTextFormat(b)), { numRuns: 500 });
  });
});

describe("createTextReader", () => {
  it("wires log records to the log sink and PDUs to the capture sink", () => {
    const c = collect();
    const r = createTextReader("kamailio-log", { capture: c.capture, log: c.log });
    r.push(ascii(" 1(1) WARNING: <script>: got SIP/2.0 200 OK\nCall-ID: x\nContent-Length: 0\n\n"));
    r.end();
    expect(c.logs.map((l) => l.level)).toEqual(["WARNING"]);
    expect(c.pdus).toHaveLength(1);
  });

  it("accepts one object that is both sinks", () => {
    const c = collect();
    const both = { ...c.capture, ...c.log };
    const r = createTextReader("kamailio-log", both, { year: 2026 });
    r.push(ascii("Nov 21 05:39:12 h kamailio[1]: ERROR: tm [t.c:1]: f(): boom\n"));
    r.end();
    expect(c.logs[0].time).toBe(Date.UTC(2026, 10, 21, 5, 39, 12) / 1000);
  });

  it.each(["sipdump", "plain-sip"] as const)("builds a %s reader", (format) => {
    const c = collect();
    const r = createTextReader(format, c.capture);
    r.push(ascii("====================\ntag: rcv\ntime: 5.5\n~~~~~~~~~~~~~~~~~~~~\nSIP/2.0 200 OK\nCall-ID: x\nContent-Length: 0\n\n||||||||||||||||||||\n"));
    r.end();
    expect(c.pdus).toHaveLength(1);
  });
});
