/**
 * Reader for the text files of Kamailio's `sipdump` module (mode 1, "*.data"). Each entry, as
 * sipdump_write.c prints it:
 *
 *   ====================
 *   tag: rcv                      (rcv = received by Kamailio, snd = sent)
 *   pid: 1234
 *   process: 5
 *   time: 1542277335.123456       (epoch seconds . microseconds)
 *   date: Thu Nov 15 11:22:15 2018
 *   proto: udp ipv4
 *   srcip: 127.0.0.1
 *   srcport: 5060
 *   dstip: 127.0.0.1
 *   dstport: 5080
 *   ~~~~~~~~~~~~~~~~~~~~
 *   <the message bytes exactly as received/sent>
 *   ||||||||||||||||||||
 *
 * The message is written raw and the end marker straight after it, so when a body has no final
 * CRLF the marker shares the body's last line: framing is by the marker, not by lines.
 * Tolerated variations: missing fields, LF-only files, trailing whitespace, no "~~~" line (the
 * message then starts at the first SIP/HTTP start line), the older one-line
 * "proto: udp 127.0.0.1:5060 => 127.0.0.1:5080", missing end marker (next "====" or end of file).
 * sipdump records every datagram/stream chunk it sees, so CRLF keep-alives and HTTP (xhttp) show up
 * too: keep-alives are reported as skipped, HTTP becomes an "http" Pdu.
 */
import type { CaptureSink, Endpoint, Pdu, Transport } from "../types";
import { latin1ToBytes } from "./bytes";
import { LineSplitter, type Line } from "./lines";
import type { TextReader } from "./reader";
import { isSipStartLine, parseHostPort, transportOf, unknownEndpoint } from "./sip-text";

const SEPARATOR = /^={10,}[ \t]*$/;
const BODY_START = /^~{10,}[ \t]*$/;
const END_MARKER = "||||||||||||||||||||";
/** sipdump writes one datagram or stream read per entry (at most 64 KiB); far more means a lost end marker. */
const MAX_ENTRY = 4 << 20;
const HTTP_START = /^(?:(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+ HTTP\/1\.[01]|HTTP\/1\.[01] \d{3}(?: .*)?)$/;

interface Entry {
  no: number;
  line: number;
  /** Byte offset of the entry's "====" line. */
  offset: number;
  meta: Map<string, string>;
  parts: string[];
  size: number;
  cut?: boolean;
  eols: string[];
  inMessage: boolean;
}

export class SipdumpReader implements TextReader {
  private readonly splitter = new LineSplitter((l) => this.onLine(l));
  private entry: Entry | undefined;
  private entries = 0;
  private lastTime = 0;
  private strayLines = 0;

  constructor(private readonly capture: CaptureSink) {}

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    if (this.entry) this.close(this.entry, false);
    this.entry = undefined;
    if (this.strayLines > 0) {
      this.capture.problem({ frame: 0, reason: `${this.strayLines} line(s) outside any sipdump entry ignored`, skipped: true });
    }
  }

  private onLine(line: Line): void {
    const s = line.text;
    const e = this.entry;
    if (e?.inMessage) {
      const at = s.indexOf(END_MARKER);
      if (at >= 0 && /^\|*[ \t]*$/.test(s.slice(at))) {
        if (at > 0) {
          e.parts.push(s.slice(0, at));
          e.eols.push("");
        }
        this.close(e, true);
        this.entry = undefined;
        return;
      }
      if (!SEPARATOR.test(s) && e.size + s.length <= MAX_ENTRY) {
        e.parts.push(s);
        e.size += s.length + 2;
        e.eols.push(line.eol);
        return;
      }
      if (!SEPARATOR.test(s)) e.cut = true;
      this.close(e, false);
      this.entry = undefined;
    }
    if (SEPARATOR.test(s)) {
      if (this.entry) this.close(this.entry, false);
      this.entry = { no: ++this.entries, line: line.no, offset: line.offset, meta: new Map(), parts: [], size: 0, eols: [], inMessage: false };
      return;
    }
    const cur = this.entry;
    if (!cur) {
      if (s.trim() !== "") this.strayLines++;
      return;
    }
    if (BODY_START.test(s)) {
      cur.inMessage = true;
      return;
    }
    const kv = /^([a-z_]+):[ \t]*(.*?)[ \t]*$/i.exec(s);
    if (kv && !isSipStartLine(s) && !HTTP_START.test(s.trimEnd())) {
      cur.meta.set(kv[1].toLowerCase(), kv[2]);
      return;
    }
    if (isSipStartLine(s) || HTTP_START.test(s.trimEnd())) {
      // No "~~~" line: the message starts here.
      cur.inMessage = true;
      cur.parts.push(s);
      cur.size += s.length + 2;
      cur.eols.push(line.eol);
      return;
    }
    if (s.trim() !== "") this.strayLines++;
  }

  private close(e: Entry, marked: boolean): void {
    let message = "";
    // A file whose CRs were stripped: give the message back its wire CRLFs.
    const lfOnly = e.eols.every((x) => x !== "\r\n");
    for (let i = 0; i < e.parts.length; i++) {
      message += e.parts[i];
      const eol = e.eols[i];
      if (eol) message += lfOnly ? "\r\n" : eol;
    }
    const bytes = latin1ToBytes(message);
    const time = this.timeOf(e);
    const frame = e.no;
    this.capture.record?.(frame, time);
    const problems: string[] = [];
    if (!marked) problems.push(e.cut ? `entry cut at ${MAX_ENTRY} bytes (end marker lost?)` : "entry has no end marker (file cut or edited)");
    const head = e.parts[0] ?? "";
    let protocol: Pdu["protocol"];
    if (isSipStartLine(head)) protocol = "sip";
    else if (HTTP_START.test(head.trimEnd())) protocol = "http";
    else {
      const what = bytes.length === 0 ? "empty entry" : /^[\r\n]+$/.test(message) ? "CRLF keep-alive" : "not a SIP or HTTP message";
      this.capture.problem({ frame, offset: e.offset, reason: `sipdump entry ${frame} (line ${e.line}): ${what}`, skipped: true });
      return;
    }
    const { src, dst, transport } = this.addresses(e);
    const pdu: Pdu = { frame, time, src, dst, transport, protocol, bytes };
    if (problems.length > 0) pdu.problems = problems;
    this.capture.pdu(pdu);
  }

  private timeOf(e: Entry): number {
    const t = e.meta.get("time");
    if (t !== undefined && /^\d+(\.\d+)?$/.test(t)) {
      this.lastTime = Number(t);
      return this.lastTime;
    }
    const d = e.meta.get("date");
    if (d !== undefined) {
      // asctime "Thu Nov 15 11:22:15 2018" is the server's local time; without a zone, read it as UTC.
      const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})/.exec(d);
      const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
      if (m && months.includes(m[1])) {
        this.lastTime = Date.UTC(Number(m[6]), months.indexOf(m[1]) / 3, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
        return this.lastTime;
      }
    }
    return this.lastTime;
  }

  private addresses(e: Entry): { src: Endpoint; dst: Endpoint; transport: Transport } {
    const proto = e.meta.get("proto") ?? "";
    const words = proto.split(/\s+/);
    const transport: Transport = transportOf(words[0]) ?? "udp";
    let src: Endpoint | undefined;
    let dst: Endpoint | undefined;
    // Older form: "proto: udp 127.0.0.1:5060 => 127.0.0.1:5080" (also "->").
    const arrow = /(\S+)\s*(?:=>|->)\s*(\S+)/.exec(proto);
    if (arrow) {
      src = parseHostPort(arrow[1])?.ep;
      dst = parseHostPort(arrow[2])?.ep;
    }
    const ep = (ipKey: string, portKey: string): Endpoint | undefined => {
      const ip = e.meta.get(ipKey);
      const port = Number(e.meta.get(portKey) ?? "0");
      if (ip === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
      const p = parseHostPort(ip.includes(":") ? `[${ip.replace(/^\[|\]$/g, "")}]:${port}` : `${ip}:${port}`);
      return p?.ep;
    };
    src = ep("srcip", "srcport") ?? src;
    dst = ep("dstip", "dstport") ?? dst;
    return { src: src ?? unknownEndpoint(), dst: dst ?? unknownEndpoint(), transport };
  }
}

export function createSipdumpReader(capture: CaptureSink): SipdumpReader {
  return new SipdumpReader(capture);
}
