/**
 * Writes what the engine sends and receives to a pcap with the project's own writer: UDP as
 * datagrams, TCP connections as consistent segment flows (handshake, data, FIN), WebSocket as the
 * HTTP upgrade plus RFC 6455 frames inside its TCP flow, Diameter as its TCP flow. Appends
 * synchronously so a crash still leaves a readable file up to the last packet.
 */
import { openSync, writeSync, closeSync } from "node:fs";
import { PcapWriter } from "../../capture/pcap-writer";
import { TcpFlowBuilder, buildUdpPacket } from "../../capture/packet-builder";
import type { Endpoint } from "../../capture/types";

export type TcpDirection = "to-engine" | "from-engine";

export class PcapRecorder {
  private readonly writer = new PcapWriter();
  private fd: number | undefined;
  private readonly flows = new Map<number, { flow: TcpFlowBuilder; engineIsServer: boolean }>();
  packets = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
    writeSync(this.fd, this.writer.header());
  }

  private write(time: number, packet: Uint8Array): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, this.writer.record(time, packet));
    this.packets++;
  }

  /** Datagrams that cannot be one IP packet (over 64 KiB) are counted, not written. */
  skipped = 0;

  udp(time: number, src: Endpoint, dst: Endpoint, payload: Uint8Array): void {
    if (payload.length > 65_507) {
      this.skipped++;
      return;
    }
    this.write(time, buildUdpPacket(norm(src), norm(dst), payload));
  }

  /** A TCP connection opened: `engineIsServer` when the peer connected to the engine. */
  tcpOpen(id: number, time: number, engine: Endpoint, peer: Endpoint, engineIsServer: boolean): void {
    const flow = engineIsServer ? new TcpFlowBuilder(norm(peer), norm(engine)) : new TcpFlowBuilder(norm(engine), norm(peer));
    this.flows.set(id, { flow, engineIsServer });
    for (const p of flow.handshake()) this.write(time, p);
  }

  tcpData(id: number, time: number, dir: TcpDirection, data: Uint8Array): void {
    const f = this.flows.get(id);
    if (!f || !data.length) return;
    const engineSide = f.engineIsServer ? "server" : "client";
    const peerSide = f.engineIsServer ? "client" : "server";
    const side = dir === "from-engine" ? engineSide : peerSide;
    for (const p of f.flow.send(side, data)) this.write(time, p); // MSS-sized segments: never too long
  }

  tcpClose(id: number, time: number, by: "engine" | "peer", reset = false): void {
    const f = this.flows.get(id);
    if (!f) return;
    this.flows.delete(id);
    const engineSide = f.engineIsServer ? "server" : "client";
    const peerSide = f.engineIsServer ? "client" : "server";
    const first = by === "engine" ? engineSide : peerSide;
    const second = by === "engine" ? peerSide : engineSide;
    if (reset) {
      this.write(time, f.flow.rst(first));
      return;
    }
    this.write(time, f.flow.fin(first));
    this.write(time, f.flow.fin(second));
    this.write(time, f.flow.ack(first));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** IPv4-mapped IPv6 ("::ffff:127.0.0.1") as the IPv4 it is. */
function norm(e: Endpoint): Endpoint {
  return e.ip.startsWith("::ffff:") ? { ip: e.ip.slice(7), port: e.port } : e;
}

/** One RFC 6455 frame (text, FIN). Client frames are masked (key 0: payload bytes unchanged). */
export function wsFrame(payload: Uint8Array, masked: boolean, opcode = 1): Uint8Array {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + len);
  out[0] = 0x80 | opcode;
  const mbit = masked ? 0x80 : 0;
  if (ext === 0) out[1] = mbit | len;
  else if (ext === 2) {
    out[1] = mbit | 126;
    out[2] = len >> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = mbit | 127;
    new DataView(out.buffer).setUint32(6, len);
  }
  out.set(payload, 2 + ext + (masked ? 4 : 0));
  return out;
}
