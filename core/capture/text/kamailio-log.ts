/**
 * Kamailio log reader (stderr `-E` form and syslog forms), streaming and push-based.
 *
 * Every log line becomes a LogRecord (all levels; the analysis decides what to show).
 *
 * Lines that are not log lines -- Kamailio's start-up banner ("Listening on", "Aliases:" and the
 * indented socket lines under them, printed with plain printf) and any other stray text -- belong to
 * NO record. Kamailio never wraps a record over several lines (each LM_* call ends in "\n"), so
 * gluing such text to the previous record would only pollute it: the banner after init_tcp() has
 * nothing to do with init_tcp(). They are counted in stats().unattachedLines.
 *
 * SIP messages printed in the log become Pdus (protocol "sip"):
 *   - a record whose text ends with a SIP start line (xlog("... $mb") prints the raw message, so the
 *     rest follows on the next lines), e.g. "<script>: received INVITE sip:b@h SIP/2.0";
 *   - a block that starts with a SIP start line on its own line (msg dumps printed after an
 *     announcing record);
 *   - a syslog record whose text holds rsyslog-escaped newlines ("#012").
 * Only a block that starts with a valid SIP start line AND has at least one header line becomes a
 * message (a record that merely mentions "INVITE sip:x" does not). The message ends at the blank
 * line + Content-Length, or at the next log record (then with a problem noted on the Pdu).
 * src/dst come from the announcing record's text ("from 127.0.0.1:5080", "to udp:1.2.3.4:5060"),
 * else 0.0.0.0:0; frame = the line number of the start line; time = the record's time, else the last
 * time seen in the file, else 0 (stderr lines carry no time: the analysis re-times them by linking).
 * The sink's record() is not called: a log line is not a captured packet.
 */
import type { CaptureSink, LogRecord, LogSink, Pdu, Transport } from "../types";
import { latin1ToBytes, utf8 } from "./bytes";
import { parseKamailioLogLine, SyslogClock, type ParsedLogLine, type SyslogClockOptions } from "./kamailio-log-line";
import { LineSplitter, type Line } from "./lines";
import type { TextReader } from "./reader";
import { addressesInText, isHeaderLine, isSipStartLine, SipMessageBuilder, trailingStartLine, unknownEndpoint } from "./sip-text";

export type KamailioLogOptions = SyslogClockOptions;

export interface KamailioLogStats {
  lines: number;
  records: number;
  messages: number;
  unattachedLines: number;
}

interface OpenMessage {
  builder: SipMessageBuilder;
  /** journalctl indents a multi-line entry's continuation lines under the text: that indent. */
  indent?: number;
  startLine: number;
  context: string;
  time?: number;
}

export class KamailioLogReader implements TextReader {
  private readonly splitter = new LineSplitter((l) => this.onLine(l));
  private readonly clock: SyslogClock;
  private open: OpenMessage | undefined;
  private last: { line: number; record: ParsedLogLine; used?: boolean } | undefined;
  private lastTime: number | undefined;
  private sawYearlessSyslog = 0;
  private readonly counts: KamailioLogStats = { lines: 0, records: 0, messages: 0, unattachedLines: 0 };

  constructor(
    private readonly capture: CaptureSink,
    private readonly logs: LogSink,
    opts: KamailioLogOptions = {},
  ) {
    this.clock = new SyslogClock(opts);
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    this.closeMessage();
    if (this.sawYearlessSyslog > 0 && this.clock.yearGuessed) {
      this.capture.problem({
        frame: this.sawYearlessSyslog,
        reason: "syslog time stamps carry no year; 1970 was assumed (give the year option)",
        skipped: false,
      });
    }
  }

  stats(): KamailioLogStats {
    return { ...this.counts };
  }

  private onLine(line: Line): void {
    this.counts.lines++;
    const s = line.text;
    const uses = this.clock.uses;
    const parsed = parseKamailioLogLine(s, this.clock);
    if (this.clock.uses !== uses) this.sawYearlessSyslog ||= line.no;
    if (this.open) {
      if (parsed) {
        this.closeMessage();
      } else if (this.open.builder.inBody && isSipStartLine(s)) {
        this.closeMessage();
      } else {
        const r = this.open.builder.add(this.unindent(this.open, s));
        if (r === "more") return;
        this.closeMessage();
        if (r === "done") return;
        // "stop": the line is not part of the message; handle it on its own below.
      }
    }
    if (parsed) {
      this.onRecord(line, s, parsed);
      return;
    }
    if (isSipStartLine(s)) {
      // A dump under its announcing record ("received from udp:1.2.3.4:5060:"), allowing a separator
      // line or two in between; a record already used by an earlier message announces nothing more.
      const ctx = this.last && !this.last.used && line.no - this.last.line <= 3 ? this.last.record : undefined;
      if (this.last) this.last.used = true;
      this.open = { builder: new SipMessageBuilder(s), startLine: line.no, context: ctx?.text ?? "", time: ctx?.time };
      return;
    }
    this.counts.unattachedLines++;
  }

  private unindent(open: OpenMessage, s: string): string {
    if (open.indent === undefined) {
      const lead = /^[ \t]+/.exec(s)?.[0].length ?? 0;
      // Decide on the first line after the start line: indented header => journalctl layout.
      open.indent = lead > 0 && !open.builder.inBody && isHeaderLine(s.slice(lead)) ? lead : 0;
    }
    if (open.indent === 0) return s;
    let i = 0;
    while (i < open.indent && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
    return s.slice(i);
  }

  private onRecord(line: Line, s: string, parsed: ParsedLogLine): void {
    // Parse the UTF-8 view for the record people read; the latin1 view keeps byte offsets for SIP.
    let record = parsed;
    if (HIGH_BYTE.test(s)) record = parseKamailioLogLine(utf8(latin1ToBytes(s)), this.clock) ?? parsed;
    if (record.time !== undefined) this.lastTime = record.time;
    const out: LogRecord = { line: line.no, ...record };
    this.counts.records++;
    this.logs.log(out);
    this.last = { line: line.no, record };

    const at = trailingStartLine(s);
    if (at >= 0) {
      this.last.used = true;
      this.open = { builder: new SipMessageBuilder(s.slice(at)), startLine: line.no, context: s.slice(0, at), time: record.time };
      return;
    }
    if (s.includes("#012")) this.escapedMessage(line.no, s, record.time);
  }

  /** rsyslog writes control characters as "#ooo" (octal): "#015#012" is a CRLF inside one line. */
  private escapedMessage(lineNo: number, s: string, time: number | undefined): void {
    const text = s.replace(/#([0-3][0-7]{2})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const lines = text.split(/\r?\n/);
    const at = trailingStartLine(lines[0]);
    let first = 0;
    let context = "";
    if (at >= 0) {
      context = lines[0].slice(0, at);
      lines[0] = lines[0].slice(at);
    } else {
      first = lines.findIndex((l) => isSipStartLine(l));
      if (first < 0) return;
      context = lines.slice(0, first).join(" ");
    }
    const builder = new SipMessageBuilder(lines[first]);
    for (let i = first + 1; i < lines.length; i++) {
      const r = builder.add(lines[i]);
      if (r !== "more") break;
    }
    this.emitMessage(builder, lineNo, context, time);
  }

  private closeMessage(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    this.emitMessage(open.builder, open.startLine, open.context, open.time);
  }

  private emitMessage(builder: SipMessageBuilder, frame: number, context: string, time: number | undefined): void {
    const framed = builder.finish();
    if (!framed) return;
    const where = addressesInText(context);
    const t = time ?? this.lastTime ?? 0;
    const transport: Transport = where.transport ?? "udp";
    const pdu: Pdu = {
      frame,
      time: t,
      src: where.src ?? unknownEndpoint(),
      dst: where.dst ?? unknownEndpoint(),
      transport,
      protocol: "sip",
      bytes: framed.bytes,
    };
    if (framed.problems.length > 0) pdu.problems = framed.problems;
    this.counts.messages++;
    this.capture.pdu(pdu);
  }
}

const HIGH_BYTE = /[\x80-\xff]/;

export function createKamailioLogReader(capture: CaptureSink, logs: LogSink, opts: KamailioLogOptions = {}): KamailioLogReader {
  return new KamailioLogReader(capture, logs, opts);
}
