import { describe, expect, it } from "vitest";
import { KamailioLogReader } from "./kamailio-log";
import { callIdFromText, parseKamailioLogLine, SyslogClock } from "./kamailio-log-line";
import { ascii, collect, feed, text } from "./test-sinks";
import { neverThrowsOnMutations } from "../../../test/helpers/mutations";

function read(input: string, byteByByte = false, opts = {}) {
  const c = collect();
  const r = new KamailioLogReader(c.capture, c.log, opts);
  feed(r, ascii(input), byteByByte);
  return { ...c, stats: r.stats() };
}

describe("parseKamailioLogLine", () => {
  const cases: [string, Record<string, unknown>][] = [
    [
      " 1(26975) INFO: {1 1 INVITE callid@host} <script>: text here",
      { rank: 1, pid: 26975, level: "INFO", module: "<script>", callId: "callid@host", cseq: "1 INVITE", msgType: 1, text: "text here", prefix: "1 1 INVITE callid@host" },
    ],
    [
      " 0(26971) ERROR: tm [t_lookup.c:1234]: t_lookup_request(): text",
      { rank: 0, pid: 26971, level: "ERROR", module: "tm", where: "t_lookup.c:1234", function: "t_lookup_request", text: "text" },
    ],
    [
      " 0(26617) INFO: <core> [core/tcp_main.c:5073]: init_tcp(): using epoll_lt as the io watch method (auto detected)",
      { level: "INFO", module: "<core>", where: "core/tcp_main.c:5073", function: "init_tcp", text: "using epoll_lt as the io watch method (auto detected)" },
    ],
    [
      "Nov 21 05:39:12 host /usr/sbin/kamailio[26975]: ERROR: dialog [dlg_req_within.c:313]: send_bye(): failed",
      { pid: 26975, level: "ERROR", module: "dialog", where: "dlg_req_within.c:313", function: "send_bye", text: "failed", time: Date.UTC(2026, 10, 21, 5, 39, 12) / 1000 },
    ],
    [
      "2026-11-21T05:39:12.123456+01:00 host kamailio[123]: WARNING: <script>: hello ci=abc@h",
      { pid: 123, level: "WARNING", module: "<script>", text: "hello ci=abc@h", callId: "abc@h", time: Date.UTC(2026, 10, 21, 4, 39, 12) / 1000 + 0.123456 },
    ],
    [
      " 2(10) WARNING: dialog [dlg_req_within.c:334]: send_bye(): dlg [1234:5678] with callid abc-1@10.0.0.1 already in deleted state, BYE not sent.",
      { level: "WARNING", function: "send_bye", callId: "abc-1@10.0.0.1" },
    ],
    [" 1(2) INFO: {2 REGISTER a1@h} <script>: x", { cseq: "2 REGISTER", callId: "a1@h", text: "x" }],
    [" 1(2) INFO: {2 a1@h} <script>: x", { msgType: 2, callId: "a1@h" }],
    [" 1(2) INFO: {a1b2c3@h} <script>: x", { callId: "a1b2c3@h", text: "x" }],
    [" 1(2) INFO: {<null> <null> <null>} <script>: timer", { text: "timer", prefix: "<null> <null> <null>" }],
    [" 3(99) CRITICAL: <core> [core/mem/q_malloc.c:1]: qm_free(): BUG: freeing", { level: "CRITICAL", function: "qm_free", text: "BUG: freeing" }],
    ["Nov 21 05:39:12 host cron[5]: something else", { level: "NONE", module: "cron", text: "something else", pid: 5 }],
    ["\x1b[31;1m 0(7) ERROR: tm [t_fwd.c:1]: t_forward_nonack(): red\x1b[0m", { rank: 0, pid: 7, level: "ERROR", module: "tm", function: "t_forward_nonack", text: "red" }],
    [
      "<11>1 2026-11-21T05:39:12.5Z sbc kamailio 4711 - - ERROR: <core> [core/tcp_main.c:1]: tcp_send(): failed",
      { pid: 4711, level: "ERROR", module: "<core>", function: "tcp_send", time: Date.UTC(2026, 10, 21, 5, 39, 12) / 1000 + 0.5 },
    ],
    ["1 2026-11-21T05:39:12+00:00 sbc kamailio - - [meta x=\"1\"] WARNING: <script>: w", { level: "WARNING", text: "w", time: Date.UTC(2026, 10, 21, 5, 39, 12) / 1000 }],
    ["<30>Nov 21 05:39:12 sbc kamailio[9]: INFO: <script>: pri", { pid: 9, level: "INFO", text: "pri" }],
    [" 1(2) INFO: {1 1 INVITE c\u00e9@h} <script>: caf\u00e9", { callId: "c\u00e9@h", text: "caf\u00e9" }],
  ];
  it.each(cases)("%s", (line, want) => {
    const got = parseKamailioLogLine(line, new SyslogClock({ year: 2026 }));
    expect(got).toBeDefined();
    expect(got).toMatchObject(want);
  });

  it.each([
    ["Call-ID header missing", undefined],
    ["with callid abc-1@h already", "abc-1@h"],
    ["clid 'x1@y' and tags", "x1@y"],
    ["Call-ID: plainword", "plainword"],
    ["REGISTER ci=reg-1@127.0.0.1", "reg-1@127.0.0.1"],
    ["pci=zzz", undefined],
    ["callid_avp set", undefined],
  ])("finds the Call-ID in %j", (t, want) => {
    expect(callIdFromText(t).callId).toBe(want);
  });

  it.each(["Listening on ", "             udp: 127.0.0.1 [127.0.0.1]:5060", "Aliases: ", "", "INVITE sip:a@b SIP/2.0", " 1(2) NOTALEVEL: x"])(
    "rejects non-log line %j",
    (line) => expect(parseKamailioLogLine(line, new SyslogClock())).toBeUndefined(),
  );

  it("rolls the syslog year over Dec -> Jan", () => {
    const clock = new SyslogClock({ year: 2025 });
    const a = parseKamailioLogLine("Dec 31 23:59:59 h kamailio[1]: INFO: <script>: a", clock)!;
    const b = parseKamailioLogLine("Jan  1 00:00:01 h kamailio[1]: INFO: <script>: b", clock)!;
    expect(b.time! - a.time!).toBe(2);
  });
});

const BANNER = [
  " 0(26617) INFO: <core> [core/tcp_main.c:5073]: init_tcp(): using epoll_lt as the io watch method (auto detected)",
  "Listening on ",
  "             udp: 127.0.0.1 [127.0.0.1]:5060",
  "Aliases: ",
  "             *: 127.0.0.1:5060:*",
  "",
  " 0(26617) INFO: rr [rr_mod.c:188]: mod_init(): outbound module not available",
].join("\n") + "\n";

const INVITE = [
  "INVITE sip:bob@127.0.0.1:5060 SIP/2.0",
  "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-1",
  "From: <sip:alice@127.0.0.1>;tag=1",
  "To: <sip:bob@127.0.0.1>",
  "Call-ID: c1@127.0.0.1",
  "CSeq: 1 INVITE",
  "Content-Type: application/sdp",
  "Content-Length: 12",
  "",
  "v=0",
  "o=x 1",
].join("\r\n") + "\r\n";

describe("KamailioLogReader", () => {
  for (const byteByByte of [false, true]) {
    const mode = byteByByte ? "byte by byte" : "whole";
    it(`keeps the start-up banner out of every record (${mode})`, () => {
      const got = read(BANNER, byteByByte);
      expect(got.logs.map((l) => l.line)).toEqual([1, 7]);
      expect(got.logs[0].text).toBe("using epoll_lt as the io watch method (auto detected)");
      expect(got.stats.unattachedLines).toBe(5);
      expect(got.pdus).toHaveLength(0);
    });

    it(`turns an xlog of $mb into a Pdu with the addresses the line names (${mode})`, () => {
      const input =
        " 1(100) INFO: {1 1 INVITE c1@127.0.0.1} <script>: rcv from udp:127.0.0.1:5080 to 127.0.0.1:5060: " +
        INVITE +
        "\n 1(100) INFO: <script>: after\n";
      const got = read(input, byteByByte);
      expect(got.pdus).toHaveLength(1);
      const p = got.pdus[0];
      expect(p.frame).toBe(1);
      expect(p.src).toEqual({ ip: "127.0.0.1", port: 5080 });
      expect(p.dst).toEqual({ ip: "127.0.0.1", port: 5060 });
      expect(p.transport).toBe("udp");
      expect(text(p.bytes)).toBe(INVITE);
      expect(p.problems).toBeUndefined();
      expect(got.logs.map((l) => l.line)).toEqual([1, 13]);
      expect(got.logs[0].callId).toBe("c1@127.0.0.1");
    });

    it(`frames a dump printed under its announcing record, even with LF-only lines (${mode})`, () => {
      const reply = "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-2\nCall-ID: c2\nCSeq: 1 INVITE\nContent-Length: 0\n\n";
      const input = " 2(7) DEBUG: <core> [core/receive.c:1]: receive_msg(): --- received from [2001:DB8:0:0::1]:5060 ---\n" + reply + " 2(7) INFO: <script>: next\n";
      const got = read(input, byteByByte);
      expect(got.pdus).toHaveLength(1);
      expect(got.pdus[0].frame).toBe(2);
      expect(got.pdus[0].src).toEqual({ ip: "2001:db8::1", port: 5060 });
      expect(got.pdus[0].dst).toEqual({ ip: "0.0.0.0", port: 0 });
      expect(text(got.pdus[0].bytes)).toBe(reply.replace(/\n/g, "\r\n"));
      expect(got.logs.map((l) => l.line)).toEqual([1, 8]);
    });
  }

  it("reads a multi-line journalctl entry whose continuation lines are indented", () => {
    const pad = " ".repeat(35);
    const input =
      "Nov 21 05:39:12 px kamailio[9]: INFO: <script>: to 10.0.0.3:5060 SIP/2.0 200 OK\n" +
      [`${pad}Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-5`, `${pad}Call-ID: j1`, `${pad}Content-Length: 5`, pad, `${pad}v=0`].join("\n") +
      "\nNov 21 05:39:13 px kamailio[9]: INFO: <script>: after\n";
    const got = read(input, false, { year: 2026 });
    expect(got.pdus).toHaveLength(1);
    expect(text(got.pdus[0].bytes)).toBe("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-5\r\nCall-ID: j1\r\nContent-Length: 5\r\n\r\nv=0\r\n");
    expect(got.pdus[0].dst).toEqual({ ip: "10.0.0.3", port: 5060 });
    expect(got.logs).toHaveLength(2);
  });

  it("reads a debugger-style dump that opens with a brace", () => {
    const got = read(" 3(5) NOTICE: debugger [debugger_api.c:1]: dbg_sip_msg(): msg out:{SIP/2.0 486 Busy Here\r\nCall-ID: z\r\nContent-Length: 0\r\n\r\n}\n 3(5) INFO: <script>: next\n");
    expect(got.pdus).toHaveLength(1);
    expect(text(got.pdus[0].bytes)).toBe("SIP/2.0 486 Busy Here\r\nCall-ID: z\r\nContent-Length: 0\r\n\r\n");
    expect(got.logs.map((l) => l.line)).toEqual([1, 6]);
    expect(got.stats.unattachedLines).toBe(1);
  });

  it("takes the addresses of an announcing record across a separator line, once", () => {
    const m = "OPTIONS sip:x@10.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-6\nContent-Length: 0\n\n";
    const got = read(" 1(2) DEBUG: <core> [core/receive.c:1]: receive_msg(): received from tcp:10.0.0.9:5070\n-----\n" + m + m);
    expect(got.pdus.map((p) => [p.frame, p.src.port, p.transport])).toEqual([[3, 5070, "tcp"], [7, 0, "udp"]]);
  });

  it("does not make a message out of a line that only mentions a request line", () => {
    const got = read(" 2(1) INFO: {1 1 INVITE x} <script>: REQ INVITE sip:bob@127.0.0.1:5060 from 127.0.0.1:5080 ci=x\n 2(1) INFO: <script>: saw INVITE sip:a@b SIP/2.0\n 2(1) INFO: <script>: y\n");
    expect(got.pdus).toHaveLength(0);
    expect(got.logs).toHaveLength(3);
  });

  it("cuts a message short at the next record and says so", () => {
    const got = read(" 1(1) INFO: <script>: got SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP h;branch=z9hG4bK-3\nContent-Length: 50\n\nv=0\n 1(1) ERROR: <script>: boom\n");
    expect(got.pdus).toHaveLength(1);
    expect(got.pdus[0].problems?.[0]).toMatch(/Content-Length says 50/);
    expect(got.logs.map((l) => l.level)).toEqual(["INFO", "ERROR"]);
  });

  it("decodes an rsyslog-escaped message and times it with the syslog stamp", () => {
    const line = "Nov 21 05:39:12 h kamailio[9]: INFO: <script>: rcv from 10.0.0.9:5060 #012OPTIONS sip:x@10.0.0.1 SIP/2.0#015#012Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-4#015#012Content-Length: 0#015#012#015#012\n";
    const got = read(line, false, { year: 2026 });
    expect(got.pdus).toHaveLength(1);
    expect(got.pdus[0].time).toBe(Date.UTC(2026, 10, 21, 5, 39, 12) / 1000);
    expect(got.pdus[0].src).toEqual({ ip: "10.0.0.9", port: 5060 });
    expect(text(got.pdus[0].bytes)).toBe("OPTIONS sip:x@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-4\r\nContent-Length: 0\r\n\r\n");
  });

  it("reports a guessed syslog year once", () => {
    const got = read("Nov 21 05:39:12 h kamailio[9]: INFO: <script>: a\nNov 21 05:39:13 h kamailio[9]: INFO: <script>: b\n");
    expect(got.problems).toHaveLength(1);
    expect(got.problems[0].reason).toMatch(/no year/);
  });

  it("never throws or hangs on random or mutated bytes", () => {
    const base = ascii(BANNER + " 1(100) INFO: <script>: x " + INVITE);
    neverThrowsOnMutations(
      base,
      (input) => {
        const c = collect();
        const r = new KamailioLogReader(c.capture, c.log);
        r.push(input.subarray(0, input.length >> 1));
        r.push(input.subarray(input.length >> 1));
        r.end();
      },
      { maxRandomLength: 400 },
    );
  });
});
