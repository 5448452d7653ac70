/**
 * Captures the E2E tests build themselves with the project's packet builder and pcap writer:
 * a small switchboard with a clean call, a busy call whose ACK never comes, a cancelled call, and
 * one whose headers carry HTML/JS payloads (XSS probe).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Endpoint } from "../../core/capture/types";
import { buildUdpPacket, utf8 } from "../../core/capture/packet-builder";
import { writePcap } from "../../core/capture/pcap-writer";

const A: Endpoint = { ip: "192.0.2.10", port: 5060 };
const P: Endpoint = { ip: "192.0.2.1", port: 5060 };
const B: Endpoint = { ip: "192.0.2.20", port: 5060 };

interface Ev { t: number; src: Endpoint; dst: Endpoint; text: string }

function sip(start: string, headers: string[], body = ""): string {
  const ct = body ? ["Content-Type: application/sdp"] : [];
  return [start, ...headers, ...ct, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}

function sdp(ip: string, port: number): string {
  return ["v=0", `o=- 1 1 IN IP4 ${ip}`, "s=-", `c=IN IP4 ${ip}`, "t=0 0", `m=audio ${port} RTP/AVP 0 8`, "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=sendrecv", ""].join("\r\n");
}

/** One call A -> P -> B. `final` 200 (answered, BYE later), 486 (busy; ACK sent unless noAck), 487 (cancelled). */
function call(n: number, t0: number, final: 200 | 486, opts: { noAck?: boolean; from?: string; display?: string; extra?: string[] } = {}): Ev[] {
  const callId = `e2e-${n}@192.0.2.10`;
  const from = opts.from ?? `alice${n}`;
  const fromH = `From: ${opts.display !== undefined ? `"${opts.display}" ` : ""}<sip:${from}@example.com>;tag=fa${n}`;
  const toH = `To: <sip:bob${n}@example.com>`;
  const hA = (br: string, method: string, seq = 1, toTag = "") => [`Via: SIP/2.0/UDP ${A.ip}:5060;branch=z9hG4bK${br}`, fromH, toH + toTag, `Call-ID: ${callId}`, `CSeq: ${seq} ${method}`, "Max-Forwards: 70", ...(opts.extra ?? [])];
  const hP = (br: string, brA: string, method: string, seq = 1, toTag = "") => [`Via: SIP/2.0/UDP ${P.ip}:5060;branch=z9hG4bK${br}`, `Via: SIP/2.0/UDP ${A.ip}:5060;branch=z9hG4bK${brA}`, fromH, toH + toTag, `Call-ID: ${callId}`, `CSeq: ${seq} ${method}`, "Max-Forwards: 69", ...(opts.extra ?? [])];
  const tag = `;tag=tb${n}`;
  const reason = final === 200 ? "OK" : "Busy Here";
  const ev: Ev[] = [
    { t: t0, src: A, dst: P, text: sip(`INVITE sip:bob${n}@example.com SIP/2.0`, [...hA(`a${n}`, "INVITE"), `Contact: <sip:${from}@${A.ip}>`], sdp(A.ip, 4000 + n * 2)) },
    { t: t0 + 0.002, src: P, dst: A, text: sip("SIP/2.0 100 Trying", hA(`a${n}`, "INVITE")) },
    { t: t0 + 0.004, src: P, dst: B, text: sip(`INVITE sip:bob${n}@${B.ip} SIP/2.0`, [...hP(`p${n}`, `a${n}`, "INVITE"), `Contact: <sip:${from}@${A.ip}>`], sdp(A.ip, 4000 + n * 2)) },
    { t: t0 + 0.1, src: B, dst: P, text: sip("SIP/2.0 180 Ringing", hP(`p${n}`, `a${n}`, "INVITE", 1, tag)) },
    { t: t0 + 0.102, src: P, dst: A, text: sip("SIP/2.0 180 Ringing", hA(`a${n}`, "INVITE", 1, tag)) },
    { t: t0 + 0.8, src: B, dst: P, text: sip(`SIP/2.0 ${final} ${reason}`, [...hP(`p${n}`, `a${n}`, "INVITE", 1, tag), `Contact: <sip:bob${n}@${B.ip}>`], final === 200 ? sdp(B.ip, 6000 + n * 2) : "") },
    { t: t0 + 0.802, src: P, dst: A, text: sip(`SIP/2.0 ${final} ${reason}`, [...hA(`a${n}`, "INVITE", 1, tag), `Contact: <sip:bob${n}@${B.ip}>`], final === 200 ? sdp(B.ip, 6000 + n * 2) : "") },
  ];
  if (final === 486) {
    // Hop-by-hop ACK for the non-2xx: the proxy ACKs B; A ACKs the proxy unless noAck.
    ev.push({ t: t0 + 0.803, src: P, dst: B, text: sip(`ACK sip:bob${n}@${B.ip} SIP/2.0`, hP(`p${n}`, `a${n}`, "ACK", 1, tag).filter((h) => !h.includes(`${A.ip}:5060;branch`))) });
    if (!opts.noAck) ev.push({ t: t0 + 0.81, src: A, dst: P, text: sip(`ACK sip:bob${n}@example.com SIP/2.0`, hA(`a${n}`, "ACK", 1, tag)) });
  } else {
    ev.push({ t: t0 + 0.85, src: A, dst: P, text: sip(`ACK sip:bob${n}@${B.ip} SIP/2.0`, hA(`k${n}`, "ACK", 1, tag)) });
    ev.push({ t: t0 + 0.852, src: P, dst: B, text: sip(`ACK sip:bob${n}@${B.ip} SIP/2.0`, hP(`pk${n}`, `k${n}`, "ACK", 1, tag)) });
    ev.push({ t: t0 + 3, src: A, dst: P, text: sip(`BYE sip:bob${n}@${B.ip} SIP/2.0`, hA(`b${n}`, "BYE", 2, tag)) });
    ev.push({ t: t0 + 3.002, src: P, dst: B, text: sip(`BYE sip:bob${n}@${B.ip} SIP/2.0`, hP(`pb${n}`, `b${n}`, "BYE", 2, tag)) });
    ev.push({ t: t0 + 3.05, src: B, dst: P, text: sip("SIP/2.0 200 OK", hP(`pb${n}`, `b${n}`, "BYE", 2, tag)) });
    ev.push({ t: t0 + 3.052, src: P, dst: A, text: sip("SIP/2.0 200 OK", hA(`b${n}`, "BYE", 2, tag)) });
  }
  return ev;
}

function write(name: string, events: Ev[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-e2e-"));
  const file = path.join(dir, name);
  events.sort((a, b) => a.t - b.t);
  writeFileSync(file, writePcap(events.map((e) => ({ time: e.t, bytes: buildUdpPacket(e.src, e.dst, utf8(e.text)) }))));
  return file;
}

const T0 = 1_763_700_000;

/** Five calls; call 2 (carol) is busy and its caller never ACKs the 486 (well inside the capture). */
export function switchboardCapture(): string {
  const ev = [
    ...call(1, T0, 200, { from: "alice" }),
    ...call(2, T0 + 1, 486, { from: "carol", noAck: true }),
    ...call(3, T0 + 2, 200, { from: "dave" }),
    ...call(4, T0 + 3, 486, { from: "erin" }),
    ...call(5, T0 + 4, 200, { from: "frank" }),
  ];
  // An OPTIONS keepalive long after, so the capture window clearly covers every missing ACK.
  ev.push({ t: T0 + 70, src: P, dst: B, text: sip(`OPTIONS sip:${B.ip} SIP/2.0`, [`Via: SIP/2.0/UDP ${P.ip}:5060;branch=z9hG4bKopt`, `From: <sip:proxy@${P.ip}>;tag=o1`, `To: <sip:${B.ip}>`, "Call-ID: keepalive-1@192.0.2.1", "CSeq: 1 OPTIONS", "Max-Forwards: 70"]) });
  ev.push({ t: T0 + 70.01, src: B, dst: P, text: sip("SIP/2.0 200 OK", [`Via: SIP/2.0/UDP ${P.ip}:5060;branch=z9hG4bKopt`, `From: <sip:proxy@${P.ip}>;tag=o1`, `To: <sip:${B.ip}>;tag=o2`, "Call-ID: keepalive-1@192.0.2.1", "CSeq: 1 OPTIONS"]) });
  return write("switchboard.pcap", ev);
}

export const XSS_SCRIPT = "<script>window.__xss='script'</script>";
export const XSS_IMG = "<img src=x onerror=\"window.__xss='img'\">";

/** A call whose display name, a custom header and the SDP session name carry HTML/JS payloads. */
export function xssCapture(): string {
  const ev = call(9, T0, 200, {
    from: "mallory",
    display: `${XSS_IMG}`,
    extra: [`Subject: ${XSS_SCRIPT}`, `X-Note: ${XSS_IMG}<svg onload="window.__xss='svg'">`, `User-Agent: ${XSS_SCRIPT}`],
  });
  return write("xss-probe.pcap", ev);
}
