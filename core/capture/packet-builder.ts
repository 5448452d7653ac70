/**
 * Builds wire-exact packets for tests, samples and the engine's own pcap: Ethernet II + IPv4/IPv6
 * + UDP/TCP with correct IP, UDP and TCP checksums (tshark validates them when asked to). The
 * address family follows the IP text: "10.0.0.1" gives IPv4, "2001:db8::1" gives IPv6.
 * TcpFlowBuilder keeps per-direction sequence numbers so a whole connection (handshake, data split
 * at an MSS, FIN or RST) comes out consistent.
 */
import type { Endpoint } from "./types";
import { parseIpv4, parseIpv6 } from "./ip-text";

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** How packets are framed: Ethernet II (pcap linktype 1) or bare IP (linktype 101). */
export type LinkFraming = "ethernet" | "raw";

export interface PacketOptions {
  /** Default "ethernet". */
  link?: LinkFraming;
  /** IPv4 TTL / IPv6 hop limit, default 64. */
  ttl?: number;
  /** IPv4 identification, default 0. */
  ipId?: number;
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
}

const DEFAULT_SRC_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const DEFAULT_DST_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);

export function ipBytes(ip: string): Uint8Array {
  const b = ip.includes(":") ? parseIpv6(ip) : parseIpv4(ip);
  if (!b) throw new Error(`not an IP address: ${ip}`);
  return b;
}

/** Internet checksum (RFC 1071) over `parts`, folded; returns the 16-bit one's complement. */
function checksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  let carryByte = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (!odd) carryByte = p[i];
      else sum += (carryByte << 8) | p[i];
      odd = !odd;
    }
  }
  if (odd) sum += carryByte << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, proto: number, length: number): Uint8Array {
  if (src.length === 4) {
    const ph = new Uint8Array(12);
    ph.set(src, 0);
    ph.set(dst, 4);
    ph[9] = proto;
    ph[10] = length >> 8;
    ph[11] = length & 0xff;
    return ph;
  }
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, length);
  ph[39] = proto;
  return ph;
}

/** An IPv4 or IPv6 packet (no options, no extension headers) around a transport payload. */
export function buildIp(srcIp: string, dstIp: string, protocol: number, payload: Uint8Array, opts: PacketOptions = {}): Uint8Array {
  const src = ipBytes(srcIp);
  const dst = ipBytes(dstIp);
  if (src.length !== dst.length) throw new Error(`address families differ: ${srcIp} ${dstIp}`);
  const ttl = opts.ttl ?? 64;
  if (src.length === 4) {
    const total = 20 + payload.length;
    if (total > 0xffff) throw new Error(`IPv4 packet too long: ${total}`);
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    out[0] = 0x45;
    v.setUint16(2, total);
    v.setUint16(4, opts.ipId ?? 0);
    v.setUint16(6, 0x4000); // DF
    out[8] = ttl;
    out[9] = protocol;
    out.set(src, 12);
    out.set(dst, 16);
    v.setUint16(10, checksum([out.subarray(0, 20)]));
    out.set(payload, 20);
    return out;
  }
  if (payload.length > 0xffff) throw new Error(`IPv6 payload too long: ${payload.length}`);
  const out = new Uint8Array(40 + payload.length);
  const v = new DataView(out.buffer);
  out[0] = 0x60;
  v.setUint16(4, payload.length);
  out[6] = protocol;
  out[7] = ttl;
  out.set(src, 8);
  out.set(dst, 24);
  out.set(payload, 40);
  return out;
}

/** Wrap an IP packet in Ethernet II (ethertype from the IP version) or return it bare for "raw". */
export function frameIp(ipPacket: Uint8Array, opts: PacketOptions = {}): Uint8Array {
  if ((opts.link ?? "ethernet") === "raw") return ipPacket;
  const out = new Uint8Array(14 + ipPacket.length);
  out.set(opts.dstMac ?? DEFAULT_DST_MAC, 0);
  out.set(opts.srcMac ?? DEFAULT_SRC_MAC, 6);
  const v6 = ipPacket[0] >> 4 === 6;
  out[12] = v6 ? 0x86 : 0x08;
  out[13] = v6 ? 0xdd : 0x00;
  out.set(ipPacket, 14);
  return out;
}

/** A UDP datagram, checksummed over the pseudo-header. */
export function buildUdpSegment(src: Endpoint, dst: Endpoint, payload: Uint8Array): Uint8Array {
  const len = 8 + payload.length;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint16(0, src.port);
  v.setUint16(2, dst.port);
  v.setUint16(4, len);
  out.set(payload, 8);
  let c = checksum([pseudoHeader(ipBytes(src.ip), ipBytes(dst.ip), IPPROTO_UDP, len), out]);
  if (c === 0) c = 0xffff; // 0 means "no checksum" in UDP
  v.setUint16(6, c);
  return out;
}

/** A whole UDP packet: link + IP + UDP + payload. */
export function buildUdpPacket(src: Endpoint, dst: Endpoint, payload: Uint8Array, opts: PacketOptions = {}): Uint8Array {
  return frameIp(buildIp(src.ip, dst.ip, IPPROTO_UDP, buildUdpSegment(src, dst, payload), opts), opts);
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegmentFields {
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  /** Raw option bytes (padded to 4 by the builder). */
  options?: Uint8Array;
  payload?: Uint8Array;
}

/** A TCP segment (header + payload), checksummed over the pseudo-header. */
export function buildTcpSegment(src: Endpoint, dst: Endpoint, f: TcpSegmentFields): Uint8Array {
  const opt = f.options ?? new Uint8Array(0);
  const optLen = (opt.length + 3) & ~3;
  const hdr = 20 + optLen;
  const payload = f.payload ?? new Uint8Array(0);
  const out = new Uint8Array(hdr + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, src.port);
  v.setUint16(2, dst.port);
  v.setUint32(4, f.seq >>> 0);
  v.setUint32(8, f.ack >>> 0);
  out[12] = (hdr / 4) << 4;
  out[13] = f.flags;
  v.setUint16(14, f.window ?? 65535);
  out.set(opt, 20);
  out.set(payload, hdr);
  v.setUint16(16, checksum([pseudoHeader(ipBytes(src.ip), ipBytes(dst.ip), IPPROTO_TCP, out.length), out]));
  return out;
}

export type TcpSide = "client" | "server";

export interface TcpFlowOptions extends PacketOptions {
  /** Maximum segment size for `send`, default 1460. */
  mss?: number;
  clientIsn?: number;
  serverIsn?: number;
}

/**
 * One TCP connection's packets, in both directions, with consistent sequence and ack numbers.
 * Every method returns whole link-layer packets (ready for PcapWriter.record) and advances the
 * sender's sequence number as real TCP would (SYN and FIN count one).
 */
export class TcpFlowBuilder {
  private readonly mss: number;
  /** Next sequence number each side will send. */
  private nextSeq: Record<TcpSide, number>;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    private readonly opts: TcpFlowOptions = {},
  ) {
    this.mss = opts.mss ?? 1460;
    if (!(this.mss > 0)) throw new Error(`bad MSS ${this.mss}`);
    this.nextSeq = { client: (opts.clientIsn ?? 1000) >>> 0, server: (opts.serverIsn ?? 5000) >>> 0 };
  }

  private ends(side: TcpSide): [Endpoint, Endpoint] {
    return side === "client" ? [this.client, this.server] : [this.server, this.client];
  }

  private other(side: TcpSide): TcpSide {
    return side === "client" ? "server" : "client";
  }

  /** The sequence number `side` will use next (for tests that build odd segments by hand). */
  seqOf(side: TcpSide): number {
    return this.nextSeq[side];
  }

  /**
   * One segment from `side`. `seq` overrides the sequence number (retransmissions, overlaps,
   * out-of-order tests) and then does not advance the flow; otherwise the flow advances by the
   * payload length (+1 for SYN/FIN).
   */
  segment(side: TcpSide, flags: number, payload: Uint8Array = new Uint8Array(0), seq?: number): Uint8Array {
    const [src, dst] = this.ends(side);
    const s = seq ?? this.nextSeq[side];
    const ack = flags & TCP_ACK ? this.nextSeq[this.other(side)] : 0;
    let options: Uint8Array | undefined;
    if (flags & TCP_SYN) options = Uint8Array.of(2, 4, this.mss >> 8, this.mss & 0xff); // MSS option
    const seg = buildTcpSegment(src, dst, { seq: s, ack, flags, options, payload });
    if (seq === undefined) {
      this.nextSeq[side] = (s + payload.length + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0)) >>> 0;
    }
    return frameIp(buildIp(src.ip, dst.ip, IPPROTO_TCP, seg, this.opts), this.opts);
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): Uint8Array[] {
    return [
      this.segment("client", TCP_SYN),
      this.segment("server", TCP_SYN | TCP_ACK),
      this.segment("client", TCP_ACK),
    ];
  }

  /** `data` from `side`, split into MSS-sized segments; PSH on the last one. */
  send(side: TcpSide, data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let o = 0; o < data.length; o += this.mss) {
      const last = o + this.mss >= data.length;
      out.push(this.segment(side, TCP_ACK | (last ? TCP_PSH : 0), data.subarray(o, o + this.mss)));
    }
    return out;
  }

  /** A bare ACK from `side`. */
  ack(side: TcpSide): Uint8Array {
    return this.segment(side, TCP_ACK);
  }

  /** FIN+ACK from `side`. */
  fin(side: TcpSide): Uint8Array {
    return this.segment(side, TCP_FIN | TCP_ACK);
  }

  /** RST+ACK from `side`. */
  rst(side: TcpSide): Uint8Array {
    return this.segment(side, TCP_RST | TCP_ACK);
  }
}

/**
 * One WebSocket frame (RFC 6455 §5.2): opcode 1 text, 2 binary, 8 close, 9 ping, 10 pong, 0
 * continuation. Clients mask (pass `maskKey`, 4 bytes); servers do not.
 */
export function buildWsFrame(opcode: number, payload: Uint8Array, opts: { fin?: boolean; maskKey?: Uint8Array } = {}): Uint8Array {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const mask = opts.maskKey;
  const out = new Uint8Array(2 + ext + (mask ? 4 : 0) + len);
  out[0] = ((opts.fin ?? true) ? 0x80 : 0) | (opcode & 0x0f);
  out[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  const v = new DataView(out.buffer);
  if (ext === 2) v.setUint16(2, len);
  if (ext === 8) {
    v.setUint32(2, Math.floor(len / 4294967296));
    v.setUint32(6, len >>> 0);
  }
  let p = 2 + ext;
  if (mask) {
    out.set(mask.subarray(0, 4), p);
    p += 4;
    for (let i = 0; i < len; i++) out[p + i] = payload[i] ^ mask[i & 3];
  } else out.set(payload, p);
  return out;
}

/** UTF-8 bytes of a string (tests write SIP as text). Hand-rolled: the pure core has no TextEncoder type. */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}
