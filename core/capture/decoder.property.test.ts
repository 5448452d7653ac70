/**
 * Property tests: random and mutated capture bytes through the decoder never throw (except
 * CaptureFormatError, and only for a file whose header is unreadable), never hang (every run is
 * timed), and every record is either decoded or accounted for. Mutations start from real captures
 * (../shared/captures/public, when present) and from a generated one.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createCaptureDecoder } from "./decoder";
import { CaptureFormatError, type Pdu } from "./types";
import { PcapWriter, concatBytes } from "./pcap-writer";
import { buildUdpPacket, TcpFlowBuilder, utf8 } from "./packet-builder";
import { frameSip } from "./framing/sip";
import { frameDiameter } from "./framing/diameter";
import { frameHttp } from "./framing/http";
import { wsFrameHeader } from "./websocket";
import { decodeHep3, decodeHep2 } from "./hep";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const publicDir = path.resolve(repoRoot, "..", "shared", "captures", "public");
const realCaptures = existsSync(publicDir)
  ? readdirSync(publicDir)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(path.join(publicDir, f))) }))
      .filter((c) => c.bytes.length <= 150_000)
  : [];
if (!realCaptures.length) console.warn("capture property tests: ../shared/captures/public not found; mutating the generated capture only");

function generated(): Uint8Array {
  const w = new PcapWriter();
  const parts = [w.header()];
  let t = 1000;
  const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 40000 }, { ip: "10.0.0.2", port: 5060 }, { mss: 90 });
  const msg = (id: string) => utf8(`INVITE sip:b@x SIP/2.0\r\nCall-ID: ${id}\r\nContent-Length: 4\r\n\r\nabcd`);
  for (const p of [buildUdpPacket({ ip: "10.0.0.1", port: 5060 }, { ip: "10.0.0.2", port: 5060 }, msg("u")), ...f.handshake(), ...f.send("client", concatBytes([msg("t1"), msg("t2")])), f.fin("client")]) parts.push(w.record((t += 1), p));
  return concatBytes(parts);
}

const seeds = [{ name: "generated", bytes: generated() }, ...realCaptures];

interface Result {
  pdus: number;
  problems: number;
  records: number;
  formatError?: CaptureFormatError;
  ms: number;
}

function runDecoder(bytes: Uint8Array, chunks: number[]): Result {
  const r: Result = { pdus: 0, problems: 0, records: 0, ms: 0 };
  const t0 = performance.now();
  const d = createCaptureDecoder({ pdu: () => r.pdus++, problem: () => r.problems++, connection: () => {}, record: () => r.records++ });
  try {
    let o = 0;
    let i = 0;
    while (o < bytes.length) {
      const n = Math.max(1, chunks.length ? chunks[i++ % chunks.length] : bytes.length);
      d.push(bytes.slice(o, o + n));
      o += n;
    }
    d.end();
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    r.formatError = e;
  }
  r.ms = performance.now() - t0;
  return r;
}

const chunkPlan = fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 8 });

describe("decoder on hostile bytes", () => {
  test("random bytes: only CaptureFormatError, at the start", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), chunkPlan, (bytes, chunks) => {
        const r = runDecoder(bytes, chunks);
        expect(r.ms).toBeLessThan(15_000); // a hang, not a slow run on a busy machine
        // random bytes almost never carry a valid magic: then nothing was read
        if (r.formatError) expect(r.records).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("a valid pcap header followed by random bytes: never throws, problems counted", () => {
    const header = new PcapWriter().header();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), chunkPlan, fc.constantFrom(1, 0, 101, 113, 276, 228, 229, 108), (body, chunks, linktype) => {
        const h = header.slice();
        new DataView(h.buffer).setUint32(20, linktype, true);
        const r = runDecoder(concatBytes([h, body]), chunks);
        expect(r.formatError).toBeUndefined();
        expect(r.ms).toBeLessThan(15_000); // a hang, not a slow run on a busy machine
      }),
      { numRuns: 300 },
    );
  });

  test("mutated real captures: flips, truncation, splices; never throws past the header, never hangs", () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 40 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      splice: fc.option(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 3000 })), { nil: undefined }),
      chunks: chunkPlan,
    });
    let problems = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        const src = seeds[m.seed].bytes;
        let b: Uint8Array = src.slice();
        for (const [at, x] of m.flips) b[at % b.length] ^= x;
        if (m.splice) {
          // copy a random slice over another place (duplicated/shifted records)
          const [from, to, len] = m.splice;
          const piece = src.slice(from % src.length, (from % src.length) + len);
          b = concatBytes([b.subarray(0, to % b.length), piece, b.subarray(to % b.length)]);
        }
        if (m.cut !== undefined) b = b.subarray(0, m.cut % (b.length + 1));
        const r = runDecoder(b, m.chunks);
        problems += r.problems;
        expect(r.ms).toBeLessThan(15_000);
        if (r.formatError) {
          // only the file header (pcap: 24 bytes; pcapng: the first SHB) can make the whole file unreadable
          expect(r.formatError.offset).toBeLessThan(64 * 1024);
          expect(r.records).toBe(0);
        }
      }),
      { numRuns: 250 },
    );
    expect(problems).toBeGreaterThan(0); // the mutations do get noticed
  });

  test("chunk boundaries never change the result", () => {
    const small = seeds.filter((s) => s.bytes.length < 40_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: small.length - 1 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }), (i, chunks) => {
        const collect = (plan: number[]) => {
          const out: string[] = [];
          const d = createCaptureDecoder({ pdu: (p: Pdu) => out.push(`${p.frame} ${p.protocol} ${p.bytes.length} ${p.frames ?? ""}`), problem: (p) => out.push(`! ${p.frame} ${p.reason}`), connection: (c) => out.push(`${c.kind} ${c.frame}`) });
          const b = small[i].bytes;
          let o = 0;
          let k = 0;
          while (o < b.length) {
            const n = plan[k++ % plan.length];
            d.push(b.slice(o, o + n));
            o += n;
          }
          d.end();
          return out;
        };
        expect(collect(chunks)).toEqual(collect([small[i].bytes.length]));
      }),
      { numRuns: 60 },
    );
  });
});

describe("framers on random bytes", () => {
  test("never throw; results stay inside the input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (b, stream) => {
        for (const f of [frameSip(b, 0, b.length, stream), frameDiameter(b, 0, b.length, stream), frameDiameter(b, 0, b.length, stream, true), frameHttp(b, 0, b.length, stream)]) {
          if (f.kind === "pdu") {
            expect(f.start).toBeGreaterThanOrEqual(0);
            expect(f.end).toBeLessThanOrEqual(b.length);
            expect(f.start).toBeLessThanOrEqual(f.end);
          }
          if (f.kind === "skip") expect(f.end).toBeLessThanOrEqual(b.length);
        }
        wsFrameHeader(b, 0, b.length);
        decodeHep3(concatBytes([utf8("HEP3"), b]), 0, b.length + 4);
        decodeHep2(b, 0, b.length);
      }),
      { numRuns: 2000 },
    );
  });

  test("SIP-looking prefixes with random tails never throw", () => {
    const heads = ["INVITE sip:a@b SIP/2.0\r\n", "SIP/2.0 200 OK\r\n", "GET / HTTP/1.1\r\n", "HTTP/1.1 101 x\r\n", "\r\n\r\n", "REGISTER sips:x SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n"];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 300 }), fc.boolean(), (h, tail, stream) => {
        const b = concatBytes([utf8(h), tail]);
        frameSip(b, 0, b.length, stream);
        frameHttp(b, 0, b.length, stream);
      }),
      { numRuns: 1000 },
    );
  });
});
