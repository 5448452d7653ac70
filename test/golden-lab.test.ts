/**
 * Golden test over the lab captures (real Kamailio 5.6.3 + sipp on loopback): each capture opened
 * together with its kamailio.log decodes every SIP message the real processes exchanged (truth.json
 * was written from what they did), and every WARNING/ERROR/CRITICAL log line becomes a log event.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { loadFiles } from "../core/node/ingest";
import { sharedDir } from "./shared";

const labDir = sharedDir && path.join(sharedDir, "captures", "lab");
const scenarios = labDir && existsSync(labDir) ? readdirSync(labDir).filter((d) => existsSync(path.join(labDir, d, "truth.json"))).sort() : [];
if (!scenarios.length) console.warn("SKIPPED golden-lab: ../shared/captures/lab not found next to the repository");

interface TruthRow {
  frame: number;
  src: string;
  dst: string;
  msg: string;
  cseq: string;
}

describe.skipIf(!scenarios.length)("lab captures decode completely with their logs", () => {
  test.each(scenarios)("%s", async (name) => {
    const dir = path.join(labDir!, name);
    const truth = JSON.parse(readFileSync(path.join(dir, "truth.json"), "utf8"));
    const { messages, summary, model } = await loadFiles([path.join(dir, "capture.pcap"), path.join(dir, "kamailio.log")]);

    const want: (TruthRow & { callId: string })[] = [];
    for (const [callId, rows] of Object.entries(truth.observed_sip_messages_by_call_id as Record<string, TruthRow[]>)) {
      for (const r of rows) want.push({ ...r, callId });
    }
    want.sort((a, b) => a.frame - b.frame);
    const got = messages.filter((m) => m.protocol === "sip" && m.file === undefined);
    const row = (m: { frame: number; src: string; dst: string; callId?: string; cseq?: string }, label: string) => `${m.frame} ${m.src}->${m.dst} ${label} ${m.cseq} ${m.callId}`;
    expect(got.map((m) => row(m, m.method ?? String(m.status)))).toEqual(want.map((w) => row(w, w.msg)));
    expect(truth.observed_sip_message_count).toBe(got.length);

    // Every WARNING/ERROR/CRITICAL line of the log is a log event with its level and text.
    const lines = readFileSync(path.join(dir, "kamailio.log"), "utf8").split("\n");
    const severe = lines.map((l, i) => ({ l, line: i + 1 })).filter(({ l }) => /^\s*\d+\(\d+\) (WARNING|ERROR|CRITICAL|ALERT|BUG):/.test(l));
    for (const { l, line } of severe) {
      const ev = model.logs.find((e) => e.line === line);
      expect(ev, `log line ${line}: ${l}`).toBeDefined();
      expect(l).toContain(ev!.level);
      expect(l).toContain(ev!.text.slice(0, 40));
    }
    expect(summary.logEvents).toBe(model.logs.length);
    expect(summary.skipped).toBe(0);
  });
});
