import { describe, expect, test } from "vitest";
import { createContainerReader, MAX_BLOCK, type RawRecord } from "./file-reader";
import { CaptureFormatError, type CaptureProblem } from "./types";
import { PcapWriter, concatBytes } from "./pcap-writer";
import { PcapngWriter } from "./pcapng-writer";

function read(bytes: Uint8Array, chunk = bytes.length || 1) {
  const records: RawRecord[] = [];
  const problems: CaptureProblem[] = [];
  const r = createContainerReader({ record: (x) => records.push({ ...x, data: x.data.slice() }), problem: (p) => problems.push(p) });
  for (let o = 0; o < bytes.length; o += chunk) r.push(bytes.slice(o, o + chunk));
  r.end();
  return { records, problems, format: r.format };
}

const pkt = (n: number, len = 60) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + n) & 0xff);

/** A classic pcap with explicit byte order and resolution. */
function pcap(le: boolean, ns: boolean, recs: { sec: number; frac: number; data: Uint8Array }[], linktype = 1): Uint8Array {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, ns ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, 65535, le);
  v.setUint32(20, linktype, le);
  const parts: Uint8Array[] = [h];
  for (const r of recs) {
    const rh = new Uint8Array(16);
    const rv = new DataView(rh.buffer);
    rv.setUint32(0, r.sec, le);
    rv.setUint32(4, r.frac, le);
    rv.setUint32(8, r.data.length, le);
    rv.setUint32(12, r.data.length, le);
    parts.push(rh, r.data);
  }
  return concatBytes(parts);
}

describe("pcap", () => {
  test.each([
    ["little-endian µs", true, false, 0.123456],
    ["big-endian µs", false, false, 0.123456],
    ["little-endian ns", true, true, 0.123456789],
    ["big-endian ns", false, true, 0.123456789],
  ])("%s, whole and byte by byte", (_n, le, ns, fracSec) => {
    const frac = Math.round(fracSec * (ns ? 1e9 : 1e6));
    const bytes = pcap(le, ns, [
      { sec: 1_600_000_000, frac, data: pkt(1) },
      { sec: 1_600_000_001, frac: 0, data: pkt(2, 1514) },
    ]);
    for (const chunk of [bytes.length, 1, 7]) {
      const { records, problems, format } = read(bytes, chunk);
      expect(format).toBe("pcap");
      expect(problems).toEqual([]);
      expect(records.map((r) => [r.frame, r.linktype, r.data.length])).toEqual([
        [1, 1, 60],
        [2, 1, 1514],
      ]);
      expect(records.map((r) => r.iface)).toEqual([undefined, undefined]); // one interface, not named
      expect(records[0].time).toBeCloseTo(1_600_000_000 + fracSec, 6);
      expect(records[0].data).toEqual(pkt(1));
      expect(records[1].offset).toBe(24 + 16 + 60);
    }
  });

  test("PcapWriter output reads back", () => {
    const w = new PcapWriter(101);
    const bytes = concatBytes([w.header(), w.record(1000.25, pkt(3)), w.record(1000.9999996, pkt(4))]);
    const { records } = read(bytes, 3);
    expect(records.map((r) => [r.linktype, r.time])).toEqual([
      [101, 1000.25],
      [101, 1001],
    ]);
  });

  test("truncated last record is a problem, earlier records survive", () => {
    const bytes = pcap(true, false, [
      { sec: 1, frac: 0, data: pkt(1) },
      { sec: 2, frac: 0, data: pkt(2) },
    ]);
    const { records, problems } = read(bytes.subarray(0, bytes.length - 10), 5);
    expect(records).toHaveLength(1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ frame: 2, offset: 24 + 16 + 60, skipped: true });
    expect(problems[0].reason).toMatch(/truncated/);
  });

  test("an absurd record length stops reading with a problem, without allocating it", () => {
    const bytes = pcap(true, false, [{ sec: 1, frac: 0, data: pkt(1) }]);
    const bad = concatBytes([bytes, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0), pkt(9)]);
    const { records, problems } = read(bad, 4);
    expect(records).toHaveLength(1);
    expect(problems).toHaveLength(1);
    expect(problems[0].reason).toMatch(/claims 2147483647 captured bytes/);
  });
});

describe("file errors", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /empty/],
    ["wrong magic", Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), /not a pcap or pcapng file/],
    ["text", new TextEncoder().encode("INVITE sip:a@b SIP/2.0\r\n"), /not a pcap or pcapng file/],
    ["truncated pcap header", pcap(true, false, []).subarray(0, 20), /truncated/],
    ["three bytes", Uint8Array.of(0xd4, 0xc3, 0xb2), /too short/],
    ["truncated pcapng SHB", new PcapngWriter().sectionHeader().subarray(0, 20), /truncated/],
  ];
  test.each(cases)("%s -> CaptureFormatError", (_n, bytes, re) => {
    for (const chunk of [bytes.length || 1, 1]) {
      let err: unknown;
      try {
        read(bytes, chunk);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CaptureFormatError);
      expect((err as CaptureFormatError).reason).toMatch(re);
      expect((err as CaptureFormatError).offset).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("pcapng", () => {
  function sample(le: boolean): Uint8Array {
    const w = new PcapngWriter(le);
    return concatBytes([
      w.sectionHeader(),
      w.interfaceDescription({ linktype: 1 }), // µs default
      w.interfaceDescription({ linktype: 101, tsresol: 9 }), // ns
      w.interfaceDescription({ linktype: 113, tsresol: 0x80 | 10 }), // 2^-10 s
      w.other(4, new Uint8Array(12)), // name resolution block: skipped
      w.enhancedPacket(0, 1_600_000_000_500_000n, pkt(1)),
      w.other(0x0bad, Uint8Array.of(1, 2, 3, 4, 5)), // unknown block: skipped
      w.enhancedPacket(1, 1_600_000_001_250_000_000n, pkt(2, 61)),
      w.enhancedPacket(2, 1_600_000_002n * 1024n + 512n, pkt(3, 62)),
      w.simplePacket(pkt(4, 63)),
      w.obsoletePacket(1, 1_600_000_003_000_000_000n, pkt(5, 64)),
      w.other(5, new Uint8Array(16)), // interface statistics: skipped
    ]);
  }

  test.each([
    ["little-endian", true],
    ["big-endian", false],
  ])("%s: interfaces with different link types and resolutions; all block kinds", (_n, le) => {
    const bytes = sample(le);
    for (const chunk of [bytes.length, 1, 13, 64 * 1024]) {
      const { records, problems, format } = read(bytes, chunk);
      expect(format).toBe("pcapng");
      expect(problems).toEqual([]);
      expect(records.map((r) => [r.frame, r.linktype, r.data.length])).toEqual([
        [1, 1, 60],
        [2, 101, 61],
        [3, 113, 62],
        [4, 1, 63],
        [5, 101, 64],
      ]);
      expect(records.map((r) => r.iface)).toEqual([0, 1, 2, 0, 1]); // SPB: interface 0
      expect(records[0].time).toBeCloseTo(1_600_000_000.5, 6);
      expect(records[1].time).toBeCloseTo(1_600_000_001.25, 6);
      expect(records[2].time).toBeCloseTo(1_600_000_002.5, 6);
      expect(records[3].time).toBe(records[2].time); // SPB has no timestamp: the previous one is kept
      expect(records[4].time).toBeCloseTo(1_600_000_003, 6);
      expect(records[2].data).toEqual(pkt(3, 62));
    }
  });

  test("a second section in the other byte order resets the interfaces", () => {
    const a = new PcapngWriter(true);
    const b = new PcapngWriter(false);
    const bytes = concatBytes([
      a.sectionHeader(),
      a.interfaceDescription({ linktype: 1 }),
      a.enhancedPacket(0, 1n, pkt(1)),
      b.sectionHeader(),
      b.interfaceDescription({ linktype: 229 }),
      b.enhancedPacket(0, 2n, pkt(2)),
      b.enhancedPacket(1, 2n, pkt(3)), // no interface 1 in this section
    ]);
    const { records, problems } = read(bytes, 5);
    expect(records.map((r) => r.linktype)).toEqual([1, 229]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ frame: 3, skipped: true });
  });

  test("bad block length mid-file: problem, stop", () => {
    const w = new PcapngWriter();
    const good = concatBytes([w.sectionHeader(), w.interfaceDescription({ linktype: 1 }), w.enhancedPacket(0, 1n, pkt(1))]);
    const bad = concatBytes([good, Uint8Array.of(6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0)]);
    const { records, problems } = read(bad, 1);
    expect(records).toHaveLength(1);
    expect(problems).toHaveLength(1);
    expect(problems[0].reason).toMatch(/invalid length 13/);
  });

  test("an oversized packet block is stepped over without buffering it; the next one is read", () => {
    const w = new PcapngWriter();
    const huge = w.enhancedPacket(0, 1n, new Uint8Array(MAX_BLOCK + 100));
    const bytes = concatBytes([w.sectionHeader(), w.interfaceDescription({ linktype: 1 }), huge, w.enhancedPacket(0, 2n, pkt(2))]);
    for (const chunk of [bytes.length, 4096, 100_000]) {
      const { records, problems } = read(bytes, chunk);
      expect(records.map((r) => [r.frame, r.data.length])).toEqual([[2, 60]]);
      expect(problems).toMatchObject([{ frame: 1, skipped: true }]);
      expect(problems[0].reason).toMatch(/skipped/);
    }
    const cut = read(bytes.subarray(0, 5000), 1000);
    expect(cut.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/skipped/), expect.stringMatching(/ends inside an oversized pcapng block/)]);
  });

  test("mismatched trailing length is a warning, reading goes on", () => {
    const w = new PcapngWriter();
    const epb = w.enhancedPacket(0, 1n, pkt(1));
    new DataView(epb.buffer).setUint32(epb.length - 4, 4, true);
    const bytes = concatBytes([w.sectionHeader(), w.interfaceDescription({ linktype: 1 }), epb, w.enhancedPacket(0, 2n, pkt(2))]);
    const { records, problems } = read(bytes);
    expect(records).toHaveLength(2);
    expect(problems).toMatchObject([{ skipped: false }]);
  });
});
