/**
 * The benchmark's synthetic capture: N calls through one stateful proxy, both legs complete:
 * UAC -> proxy: INVITE (SDP), 100, 180, 200 (SDP), ACK, BYE, 200; proxy -> UAS the same without
 * the 100 — 13 SIP messages per call, ~450 bytes each on average. Calls overlap in time (one new
 * call every 10 ms, each lasting ~2 s), as on a loaded proxy.
 */
import type { Endpoint } from "../core/capture/types";
import { buildUdpPacket, utf8 } from "../core/capture/packet-builder";
import { PcapWriter } from "../core/capture/pcap-writer";

const PROXY: Endpoint = { ip: "10.0.1.1", port: 5060 };

function sdp(ip: string, port: number, id: number): string {
  return [
    "v=0",
    `o=- ${id} ${id} IN IP4 ${ip}`,
    "s=-",
    `c=IN IP4 ${ip}`,
    "t=0 0",
    `m=audio ${port} RTP/AVP 0 8 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=sendrecv",
    "",
  ].join("\r\n");
}

function msg(startLine: string, headers: string[], body = ""): string {
  const ct = body ? ["Content-Type: application/sdp"] : [];
  return [startLine, ...headers, ...ct, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}

/** Yields pcap bytes in chunks (header first); `calls` calls, 13 messages each. */
export function* syntheticCapture(calls: number, start = 1_700_000_000): Generator<Uint8Array> {
  const w = new PcapWriter();
  yield w.header();
  type Ev = { t: number; src: Endpoint; dst: Endpoint; text: string };
  // Events are produced per call and merged by time with a small window (calls start 10 ms apart).
  const pending: Ev[] = [];
  const flushUntil = function* (t: number): Generator<Uint8Array> {
    pending.sort((a, b) => a.t - b.t);
    let i = 0;
    const parts: Uint8Array[] = [];
    while (i < pending.length && pending[i].t <= t) {
      const e = pending[i++];
      parts.push(w.record(e.t, buildUdpPacket(e.src, e.dst, utf8(e.text))));
    }
    pending.splice(0, i);
    if (parts.length) yield* parts;
  };
  for (let n = 0; n < calls; n++) {
    const t0 = start + n * 0.01;
    const a: Endpoint = { ip: `10.0.0.${(n % 250) + 1}`, port: 5060 };
    const b: Endpoint = { ip: `10.0.2.${(n % 250) + 1}`, port: 5060 };
    const callId = `bench-${n}-${(n * 2654435761) >>> 0}@10.0.0.${(n % 250) + 1}`;
    const ftag = `f${n}`;
    const ttag = `t${n}`;
    const br1 = `z9hG4bK-a-${n}`;
    const br2 = `z9hG4bK-p-${n}`;
    const br3 = `z9hG4bK-a-bye-${n}`;
    const br4 = `z9hG4bK-p-bye-${n}`;
    const br5 = `z9hG4bK-a-ack-${n}`;
    const br6 = `z9hG4bK-p-ack-${n}`;
    const from = `From: "Alice ${n}" <sip:alice${n}@example.com>;tag=${ftag}`;
    const toNoTag = `To: <sip:bob${n}@example.com>`;
    const to = `${toNoTag};tag=${ttag}`;
    const viaA = (br: string) => `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${br};rport`;
    const viaP = (br: string) => `Via: SIP/2.0/UDP ${PROXY.ip}:5060;branch=${br}`;
    const rr = `Record-Route: <sip:${PROXY.ip};lr;did=${n.toString(16)}>`;
    const common = [`Call-ID: ${callId}`, "Max-Forwards: 70", "User-Agent: sipscope-bench (synthetic)"];
    const ruri = `sip:bob${n}@${b.ip}:5060`;
    const offer = sdp(a.ip, 20000 + (n % 10000) * 2, n);
    const answer = sdp(b.ip, 30000 + (n % 10000) * 2, n);
    const invA = msg(`INVITE sip:bob${n}@example.com SIP/2.0`, [viaA(br1), from, toNoTag, ...common, "CSeq: 1 INVITE", `Contact: <sip:alice${n}@${a.ip}:5060>`, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"], offer);
    const invB = msg(`INVITE ${ruri} SIP/2.0`, [rr, viaP(br2), viaA(br1).replace("rport", `rport=5060;received=${a.ip}`), from, toNoTag, ...common, "CSeq: 1 INVITE", `Contact: <sip:alice${n}@${a.ip}:5060>`, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"], offer);
    const respB = (code: string, body = "") => msg(`SIP/2.0 ${code}`, [rr, viaP(br2), viaA(br1).replace("rport", `rport=5060;received=${a.ip}`), from, code.startsWith("100") ? toNoTag : to, `Call-ID: ${callId}`, "CSeq: 1 INVITE", `Contact: <sip:bob${n}@${b.ip}:5060>`], body);
    const respA = (code: string, body = "") => msg(`SIP/2.0 ${code}`, [rr, viaA(br1).replace("rport", `rport=5060;received=${a.ip}`), from, code.startsWith("100") ? toNoTag : to, `Call-ID: ${callId}`, "CSeq: 1 INVITE", `Contact: <sip:bob${n}@${b.ip}:5060>`], body);
    const ackA = msg(`ACK sip:bob${n}@${b.ip}:5060 SIP/2.0`, [viaA(br5), `Route: <sip:${PROXY.ip};lr;did=${n.toString(16)}>`, from, to, ...common, "CSeq: 1 ACK"]);
    const ackB = msg(`ACK sip:bob${n}@${b.ip}:5060 SIP/2.0`, [viaP(br6), viaA(br5), from, to, ...common, "CSeq: 1 ACK"]);
    const byeA = msg(`BYE sip:bob${n}@${b.ip}:5060 SIP/2.0`, [viaA(br3), `Route: <sip:${PROXY.ip};lr;did=${n.toString(16)}>`, from, to, ...common, "CSeq: 2 BYE"]);
    const byeB = msg(`BYE sip:bob${n}@${b.ip}:5060 SIP/2.0`, [viaP(br4), viaA(br3), from, to, ...common, "CSeq: 2 BYE"]);
    const okByeB = msg("SIP/2.0 200 OK", [viaP(br4), viaA(br3), from, to, `Call-ID: ${callId}`, "CSeq: 2 BYE"]);
    const okByeA = msg("SIP/2.0 200 OK", [viaA(br3), from, to, `Call-ID: ${callId}`, "CSeq: 2 BYE"]);
    pending.push(
      { t: t0, src: a, dst: PROXY, text: invA },
      { t: t0 + 0.0002, src: PROXY, dst: a, text: respA("100 Trying") },
      { t: t0 + 0.0004, src: PROXY, dst: b, text: invB },
      { t: t0 + 0.05, src: b, dst: PROXY, text: respB("180 Ringing") },
      { t: t0 + 0.0502, src: PROXY, dst: a, text: respA("180 Ringing") },
      { t: t0 + 0.5, src: b, dst: PROXY, text: respB("200 OK", answer) },
      { t: t0 + 0.5002, src: PROXY, dst: a, text: respA("200 OK", answer) },
      { t: t0 + 0.51, src: a, dst: PROXY, text: ackA },
      { t: t0 + 0.5102, src: PROXY, dst: b, text: ackB },
      { t: t0 + 2.0, src: a, dst: PROXY, text: byeA },
      { t: t0 + 2.0002, src: PROXY, dst: b, text: byeB },
      { t: t0 + 2.01, src: b, dst: PROXY, text: okByeB },
      { t: t0 + 2.0102, src: PROXY, dst: a, text: okByeA },
    );
    if (n % 100 === 99) yield* flushUntil(t0 - 0.001);
  }
  yield* flushUntil(Infinity);
}
