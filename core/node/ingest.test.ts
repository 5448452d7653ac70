import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IngestError, loadFiles } from "./ingest";

const sample = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../samples/bug4-dialog-bye-race.pcap");

describe("loadFiles memory check", () => {
  it("stops with an error naming the file, offset and limit when decoding fills its share of the heap", async () => {
    const err = await loadFiles([sample], { heapLimit: 1 << 20, chunkSize: 4096 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    const e = err as IngestError;
    expect(e.file).toBe(sample);
    expect(e.offset).toBe(4096);
    expect(e.reason).toMatch(/too large to analyse within this process's memory limit \(1 MB JavaScript heap\): stopped after \d+ messages.*max-old-space-size/);
  });

  it("loads the same file under the process's own limit", async () => {
    const { model, summary } = await loadFiles([sample]);
    model.close?.();
    expect(summary.sip).toBeGreaterThan(0);
  });
});
