/**
 * HEP (Homer Encapsulation Protocol) v2 and v3: a capture agent's copy of a packet, with the
 * original addresses, ports and time. v3 is a "HEP3" + length header and TLV chunks (vendor 0
 * chunk types below); a zlib-compressed payload (chunk 0x10) is inflated with fflate. v2 is a
 * fixed binary header (no magic, so it is only tried on the HEP port).
 */
import { unzlibSync, inflateSync } from "fflate";
import type { Endpoint, Transport } from "./types";
import { ipv4Text, ipv6Text } from "./ip-text";

export interface HepPacket {
  version: 2 | 3;
  src: Endpoint;
  dst: Endpoint;
  /** IP protocol number of the carried packet (17 UDP, 6 TCP, 132 SCTP). */
  ipProto: number;
  transport: Transport;
  /** Epoch seconds from the HEP timestamp, when present. */
  time?: number;
  /** HEP protocol type (1 = SIP, 5 = RTCP, 100 = log, ...). */
  protoType?: number;
  captureId?: number;
  correlationId?: string;
  compressed: boolean;
  payload: Uint8Array;
}

export const HEP_MAX_PAYLOAD = 1 << 20;

export function isHep3(b: Uint8Array, off: number, end: number): boolean {
  return end - off >= 6 && b[off] === 0x48 && b[off + 1] === 0x45 && b[off + 2] === 0x50 && b[off + 3] === 0x33;
}

/** Total length of the HEP3 packet at off (for stream framing), 0 if more bytes needed, -1 if not HEP3. */
export function hep3Length(b: Uint8Array, off: number, end: number): number {
  if (end - off < 6) return end - off < 4 || (b[off] === 0x48 && b[off + 1] === 0x45 && b[off + 2] === 0x50 && b[off + 3] === 0x33) ? 0 : -1;
  if (!isHep3(b, off, end)) return -1;
  const n = (b[off + 4] << 8) | b[off + 5];
  return n >= 6 ? n : -1;
}

function transportOf(proto: number): Transport {
  return proto === 6 ? "tcp" : proto === 132 ? "sctp" : "udp";
}

function asciiText(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Decodes a HEP3 packet; a string is a reason it could not be. */
export function decodeHep3(b: Uint8Array, off: number, end: number): HepPacket | string {
  if (!isHep3(b, off, end)) return "not HEP3";
  const total = (b[off + 4] << 8) | b[off + 5];
  if (total < 6 || total > end - off) return `HEP3 length ${total} does not fit the ${end - off} bytes carried`;
  const stop = off + total;
  let p = off + 6;
  let family = 0;
  let ipProto = 17;
  let srcIp = "";
  let dstIp = "";
  let sport = 0;
  let dport = 0;
  let sec: number | undefined;
  let usec = 0;
  let protoType: number | undefined;
  let captureId: number | undefined;
  let correlationId: string | undefined;
  let payload: Uint8Array | undefined;
  let compressed = false;
  while (p + 6 <= stop) {
    const vendor = (b[p] << 8) | b[p + 1];
    const type = (b[p + 2] << 8) | b[p + 3];
    const len = (b[p + 4] << 8) | b[p + 5];
    if (len < 6 || p + len > stop) return `HEP3 chunk type ${type} has a bad length ${len}`;
    const v = p + 6;
    const vl = len - 6;
    const u8 = () => b[v];
    const u16 = () => (b[v] << 8) | b[v + 1];
    const u32 = () => ((b[v] << 24) | (b[v + 1] << 16) | (b[v + 2] << 8) | b[v + 3]) >>> 0;
    if (vendor === 0) {
      switch (type) {
        case 1: if (vl >= 1) family = u8(); break;
        case 2: if (vl >= 1) ipProto = u8(); break;
        case 3: if (vl >= 4) srcIp = ipv4Text(b, v); break;
        case 4: if (vl >= 4) dstIp = ipv4Text(b, v); break;
        case 5: if (vl >= 16) srcIp = ipv6Text(b, v); break;
        case 6: if (vl >= 16) dstIp = ipv6Text(b, v); break;
        case 7: if (vl >= 2) sport = u16(); break;
        case 8: if (vl >= 2) dport = u16(); break;
        case 9: if (vl >= 4) sec = u32(); break;
        case 10: if (vl >= 4) usec = u32(); break;
        case 11: if (vl >= 1) protoType = u8(); break;
        case 12: if (vl >= 4) captureId = u32(); break;
        case 15: payload = b.subarray(v, v + vl); break;
        case 16: {
          compressed = true;
          try {
            const raw = b.subarray(v, v + vl);
            // zlib (RFC 1950) as agents send it; raw deflate tolerated.
            payload = raw.length >= 2 && (raw[0] & 0x0f) === 8 && ((raw[0] << 8) | raw[1]) % 31 === 0 ? unzlibSync(raw) : inflateSync(raw);
            if (payload.length > HEP_MAX_PAYLOAD) return `HEP3 compressed payload inflates past ${HEP_MAX_PAYLOAD} bytes`;
          } catch (e) {
            return `HEP3 compressed payload does not inflate (${(e as Error).message})`;
          }
          break;
        }
        case 17: correlationId = asciiText(b.subarray(v, v + vl)); break;
        default: break;
      }
    }
    p += len;
  }
  if (!payload) return "HEP3 packet without a payload chunk";
  if (!srcIp || !dstIp) return "HEP3 packet without source/destination address chunks";
  void family;
  return {
    version: 3,
    src: { ip: srcIp, port: sport },
    dst: { ip: dstIp, port: dport },
    ipProto,
    transport: transportOf(ipProto),
    time: sec !== undefined ? sec + usec / 1e6 : undefined,
    protoType,
    captureId,
    correlationId,
    compressed,
    payload,
  };
}

/**
 * HEP v1/v2 (Kamailio sipcapture's hep_hdr + addresses [+ hep_timehdr]); returns undefined when
 * the bytes do not look like one.
 */
export function decodeHep2(b: Uint8Array, off: number, end: number): HepPacket | undefined {
  if (end - off < 16) return undefined;
  const ver = b[off];
  const hl = b[off + 1];
  const fam = b[off + 2];
  if (ver !== 1 && ver !== 2) return undefined;
  const v6 = fam === 10;
  if (!v6 && fam !== 2) return undefined;
  const base = v6 ? 40 : 16;
  const want = ver === 2 ? base + 12 : base;
  // hl is the header length; some agents count the time header unpadded (10 bytes)
  if (hl !== want && !(ver === 2 && hl === base + 10)) return undefined;
  if (end - off < hl) return undefined;
  const ipProto = b[off + 3];
  const sport = (b[off + 4] << 8) | b[off + 5];
  const dport = (b[off + 6] << 8) | b[off + 7];
  const srcIp = v6 ? ipv6Text(b, off + 8) : ipv4Text(b, off + 8);
  const dstIp = v6 ? ipv6Text(b, off + 24) : ipv4Text(b, off + 12);
  let time: number | undefined;
  let captureId: number | undefined;
  if (ver === 2) {
    const t = off + base;
    const sec = (b[t] | (b[t + 1] << 8) | (b[t + 2] << 16) | (b[t + 3] << 24)) >>> 0; // host (little-endian) order
    const usec = (b[t + 4] | (b[t + 5] << 8) | (b[t + 6] << 16) | (b[t + 7] << 24)) >>> 0;
    time = sec + usec / 1e6;
    captureId = b[t + 8] | (b[t + 9] << 8);
  }
  return {
    version: 2,
    src: { ip: srcIp, port: sport },
    dst: { ip: dstIp, port: dport },
    ipProto,
    transport: transportOf(ipProto),
    time,
    captureId,
    compressed: false,
    payload: b.subarray(off + hl, end),
  };
}
