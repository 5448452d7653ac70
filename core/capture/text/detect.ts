/**
 * Which text reader a file needs, judged from its first bytes (the caller has already ruled out
 * pcap/pcapng by their magic numbers), and a factory for that reader.
 *
 * Order of precedence: a sipdump entry header is unmistakable; then Kamailio log lines (a log may
 * contain printed SIP messages, the reverse is rare); then any SIP start line or trace header.
 * Binary-looking input (NULs, many control bytes) is nobody's.
 */
import type { CaptureSink, LogSink } from "../types";
import { latin1 } from "./bytes";
import { KamailioLogReader, type KamailioLogOptions } from "./kamailio-log";
import { parseKamailioLogLine, SyslogClock } from "./kamailio-log-line";
import { PlainSipReader, TEXT_HEADER, type PlainSipOptions } from "./plain-sip";
import { SipdumpReader } from "./sipdump";
import type { TextReader, TextSinks } from "./reader";
import { isSipStartLine } from "./sip-text";

export type TextFormat = "kamailio-log" | "sipdump" | "plain-sip";

/** How much of the head is looked at. */
export const DETECT_BYTES = 64 * 1024;

export function detectTextFormat(head: Uint8Array): TextFormat | undefined {
  const bytes = head.subarray(0, DETECT_BYTES);
  if (bytes.length === 0 || looksBinary(bytes)) return undefined;
  let lines = latin1(bytes).split(/\r?\n/);
  // The last line may be cut by the head's end: judge it only when it is all there is.
  if (lines.length > 1 && bytes[bytes.length - 1] !== 0x0a) lines = lines.slice(0, -1);

  let separator = false;
  let sipdumpFields = 0;
  let logLines = 0;
  let sip = false;
  const clock = new SyslogClock({ year: 2000 });
  for (const line of lines) {
    if (/^={10,}\s*$/.test(line)) separator = true;
    else if (separator && /^(tag: (rcv|snd)|pid: \d+|process: \d+|time: \d+\.\d+|proto: \w+|srcip: |dstip: )/.test(line)) sipdumpFields++;
    const rec = parseKamailioLogLine(line, clock);
    if (rec && rec.level !== "NONE") logLines++;
    if (!sip && (isSipStartLine(line) || isSipStartLine(line.replace(/\.$/, "")) || TEXT_HEADER.test(line) || /^[A-Z]+ \S+ SIP\/2\.0\.\./.test(line))) sip = true;
  }
  if (separator && sipdumpFields >= 2) return "sipdump";
  if (logLines > 0) return "kamailio-log";
  if (sip) return "plain-sip";
  return undefined;
}

function looksBinary(b: Uint8Array): boolean {
  let control = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return true;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x1b) control++;
  }
  return control > n / 50;
}

export type TextReaderOptions = KamailioLogOptions & PlainSipOptions;

/**
 * The reader for `format`. `sinks` is either { capture, log } or one object that is a CaptureSink
 * and (for logs) also a LogSink. Log records are dropped when no LogSink is given.
 */
export function createTextReader(format: TextFormat, sinks: TextSinks | (CaptureSink & Partial<LogSink>), options: TextReaderOptions = {}): TextReader {
  const s: TextSinks = "pdu" in sinks ? { capture: sinks, log: typeof sinks.log === "function" ? (sinks as LogSink) : undefined } : sinks;
  switch (format) {
    case "kamailio-log":
      return new KamailioLogReader(s.capture, s.log ?? NO_LOGS, options);
    case "sipdump":
      return new SipdumpReader(s.capture);
    case "plain-sip":
      return new PlainSipReader(s.capture, options);
  }
}

const NO_LOGS: LogSink = { log: () => undefined };
