/**
 * What the capture layer hands upward. Capture knows framing and addresses, never SIP semantics:
 * it decides *which* protocol a payload is (by port table or heuristic sniff) and where one PDU
 * ends, and hands the bytes on. Parsing happens in core/protocols.
 */

export type Transport = "udp" | "tcp" | "sctp" | "ws" | "wss" | "tls";
export type PduProtocol = "sip" | "diameter" | "http";

export interface Endpoint {
  /** Dotted IPv4 or canonical (RFC 5952) IPv6 text, without brackets. */
  ip: string;
  port: number;
}

/** One application-layer message found in the capture, with where and when it was seen. */
export interface Pdu {
  /** 1-based record number of the packet that completes this PDU (tshark's convention); for HEP, the outer record. */
  frame: number;
  /** Epoch seconds of that record (for HEP, the time carried in the HEP header). */
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  protocol: PduProtocol;
  /** Exactly the PDU's bytes (for TCP/WS: reassembled and framed). */
  bytes: Uint8Array;
  /** Every record that carried part of this PDU, in order, when more than one did (IP fragments, TCP segments). */
  frames?: number[];
  /** Set when the PDU came out of a HEP envelope. */
  hep?: { version: 2 | 3; captureId?: number; correlationId?: string; compressed?: boolean; outerSrc?: Endpoint; outerDst?: Endpoint };
  /** Problems noticed while framing (e.g. "TCP gap of 120 bytes before this message"). */
  problems?: string[];
  /** For an HTTP response: the method of the request it answers, when the connection showed it (a response to HEAD has no body). */
  answers?: string;
}

/** Transport-connection facts the analyzer needs (presence: a watcher's connection is gone). */
export interface ConnectionEvent {
  frame: number;
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  /** open = SYN seen / WS upgraded; fin = orderly close; rst = reset; ws-close = WebSocket close frame. */
  kind: "open" | "fin" | "rst" | "ws-close";
  /** WebSocket close code when kind is ws-close. */
  code?: number;
}

/** A counted, reported problem with one record; never fatal. */
export interface CaptureProblem {
  frame: number;
  /** Byte offset of the record in the file, when known. */
  offset?: number;
  reason: string;
  /** True when the whole record (or PDU) was dropped because of it; false for a warning. */
  skipped: boolean;
  /**
   * How many records this one problem stands for, when identical problems are reported once
   * (e.g. every record of an unsupported link type); `frame`/`offset` are then the first one's.
   * Absent means 1. Whoever counts skipped records must add `count ?? 1`, not 1.
   */
  count?: number;
}

/** A whole-file failure (wrong magic, truncated header): the file cannot be read past `offset`. */
export class CaptureFormatError extends Error {
  constructor(readonly offset: number, readonly reason: string) {
    super(`${reason} (at byte offset ${offset})`);
    this.name = "CaptureFormatError";
  }
}

/** The push-based sink every reader and decoder writes into. */
export interface CaptureSink {
  pdu(p: Pdu): void;
  connection(e: ConnectionEvent): void;
  problem(p: CaptureProblem): void;
  /** Called once per raw record read (packets counted in the summary). */
  record?(frame: number, time: number): void;
}

export function endpointText(e: Endpoint): string {
  return e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** A line of a server log (Kamailio stderr/syslog), kept as a timeline event. */
export interface LogRecord {
  /** 1-based line number in the log file. */
  line: number;
  /** Epoch seconds when the line carries a time (syslog form); undefined for stderr (-E) lines. */
  time?: number;
  level: string;
  pid?: number;
  /** Kamailio process rank ("1" in " 1(26975) INFO:"). */
  rank?: number;
  module?: string;
  function?: string;
  /** Source location "core/tcp_main.c:5073" when printed. */
  where?: string;
  text: string;
  /** Call-ID named by the line (from the `{1 1 INVITE callid}` log prefix or the text). */
  callId?: string;
  /** CSeq number and method from the `{seq cseqnum method callid}` log prefix. */
  cseq?: string;
  /** The raw text between `{` and `}` when the line carries a log_prefix. */
  prefix?: string;
  /** First log_prefix field when it is Kamailio's `$mt` (1 = request, 2 = reply being processed). */
  msgType?: number;
}

export interface LogSink {
  log(r: LogRecord): void;
}
