/**
 * A synthetic capture being written: SIP/Diameter/HTTP over UDP, TCP and WebSocket (RFC 6455
 * frames, client frames masked), connection opens and closes, and the server's log lines — all at
 * explicit times. `pcap()` gives the capture bytes (the project's own pcap writer), `log()` the
 * log text (ISO-timestamped syslog lines, as Kamailio writes through rsyslog).
 */
import type { Endpoint } from "../capture/types";
import { buildUdpPacket, TcpFlowBuilder, utf8 } from "../capture/packet-builder";
import { writePcap } from "../capture/pcap-writer";

/** 2026-11-21 10:00:00 UTC: every sample starts here. */
export const SAMPLE_EPOCH = Date.UTC(2026, 10, 21, 10, 0, 0) / 1000;

export function ep(text: string): Endpoint {
  const i = text.lastIndexOf(":");
  return { ip: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

export class TcpConn {
  readonly flow: TcpFlowBuilder;
  opened = false;
  constructor(
    private readonly sc: Scenario,
    readonly client: Endpoint,
    readonly server: Endpoint,
  ) {
    this.flow = new TcpFlowBuilder(client, server);
  }
  open(): this {
    if (!this.opened) {
      this.opened = true;
      for (const p of this.flow.handshake()) this.sc.raw(p);
    }
    return this;
  }
  /** Bytes from one side (segmented at the MSS) followed by the peer's ACK. */
  send(from: "client" | "server", data: Uint8Array | string): this {
    this.open();
    const bytes = typeof data === "string" ? utf8(data) : data;
    for (const p of this.flow.send(from, bytes)) this.sc.raw(p);
    this.sc.raw(this.flow.ack(from === "client" ? "server" : "client"));
    return this;
  }
  fin(from: "client" | "server"): this {
    this.sc.raw(this.flow.fin(from));
    this.sc.raw(this.flow.fin(from === "client" ? "server" : "client"));
    this.sc.raw(this.flow.ack(from));
    return this;
  }
  /** FIN from one side only: the other may still send (TCP half-close). */
  halfClose(from: "client" | "server"): this {
    this.sc.raw(this.flow.fin(from));
    this.sc.raw(this.flow.ack(from === "client" ? "server" : "client"));
    return this;
  }
  rst(from: "client" | "server"): this {
    this.sc.raw(this.flow.rst(from));
    return this;
  }
}

/** RFC 6455 frame: FIN set, text (1) or close (8); client-to-server frames masked. */
export function wsFrame(payload: Uint8Array, opcode: number, masked: boolean): Uint8Array {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + n);
  out[0] = 0x80 | opcode;
  out[1] = (masked ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) {
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else if (ext === 8) {
    new DataView(out.buffer).setUint32(6, n);
  }
  let o = 2 + ext;
  const key = [0x12, 0x34, 0x56, 0x78];
  if (masked) {
    out.set(key, o);
    o += 4;
  }
  for (let i = 0; i < n; i++) out[o + i] = masked ? payload[i] ^ key[i & 3] : payload[i];
  return out;
}

export class WsConn {
  readonly tcp: TcpConn;
  constructor(sc: Scenario, client: Endpoint, server: Endpoint) {
    this.tcp = new TcpConn(sc, client, server);
  }
  /** TCP handshake + HTTP Upgrade (RFC 6455 §4) with the "sip" subprotocol (RFC 7118). */
  open(): this {
    const host = `${this.tcp.server.ip}:${this.tcp.server.port}`;
    this.tcp.send(
      "client",
      `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\nUser-Agent: SIPScope-sample (synthetic)\r\n\r\n`,
    );
    this.tcp.send("server", `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n`);
    return this;
  }
  send(from: "client" | "server", text: string): this {
    this.tcp.send(from, wsFrame(utf8(text), 1, from === "client"));
    return this;
  }
  /** Close frame (1000) from `from`, the peer's echo, then TCP FIN both ways. */
  close(from: "client" | "server"): this {
    const code = Uint8Array.of(0x03, 0xe8);
    this.tcp.send(from, wsFrame(code, 8, from === "client"));
    this.tcp.send(from === "client" ? "server" : "client", wsFrame(code, 8, from !== "client"));
    this.tcp.fin(from);
    return this;
  }
}

export class Scenario {
  private packets: { time: number; bytes: Uint8Array }[] = [];
  private logLines: string[] = [];
  /** Seconds since SAMPLE_EPOCH of the next packet. */
  t = 0;
  /** Packets within one step are spaced by this much (keeps capture order = time order). */
  private readonly tick = 0.0002;

  at(seconds: number): this {
    this.t = seconds;
    return this;
  }

  /** A packet at the current time; the clock then moves on by a tick. */
  raw(bytes: Uint8Array): this {
    this.packets.push({ time: SAMPLE_EPOCH + this.t, bytes });
    this.t += this.tick;
    return this;
  }

  udp(src: string, dst: string, text: string | Uint8Array): this {
    return this.raw(buildUdpPacket(ep(src), ep(dst), typeof text === "string" ? utf8(text) : text));
  }

  tcp(client: string, server: string): TcpConn {
    return new TcpConn(this, ep(client), ep(server));
  }

  ws(client: string, server: string): WsConn {
    return new WsConn(this, ep(client), ep(server));
  }

  /** A Kamailio log line at the current time (ISO syslog form, as rsyslog writes it). */
  log(level: string, where: string, text: string, pid = 4242): this {
    const iso = new Date(Math.round((SAMPLE_EPOCH + this.t) * 1000)).toISOString().replace("Z", "+00:00");
    this.logLines.push(`${iso} sipserver /usr/sbin/kamailio[${pid}]: ${level}: ${where}: ${text}`);
    return this;
  }

  get hasLog(): boolean {
    return this.logLines.length > 0;
  }

  pcap(): Uint8Array {
    return writePcap(this.packets);
  }

  logText(): string {
    return this.logLines.join("\n") + (this.logLines.length ? "\n" : "");
  }
}
