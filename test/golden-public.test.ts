/**
 * Golden test: every public third-party capture in ../shared/captures/public decodes to the same
 * SIP and Diameter messages as tshark (their <name>.truth.json, written by make_public_truth.sh),
 * through the whole CLI path (files -> readers -> dissectors -> parsers -> message DTOs).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { loadFiles } from "../core/node/ingest";
import { sharedDir } from "./shared";

const publicDir = sharedDir && path.join(sharedDir, "captures", "public");
const captures = publicDir && existsSync(publicDir) ? readdirSync(publicDir).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];
if (!captures.length) console.warn("SKIPPED golden-public: ../shared/captures/public not found next to the repository");

interface TruthSip {
  frame: number;
  src: string;
  dst: string;
  transport: string;
  call_id: string | null;
  cseq: string | null;
  method: string | null;
  status: number | null;
  kind: string;
}
interface TruthDia {
  frame: number;
  cmd_code: number;
  request: boolean;
  hop_by_hop: string;
}

describe.skipIf(!captures.length)("public captures decode like tshark", () => {
  test.each(captures)("%s", async (name) => {
    const truth = JSON.parse(readFileSync(path.join(publicDir!, name.replace(/\.pcap(ng)?$/, ".truth.json")), "utf8"));
    const { messages, summary } = await loadFiles([path.join(publicDir!, name)]);

    // tshark labels some frames "SIP" without parsing a start line (kind continuation-or-unparsed):
    // in ndpi-http-on-sip-port that is HTTP on port 5060, which must not count as SIP.
    const want: TruthSip[] = truth.sip_messages.filter((m: TruthSip) => m.kind !== "continuation-or-unparsed");
    const got = messages.filter((m) => m.protocol === "sip");
    const row = (m: { frame: number; transport: string; src: string; dst: string }) => `${m.frame} ${m.transport} ${m.src} -> ${m.dst}`;
    expect(got.map(row)).toEqual(want.map(row));
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      const g = got[i];
      const where = `${name} frame ${w.frame}`;
      // A null in the truth means tshark could not read that field (zeek-junk-before-request: junk
      // before the request line hides Call-ID/CSeq from tshark); we still decode them, so only
      // fields tshark did read are compared.
      if (w.call_id !== null) expect(g.callId, where).toBe(w.call_id);
      if (w.cseq !== null) expect(g.cseq, where).toBe(w.cseq);
      if (w.method !== null) expect(g.method, where).toBe(w.method);
      if (w.status !== null) expect(g.status, where).toBe(w.status);
      if (w.kind === "request") expect(g.method, where).toBeTruthy();
      if (w.kind === "response") expect(g.status, where).toBeTruthy();
    }

    const wantDia: TruthDia[] = truth.diameter_messages;
    const gotDia = messages.filter((m) => m.protocol === "diameter");
    expect(gotDia.map((m) => `${m.frame} ${m.command} ${m.request ? "R" : "A"} 0x${m.hopByHop!.toString(16).padStart(8, "0")}`)).toEqual(
      wantDia.map((d) => `${d.frame} ${d.cmd_code} ${d.request ? "R" : "A"} ${d.hop_by_hop}`),
    );

    expect(summary.packets).toBe(truth.packet_count);
    expect(summary.sip).toBe(want.length);
  });
});
