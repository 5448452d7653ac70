/**
 * A small, self-made AnalysisResult for the app's tests: SIP texts -> pcap (the project's packet
 * builder + pcap writer) -> real ingest -> a deliberately simple analysis (calls by Call-ID, one lane
 * per ip:port, findings given by the test). The app's tests then do not depend on the analysis
 * engineer's heuristics, only on the AnalysisResult contract.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CallDTO, FindingDTO, LadderDTO, NodeDTO } from "../../core/api";
import type { AnalysisResult } from "../../core/analysis/model";
import type { Endpoint } from "../../core/capture/types";
import { endpointText } from "../../core/capture/types";
import { buildUdpPacket, utf8 } from "../../core/capture/packet-builder";
import { writePcap } from "../../core/capture/pcap-writer";
import { loadFiles } from "../../core/node/ingest";

export interface FixtureMessage {
  t: number;
  src: Endpoint;
  dst: Endpoint;
  text: string;
}

export function sip(startLine: string, headers: string[], body = ""): string {
  const ct = body ? ["Content-Type: application/sdp"] : [];
  return [startLine, ...headers, ...ct, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}

export const A: Endpoint = { ip: "10.0.0.1", port: 5060 };
export const P: Endpoint = { ip: "10.0.0.2", port: 5060 };
export const B: Endpoint = { ip: "10.0.0.3", port: 5060 };

/** One INVITE dialog A -> P -> B answered with `status`, messages from time t0. */
export function inviteCall(n: number, t0: number, status = 200, fromUser = `alice${n}`, extraHeaders: string[] = []): FixtureMessage[] {
  const callId = `call-${n}@fixture`;
  const h = (method: string, seq = 1, tag = "") => [
    `Via: SIP/2.0/UDP ${A.ip}:5060;branch=z9hG4bK-${n}-${method}`,
    `From: <sip:${fromUser}@example.com>;tag=f${n}`,
    `To: <sip:bob${n}@example.com>${tag}`,
    `Call-ID: ${callId}`,
    `CSeq: ${seq} ${method}`,
    `X-Tenant: tenant-${n % 3}`,
    ...extraHeaders,
  ];
  const reason = status === 200 ? "OK" : status === 486 ? "Busy Here" : "Error";
  const out: FixtureMessage[] = [
    { t: t0, src: A, dst: P, text: sip(`INVITE sip:bob${n}@example.com SIP/2.0`, h("INVITE"), "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n") },
    { t: t0 + 0.01, src: P, dst: A, text: sip("SIP/2.0 100 Trying", h("INVITE")) },
    { t: t0 + 0.02, src: P, dst: B, text: sip(`INVITE sip:bob${n}@10.0.0.3 SIP/2.0`, h("INVITE")) },
    { t: t0 + 0.5, src: B, dst: P, text: sip(`SIP/2.0 ${status} ${reason}`, h("INVITE", 1, `;tag=t${n}`)) },
    { t: t0 + 0.51, src: P, dst: A, text: sip(`SIP/2.0 ${status} ${reason}`, h("INVITE", 1, `;tag=t${n}`)) },
  ];
  if (status === 200) out.push({ t: t0 + 0.6, src: A, dst: P, text: sip(`ACK sip:bob${n}@10.0.0.3 SIP/2.0`, h("ACK", 1, `;tag=t${n}`)) });
  return out;
}

export async function fixtureCapture(messages: FixtureMessage[], name = "fixture.pcap"): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-fixture-"));
  const file = path.join(dir, name);
  const sorted = messages.slice().sort((a, b) => a.t - b.t);
  writeFileSync(file, writePcap(sorted.map((m) => ({ time: m.t, bytes: buildUdpPacket(m.src, m.dst, utf8(m.text)) }))));
  return file;
}

/** The simple analysis over real ingest. `findings(calls)` lets a test add findings. */
export async function fixtureAnalysis(paths: string[], findingsOf?: (calls: CallDTO[], result: AnalysisResult) => FindingDTO[]): Promise<AnalysisResult> {
  const loaded = await loadFiles(paths);
  const byCallId = new Map<string, number[]>();
  for (const m of loaded.messages) {
    if (!m.callId) continue;
    const list = byCallId.get(m.callId) ?? [];
    list.push(m.id);
    byCallId.set(m.callId, list);
  }
  const calls: CallDTO[] = [];
  const callMessages = new Map<string, number[]>();
  let i = 0;
  for (const [callId, ids] of byCallId) {
    const id = `c${++i}`;
    const first = loaded.messages[ids[0]];
    const finals = ids.map((x) => loaded.messages[x]).filter((m) => m.status && m.status >= 200);
    const status = finals[finals.length - 1]?.status;
    const last = loaded.messages[ids[ids.length - 1]];
    calls.push({
      id, callIds: [callId], kind: first.method === "INVITE" ? "call" : "other", method: first.method ?? "?",
      from: `sip:${first.fromUser}@example.com`, to: `sip:${first.toUser}@example.com`, fromUser: first.fromUser, toUser: first.toUser,
      legs: 2, state: status === 200 ? "answered" : `rejected ${status}`, status, start: first.time, end: last.time,
      setupTime: status === 200 ? finals[0].time - first.time : undefined, duration: last.time - first.time,
      messages: ids.length, findings: [], srcIp: first.src.split(":")[0], dstIp: first.dst.split(":")[0],
    });
    callMessages.set(id, ids);
  }
  const nodesByAddr = new Map<string, NodeDTO>();
  for (const m of loaded.messages) for (const a of [m.src, m.dst]) if (!nodesByAddr.has(a)) nodesByAddr.set(a, { id: `n${nodesByAddr.size + 1}`, name: a, addresses: [a] });
  const document = { summary: loaded.summary, messages: loaded.messages, calls, findings: [] as FindingDTO[] };
  const result: AnalysisResult = {
    model: loaded.model,
    document,
    transactions: [],
    dialogs: [],
    callMessages,
    nodes: [...nodesByAddr.values()],
    message: (id: number) => loaded.messages[id],
    ladder(callId: string): LadderDTO {
      const ids = callMessages.get(callId) ?? [];
      const msgs = ids.map((x) => loaded.messages[x]);
      const used = new Set(msgs.flatMap((m) => [m.src, m.dst]));
      const nodes = [...nodesByAddr.values()].filter((n) => used.has(n.addresses[0]));
      const node = (addr: string) => nodesByAddr.get(addr)!.id;
      const findings = document.findings.filter((f) => f.call === callId);
      return {
        callId,
        nodes,
        arrows: msgs.map((m) => ({
          messageId: m.id, from: node(m.src), to: node(m.dst), label: m.method ?? `${m.status} ${m.reason ?? ""}`.trim(), time: m.time, protocol: m.protocol,
          txn: m.branch ? [...new Set(msgs.map((x) => x.branch))].indexOf(m.branch) : undefined,
          findings: findings.filter((f) => f.messages.includes(m.id)).map((f) => f.id), callId: m.callId,
        })),
        ghosts: findings.flatMap((f) => f.ghosts.map((g) => ({ ...g, from: node(g.src), to: node(g.dst), finding: f.id }))),
        logs: [],
      };
    },
  };
  if (findingsOf) {
    document.findings = findingsOf(calls, result);
    for (const f of document.findings) {
      const c = calls.find((x) => x.id === f.call);
      if (c) {
        c.findings.push(f.id);
        c.worst = f.severity;
      }
    }
  }
  return result;
}

export { endpointText };
