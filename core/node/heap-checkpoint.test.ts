import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getHeapStatistics } from "node:v8";
import { runInNewContext } from "node:vm";
import { createHeapCheckpoint, DEFAULT_FLOOR_BYTES, runtimeGc, type HeapCheckpoint } from "./heap-checkpoint";
import { loadFiles } from "./ingest";
import { analyzeRun } from "../analysis/analyze";

const MB = 1 << 20;
const sample = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../samples/bug4-dialog-bye-race.pcap");

/** A checkpoint over a scripted heap: `used` is read before each decision, and a collection leaves `liveAfterGc`. */
function scripted(options: { growth?: number; floorBytes?: number }) {
  const heap = { used: 0, liveAfterGc: 0 };
  const collections: number[] = [];
  const checkpoint = createHeapCheckpoint({
    ...options,
    gc: () => {
      collections.push(heap.used);
      heap.used = heap.liveAfterGc;
    },
    usedHeap: () => heap.used,
    youngGenerationBytes: 0,
  });
  return { heap, collections, checkpoint };
}

describe("createHeapCheckpoint: when it collects", () => {
  // Each row: used heap at the checkpoint (MB), what a collection would leave live (MB), collected?
  const steps: [used: number, live: number, collects: boolean, why: string][] = [
    [10, 8, false, "below the 32 MB floor"],
    [31, 28, false, "still below the floor"],
    [40, 30, true, "first time past the floor (nothing live known yet)"],
    [35, 33, false, "35 < 1.2 x 30"],
    [37, 33, true, "37 > 1.2 x 30"],
    [39, 36, false, "39 < 1.2 x 33"],
    [40, 37, true, "40 > 1.2 x 33"],
  ];
  it("collects exactly at the steps marked, the table run in order", () => {
    const { heap, collections, checkpoint } = scripted({});
    for (const [used, live, collects, why] of steps) {
      const n = collections.length;
      heap.used = used * MB;
      heap.liveAfterGc = live * MB;
      checkpoint(why);
      expect(collections.length - n, `${used} MB: ${why}`).toBe(collects ? 1 : 0);
    }
  });

  it("honours its growth and floor options", () => {
    const { heap, collections, checkpoint } = scripted({ growth: 2, floorBytes: 4 * MB });
    heap.used = 5 * MB;
    heap.liveAfterGc = 4 * MB;
    checkpoint("a"); // past the 4 MB floor
    heap.used = 7 * MB;
    checkpoint("b"); // 7 < 2 x 4
    heap.used = 8 * MB;
    checkpoint("c"); // 8 = 2 x 4
    expect(collections).toEqual([5 * MB, 8 * MB]);
  });

  it("does nothing without a collector (a runtime that refuses to expose one)", () => {
    let reads = 0;
    const checkpoint = createHeapCheckpoint({ gc: null, usedHeap: () => (reads++, 1 << 30), youngGenerationBytes: 0 });
    checkpoint("x");
    checkpoint("y");
    expect(reads).toBe(0);
  });

  it("traces each collection with its phase and sizes", () => {
    const lines: string[] = [];
    let used = 100 * MB;
    const checkpoint = createHeapCheckpoint({ gc: () => (used = 60 * MB), usedHeap: () => used, trace: (l) => lines.push(l), youngGenerationBytes: 0 });
    checkpoint("transactions");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^heap checkpoint transactions: 100 -> 60 MB in \d+ ms$/);
  });
});

describe("createHeapCheckpoint: young generation cap", () => {
  function capped(youngGenerationBytes: number | undefined, sizes: number[]) {
    const flags: string[] = [];
    let i = 0;
    const checkpoint = createHeapCheckpoint({
      gc: () => {},
      youngGenerationBytes,
      youngGenerationSize: () => sizes[Math.min(i++, sizes.length - 1)] * MB,
      setV8Flag: (f) => flags.push(f),
    });
    for (let k = 0; k < sizes.length + 2; k++) checkpoint.progress();
    return { flags, reads: i };
  }

  it("stops the growth once the young generation reaches its size, once", () => {
    const { flags, reads } = capped(undefined, [2, 4, 8, 8, 16, 32]);
    expect(flags).toEqual(["--semi-space-growth-factor=1"]);
    expect(reads).toBe(3); // no statistics read after it is capped
  });

  it("leaves the young generation alone below its size", () => {
    expect(capped(undefined, [1, 2, 4, 4]).flags).toEqual([]);
    expect(capped(64 * MB, [2, 4, 8, 16, 32]).flags).toEqual([]);
  });

  it("never touches the flag with a size of 0", () => {
    const { flags, reads } = capped(0, [64]);
    expect(flags).toEqual([]);
    expect(reads).toBe(0);
  });

  it("keeps going when the runtime rejects the flag", () => {
    const checkpoint = createHeapCheckpoint({
      gc: () => {},
      youngGenerationSize: () => 64 * MB,
      setV8Flag: () => {
        throw new Error("unknown flag");
      },
    });
    expect(() => checkpoint.progress()).not.toThrow();
  });
});

describe("runtimeGc (this V8)", () => {
  it("returns a full collection without --expose-gc, and exposes gc to no later context", () => {
    const gc = runtimeGc();
    expect(typeof gc).toBe("function");
    // Garbage the collection must reclaim: ~40 MB of arrays nothing refers to after the loop.
    let junk: number[][] | undefined = [];
    for (let i = 0; i < 5000; i++) junk.push(new Array(1000).fill(i));
    const before = getHeapStatistics().used_heap_size;
    junk = undefined;
    gc!();
    const after = getHeapStatistics().used_heap_size;
    expect(before - after).toBeGreaterThan(20 * MB);
    expect(runInNewContext("typeof gc")).toBe("undefined");
  });

  it("is used by default: a real checkpoint collects once past the floor, then waits for growth", () => {
    const keep: number[][] = [];
    for (let i = 0; i < 9000; i++) keep.push(new Array(1000).fill(i)); // ~70 MB live
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(DEFAULT_FLOOR_BYTES);
    const lines: string[] = [];
    const checkpoint = createHeapCheckpoint({ trace: (l) => lines.push(l), youngGenerationBytes: 0 });
    checkpoint("first");
    checkpoint("second"); // nothing grew since
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^heap checkpoint first: /);
    expect(keep).toHaveLength(9000);
  });
});

describe("wired into loadFiles and analyzeRun", () => {
  it("hears every chunk, then each phase in order, and leaves the analysis unchanged", async () => {
    const phases: string[] = [];
    let progress = 0;
    const recorder = Object.assign((phase: string) => void phases.push(phase), { progress: () => void progress++ }) as HeapCheckpoint;
    const loaded = await loadFiles([sample], { chunkSize: 4096, heapCheckpoint: recorder });
    const run = analyzeRun(loaded.model, { summary: loaded.summary, messages: loaded.messages }, { onPhase: recorder });
    expect(progress).toBeGreaterThan(1);
    expect(phases).toEqual(["decoded", "transactions", "dialogs", "calls", "findings", "call-summaries", "stats"]);

    const plain = await loadFiles([sample], { chunkSize: 4096 });
    const plainRun = analyzeRun(plain.model, { summary: plain.summary, messages: plain.messages });
    expect(JSON.stringify(run.result.document)).toBe(JSON.stringify(plainRun.result.document));
    loaded.model.close?.();
    plain.model.close?.();
  });
});
