import { describe, it, expect } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import { SAMPLES, buildSample } from "../core/samples/index";
import { loadFiles } from "../core/node/ingest";
import { analyzeRun } from "../core/analysis/analyze";
import { formatReport } from "../core/analysis/text-report";

const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-samples-"));

describe("samples", () => {
  for (const spec of SAMPLES) {
    it(spec.name, async () => {
      const s = buildSample(spec);
      const files = [path.join(dir, `${spec.name}.pcap`)];
      writeFileSync(files[0], s.pcap);
      if (s.log) {
        files.push(path.join(dir, `${spec.name}.log`));
        writeFileSync(files[1], s.log);
      }
      const loaded = await loadFiles(files);
      const run = analyzeRun(loaded.model, loaded);
      const got = [...new Set(run.findings.map((f) => `${f.rule}:${f.severity}`))].sort();
      const want = [...new Set(spec.expect.map((e) => `${e.rule}:${e.severity}`))].sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) console.log(formatReport(run.result, { messages: true }));
      expect(got).toEqual(want);
    });
  }
});
