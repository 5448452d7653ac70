/**
 * SIP as it appears in text files (logs, dumps, copy-pasted traces): start-line recognition,
 * header-line recognition, and a builder that frames one message out of successive lines by the
 * blank line after the headers and Content-Length. Capture sits below protocols, so this is a
 * deliberately tiny scanner, not a parser: it only decides where a message starts and ends.
 *
 * Line terminators are normalised to CRLF (the wire form): logs and pasted dumps often lost the
 * CRs, and Content-Length counts wire bytes.
 */
import type { Endpoint, Transport } from "../types";
import { latin1ToBytes } from "./bytes";
import { ipv6Text, parseIpv6 } from "../ip-text";

const TOKEN = "[A-Za-z0-9.!%*_+`'~-]+";
/** RFC 3261 Request-Line with the URI schemes a SIP server logs; the method is upper case in practice. */
const REQUEST_LINE = /^[A-Z][A-Z0-9_-]* (?:sips?|tel|urn|im|pres):\S+ SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 [1-6]\d\d(?: [^\r\n]*)?$/;
/** A start line at the end of some other text ("received: INVITE sip:b@h SIP/2.0"). */
const TRAILING_START = /(?:^|[\s:>\]\)=|{(\["'])([A-Z][A-Z0-9_-]* (?:sips?|tel|urn|im|pres):\S+ SIP\/2\.0|SIP\/2\.0 [1-6]\d\d(?: [^\r\n]*)?)$/;
const HEADER_LINE = new RegExp(`^${TOKEN}[ \\t]*:`);
const BLANK = /^[ \t]*$/;

/** Trailing blanks off (cheap when there are none, the usual case). */
function trimEnd(s: string): string {
  const c = s.charCodeAt(s.length - 1);
  return c === 0x20 || c === 0x09 ? s.replace(/[ \t]+$/, "") : s;
}

export function isSipStartLine(line: string): boolean {
  const s = trimEnd(line);
  return REQUEST_LINE.test(s) || STATUS_LINE.test(s);
}

/** Index in `text` where a SIP start line begins that runs to the end of the text, or -1. */
export function trailingStartLine(text: string): number {
  const s = trimEnd(text);
  if (!s.endsWith(" SIP/2.0") && !s.includes("SIP/2.0 ")) return -1; // cheap pre-check
  const m = TRAILING_START.exec(s);
  if (!m) return -1;
  return m.index + m[0].length - m[1].length;
}

export function isHeaderLine(line: string): boolean {
  return HEADER_LINE.test(line);
}

export function isBlank(line: string): boolean {
  return BLANK.test(line);
}

export interface FramedSip {
  bytes: Uint8Array;
  problems: string[];
}

/** A text-framed message larger than this is cut (a runaway block of header-like garbage must not grow without bound). */
export const MAX_TEXT_MESSAGE = 1 << 20;

/** "more": keep feeding; "done": the line was taken and the message is complete; "stop": the line is not part of the message (re-process it), the message ended before it. */
export type AddResult = "more" | "done" | "stop";

/**
 * Collects one SIP message line by line. The caller checks its own boundaries (a new log record,
 * a separator) before `add`, and calls `finish` when one interrupts the message.
 */
export class SipMessageBuilder {
  private readonly head: string[] = [];
  private readonly body: string[] = [];
  private bodyLen = 0;
  private phase: "headers" | "body" | "open-body" = "headers";
  private contentLength: number | undefined;
  private headerCount = 0;
  private sawBlank = false;
  private size = 0;
  private cut = false;

  constructor(startLine: string) {
    this.head.push(trimEnd(startLine));
  }

  get inBody(): boolean {
    return this.phase !== "headers";
  }

  add(line: string): AddResult {
    this.size += line.length + 2;
    if (this.size > MAX_TEXT_MESSAGE) {
      this.cut = true;
      return "done";
    }
    if (this.phase === "headers") {
      if (isBlank(line)) {
        this.sawBlank = true;
        if (this.headerCount === 0) return "done";
        if (this.contentLength === 0) return "done";
        this.phase = this.contentLength === undefined ? "open-body" : "body";
        return "more";
      }
      if ((line[0] === " " || line[0] === "\t") && this.headerCount > 0) {
        this.head.push(line);
        return "more";
      }
      if (isHeaderLine(line)) {
        this.head.push(trimEnd(line));
        this.headerCount++;
        const m = /^(content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(line);
        if (m) this.contentLength = Number(m[2]);
        return "more";
      }
      return "stop";
    }
    if (this.phase === "open-body" && isBlank(line)) return "done";
    this.body.push(line);
    this.bodyLen += line.length + 2;
    if (this.phase === "body" && this.bodyLen >= (this.contentLength ?? 0)) return "done";
    return "more";
  }

  /** The framed message, or undefined when what was collected is not a SIP message (no header). */
  finish(): FramedSip | undefined {
    if (this.headerCount === 0) return undefined;
    const problems: string[] = [];
    if (this.cut) problems.push(`message cut at ${MAX_TEXT_MESSAGE} bytes`);
    else if (!this.sawBlank) problems.push("no blank line after the headers (message cut short in the text)");
    let body = this.body.length > 0 ? this.body.join("\r\n") + "\r\n" : "";
    const cl = this.contentLength;
    if (cl !== undefined) {
      if (body.length < cl) {
        problems.push(`body has ${body.length} bytes, Content-Length says ${cl}`);
      } else if (body.length > cl) {
        // The text form adds a CRLF the wire may not have had after the last body line.
        const extra = body.slice(cl);
        if (!isBlank(extra.replace(/\r\n/g, ""))) problems.push(`${extra.length} bytes after the body (Content-Length ${cl}) ignored`);
        body = body.slice(0, cl);
      }
    }
    const text = this.head.join("\r\n") + "\r\n\r\n" + body;
    return { bytes: latin1ToBytes(text), problems };
  }
}

const TRANSPORTS: Record<string, Transport> = { udp: "udp", tcp: "tcp", tls: "tls", sctp: "sctp", ws: "ws", wss: "wss" };

export function transportOf(name: string | undefined): Transport | undefined {
  return name === undefined ? undefined : TRANSPORTS[name.toLowerCase()];
}

/** "1.2.3.4:5060" or "[2001:db8::1]:5060" (optionally "udp:" before) -> endpoint. */
export function parseHostPort(text: string): { ep: Endpoint; transport?: Transport } | undefined {
  const m = /^(?:(udp|tcp|tls|sctp|wss|ws):)?(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/i.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[4]);
  if (port > 65535) return undefined;
  const ip = m[2] !== undefined ? canonicalIpv6(m[2]) : canonicalIpv4(m[3]);
  if (ip === undefined) return undefined;
  return { ep: { ip, port }, transport: transportOf(m[1]) };
}

const ADDR = "(?:(udp|tcp|tls|sctp|wss|ws):)?(\\[[0-9A-Fa-f:.]+\\]|\\d{1,3}(?:\\.\\d{1,3}){3}):(\\d{1,5})";
const FROM_RE = new RegExp(`\\b(?:from|src(?:_ip)?|source)[=:\\s]\\s*${ADDR}`, "i");
const TO_RE = new RegExp(`\\b(?:to|dst(?:_ip)?|destination)[=:\\s]\\s*${ADDR}`, "i");

/** Source and destination a log line names ("from 127.0.0.1:5080", "to udp:10.0.0.2:5060"). */
export function addressesInText(text: string): { src?: Endpoint; dst?: Endpoint; transport?: Transport } {
  const out: { src?: Endpoint; dst?: Endpoint; transport?: Transport } = {};
  const f = FROM_RE.exec(text);
  if (f) {
    const p = parseHostPort(`${f[1] ? f[1] + ":" : ""}${f[2]}:${f[3]}`);
    if (p) {
      out.src = p.ep;
      out.transport ??= p.transport;
    }
  }
  const t = TO_RE.exec(text);
  if (t) {
    const p = parseHostPort(`${t[1] ? t[1] + ":" : ""}${t[2]}:${t[3]}`);
    if (p) {
      out.dst = p.ep;
      out.transport ??= p.transport;
    }
  }
  return out;
}

/** What a PDU gets when the text does not say where it came from or went. */
export function unknownEndpoint(): Endpoint {
  return { ip: "0.0.0.0", port: 0 };
}

const IPV4_CANONICAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function canonicalIpv4(s: string): string | undefined {
  if (IPV4_CANONICAL.test(s)) return s;
  const parts = s.split(".").map(Number);
  if (parts.some((n) => n > 255)) return undefined;
  return parts.join(".");
}

/** RFC 5952 text (lower case, zeros dropped, longest zero run as "::"), exactly as the pcap readers print. */
export function canonicalIpv6(s: string): string | undefined {
  const bytes = parseIpv6(s);
  return bytes && ipv6Text(bytes, 0);
}
