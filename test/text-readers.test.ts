/**
 * The text readers and log analysis over the real lab runs (Kamailio 5.6.3 + sipp): every
 * kamailio.log is read whole and byte by byte, and its lines are linked to the SIP messages the
 * lab's truth file lists (built into a model here, so this test does not depend on the pcap path).
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KamailioLogReader } from "../core/capture/text/kamailio-log";
import { detectTextFormat } from "../core/capture/text/detect";
import { collect } from "../core/capture/text/test-sinks";
import { classifyLog, linkLogs } from "../core/analysis/logs";
import type { CaptureModel, Observed } from "../core/analysis/model";
import type { Endpoint } from "../core/capture/types";
import type { SipMessage } from "../core/protocols/sip/types";
import { sharedDir } from "./shared";

const labDir = sharedDir ? path.join(sharedDir, "captures", "lab") : undefined;
const scenarios = labDir ? readdirSync(labDir).filter((d) => existsSync(path.join(labDir, d, "kamailio.log"))) : [];
if (!labDir) console.log("text-readers: ../shared/captures/lab not found; lab log tests skipped");

interface TruthMessage {
  frame: number;
  t: number;
  src: string;
  dst: string;
  msg: string;
  cseq: string;
}

function endpoint(s: string): Endpoint {
  const at = s.lastIndexOf(":");
  return { ip: s.slice(0, at), port: Number(s.slice(at + 1)) };
}

function readLog(file: string, byteByByte: boolean) {
  const c = collect();
  const r = new KamailioLogReader(c.capture, c.log);
  const bytes = new Uint8Array(readFileSync(file));
  if (byteByByte) for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
  else r.push(bytes);
  r.end();
  return { ...c, stats: r.stats(), lines: bytes.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0) };
}

function modelFor(dir: string): CaptureModel {
  const truth = JSON.parse(readFileSync(path.join(dir, "truth.json"), "utf8")) as { observed_sip_messages_by_call_id: Record<string, TruthMessage[]> };
  const flat: (TruthMessage & { callId: string })[] = [];
  for (const [callId, list] of Object.entries(truth.observed_sip_messages_by_call_id)) for (const m of list) flat.push({ ...m, callId });
  flat.sort((a, b) => a.frame - b.frame);
  const messages: Observed[] = flat.map((m, id) => {
    const [seq, method] = m.cseq.split(" ");
    const status = /^\d{3}$/.test(m.msg) ? Number(m.msg) : undefined;
    const sip = { kind: status ? "response" : "request", status, method: status ? undefined : m.msg, callId: m.callId, cseq: { seq: Number(seq), method } } as unknown as SipMessage;
    return { id, file: 0, frame: m.frame, time: m.t, src: endpoint(m.src), dst: endpoint(m.dst), transport: "udp", protocol: "sip", sip };
  });
  const logs = readLog(path.join(dir, "kamailio.log"), false).logs.map((r, id) => ({ ...r, id, file: 1 }));
  return { files: ["capture.pcap", "kamailio.log"], messages, connections: [], logs, problems: [], start: 0, end: messages.at(-1)?.time ?? 0, t1: 0.5 };
}

describe.skipIf(!labDir)("lab kamailio.log files", () => {
  it.each(scenarios)("%s: reads every log line the same whole and byte by byte", (s) => {
    const file = path.join(labDir!, s, "kamailio.log");
    expect(detectTextFormat(new Uint8Array(readFileSync(file)).subarray(0, 65536))).toBe("kamailio-log");
    const whole = readLog(file, false);
    const bytewise = readLog(file, true);
    expect(bytewise.logs).toEqual(whole.logs);
    // The start-up banner ("Listening on", "Aliases:", their indented lines, a blank) is in no record.
    expect(whole.stats.unattachedLines).toBe(5);
    expect(whole.logs.length).toBe(whole.lines - 5);
    expect(whole.pdus).toHaveLength(0); // these runs print no SIP message in the log
    expect(whole.problems).toHaveLength(0);
    for (const r of whole.logs) {
      expect(r.pid).toBeGreaterThan(0);
      expect(r.rank).toBeGreaterThanOrEqual(0);
      expect(["INFO", "NOTICE", "WARNING"]).toContain(r.level);
      expect(r.module).toBeDefined();
      if (r.prefix) {
        expect(r.module).toBe("<script>");
        expect(r.callId).toMatch(/@127\.0\.0\.1$/);
        expect(r.cseq).toMatch(/^\d+ [A-Z]+$/);
        expect([1, 2]).toContain(r.msgType);
      } else {
        expect(r.where).toMatch(/\.[ch]:\d+$/);
        expect(r.function).toMatch(/^\w+$/);
      }
      // Clean runs: no line is one of the known failure causes.
      expect(classifyLog(r)).toBeUndefined();
    }
  });

  it.skipIf(!scenarios.includes("register-auth"))("register-auth: the WARNING names the failed registration and links to its second REGISTER", () => {
    const m = modelFor(path.join(labDir!, "register-auth"));
    const warnings = m.logs.filter((r) => r.level === "WARNING");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ callId: "reg-bad-1-28957@127.0.0.1", cseq: "2 REGISTER", pid: 28944, rank: 2 });
    const link = linkLogs(m)[warnings[0].id];
    expect(link.how).toBe("prefix");
    expect(m.messages[link.message!].frame).toBe(7);
    expect(link.time).toBe(1.114);
  });

  it.each(scenarios)("%s: every prefixed line links to the message the proxy received for it", (s) => {
    const m = modelFor(path.join(labDir!, s));
    const links = linkLogs(m);
    let checked = 0;
    for (const r of m.logs) {
      if (!r.prefix) continue;
      const l = links[r.id];
      expect(l.callId).toBe(r.callId);
      expect(l.message, `line ${r.line}`).toBeDefined();
      const o = m.messages[l.message!];
      expect(o.sip?.callId).toBe(r.callId);
      expect(`${o.sip?.cseq?.seq} ${o.sip?.cseq?.method}`).toBe(r.cseq);
      expect(o.dst).toEqual({ ip: "127.0.0.1", port: 5060 });
      expect(o.sip?.kind).toBe(r.msgType === 1 ? "request" : "response");
      // The script prints what it saw: "REQ <method>" / "RPL <status>".
      const rpl = /^RPL (\d{3})/.exec(r.text);
      if (rpl) expect(o.sip?.status).toBe(Number(rpl[1]));
      const req = /^REQ ([A-Z]+)/.exec(r.text);
      if (req) expect(o.sip?.method).toBe(req[1]);
      expect(l.time).toBe(o.time);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // Lines about no call borrow a neighbour's time, so the whole log sits on the capture's timeline.
    for (const l of links) expect(l.time).toBeDefined();
  });
});
