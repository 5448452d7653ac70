/**
 * Plain-text SIP: files that hold SIP messages as text, framed by the start line, the blank line
 * after the headers and Content-Length. Understood around the messages:
 *   - nothing, blank lines, or separator lines ("-----", "=====", "#####") between messages;
 *   - sngrep's text export: "2024/01/02 03:04:05.123456 10.0.0.1:5060 -> 10.0.0.2:5060" before each;
 *   - ngrep: "U 2024/01/02 03:04:05.123456 1.2.3.4:5060 -> 5.6.7.8:5060 #12" (also without the
 *     time, "T" for TCP, TCP flags "[AP]"). In `-W byline` output every CR is printed as "." at the
 *     end of its line; in the default single-line output CRLF is "..": both are undone.
 * Times in these headers carry no zone: read as UTC shifted by the utcOffsetMinutes option.
 * frame = ngrep's "#N" packet number when given, else the message's 1-based ordinal in the file.
 */
import type { CaptureSink, Endpoint, Pdu, Transport } from "../types";
import { LineSplitter, type Line } from "./lines";
import type { TextReader } from "./reader";
import { isBlank, isSipStartLine, parseHostPort, SipMessageBuilder, unknownEndpoint } from "./sip-text";

export interface PlainSipOptions {
  /** Offset of the capturing host's local time from UTC, minutes (header time stamps are local). */
  utcOffsetMinutes?: number;
}

const ADDR = "(\\[[0-9A-Fa-f:.]+\\]:\\d{1,5}|\\d{1,3}(?:\\.\\d{1,3}){3}:\\d{1,5}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*:\\d{1,5})";
export const TEXT_HEADER = new RegExp(
  "^\\s*(?:([UTI?])\\s+)?(?:(\\d{4})[/-](\\d{2})[/-](\\d{2})[ T](\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?\\s+)?(?:\\+\\d+(?:\\.\\d+)?\\s+)?" +
    ADDR + "\\s*->\\s*" + ADDR + "(?:\\s+\\[[A-Z.]*\\])?(?:\\s+#(\\d+))?\\s*$",
);
const SEPARATOR = /^\s*(?:-{3,}|={3,}|#+|\*{3,})\s*$/;

interface Context {
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  time?: number;
  packet?: number;
  ngrep: boolean;
}

export class PlainSipReader implements TextReader {
  private readonly splitter = new LineSplitter((l) => this.onLine(l));
  private ctx: Context | undefined;
  private open: { builder: SipMessageBuilder; ctx: Context | undefined; line: number } | undefined;
  private messages = 0;
  private lastTime = 0;
  private stray = 0;
  private readonly offset: number;

  constructor(
    private readonly capture: CaptureSink,
    opts: PlainSipOptions = {},
  ) {
    this.offset = (opts.utcOffsetMinutes ?? 0) * 60;
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    this.close();
    if (this.stray > 0) this.capture.problem({ frame: 0, reason: `${this.stray} line(s) outside any SIP message ignored`, skipped: true });
  }

  private onLine(line: Line): void {
    const raw = line.text;
    if (this.open) {
      const header = TEXT_HEADER.exec(raw);
      if (header || SEPARATOR.test(raw)) {
        this.close();
      } else {
        const s = this.open.ctx?.ngrep ? undot(raw) : raw;
        if (this.open.builder.inBody && isSipStartLine(s)) {
          this.close();
        } else {
          const r = this.open.builder.add(s);
          if (r === "more") return;
          this.close();
          if (r === "done") return;
        }
      }
    }
    const header = TEXT_HEADER.exec(raw);
    if (header) {
      this.ctx = this.context(header);
      return;
    }
    if (isBlank(raw) || SEPARATOR.test(raw)) return;
    if (this.ctx?.ngrep && raw.includes("..")) {
      // ngrep's single-line form: the whole packet on one line, CRLF printed as "..".
      const parts = raw.split("..");
      if (isSipStartLine(parts[0])) {
        const builder = new SipMessageBuilder(parts[0]);
        for (let i = 1; i < parts.length && builder.add(parts[i]) === "more"; i++);
        this.emit(builder, this.takeContext(), line.no);
        return;
      }
    }
    const s = this.ctx?.ngrep ? undot(raw) : raw;
    if (isSipStartLine(s)) {
      this.open = { builder: new SipMessageBuilder(s), ctx: this.takeContext(), line: line.no };
      return;
    }
    if (/^(?:interface|filter|match|input|output):/.test(raw)) return; // ngrep's banner
    this.stray++;
  }

  private takeContext(): Context | undefined {
    const c = this.ctx;
    // A header line belongs to the one message after it; keep ngrep mode for what follows.
    this.ctx = c?.ngrep ? { ...c, src: unknownEndpoint(), dst: unknownEndpoint(), time: undefined, packet: undefined } : undefined;
    return c;
  }

  private context(m: RegExpExecArray): Context {
    let time: number | undefined;
    if (m[2] !== undefined) {
      time = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])) / 1000 - this.offset;
      if (m[8]) time += Number(m[8]);
      if (!Number.isFinite(time)) time = undefined;
    }
    const letter = m[1];
    return {
      src: endpoint(m[9]),
      dst: endpoint(m[10]),
      transport: letter === "T" ? "tcp" : "udp",
      time,
      packet: m[11] !== undefined ? Number(m[11]) : undefined,
      ngrep: letter !== undefined,
    };
  }

  private close(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    this.emit(open.builder, open.ctx, open.line);
  }

  private emit(builder: SipMessageBuilder, ctx: Context | undefined, line: number): void {
    const framed = builder.finish();
    if (!framed) {
      this.capture.problem({ frame: line, reason: `line ${line}: a SIP start line without headers ignored`, skipped: true });
      return;
    }
    this.messages++;
    if (ctx?.time !== undefined) this.lastTime = ctx.time;
    const time = ctx?.time ?? this.lastTime;
    const frame = ctx?.packet ?? this.messages;
    const pdu: Pdu = {
      frame,
      time,
      src: ctx?.src ?? unknownEndpoint(),
      dst: ctx?.dst ?? unknownEndpoint(),
      transport: ctx?.transport ?? "udp",
      protocol: "sip",
      bytes: framed.bytes,
    };
    if (framed.problems.length > 0) pdu.problems = framed.problems;
    this.capture.record?.(frame, time);
    this.capture.pdu(pdu);
  }
}

/** ngrep byline: the CR before each LF is printed as a trailing ".". */
function undot(s: string): string {
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

function endpoint(text: string): Endpoint {
  const direct = parseHostPort(text);
  if (direct) return direct.ep;
  // ngrep prints IPv6 without brackets: the port is after the last colon.
  const at = text.lastIndexOf(":");
  return parseHostPort(`[${text.slice(0, at)}]${text.slice(at)}`)?.ep ?? unknownEndpoint();
}

export function createPlainSipReader(capture: CaptureSink, opts: PlainSipOptions = {}): PlainSipReader {
  return new PlainSipReader(capture, opts);
}
