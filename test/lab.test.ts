/**
 * Lab captures (real Kamailio 5.6.3 + sipp, ../shared/captures/lab/<scenario>/capture.pcap with its
 * kamailio.log): the findings listed in lab/expect.json are reported for the named Call-IDs, and
 * nothing else of warning/error severity ("quiet").
 */
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { sharedDir } from "./shared";
import { loadFiles } from "../core/node/ingest";
import { analyzeRun } from "../core/analysis/analyze";
import { formatReport } from "../core/analysis/text-report";

const labDir = sharedDir ? path.join(sharedDir, "captures", "lab") : undefined;
const expectFile = labDir ? path.join(labDir, "expect.json") : undefined;
const available = !!expectFile && existsSync(expectFile);
if (!available) console.log(`lab test skipped: ${expectFile ?? "../shared/captures/lab"} not found`);

interface LabExpect {
  must: Record<string, string[]>;
  forbid?: Record<string, string[]>;
  quiet?: boolean;
}

const expectations: Record<string, LabExpect> = available ? JSON.parse(readFileSync(expectFile!, "utf8")) : {};
const scenarios = available ? readdirSync(labDir!).filter((d) => existsSync(path.join(labDir!, d, "capture.pcap"))) : [];

describe.skipIf(!available)("lab captures", () => {
  it("every scenario on disk has an expectation", () => {
    for (const s of scenarios) expect(expectations[s], s).toBeDefined();
  });
  for (const scenario of scenarios) {
    it(scenario, async () => {
      const e = expectations[scenario];
      const dir = path.join(labDir!, scenario);
      const files = [path.join(dir, "capture.pcap")];
      if (existsSync(path.join(dir, "kamailio.log"))) files.push(path.join(dir, "kamailio.log"));
      const loaded = await loadFiles(files);
      const run = analyzeRun(loaded.model, loaded);
      const report = () => formatReport(run.result, { messages: false });
      for (const [rule, callIds] of Object.entries(e.must ?? {})) {
        const hits = run.findings.filter((f) => f.rule === rule);
        expect(hits.length, `${scenario}: ${rule} must fire\n${report()}`).toBeGreaterThan(0);
        for (const cid of callIds) expect(hits.some((f) => f.callId === cid), `${scenario}: ${rule} for ${cid}\n${report()}`).toBe(true);
        // Evidence points at messages of that call.
        for (const f of hits) expect(f.messages.length).toBeGreaterThan(0);
      }
      for (const [rule, callIds] of Object.entries(e.forbid ?? {})) {
        const bad = run.findings.filter((f) => f.rule === rule && (callIds.length === 0 || callIds.includes(f.callId ?? "")));
        expect(bad, `${scenario}: ${rule} is forbidden`).toEqual([]);
      }
      if (e.quiet) {
        const must = new Set(Object.keys(e.must ?? {}));
        const noisy = run.findings.filter((f) => f.severity !== "info" && !must.has(f.rule));
        expect(noisy.map((f) => `${f.rule} ${f.callId ?? ""}: ${f.title}`), `${scenario} must be quiet\n${report()}`).toEqual([]);
      }
    });
  }
});
