/**
 * One very long call for the UI benchmark: INVITE/100/180/200/ACK, then in-dialog INFO + 200 pairs
 * every 20 ms, then BYE/200 — `messages` SIP messages in total, between two endpoints.
 */
import type { Endpoint } from "../core/capture/types";
import { buildUdpPacket, utf8 } from "../core/capture/packet-builder";
import { writePcap } from "../core/capture/pcap-writer";

export function longCallCapture(messages: number, start = 1_700_000_005): Uint8Array {
  const a: Endpoint = { ip: "10.9.0.1", port: 5060 };
  const b: Endpoint = { ip: "10.9.0.2", port: 5060 };
  const callId = "longcall-1@10.9.0.1";
  const from = "From: <sip:longcall@example.com>;tag=lc1";
  const to = "To: <sip:marathon@example.com>";
  const toT = `${to};tag=lc2`;
  const m = (start: string, hdr: string[]) => [start, ...hdr, `Call-ID: ${callId}`, "Content-Length: 0", "", ""].join("\r\n");
  const via = (br: string) => `Via: SIP/2.0/UDP ${a.ip}:5060;branch=z9hG4bK${br}`;
  const pk: { time: number; bytes: Uint8Array }[] = [];
  const push = (t: number, src: Endpoint, dst: Endpoint, text: string) => pk.push({ time: t, bytes: buildUdpPacket(src, dst, utf8(text)) });
  let t = start;
  push(t, a, b, m("INVITE sip:marathon@10.9.0.2 SIP/2.0", [via("inv"), from, to, "CSeq: 1 INVITE", "Contact: <sip:longcall@10.9.0.1>"]));
  push((t += 0.001), b, a, m("SIP/2.0 100 Trying", [via("inv"), from, to, "CSeq: 1 INVITE"]));
  push((t += 0.05), b, a, m("SIP/2.0 180 Ringing", [via("inv"), from, toT, "CSeq: 1 INVITE"]));
  push((t += 0.5), b, a, m("SIP/2.0 200 OK", [via("inv"), from, toT, "CSeq: 1 INVITE", "Contact: <sip:marathon@10.9.0.2>"]));
  push((t += 0.01), a, b, m("ACK sip:marathon@10.9.0.2 SIP/2.0", [via("ack"), from, toT, "CSeq: 1 ACK"]));
  const pairs = Math.max(0, Math.floor((messages - 7) / 2));
  for (let i = 0; i < pairs; i++) {
    push((t += 0.02), a, b, m("INFO sip:marathon@10.9.0.2 SIP/2.0", [via(`info${i}`), from, toT, `CSeq: ${i + 2} INFO`]));
    push((t += 0.002), b, a, m("SIP/2.0 200 OK", [via(`info${i}`), from, toT, `CSeq: ${i + 2} INFO`]));
  }
  push((t += 0.5), a, b, m("BYE sip:marathon@10.9.0.2 SIP/2.0", [via("bye"), from, toT, `CSeq: ${pairs + 2} BYE`]));
  push((t += 0.01), b, a, m("SIP/2.0 200 OK", [via("bye"), from, toT, `CSeq: ${pairs + 2} BYE`]));
  return writePcap(pk);
}
