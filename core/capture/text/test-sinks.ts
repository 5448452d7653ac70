/** Collecting sinks for the text readers' tests (and anyone wanting the records as arrays). */
import type { CaptureProblem, CaptureSink, LogRecord, LogSink, Pdu } from "../types";

export interface Collected {
  pdus: Pdu[];
  problems: CaptureProblem[];
  logs: LogRecord[];
  records: number[];
  capture: CaptureSink;
  log: LogSink;
}

export function collect(): Collected {
  const c: Collected = {
    pdus: [],
    problems: [],
    logs: [],
    records: [],
    capture: {
      pdu: (p) => c.pdus.push(p),
      connection: () => undefined,
      problem: (p) => c.problems.push(p),
      record: (f) => c.records.push(f),
    },
    log: { log: (r) => c.logs.push(r) },
  };
  return c;
}

export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function text(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Feed a reader the whole input, or one byte at a time. */
export function feed(r: { push(c: Uint8Array): void; end(): void }, bytes: Uint8Array, byteByByte: boolean): void {
  if (byteByByte) for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
  else r.push(bytes);
  r.end();
}
