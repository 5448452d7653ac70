import { describe, expect, it } from "vitest";
import type { Endpoint, LogRecord } from "../capture/types";
import { parseKamailioLogLine, SyslogClock } from "../capture/text/kamailio-log-line";
import type { SipMessage } from "../protocols/sip/types";
import { classifyLog, linkLogs, type LogCause } from "./logs";
import type { CaptureModel, Observed, ObservedLog } from "./model";

function rec(line: string, year = 2026): LogRecord {
  const p = parseKamailioLogLine(line, new SyslogClock({ year }));
  if (!p) throw new Error(`not a log line: ${line}`);
  return { line: 1, ...p };
}

describe("classifyLog", () => {
  const cases: [string, LogCause | undefined, Partial<{ callId: string; dialog: { hEntry: number; hId: number } }>?][] = [
    [
      " 4(3302) WARNING: dialog [dlg_req_within.c:334]: send_bye(): dlg [1873:3264] with callid 7f3a-21@10.0.0.5 already in deleted state, BYE not sent.",
      "dialog-bye-race",
      { callId: "7f3a-21@10.0.0.5", dialog: { hEntry: 1873, hId: 3264 } },
    ],
    ["Nov 21 05:39:12 sbc /usr/sbin/kamailio[26975]: WARNING: dialog [dlg_req_within.c:313]: send_bye(): dlg [5:6] with callid abc already in deleted state, BYE not sent", "dialog-bye-race", { callId: "abc", dialog: { hEntry: 5, hId: 6 } }],
    [" 9(41) ERROR: tm [t_suspend.c:95]: t_suspend(): too few headers", "xhttp-async-failure"],
    [" 9(41) ERROR: <core> [core/parser/msg_parser.c:731]: parse_msg(): too few headers, need From, To, CSeq and Call-ID", "xhttp-async-failure"],
    [" 9(41) ERROR: xhttp [xhttp_mod.c:312]: xhttp_handler(): failed to parse the request", "xhttp-async-failure"],
    [" 9(41) ERROR: async [async_funcs.c:300]: async_send_task(): t_suspend failed for http request", "xhttp-async-failure"],
    [" 3(20) ERROR: <core> [core/tcp_main.c:2064]: tcpconn_send_put(): failed to find connection for 10.0.0.7:51342", "presence-dead-watcher"],
    [" 3(20) ERROR: tm [uac.c:463]: t_uac_prepare(): failed to build the Via header", "presence-dead-watcher"],
    [" 3(20) ERROR: tm [t_msgbuilder.c:1400]: build_uac_req(): no via", "presence-dead-watcher"],
    [" 3(20) ERROR: presence [notify.c:1592]: send_notify_request(): in function tmb.t_request_within", "presence-dead-watcher"],
    [" 3(20) ERROR: presence [presence.c:700]: pres_refresh_watchers(): sending Notify requests", "presence-dead-watcher"],
    [" 3(20) ERROR: <core> [core/tcp_main.c:1930]: tcp_send(): connect failed", "presence-dead-watcher"],
    [" 5(30) ERROR: ims_auth [cxdx_mar.c:507]: async_cdp_callback(): t_continue failed", "ims-auth-continue-timer"],
    [" 5(30) ERROR: tm [t_suspend.c:204]: t_continue(): transaction timer expired for MAR reply route", "ims-auth-continue-timer"],
    [" 5(30) ERROR: tm [t_suspend.c:228]: t_continue(): transaction timer already fired, not continuing", "ims-auth-continue-timer"],
    [" 2(12) ERROR: tm [t_fwd.c:1540]: t_forward_nonack(): failure to add branches", "tm-delivery-failure"],
    [" 0(26971) ERROR: tm [t_lookup.c:1234]: t_lookup_request(): no transaction found", "tm-delivery-failure"],
    [" 2(12) ERROR: <core> [core/forward.h:290]: msg_send_buffer(): udp_send failed", "tm-delivery-failure"],
    // Clean lines stay unclassified.
    [" 2(26622) INFO: {1 1 INVITE basic-1-26635@127.0.0.1} <script>: REQ INVITE sip:bob@127.0.0.1:5060 from 127.0.0.1:5080", undefined],
    [" 2(28944) WARNING: {1 2 REGISTER reg-bad-1-28957@127.0.0.1} <script>: REGISTER wrong password for mallory ci=reg-bad-1-28957@127.0.0.1", undefined],
    [" 0(26617) INFO: <core> [core/tcp_main.c:5073]: init_tcp(): using epoll_lt as the io watch method (auto detected)", undefined],
    [" 3(20) INFO: presence [notify.c:1]: send_notify_request(): sent", undefined],
    [" 2(12) INFO: tm [t_fwd.c:1]: t_forward_nonack(): fine", undefined],
  ];
  it.each(cases)("%s", (line, cause, extra) => {
    const got = classifyLog(rec(line));
    expect(got?.cause).toBe(cause);
    if (cause) {
      expect(got?.explanation.length).toBeGreaterThan(20);
      if (extra) expect(got).toMatchObject(extra);
    }
  });
});

// --- linkLogs on a hand-built model -------------------------------------------------------------

const UAC: Endpoint = { ip: "10.0.0.1", port: 5060 };
const PROXY: Endpoint = { ip: "10.0.0.2", port: 5060 };
const UAS: Endpoint = { ip: "10.0.0.3", port: 5060 };

function msg(id: number, time: number, src: Endpoint, dst: Endpoint, callId: string, cseq: string, what: string | number, file = 0): Observed {
  const [seq, method] = cseq.split(" ");
  const sip = {
    kind: typeof what === "number" ? "response" : "request",
    method: typeof what === "number" ? undefined : what,
    status: typeof what === "number" ? what : undefined,
    callId,
    cseq: { seq: Number(seq), method },
  } as unknown as SipMessage;
  return { id, file, frame: id + 1, time, src, dst, transport: "udp", protocol: "sip", sip };
}

function model(messages: Observed[], lines: string[], year = 2026): CaptureModel {
  const clock = new SyslogClock({ year });
  const logs: ObservedLog[] = lines.map((l, i) => ({ line: i + 1, ...parseKamailioLogLine(l, clock)!, id: i, file: 1 }));
  return { files: ["c.pcap", "k.log"], messages, connections: [], logs, problems: [], start: 0, end: 10, t1: 0.5 };
}

describe("linkLogs", () => {
  const call = [
    msg(0, 1.0, UAC, PROXY, "c1", "1 INVITE", "INVITE"),
    msg(1, 1.01, PROXY, UAS, "c1", "1 INVITE", "INVITE"),
    msg(2, 1.1, UAS, PROXY, "c1", "1 INVITE", 180),
    msg(3, 1.11, PROXY, UAC, "c1", "1 INVITE", 180),
    msg(4, 2.0, UAS, PROXY, "c1", "1 INVITE", 200),
    msg(5, 2.01, PROXY, UAC, "c1", "1 INVITE", 200),
    msg(6, 3.0, UAC, PROXY, "c1", "2 BYE", "BYE"),
  ];

  it("links prefixed lines to the message the proxy received, episode by episode", () => {
    const m = model(call, [
      " 0(1) INFO: <core> [main.c:1]: main(): starting",
      " 1(10) INFO: {1 1 INVITE c1} <script>: REQ INVITE",
      " 1(10) INFO: {1 1 INVITE c1} <script>: routing",
      " 2(11) INFO: {2 1 INVITE c1} <script>: reply",
      " 2(11) INFO: {2 1 INVITE c1} <script>: reply 200 OK",
      " 2(11) INFO: {2 1 INVITE c1} <script>: dialog started",
      " 1(10) WARNING: dialog [dlg_req_within.c:334]: send_bye(): dlg [1:2] with callid c1 already in deleted state, BYE not sent.",
      " 1(10) INFO: {1 2 BYE c1} <script>: REQ BYE",
      " 1(10) INFO: <core> [main.c:1]: main(): bye",
    ]);
    const links = linkLogs(m);
    expect(links.map((l) => l.message)).toEqual([undefined, 0, 0, 2, 4, 4, 4, 6, undefined]);
    expect(links.map((l) => l.how)).toEqual(["neighbour", "prefix", "prefix", "prefix", "prefix", "prefix", "call-id", "prefix", "neighbour"]);
    expect(links[6].callId).toBe("c1");
    // Lines without a time take their message's; unlinked lines borrow a neighbour's.
    expect(links.map((l) => l.time)).toEqual([1.0, 1.0, 1.0, 1.1, 2.0, 2.0, 2.0, 3.0, 3.0]);
  });

  it("starts a new episode when the same process logs the same script line again (retransmission)", () => {
    const withRetrans = [...call.slice(0, 2), msg(7, 1.5, UAC, PROXY, "c1", "1 INVITE", "INVITE")];
    const m = model(withRetrans, [" 1(10) INFO: {1 1 INVITE c1} <script>: REQ INVITE", " 1(10) INFO: {1 1 INVITE c1} <script>: REQ INVITE"]);
    expect(linkLogs(m).map((l) => l.message)).toEqual([0, 7]);
  });

  it("links syslog lines by their time", () => {
    const t0 = Date.UTC(2026, 10, 21, 5, 39, 12) / 1000;
    const timed = call.map((o) => ({ ...o, time: o.time + t0 }));
    const m = model(timed, [
      "Nov 21 05:39:14 px kamailio[10]: WARNING: dialog [dlg_req_within.c:334]: send_bye(): dlg [1:2] with callid c1 already in deleted state, BYE not sent.",
      "Nov 21 05:39:13 px kamailio[11]: INFO: {2 1 INVITE c1} <script>: reply",
    ]);
    const links = linkLogs(m);
    expect(links.map((l) => [l.message, l.how])).toEqual([[5, "time"], [2, "time"]]);
    expect(links[0].time).toBe(t0 + 2);
  });

  it("pins a timed error without a Call-ID to the message it followed (an xhttp request to its HTTP request)", () => {
    const t0 = Date.UTC(2026, 10, 21, 5, 39, 12) / 1000;
    const http: Observed = { id: 7, file: 0, frame: 8, time: t0 + 0.5, src: UAC, dst: PROXY, transport: "tcp", protocol: "http" };
    const timed = [...call.map((o) => ({ ...o, time: o.time + t0 })), http];
    const m = model(timed, [
      "Nov 21 05:39:13 px kamailio[10]: ERROR: tm [t_suspend.c:95]: t_suspend(): too few headers",
      "Nov 21 05:39:14 px kamailio[10]: ERROR: <core> [core/tcp_main.c:1]: tcp_send(): connect failed",
      "Nov 21 05:39:14 px kamailio[10]: INFO: <script>: fine",
      "Nov 21 05:39:30 px kamailio[10]: ERROR: <core> [core/tcp_main.c:1]: tcp_send(): connect failed",
    ]);
    const links = linkLogs(m);
    expect(links.map((l) => [l.message, l.how])).toEqual([[7, "time"], [5, "time"], [undefined, "none"], [undefined, "none"]]);
    expect(links[1].callId).toBe("c1");
    expect(links[0].callId).toBeUndefined();
  });

  it("links a line that printed a message to that message", () => {
    const printed = msg(7, 0, { ip: "0.0.0.0", port: 0 }, { ip: "0.0.0.0", port: 0 }, "c9", "1 OPTIONS", "OPTIONS", 1);
    printed.frame = 2;
    printed.fromLog = true;
    const m = model([...call, printed], [" 1(10) INFO: {1 1 INVITE c1} <script>: REQ INVITE", " 1(1) INFO: <script>: got OPTIONS sip:a@b SIP/2.0"]);
    const links = linkLogs(m);
    expect(links[1]).toMatchObject({ message: 7, how: "printed", callId: "c9" });
    // The printed copy has no time (0): the line keeps its neighbour's, not 1970.
    expect(links[1].time).toBe(1.0);
  });

  it("leaves lines about unknown calls unlinked", () => {
    const m = model(call, [" 1(10) INFO: {1 1 INVITE other} <script>: REQ INVITE"]);
    expect(linkLogs(m)[0]).toMatchObject({ callId: "other", how: "none" });
    expect(linkLogs(m)[0].message).toBeUndefined();
  });
});
