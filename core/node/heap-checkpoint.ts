/**
 * A heap checkpoint for a one-shot batch run (`sipscope analyze`): fewer committed heap pages for
 * the same live data, so a lower peak RSS, at about no cost in time.
 *
 * WHY: V8 lets the old generation grow to several times the live data before it collects it (its
 * growing factor is at its maximum while the program mostly allocates), and pages once committed
 * stay in the RSS. An analysis builds ~70-100 MB of long-lived tables phase by phase and drops each
 * phase's scratch: collected right at a phase boundary, the garbage never piles up, for about the
 * time V8 spends on its own full GCs anyway. Separately, the young generation grows while decoding
 * and its pages stay committed to the end: capped at 8 MB (new-space size), the run is as fast as
 * at 16 MB (twice the scavenges, each about half the work: the load and the analysis keep little of
 * what they allocate) and peaks ~8 MB lower. On the bench capture (bench/bench.mjs, 130 000
 * messages, ~55 MB live at the end): 5-6 collections of 15-60 ms each; peak RSS ~220 MB without
 * checkpoints, ~165 MB at growth 1.5 from a 48 MB floor, ~148 MB at growth 1.2 from a 32 MB floor
 * with a 16 MB young generation, ~139 MB with 8 MB. The floor matters as much as the growth: at
 * 48 MB, a run whose own major GC came just before the end of decoding skipped the first
 * checkpoint and peaked 13 MB higher.
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface HeapCheckpointOptions {
  /** Collect when the used heap is at least this many times what was live after the last collection. */
  growth?: number;
  /** Below this many bytes of used heap a collection is never worth it. */
  floorBytes?: number;
  /** The young generation (both semi-spaces) stops growing once it is this many bytes; 0 leaves it to V8. */
  youngGenerationBytes?: number;
  /** The full collection (default: V8's `gc`, exposed at run time; null or none available: no collection is made). */
  gc?: (() => void) | null;
  /** Bytes of JavaScript heap in use (default: V8's heap statistics). */
  usedHeap?: () => number;
  /** Bytes the young generation has committed (default: V8's new space statistics). */
  youngGenerationSize?: () => number;
  /** Sets a V8 flag (default: v8.setFlagsFromString). */
  setV8Flag?: (flag: string) => void;
  /** One line per action (collection: phase, heap before and after, milliseconds), for measuring. */
  trace?: (line: string) => void;
}

export interface HeapCheckpoint {
  /** A phase boundary (the phase just finished): a full GC when the heap has grown enough since the last one. */
  (phase: string): void;
  /** Progress within a phase (a chunk decoded): cheap, never collects; caps the young generation once it reaches its size. */
  progress(): void;
}

export const DEFAULT_GROWTH = 1.2;
export const DEFAULT_FLOOR_BYTES = 32 << 20;
export const DEFAULT_YOUNG_GENERATION_BYTES = 8 << 20;

/**
 * V8's full-GC function without `--expose-gc` on the command line: the flag, set at run time,
 * exposes `gc` in contexts made after it (a fresh vm context; the function collects the whole
 * isolate). The flag is turned off again so no later context gets it. undefined when the runtime
 * refuses.
 */
export function runtimeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === "function") return existing as () => void;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    setFlagsFromString("--no-expose-gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For a process that runs one batch job and exits (the CLI): the flags it sets and the
 * collections it forces are process-wide.
 */
export function createHeapCheckpoint(options: HeapCheckpointOptions = {}): HeapCheckpoint {
  const gc = options.gc === null ? undefined : (options.gc ?? runtimeGc());
  const growth = options.growth ?? DEFAULT_GROWTH;
  const floor = options.floorBytes ?? DEFAULT_FLOOR_BYTES;
  const usedHeap = options.usedHeap ?? (() => getHeapStatistics().used_heap_size);
  const youngSize = options.youngGenerationSize ?? newSpaceSize;
  const setV8Flag = options.setV8Flag ?? setFlagsFromString;
  const youngCap = options.youngGenerationBytes ?? DEFAULT_YOUNG_GENERATION_BYTES;
  const trace = options.trace;
  // What was live after the last collection (0 before the first: then only the floor decides).
  let live = 0;
  let youngCapped = !(youngCap > 0);

  const checkpoint = ((phase: string) => {
    if (!gc) return;
    const before = usedHeap();
    if (before < floor || before < growth * live) return;
    const t0 = trace ? performance.now() : 0;
    gc();
    live = usedHeap();
    if (trace) trace(`heap checkpoint ${phase}: ${mb(before)} -> ${mb(live)} MB in ${(performance.now() - t0).toFixed(0)} ms`);
  }) as HeapCheckpoint;

  checkpoint.progress = () => {
    if (youngCapped) return;
    const size = youngSize();
    if (size < youngCap) return;
    youngCapped = true;
    // --max-semi-space-size is read only when the heap is set up; the growth factor is read at each
    // growth, so factor 1 (never 0: V8 crashes) stops the young generation where it is now.
    try {
      setV8Flag("--semi-space-growth-factor=1");
      if (trace) trace(`heap checkpoint: young generation capped at ${mb(size)} MB`);
    } catch {
      // A runtime without the flag: the young generation keeps V8's sizing.
    }
  };
  return checkpoint;
}

function newSpaceSize(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

function mb(n: number): string {
  return (n / (1 << 20)).toFixed(0);
}
