/**
 * Reads capture and log files from disk, chunk by chunk, into the pure decoders, and returns the
 * analysis model. Files never need to fit in memory as a whole: each chunk is pushed and dropped
 * (only the decoded PDUs' bytes are kept, by the model).
 *
 * Format is chosen from the file's first bytes: pcap / pcapng by magic, then the text formats
 * (Kamailio log, sipdump, plain SIP). Anything else is an `IngestError` naming the file.
 */
import { open } from "node:fs/promises";
import { getHeapStatistics } from "node:v8";
import path from "node:path";
import type { MessageDTO, SummaryDTO } from "../api";
import { CaptureFormatError } from "../capture/types";
import { createCaptureDecoder } from "../capture/decoder";
import { containerFormat } from "../capture/file-reader";
import { DEFAULT_HTTP_PORTS } from "../capture/dissector-table";
import { detectTextFormat, createTextReader } from "../capture/text/detect";
import { ModelBuilder } from "../analysis/decode";
import type { CaptureModel, Observed } from "../analysis/model";
import { openFiles, type OpenFiles } from "./file-bytes";
import type { HeapCheckpoint } from "./heap-checkpoint";

export class IngestError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${offset !== undefined ? ` (byte offset ${offset})` : ""}: ${reason}`);
    this.name = "IngestError";
  }
}

export interface IngestOptions {
  /** Extra TCP/UDP ports on which HTTP is decoded. */
  httpPorts?: number[];
  /** Timer T1 seconds for the machines' expectations. */
  t1?: number;
  /** Year for syslog lines (they carry none). */
  year?: number;
  onProgress?: (p: { file: string; bytesRead: number; bytesTotal: number; messages: number }) => void;
  /** Messages decoded from the chunk just read (a live preview of the calls while loading). */
  onMessages?: (added: readonly Observed[]) => void;
  chunkSize?: number;
  /** JavaScript heap limit in bytes the memory check uses (default: this process's; tests set a small one). */
  heapLimit?: number;
  /**
   * A batch run's heap checkpoint (./heap-checkpoint): told of each chunk decoded (its progress
   * caps the young generation) and called once the model is finished ("decoded"), to drop
   * decoding's garbage before the analysis builds its tables. The app's worker passes none.
   */
  heapCheckpoint?: HeapCheckpoint;
  /** false: `Loaded.messages` stays empty (the caller makes each DTO when it needs it, see messageDTOAt). */
  messageDtos?: boolean;
}

export interface Loaded {
  model: CaptureModel;
  summary: SummaryDTO;
  messages: MessageDTO[];
}

/**
 * Share of the JavaScript heap limit that decoding may fill. The analysis after it needs about as
 * much again; past this the load stops with a clear error instead of the process dying when V8
 * runs out of heap (a capture of several million messages on the default limit).
 */
const LOAD_HEAP_SHARE = 0.45;

/** An error when decoded messages already fill the share of the heap decoding may use. */
function heapCheck(file: string, offset: number, messages: number, heapLimit: number | undefined): IngestError | undefined {
  const heap = getHeapStatistics();
  const used = heap.used_heap_size;
  const limit = heapLimit ?? heap.heap_size_limit;
  if (used <= LOAD_HEAP_SHARE * limit) return undefined;
  const mb = (n: number) => Math.round(n / (1 << 20));
  return new IngestError(
    file,
    offset,
    `too large to analyse within this process's memory limit (${mb(limit)} MB JavaScript heap): stopped after ${messages} messages, ` +
      `${mb(used)} MB in use. Raise the limit (NODE_OPTIONS=--max-old-space-size=${Math.max(2 * mb(limit), 8192)}) or split the capture (editcap -c 1000000).`,
  );
}

export type FileKind = "pcap" | "pcapng" | "kamailio-log" | "sipdump" | "plain-sip";

export function detectFileKind(head: Uint8Array): FileKind | undefined {
  return containerFormat(head) ?? detectTextFormat(head);
}

/** Ports the user names are decoded as HTTP in addition to the defaults (80, 8080), never instead. */
function httpPortsFor(extra: number[] | undefined): number[] | undefined {
  return extra?.length ? [...new Set([...DEFAULT_HTTP_PORTS, ...extra])] : undefined;
}

/**
 * Load several files as one timeline. Throws IngestError for a file that cannot be read at all.
 * The capture files stay open: SIP messages are read back from them when their bytes are needed;
 * `model.close()` releases them.
 */
export async function loadFiles(paths: string[], options: IngestOptions = {}): Promise<Loaded> {
  const builder = new ModelBuilder(paths.map((p) => path.basename(p)), options.t1);
  const files = openFiles(paths);
  try {
    for (let i = 0; i < paths.length; i++) await loadOne(paths[i], builder, i, options, files);
  } catch (e) {
    files.close();
    throw e;
  }
  const loaded = builder.finish({ dtos: options.messageDtos });
  options.heapCheckpoint?.("decoded");
  loaded.model.close = () => files.close();
  return loaded;
}

async function loadOne(file: string, builder: ModelBuilder, index: number, options: IngestOptions, files: OpenFiles): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    throw new IngestError(file, undefined, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message);
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new IngestError(file, 0, "the file is empty");
    const chunkSize = options.chunkSize ?? 1 << 20;
    // A fresh buffer per chunk: decoders may keep subarrays of a chunk as PDU bytes (no copy on the hot path).
    const readChunk = async (at: number) => {
      const b = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(0, size - at)) || 1);
      const { bytesRead } = await handle.read(b, 0, b.length, at);
      return new Uint8Array(b.buffer, b.byteOffset, bytesRead);
    };
    let chunk = await readChunk(0);
    const kind = detectFileKind(chunk);
    if (!kind) throw new IngestError(file, 0, "unknown file format: not pcap, pcapng, a Kamailio log, a sipdump file or SIP text");
    // Captures are read back by position; a text file's messages are rebuilt from its lines, so they keep their bytes.
    const container = kind === "pcap" || kind === "pcapng";
    const sink = builder.sinkFor(index, kind === "kamailio-log", container ? files.home(index) : undefined);
    const reader =
      kind === "pcap" || kind === "pcapng"
        ? createCaptureDecoder(sink, { httpPorts: httpPortsFor(options.httpPorts) })
        : createTextReader(kind, sink, { year: options.year });
    let offset = 0;
    let seen = builder.messageCount;
    // Hands the messages decoded since the last call to the preview (also those end() flushes).
    const reportNew = () => {
      if (options.onMessages && builder.messageCount > seen) {
        options.onMessages(builder.messagesSince(seen));
        seen = builder.messageCount;
      }
    };
    try {
      while (chunk.length > 0) {
        sink.chunk(chunk, offset);
        reader.push(chunk);
        offset += chunk.length;
        reportNew();
        options.onProgress?.({ file, bytesRead: offset, bytesTotal: size, messages: builder.messageCount });
        const tooLarge = heapCheck(file, offset, builder.messageCount, options.heapLimit);
        if (tooLarge) throw tooLarge;
        options.heapCheckpoint?.progress();
        chunk = offset < size ? await readChunk(offset) : new Uint8Array(0);
      }
      reader.end();
      reportNew();
    } catch (e) {
      if (e instanceof CaptureFormatError) throw new IngestError(file, e.offset, e.reason);
      throw e;
    }
  } finally {
    await handle.close();
  }
}
