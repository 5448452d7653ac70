/**
 * A pure pcap writer: bytes out, no I/O. Classic libpcap format, microsecond timestamps,
 * little-endian (magic d4 c3 b2 a1), one link type per file. The caller concatenates
 * `header()` and one `record()` per packet and writes them wherever it likes (file, socket, Blob).
 */

import { concatBytes } from "./bytes";

export { concatBytes };

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

export class PcapWriter {
  constructor(
    readonly linktype: number = LINKTYPE_ETHERNET,
    readonly snaplen: number = 262144,
  ) {}

  /** The 24-byte global header. */
  header(): Uint8Array {
    const out = new Uint8Array(24);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, this.linktype, true);
    return out;
  }

  /** One record: 16-byte record header + the packet bytes (never truncated to snaplen). */
  record(timeSec: number, packet: Uint8Array): Uint8Array {
    const out = new Uint8Array(16 + packet.length);
    const v = new DataView(out.buffer);
    let sec = Math.floor(timeSec);
    let usec = Math.round((timeSec - sec) * 1e6);
    if (usec >= 1_000_000) {
      sec += 1;
      usec -= 1_000_000;
    }
    v.setUint32(0, sec >>> 0, true);
    v.setUint32(4, usec, true);
    v.setUint32(8, packet.length, true);
    v.setUint32(12, packet.length, true);
    out.set(packet, 16);
    return out;
  }
}

/** Convenience for tests and exports: a whole pcap file from a list of packets. */
export function writePcap(packets: readonly { time: number; bytes: Uint8Array }[], linktype = LINKTYPE_ETHERNET): Uint8Array {
  const w = new PcapWriter(linktype);
  const parts = [w.header(), ...packets.map((p) => w.record(p.time, p.bytes))];
  return concatBytes(parts);
}

