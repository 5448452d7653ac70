/** The shape every text reader shares: push-based, sans-I/O (cf. h11). */
import type { CaptureSink, LogSink } from "../types";

export interface TextReader {
  /** Feed the next bytes of the file; any chunking works. */
  push(chunk: Uint8Array): void;
  /** The file ended: flush the last line / message. */
  end(): void;
}

export interface TextSinks {
  capture: CaptureSink;
  /** Where log records go; readers of pure SIP text never call it. */
  log?: LogSink;
}
