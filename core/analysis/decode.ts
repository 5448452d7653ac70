/**
 * From capture-layer output to the analysis model: parse each PDU with its protocol's decoder,
 * keep every connection event, log line and problem, and count what was read, skipped and
 * malformed. One `ModelBuilder` serves a whole session (several files on one timeline); each file
 * gets its own sink from `sinkFor(fileIndex)`.
 *
 * Pure: bytes and times come in, nothing is read here. core/node/ingest.ts drives it from files.
 */
import type { CaptureSink, ConnectionEvent, CaptureProblem, Endpoint, LogRecord, LogSink, Pdu } from "../capture/types";
import { endpointText } from "../capture/types";
import { createInterner } from "../capture/intern";
import type { MessageDTO, ProblemDTO, SummaryDTO } from "../api";
import type { CSeq } from "../protocols/sip/types";
import { forgetSharedParses, parseSip } from "../protocols/sip/parse";
import { firstViaBranch, type BytesHome } from "../protocols/sip/stored";
import { decodeDiameter } from "../protocols/diameter/decode";
import { parseHttp } from "../protocols/http/parse";
import type { CaptureModel, Observed, ObservedLog } from "./model";
import { MessageRows, type RowMessage, type RowPlace } from "./message-rows";

/** Problems listed one by one in the summary; past this only the counts grow (a corrupt 1 GB file must not print 1 M lines). */
const MAX_LISTED_PROBLEMS = 1000;
/** Size of the slabs that kept message bytes are copied into. */
const SLAB_SIZE = 1 << 20;

export interface FileSink extends CaptureSink, LogSink {
  /**
   * The reader is about to be handed `bytes`, which sit at `offset` in the file. A SIP message whose
   * bytes are a view of them is kept by position (read back from the file's BytesHome), not in memory.
   */
  chunk(bytes: Uint8Array, offset: number): void;
}

/** The chunk of a file being decoded, for messages kept by file position. */
interface ChunkPlace {
  home: BytesHome;
  buffer: ArrayBufferLike;
  /** File offset of buffer[0]. */
  base: number;
  /** The chunk's range in `buffer` (a small read may share its buffer with other allocations). */
  start: number;
  end: number;
}

export class ModelBuilder {
  private rows = new MessageRows();
  private readonly place: RowPlace = { file: 0, frame: 0, frames: undefined, time: 0, src: { ip: "", port: 0 }, dst: { ip: "", port: 0 }, transport: "udp", fromLog: false };
  private messages: Observed[] = [];
  private connections: CaptureModel["connections"] = [];
  private logs: ObservedLog[] = [];
  private problems: CaptureModel["problems"] = [];
  private packets = 0;
  private skipped = 0;
  private start = Infinity;
  private end = -Infinity;
  /** Slab the kept PDU bytes are copied into (see keptBytes). */
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  constructor(
    readonly files: string[],
    private readonly t1 = 0.5,
  ) {}

  get messageCount(): number {
    return this.messages.length;
  }

  /** Messages decoded so far from index `start` on, for a preview built while the files are still being read. */
  messagesSince(start: number): readonly Observed[] {
    return this.messages.slice(start);
  }

  /**
   * `fromLog`: the file is a server log, so its messages were printed by the server, not captured.
   * `home`: where the file's bytes can be read back; given, SIP messages that are a plain range of
   * the file keep only their position (see FileSink.chunk).
   */
  sinkFor(file: number, fromLog = false, home?: BytesHome): FileSink {
    let place: ChunkPlace | undefined;
    return {
      chunk: (bytes: Uint8Array, offset: number) => {
        if (home) place = { home, buffer: bytes.buffer, base: offset - bytes.byteOffset, start: bytes.byteOffset, end: bytes.byteOffset + bytes.length };
      },
      pdu: (p: Pdu) => this.addPdu(file, p, fromLog, place),
      connection: (e: ConnectionEvent) => this.connections.push({ ...e, file }),
      problem: (p: CaptureProblem) => this.addProblem(file, p),
      record: (_frame: number, time: number) => {
        this.packets++;
        this.widen(time);
      },
      log: (r: LogRecord) => {
        this.logs.push({ ...r, id: this.logs.length, file });
        if (r.time !== undefined) this.widen(r.time);
      },
    };
  }

  private widen(time: number): void {
    if (!Number.isFinite(time)) return;
    if (time < this.start) this.start = time;
    if (time > this.end) this.end = time;
  }

  addProblem(file: number, p: CaptureProblem): void {
    // One problem may stand for many records (every record of an unsupported link type).
    if (p.skipped) this.skipped += p.count ?? 1;
    this.problems.push({ ...p, file });
  }

  addPdu(file: number, pdu: Pdu, fromLog = false, place?: ChunkPlace): void {
    // One place object reused for every message (the rows copy its fields).
    const where = this.place;
    where.file = file;
    where.frame = pdu.frame;
    where.frames = pdu.frames;
    where.time = pdu.time;
    where.src = pdu.src;
    where.dst = pdu.dst;
    where.transport = pdu.transport;
    where.fromLog = fromLog;
    const o =
      pdu.protocol === "sip"
        ? this.storedSip(where, pdu.bytes, place)
        : pdu.protocol === "diameter"
          ? this.rows.addDecoded(where, "diameter", decodeDiameter(this.keptBytes(pdu.bytes)))
          : this.rows.addDecoded(where, "http", parseHttp(this.keptBytes(pdu.bytes), pdu.answers));
    if (pdu.problems?.length) for (const reason of pdu.problems) this.problems.push({ frame: pdu.frame, reason, skipped: false, file });
    // Messages from a log file carry no packet record; they still bound the timeline.
    if (pdu.time > 0) this.widen(pdu.time);
    this.messages.push(o);
  }

  /**
   * A SIP message as the analysis keeps it: its stored values, and its bytes by file position when
   * they are a view of the chunk being read (nothing on the way changed them), else a kept copy.
   */
  private storedSip(where: RowPlace, bytes: Uint8Array, place: ChunkPlace | undefined): RowMessage {
    const parsed = parseSip(bytes);
    if (place && bytes.buffer === place.buffer && bytes.byteOffset >= place.start && bytes.byteOffset + bytes.length <= place.end) {
      return this.rows.addSip(where, parsed, place.home, place.base + bytes.byteOffset, bytes.length);
    }
    const at = this.slabOffsetOf(bytes);
    // In a slab, the row keeps the slab and the offset: no view per message.
    return at < 0 ? this.rows.addSip(where, parsed, bytes) : this.rows.addSip(where, parsed, this.slab, at, bytes.length);
  }

  /**
   * The bytes a message keeps. A PDU is usually a view into a whole read chunk of the file; kept
   * as is, one SIP message keeps its chunk alive, and a capture that is mostly RTP would stay in
   * memory whole. Such a view is copied into a slab that holds only message bytes; a view that is
   * most of its buffer already (its own copy, a reassembled stream message) is kept as it is.
   */
  private keptBytes(bytes: Uint8Array): Uint8Array {
    const at = this.slabOffsetOf(bytes);
    return at < 0 ? bytes : this.slab.subarray(at, at + bytes.length);
  }

  /** Where keptBytes copied `bytes` into the current slab, or -1 when they are kept as they are. */
  private slabOffsetOf(bytes: Uint8Array): number {
    const n = bytes.length;
    if (n === 0 || n > SLAB_SIZE >> 6 || bytes.buffer.byteLength <= 2 * n) return -1;
    if (this.slabUsed + n > this.slab.length) {
      // Slabs grow from 64 KiB: a small capture does not pay for a 1 MiB slab it never fills.
      this.slab = new Uint8Array(Math.min(SLAB_SIZE, Math.max(SLAB_SIZE >> 4, this.slab.length * 2)));
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slab.set(bytes, at);
    this.slabUsed += n;
    return at;
  }

  /**
   * Finish: order messages on one timeline (stable within a file) and build the summary.
   * `dtos: false` leaves `messages` empty for a caller that makes each DTO when it writes it
   * (`sipscope analyze --json`: 10^5 DTOs need not live through the whole analysis).
   */
  finish(options: { dtos?: boolean } = {}): { model: CaptureModel; summary: SummaryDTO; messages: MessageDTO[] } {
    forgetSharedParses();
    let messages = this.messages;
    if (this.files.length > 1) {
      // Several files: merge by time; messages without a time (log dumps) keep their file order.
      messages = [...messages].sort((a, b) => (a.time || 0) - (b.time || 0) || a.file - b.file || a.id - b.id);
      // A message's id is its row: the rows take the new order with the ids.
      this.rows.reorder(messages.map((m) => m.id));
      messages.forEach((m, i) => (m.id = i));
    }
    const start = Number.isFinite(this.start) ? this.start : 0;
    const end = Number.isFinite(this.end) ? this.end : 0;
    const model: CaptureModel = {
      files: this.files,
      messages,
      connections: this.connections,
      logs: this.logs,
      problems: this.problems,
      start,
      end,
      t1: this.t1,
    };
    const dtos = options.dtos === false ? [] : messages.map(messageDTO);
    let sip = 0;
    let diameter = 0;
    let http = 0;
    let malformed = 0;
    const problems: ProblemDTO[] = [];
    const withFile = this.files.length > 1;
    for (const p of this.problems) {
      if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problemDTO(p, withFile));
    }
    for (const m of messages) {
      if (m.protocol === "sip") sip++;
      else if (m.protocol === "diameter") diameter++;
      else http++;
      const msgProblems = m.sip?.problems ?? m.diameter?.problems ?? m.http?.problems ?? [];
      if (msgProblems.length) {
        malformed++;
        if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problemDTO({ frame: m.frame, file: m.file, reason: `${m.protocol.toUpperCase()}: ${msgProblems.join("; ")}` }, withFile));
      }
    }
    const summary: SummaryDTO = {
      files: this.files,
      packets: this.packets,
      sip,
      diameter,
      http,
      logEvents: this.logs.length,
      skipped: this.skipped,
      malformed,
      problems,
      ...(Number.isFinite(this.start) ? { start, end } : {}),
    };
    return { model, summary, messages: dtos };
  }
}

function problemDTO(p: { frame: number; file: number; reason: string; offset?: number }, withFile: boolean): ProblemDTO {
  const d: ProblemDTO = { frame: p.frame, reason: p.reason };
  if (withFile) d.file = p.file;
  if (p.offset !== undefined) d.offset = p.offset;
  return d;
}

/**
 * Texts that recur across messages (an address, "1 INVITE", "Status: 180 Ringing", one call's
 * Request-URI) are kept once: the DTOs of a large capture live through the whole analysis, and
 * without this each held its own copies (~150 bytes a message).
 */
const endpointTexts = new WeakMap<Endpoint, string>();
const cseqTexts = new WeakMap<CSeq, string>();
/** Texts of up to 256 chars, in a table of their own (separate from the parser's short values). */
const sharedText = createInterner(8192, 256);

function addressText(e: Endpoint): string {
  let text = endpointTexts.get(e);
  if (text === undefined) endpointTexts.set(e, (text = sharedText(endpointText(e))));
  return text;
}

function cseqText(c: CSeq): string {
  let text = cseqTexts.get(c);
  if (text === undefined) cseqTexts.set(c, (text = sharedText(`${c.seq} ${c.method}`)));
  return text;
}

/** The `messages[]` entry of the JSON contract for one observed message. */
export function messageDTO(o: Observed): MessageDTO {
  const sip = o.sip;
  if (sip) return sipMessageDTO(o, sip);
  const d: MessageDTO = {
    id: o.id,
    frame: o.frame,
    time: o.time,
    src: addressText(o.src),
    dst: addressText(o.dst),
    transport: o.transport,
    protocol: o.protocol,
    info: "",
  };
  if (o.file) d.file = o.file;
  const dia = o.diameter;
  if (dia) {
    d.command = dia.commandCode;
    d.name = dia.name;
    d.request = dia.flags.request;
    d.appId = dia.applicationId;
    d.hopByHop = dia.hopByHop;
    d.endToEnd = dia.endToEnd;
    const result = dia.resultCode ?? dia.experimentalResultCode;
    if (result !== undefined) d.resultCode = result;
    if (dia.sessionId) d.sessionId = dia.sessionId;
    d.info = `${dia.name} ${dia.flags.request ? "Request" : "Answer"} hbh=0x${dia.hopByHop.toString(16).padStart(8, "0")}${result !== undefined ? ` result=${result}` : ""}`;
    if (dia.problems.length) d.problems = [...dia.problems];
    return d;
  }
  const http = o.http;
  if (http) {
    if (http.kind === "request") {
      d.method = http.method;
      if (http.path !== undefined) d.path = http.path;
      d.info = `${http.method} ${http.path ?? ""} ${http.version}`.trim();
    } else {
      d.status = http.status;
      if (http.reason) d.reason = http.reason;
      d.info = `${http.version} ${http.status} ${http.reason ?? ""}`.trim();
    }
    if (http.problems.length) d.problems = [...http.problems];
  }
  return d;
}

/**
 * A SIP message's DTO as ONE object literal with every field the analysis may set, in the order
 * the JSON has always had them; absent fields are `undefined`, which JSON.stringify leaves out.
 * Adding fields one by one (and `txn` / `retransmission` after the analysis) gave each of ~10^5
 * DTOs its own chain of hidden-class transitions and an out-of-object property array.
 */
function sipMessageDTO(o: Observed, sip: NonNullable<Observed["sip"]>): MessageDTO {
  const request = sip.kind === "request";
  const cseq = sip.cseq;
  const reason = request ? undefined : sip.reason;
  const fromUser = sip.fromUser;
  const toUser = sip.toUser;
  const fromTag = sip.fromTag;
  const toTag = sip.toTag;
  const branch = firstViaBranch(sip);
  return {
    id: o.id,
    frame: o.frame,
    time: o.time,
    src: addressText(o.src),
    dst: addressText(o.dst),
    transport: o.transport,
    protocol: o.protocol,
    info: request ? sharedText(`Request: ${sip.method} ${sip.requestUri ?? ""}`.trimEnd()) : sharedText(`Status: ${sip.status} ${reason ?? ""}`.trimEnd()),
    file: o.file ? o.file : undefined,
    callId: sip.callId,
    cseq: cseq ? cseqText(cseq) : undefined,
    method: request ? sip.method : undefined,
    status: request ? undefined : sip.status,
    reason: reason ? sharedText(reason) : undefined,
    fromUser: fromUser ? fromUser : undefined,
    toUser: toUser ? toUser : undefined,
    fromTag: fromTag ? fromTag : undefined,
    toTag: toTag ? toTag : undefined,
    branch: branch ? branch : undefined,
    problems: sip.problems.length ? [...sip.problems] : undefined,
    txn: undefined,
    retransmission: undefined,
  };
}
