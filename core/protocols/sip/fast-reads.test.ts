/**
 * The parser answers a stored row's questions (problems, the Via count and top Via, the kept parts
 * of From and To) through fast paths that read the bytes of common values without building Via or
 * NameAddr objects (scanCommonVia, scanCommonNameAddr). Whatever the message, those answers must
 * be what the full parse gives: checked on a table of messages, on every SIP message of the public
 * captures, and on random mutations. Each message is read twice: the second read meets the first
 * one's shared values.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCaptureDecoder } from "../../capture/decoder";
import { parseSip } from "./parse";
import { shortAddress } from "./name-addr";
import { addressOf, type KeptNameAddr } from "./stored";
import { decodeText } from "./text";
import type { NameAddr } from "./types";
import { COMMON_TRANSPORTS, viaParts } from "./via";
import { wire } from "./test-wire";

/** The fast reads of a parse (not part of SipMessage). */
interface FastReads {
  readonly viaCount: number;
  scanTopVia(): boolean;
  keptNameAddr(to: boolean): KeptNameAddr;
}

function expectedKept(na: NameAddr | undefined): KeptNameAddr {
  const u = na?.uri;
  return { tag: na?.tag, user: u?.user, hostPort: u ? `${u.host}${u.port ? ":" + u.port : ""}` : na?.uriText, hasUri: u !== undefined };
}

/** A message read through the fast paths answers what its full parse answers. */
function agrees(bytes: Uint8Array): void {
  for (let round = 0; round < 2; round++) {
    const full = parseSip(bytes);
    // Read first: problems then use these full parses.
    const vias = full.vias;
    const from = full.from;
    const to = full.to;
    const fullProblems = full.problems;
    const fast = parseSip(bytes);
    const fastProblems = fast.problems; // read first: goes through the fast paths
    expect(fastProblems).toEqual(fullProblems);
    const reads = fast as unknown as FastReads;
    expect(reads.viaCount).toBe(vias.length);
    if (reads.scanTopVia()) {
      const top = vias[0];
      expect(top).toBeDefined();
      expect({
        transport: COMMON_TRANSPORTS[viaParts[0]],
        host: decodeText(bytes, viaParts[1], viaParts[2]),
        port: viaParts[3] < 0 ? undefined : viaParts[3],
        branch: viaParts[4] < 0 ? undefined : decodeText(bytes, viaParts[4], viaParts[5]),
      }).toEqual({ transport: top.transport, host: top.host, port: top.port, branch: top.branch });
    }
    expect({ ...reads.keptNameAddr(false) }).toEqual(expectedKept(from));
    expect({ ...reads.keptNameAddr(true) }).toEqual(expectedKept(to));
    for (const [kept, na] of [[reads.keptNameAddr(false), from], [reads.keptNameAddr(true), to]] as const) expect(addressOf(kept.user, kept.hostPort)).toBe(shortAddress(na));
  }
}

const MESSAGE = (vias: string[], from = '"Alice" <sip:alice@example.com>;tag=f1', to = "<sip:bob@example.com>") =>
  wire(`SIP/2.0 200 OK
${vias.map((v) => `Via: ${v}`).join("\n")}
From: ${from}
To: ${to}
Call-ID: c
CSeq: 1 INVITE
Content-Length: 0

`);

const VIA = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport";
const VIA2 = "SIP/2.0/TCP proxy.example.com;branch=z9hG4bK.abc";

describe("fast reads of a message answer as its full parse", () => {
  it("table of messages", () => {
    const vias = [
      [],
      [VIA],
      [VIA, VIA2],
      ["SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-6", VIA],
      ["garbage", VIA2],
      ["garbage, SIP/2.0/UDP a;branch=1", VIA],
      [VIA2, "bad one", "SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2"],
      ["", VIA],
      ["SIP/2.0/UDP h;branch=1,", VIA],
    ];
    for (const list of vias) agrees(MESSAGE(list));
    const nameAddrs = ["<sip:a@b>;tag=1", "sip:a@b;tag=1", "<sip:a%20b@h:5060>", "*", "nonsense", "", '"x\\"y" <sip:q@r>;tag=2', "<tel:+1555>;tag=3", "<sip:@h>", "<sip:h:0>"];
    for (const na of nameAddrs) {
      agrees(MESSAGE([VIA], na, na));
      agrees(MESSAGE([VIA], "<sip:a@b>;tag=1", na));
    }
    agrees(wire("INVITE sip:b@x SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK-c\nVia: SIP/2.0/UDP\n  h2;branch=folded\nf: <sip:a@b>\n ;tag=folded\nt: Bö <sip:b@x>\n\n"));
    agrees(wire("OPTIONS sip:x SIP/2.0\n\n"));
  });

  it("the top Via of a message counted before another one", () => {
    const a = parseSip(MESSAGE([VIA, VIA2])) as unknown as FastReads & { problems: readonly string[] };
    const b = parseSip(MESSAGE([VIA2, VIA])) as unknown as FastReads & { problems: readonly string[] };
    void a.problems;
    void b.problems;
    for (const [m, host] of [[a, "10.0.0.1"], [b, "proxy.example.com"], [a, "10.0.0.1"]] as const) {
      expect(m.scanTopVia()).toBe(true);
      expect(decodeText((m as unknown as { raw: Uint8Array }).raw, viaParts[1], viaParts[2])).toBe(host);
    }
  });

  it("mutated messages", () => {
    const base = MESSAGE([VIA, "SIP/2.0/UDP 10.0.0.2:5062;rport=5060;received=10.9.9.9;branch=z9hG4bK-2"], '"Alice 12" <sip:alice12@example.com:5070;lr>;tag=f12', "<sip:bob12@10.0.2.13>;tag=t12");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
        const b = base.slice();
        for (const [at, v] of edits) b[at] = v;
        agrees(b);
      }),
      { numRuns: 3000 },
    );
  });

  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const publicDir = path.resolve(repoRoot, "..", "shared", "captures", "public");
  const captures = existsSync(publicDir) ? readdirSync(publicDir).filter((f) => /\.pcap(ng)?$/.test(f)) : [];
  if (!captures.length) console.warn("fast-reads tests: ../shared/captures/public not found; real captures not compared");
  it.skipIf(!captures.length)("every SIP message of the public captures", () => {
    let messages = 0;
    for (const name of captures) {
      const sip: Uint8Array[] = [];
      const decoder = createCaptureDecoder({ pdu: (p) => void (p.protocol === "sip" && sip.push(p.bytes.slice())), problem: () => {}, connection: () => {}, record: () => {} });
      try {
        decoder.push(new Uint8Array(readFileSync(path.join(publicDir, name))));
        decoder.end();
      } catch {
        // an unreadable capture has no messages to compare
      }
      for (const bytes of sip) agrees(bytes);
      messages += sip.length;
    }
    expect(messages).toBeGreaterThan(1000);
  });
});
