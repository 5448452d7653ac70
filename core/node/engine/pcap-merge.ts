/**
 * Merging packets of one of our own pcaps (little-endian, microseconds, Ethernet) into another, by
 * time. Replay uses it to add the engine's Diameter exchange with its HSS (which the replaying
 * agents cannot see) to the replay recording.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PcapWriter } from "../../capture/pcap-writer";

interface Rec {
  time: number;
  data: Uint8Array;
}

export function readOwnPcap(path: string): Rec[] {
  const b = readFileSync(path);
  const out: Rec[] = [];
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4) return out;
  let o = 24;
  while (o + 16 <= b.length) {
    const sec = b.readUInt32LE(o);
    const usec = b.readUInt32LE(o + 4);
    const len = b.readUInt32LE(o + 8);
    if (o + 16 + len > b.length) break;
    out.push({ time: sec + usec / 1e6, data: new Uint8Array(b.subarray(o + 16, o + 16 + len)) });
    o += 16 + len;
  }
  return out;
}

/** TCP ports of an Ethernet/IPv4/TCP packet, or undefined. */
export function tcpPorts(p: Uint8Array): [number, number] | undefined {
  if (p.length < 14 + 20 + 4 || p[12] !== 0x08 || p[13] !== 0x00) return undefined;
  const ihl = (p[14] & 0x0f) * 4;
  if (p[14 + 9] !== 6) return undefined;
  const t = 14 + ihl;
  return [(p[t] << 8) | p[t + 1], (p[t + 2] << 8) | p[t + 3]];
}

/** Add to `basePath` every packet of `extraPath` that `keep` accepts, in time order. */
export function mergeInto(basePath: string, extraPath: string, keep: (packet: Uint8Array) => boolean): number {
  const base = readOwnPcap(basePath);
  const extra = readOwnPcap(extraPath).filter((r) => keep(r.data));
  if (!extra.length) return 0;
  const all = [...base, ...extra].sort((a, b) => a.time - b.time);
  const w = new PcapWriter();
  writeFileSync(basePath, Buffer.concat([w.header(), ...all.map((r) => w.record(r.time, r.data))]));
  return extra.length;
}
