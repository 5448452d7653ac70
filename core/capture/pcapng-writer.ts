/**
 * A small pure pcapng writer (SHB, IDB with if_tsresol, EPB, SPB, OPB and arbitrary blocks), in
 * either byte order. The readers' tests use it to build files the way other tools write them;
 * it can also export a multi-interface capture.
 */

export interface PcapngInterfaceSpec {
  linktype: number;
  snaplen?: number;
  /** if_tsresol byte: 6 = µs (default), 9 = ns, 0x80|n = 2^-n. */
  tsresol?: number;
}

export class PcapngWriter {
  constructor(readonly littleEndian = true) {}

  private block(type: number, body: Uint8Array): Uint8Array {
    const padded = (body.length + 3) & ~3;
    const len = 12 + padded;
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.littleEndian);
    v.setUint32(4, len, this.littleEndian);
    out.set(body, 8);
    v.setUint32(len - 4, len, this.littleEndian);
    return out;
  }

  /** Section Header Block (section length unknown). */
  sectionHeader(): Uint8Array {
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, this.littleEndian);
    v.setUint16(4, 1, this.littleEndian);
    v.setUint16(6, 0, this.littleEndian);
    v.setInt32(8, -1, this.littleEndian);
    v.setInt32(12, -1, this.littleEndian);
    return this.block(0x0a0d0d0a, body);
  }

  interfaceDescription(spec: PcapngInterfaceSpec): Uint8Array {
    const opts: number[] = [];
    const le = this.littleEndian;
    const u16 = (n: number) => (le ? [n & 0xff, n >> 8] : [n >> 8, n & 0xff]);
    if (spec.tsresol !== undefined) opts.push(...u16(9), ...u16(1), spec.tsresol, 0, 0, 0);
    if (opts.length) opts.push(0, 0, 0, 0); // opt_endofopt
    const body = new Uint8Array(8 + opts.length);
    const v = new DataView(body.buffer);
    v.setUint16(0, spec.linktype, le);
    v.setUint32(4, spec.snaplen ?? 262144, le);
    body.set(opts, 8);
    return this.block(1, body);
  }

  /** Enhanced Packet Block; `ticks` is the timestamp in the interface's units. */
  enhancedPacket(ifId: number, ticks: bigint, data: Uint8Array, origLen = data.length): Uint8Array {
    const body = new Uint8Array(20 + data.length);
    const v = new DataView(body.buffer);
    v.setUint32(0, ifId, this.littleEndian);
    v.setUint32(4, Number(ticks >> 32n), this.littleEndian);
    v.setUint32(8, Number(ticks & 0xffffffffn), this.littleEndian);
    v.setUint32(12, data.length, this.littleEndian);
    v.setUint32(16, origLen, this.littleEndian);
    body.set(data, 20);
    return this.block(6, body);
  }

  /** Obsolete Packet Block (type 2). */
  obsoletePacket(ifId: number, ticks: bigint, data: Uint8Array): Uint8Array {
    const body = new Uint8Array(20 + data.length);
    const v = new DataView(body.buffer);
    v.setUint16(0, ifId, this.littleEndian);
    v.setUint32(4, Number(ticks >> 32n), this.littleEndian);
    v.setUint32(8, Number(ticks & 0xffffffffn), this.littleEndian);
    v.setUint32(12, data.length, this.littleEndian);
    v.setUint32(16, data.length, this.littleEndian);
    body.set(data, 20);
    return this.block(2, body);
  }

  /** Simple Packet Block (interface 0, no timestamp). */
  simplePacket(data: Uint8Array): Uint8Array {
    const body = new Uint8Array(4 + data.length);
    new DataView(body.buffer).setUint32(0, data.length, this.littleEndian);
    body.set(data, 4);
    return this.block(3, body);
  }

  /** Any other block (NRB, ISB, custom, unknown) with the given body. */
  other(type: number, body: Uint8Array): Uint8Array {
    return this.block(type, body);
  }
}
