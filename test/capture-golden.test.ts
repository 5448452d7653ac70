/**
 * Golden test of the binary capture layer alone (bytes -> PDUs), over every public third-party
 * capture in ../shared/captures/public, against its tshark truth (<name>.truth.json):
 * same SIP PDUs (count; per message frame, transport, src, dst, start line, Call-ID) and the same
 * Diameter PDUs (command code, request flag, hop-by-hop). Start line and Call-ID are pulled with a
 * small regex here because the SIP parser lives in core/protocols.
 *
 * Files are fed in 64 KiB chunks; the small ones also byte by byte, which must give the same PDUs.
 *
 * Decisions documented against tshark's rows:
 * - Truth rows of kind "continuation-or-unparsed" are frames tshark labels SIP without a start
 *   line. In ndpi-http-on-sip-port those are HTTP on TCP 5060: we must yield 0 SIP PDUs there (and
 *   HTTP PDUs instead, checked below).
 * - zeek-junk-before-request: the datagram is "DBREGISTER sip:... SIP/2.0". tshark counts one
 *   REGISTER; our SIP framer starts the PDU at the known method "REGISTER" and reports the 2 junk
 *   bytes as a problem on the PDU. The truth's null Call-ID is tshark's; the message has none.
 * - hep3*: frame = the outer (HEP) record, src/dst = the addresses carried in the HEP chunks.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createCaptureDecoder } from "../core/capture/decoder";
import type { CaptureProblem, ConnectionEvent, Pdu } from "../core/capture/types";
import { endpointText } from "../core/capture/types";
import { sharedDir } from "./shared";

const publicDir = sharedDir && path.join(sharedDir, "captures", "public");
const captures = publicDir && existsSync(publicDir) ? readdirSync(publicDir).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];
if (!captures.length) console.warn("SKIPPED capture-golden: ../shared/captures/public not found next to the repository");

interface Decoded {
  pdus: Pdu[];
  problems: CaptureProblem[];
  connections: ConnectionEvent[];
  records: number;
}

function decode(bytes: Uint8Array, chunk: number): Decoded {
  const out: Decoded = { pdus: [], problems: [], connections: [], records: 0 };
  const d = createCaptureDecoder({
    pdu: (p) => out.pdus.push(p),
    problem: (p) => out.problems.push(p),
    connection: (e) => out.connections.push(e),
    record: () => out.records++,
  });
  for (let o = 0; o < bytes.length; o += chunk) d.push(bytes.slice(o, o + chunk));
  d.end();
  return out;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
function startLine(b: Uint8Array): string {
  const t = latin1(b.subarray(0, 4096));
  return t.slice(0, t.search(/\r?\n|$/));
}
function callId(b: Uint8Array): string | null {
  const m = /\r?\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*)/i.exec(latin1(b));
  return m ? m[1].trim() : null;
}

interface TruthSip {
  frame: number;
  src: string;
  dst: string;
  transport: string;
  call_id: string | null;
  request_line: string | null;
  status_line: string | null;
  kind: string;
}

describe.skipIf(!captures.length)("capture layer decodes the public captures like tshark", () => {
  test.each(captures)("%s", (name) => {
    const file = path.join(publicDir!, name);
    const bytes = new Uint8Array(readFileSync(file));
    const truth = JSON.parse(readFileSync(file.replace(/\.pcap(ng)?$/, ".truth.json"), "utf8"));
    const got = decode(bytes, 64 * 1024);
    expect(got.records).toBe(truth.packet_count);

    const want: TruthSip[] = truth.sip_messages.filter((m: TruthSip) => m.kind !== "continuation-or-unparsed");
    const sip = got.pdus.filter((p) => p.protocol === "sip");
    const row = (frame: number, transport: string, src: string, dst: string) => `${frame} ${transport} ${src} -> ${dst}`;
    expect(sip.map((p) => row(p.frame, p.transport, endpointText(p.src), endpointText(p.dst)))).toEqual(want.map((m) => row(m.frame, m.transport, m.src, m.dst)));
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      const line = w.request_line ?? w.status_line;
      if (line !== null) expect(startLine(sip[i].bytes), `frame ${w.frame}`).toBe(line);
      if (w.call_id !== null) expect(callId(sip[i].bytes), `frame ${w.frame}`).toBe(w.call_id);
    }

    const dia = got.pdus.filter((p) => p.protocol === "diameter");
    const diaRow = (p: Pdu) => {
      const b = p.bytes;
      const code = (b[5] << 16) | (b[6] << 8) | b[7];
      const hbh = (((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0).toString(16).padStart(8, "0");
      return `${p.frame} ${code} ${b[4] & 0x80 ? "R" : "A"} 0x${hbh}`;
    };
    expect(dia.map(diaRow)).toEqual(truth.diameter_messages.map((d: { frame: number; cmd_code: number; request: boolean; hop_by_hop: string }) => `${d.frame} ${d.cmd_code} ${d.request ? "R" : "A"} ${d.hop_by_hop}`));

    if (name === "ndpi-http-on-sip-port.pcap") {
      expect(sip).toHaveLength(0);
      expect(got.pdus.filter((p) => p.protocol === "http").length).toBeGreaterThan(0);
    }
    if (name.startsWith("hep3")) for (const p of sip) expect(p.hep?.version).toBe(3);

    // Small files: byte-by-byte feeding gives exactly the same PDUs.
    if (bytes.length <= 20_000) {
      const slow = decode(bytes, 1);
      expect(slow.pdus.map((p) => [p.frame, p.protocol, p.bytes.length, endpointText(p.src)])).toEqual(got.pdus.map((p) => [p.frame, p.protocol, p.bytes.length, endpointText(p.src)]));
      expect(slow.problems.length).toBe(got.problems.length);
    }
  });
});
