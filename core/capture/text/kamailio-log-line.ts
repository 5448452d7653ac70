/**
 * One Kamailio log line -> the fields of a LogRecord. Pure and stateless except for the syslog
 * clock (syslog's "Nov 21 05:39:12" has no year; the caller supplies one and we roll it over
 * when the month goes backwards, e.g. Dec -> Jan).
 *
 * Forms recognised:
 *   stderr (-E):  " 1(26975) INFO: {1 1 INVITE cid} <script>: text"
 *                 " 0(26971) ERROR: tm [t_lookup.c:1234]: t_lookup_request(): text"
 *   syslog:       "Nov 21 05:39:12 host /usr/sbin/kamailio[26975]: ERROR: dialog [f.c:313]: send_bye(): text"
 *   ISO syslog:   "2026-11-21T05:39:12.123456+00:00 host kamailio[123]: ERROR: ..."
 * After the syslog header an optional " rank(pid)" (stderr forwarded by journald) is accepted.
 */
import type { LogRecord } from "../types";

export type ParsedLogLine = Omit<LogRecord, "line">;
type BodyFields = Omit<ParsedLogLine, "level">;

export interface SyslogClockOptions {
  /** Year for syslog lines that carry none (RFC 3164). Default: 1970, reported as a problem once. */
  year?: number;
  /** Offset of the syslog host's local time from UTC, minutes (syslog stamps are local). Default 0. */
  utcOffsetMinutes?: number;
}

const LEVELS = new Set([
  "ALERT", "BUG", "CRITICAL", "CRIT", "ERROR", "ERR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG", "DBG", "L_ALERT",
]);
const LEVEL_ALIAS: Record<string, string> = { CRIT: "CRITICAL", ERR: "ERROR", WARN: "WARNING", DBG: "DEBUG", L_ALERT: "ALERT" };

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const STDERR = /^\s*(\d+)\((\d+)\)\s+([A-Z_]+):\s?(.*)$/;
const BSD_SYSLOG = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)? (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)$/;
const ISO_SYSLOG = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})? (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)$/;
/** RFC 5424: "<13>1 2026-11-21T05:39:12.123Z host kamailio 123 - - text" (priority optional, as files store it). */
const RFC5424 = /^(?:<\d{1,3}>)?1 (\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2}) (\S+) (\S+) (\S+) \S+ (?:-|(?:\[[^\]]*\])+) ?(.*)$/;
/** ANSI colour escapes (Kamailio's log_color=1 on stderr). */
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const LEVEL_BODY = /^\s*(?:(\d+)\((\d+)\)\s+)?([A-Z_]+):\s?(.*)$/;
/** "<core> [core/tcp_main.c:5073]: ", "<script>: ", "tm [t_lookup.c:1234]: " */
const MODULE = /^(?:(<[A-Za-z_][\w-]*>)(?:\s+\[([^\]\s]+:\d+)\])?|([A-Za-z_][\w-]*)\s+\[([^\]\s]+:\d+)\])\s*:\s?/;
const FUNCTION = /^([A-Za-z_][\w]*)\(\):\s?/;

export class SyslogClock {
  private year: number;
  private lastMonth = -1;
  readonly yearGuessed: boolean;
  /** How many yearless stamps were read (the reader reports a guessed year once). */
  uses = 0;
  private readonly offset: number;

  constructor(opts: SyslogClockOptions = {}) {
    this.year = opts.year ?? 1970;
    this.yearGuessed = opts.year === undefined;
    this.offset = opts.utcOffsetMinutes ?? 0;
  }

  time(month: number, day: number, h: number, m: number, s: number, frac: number): number {
    this.uses++;
    if (this.lastMonth >= 0 && month < this.lastMonth - 6) this.year++; // Dec -> Jan
    this.lastMonth = month;
    return Date.UTC(this.year, month, day, h, m, s) / 1000 + frac - this.offset * 60;
  }
}

/** Parse one line; undefined when it is not a log line (continuation, banner, SIP dump...). */
export function parseKamailioLogLine(line: string, clock: SyslogClock): ParsedLogLine | undefined {
  if (line.includes("\x1b")) line = line.replace(ANSI, "");
  // Raw remote syslog keeps the "<PRI>" in front.
  if (line.charCodeAt(0) === 0x3c && /^<\d{1,3}>/.test(line)) {
    const m5424 = RFC5424.exec(line);
    if (m5424) return rfc5424(m5424);
    line = line.replace(/^<\d{1,3}>/, "");
  } else if (line.startsWith("1 ")) {
    const m5424 = RFC5424.exec(line);
    if (m5424) return rfc5424(m5424);
  }
  let m = STDERR.exec(line);
  if (m) {
    const level = normLevel(m[3]);
    if (level === undefined) return undefined;
    return { ...parseBody(m[4]), level, rank: Number(m[1]), pid: Number(m[2]) };
  }
  if (line.length > 15 && line.charCodeAt(0) >= 0x41 && line.charCodeAt(0) <= 0x5a) {
    m = BSD_SYSLOG.exec(line);
    if (m) {
      const month = MONTHS[m[1]];
      if (month === undefined) return undefined;
      const time = clock.time(month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6] ? Number(m[6]) : 0);
      return syslogRest(m[10], time, m[9], m[8]);
    }
    return undefined;
  }
  if (line.length > 19 && line.charCodeAt(0) >= 0x30 && line.charCodeAt(0) <= 0x39) {
    m = ISO_SYSLOG.exec(line);
    if (m) {
      const time = isoTime(m, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000);
      if (!Number.isFinite(time)) return undefined;
      return syslogRest(m[12], time, m[11], m[10]);
    }
  }
  return undefined;
}

/** Fractional seconds (m[7]) and zone (m[8]) of an ISO stamp matched by ISO_SYSLOG or RFC5424. */
function isoTime(m: RegExpExecArray, base: number): number {
  let time = base;
  if (m[7]) time += Number(m[7]);
  if (m[8] && m[8] !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8]);
    if (z) time -= (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60;
  }
  return time;
}

function rfc5424(m: RegExpExecArray): ParsedLogLine | undefined {
  const time = isoTime(m, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000);
  if (!Number.isFinite(time)) return undefined;
  return syslogRest(m[12], time, /^\d+$/.test(m[11]) ? m[11] : undefined, m[10]);
}

function syslogRest(rest: string, time: number, pidText: string | undefined, program: string): ParsedLogLine {
  const pid = pidText !== undefined ? Number(pidText) : undefined;
  const lb = LEVEL_BODY.exec(rest);
  const level = lb ? normLevel(lb[3]) : undefined;
  if (lb && level !== undefined) {
    const out: ParsedLogLine = { ...parseBody(lb[4]), level, time };
    out.pid = lb[2] !== undefined ? Number(lb[2]) : pid;
    if (lb[1] !== undefined) out.rank = Number(lb[1]);
    return out;
  }
  // A syslog line without a Kamailio level (another program, or a bare xlog): keep it whole.
  const out: ParsedLogLine = { level: "NONE", time, text: rest, ...callIdFromText(rest) };
  if (pid !== undefined) out.pid = pid;
  if (!/kamailio|ser$/i.test(program)) out.module = program;
  return out;
}

function normLevel(s: string): string | undefined {
  if (!LEVELS.has(s)) return undefined;
  return LEVEL_ALIAS[s] ?? s;
}

/** "{1 1 INVITE cid} <script>: text" / "tm [t.c:1]: f(): text" -> fields. */
export function parseBody(body: string): BodyFields {
  const out: BodyFields = { text: body };
  let rest = body;
  if (rest.startsWith("{")) {
    const close = rest.indexOf("}");
    if (close > 0) {
      const prefix = rest.slice(1, close);
      out.prefix = prefix;
      Object.assign(out, parsePrefix(prefix));
      rest = rest.slice(close + 1).replace(/^\s+/, "");
    }
  }
  const mm = MODULE.exec(rest);
  if (mm) {
    out.module = mm[1] ?? mm[3];
    const where = mm[2] ?? mm[4];
    if (where !== undefined) out.where = where;
    rest = rest.slice(mm[0].length);
    const fm = FUNCTION.exec(rest);
    if (fm) {
      out.function = fm[1];
      rest = rest.slice(fm[0].length);
    }
  }
  out.text = rest;
  if (out.callId === undefined) Object.assign(out, callIdFromText(rest));
  return out;
}

/**
 * Kamailio's log_prefix as the cookbook sets it, "{$mt $hdr(CSeq) $ci}" -> "1 1 INVITE cid", and
 * the shorter variants people use ("{$hdr(CSeq) $ci}", "{$mt $ci}", "{$ci}"). Kamailio prints
 * "<null>" for a variable it cannot evaluate (no message being processed).
 */
function parsePrefix(p: string): Partial<BodyFields> {
  const t = p.trim().split(/\s+/).filter((x) => x !== "<null>" && x !== "");
  const out: Partial<BodyFields> = {};
  let i = 0;
  if (t.length >= 2 && (t[0] === "1" || t[0] === "2") && !(t.length >= 3 && /^[A-Za-z]+$/.test(t[1]))) {
    out.msgType = Number(t[0]);
    i = 1;
  }
  if (i + 1 < t.length && /^\d+$/.test(t[i]) && /^[A-Za-z]+$/.test(t[i + 1])) {
    out.cseq = `${t[i]} ${t[i + 1]}`;
    i += 2;
  }
  const rest = t.slice(i);
  if (rest.length === 1 && (out.cseq !== undefined || out.msgType !== undefined || rest[0].length >= 6 || rest[0].includes("@"))) out.callId = rest[0];
  else if (rest.length > 0 || (out.cseq === undefined && out.msgType === undefined)) return {};
  return out;
}

/**
 * Call-ID named in free text: "callid X", "clid 'X'", "call-id: X", "ci=X". After a bare space the
 * value must look like an id (a digit or "@"), so "Call-ID header missing" names no call.
 */
export function callIdFromText(text: string): { callId?: string } {
  const m = /(?:\bcall[-_]?id\b|\bclid\b|\bci(?==))(\s*[:=]?\s*)['"[<]?([^\s'"\]>,;]+)/i.exec(text);
  if (!m) return {};
  const id = m[2].replace(/[.)]+$/, "");
  if (id.length === 0) return {};
  if (!/[:=]/.test(m[1]) && !/[\d@]/.test(id)) return {};
  return { callId: id };
}
