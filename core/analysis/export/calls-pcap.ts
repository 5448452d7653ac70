/**
 * Selected messages -> pcap bytes (the "Export selected calls as pcap" action). Each message is
 * written as one packet with its captured endpoints and time: UDP as a datagram, stream transports
 * as one TCP PSH segment with per-direction sequence numbers that add up, so Wireshark and
 * `sipscope analyze` read the export back as the same messages. Diameter over SCTP is written as
 * TCP: the point of the export is the messages, not the SCTP association.
 */
import type { Endpoint, Transport } from "../../capture/types";
import { buildIp, buildTcpSegment, buildUdpPacket, frameIp, IPPROTO_TCP, TCP_ACK, TCP_PSH } from "../../capture/packet-builder";
import { concatBytes, PcapWriter } from "../../capture/pcap-writer";

export interface ExportMessage {
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  bytes: Uint8Array;
}

/** Messages must be given in time order; the pcap keeps that order. */
export function messagesToPcap(messages: readonly ExportMessage[]): Uint8Array {
  const w = new PcapWriter();
  const parts: Uint8Array[] = [w.header()];
  const seq = new Map<string, number>();
  const key = (a: Endpoint, b: Endpoint) => `${a.ip}|${a.port}|${b.ip}|${b.port}`;
  for (const m of messages) {
    if (m.transport === "udp") {
      parts.push(w.record(m.time, buildUdpPacket(m.src, m.dst, m.bytes)));
      continue;
    }
    const k = key(m.src, m.dst);
    const back = key(m.dst, m.src);
    const mine = seq.get(k) ?? 1000;
    const theirs = seq.get(back) ?? 1000;
    seq.set(k, (mine + m.bytes.length) >>> 0);
    seq.set(back, theirs);
    const segment = buildTcpSegment(m.src, m.dst, { seq: mine, ack: theirs, flags: TCP_PSH | TCP_ACK, payload: m.bytes });
    parts.push(w.record(m.time, frameIp(buildIp(m.src.ip, m.dst.ip, IPPROTO_TCP, segment))));
  }
  return concatBytes(parts);
}
