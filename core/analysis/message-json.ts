/**
 * The JSON text of `messages[i]` of the `analyze --json` document, written as UTF-8 bytes straight
 * from the observed message: byte for byte `JSON.stringify(messageDTOAt(ctx, i))` (same keys in the
 * same order, same numbers, same escaping), without making the MessageDTO.
 *
 * Why: a capture of 10^5 messages made 10^5 DTOs (with their interned texts) only to stringify
 * and drop them; writing the text directly costs a fraction of that. The rules that decide which
 * keys a message has are those of `messageDTO` (decode.ts) and `learnTransaction` (analyze.ts);
 * message-json.test.ts compares the two over every sample capture, so a change there that is not
 * made here fails.
 */
import type { Endpoint } from "../capture/types";
import type { AnalysisContext } from "./context";
import type { Observed } from "./model";
import { firstViaBranch } from "../protocols/sip/stored";
import { JsonBytes, asciiBytes } from "./json-bytes";

export { JsonBytes } from "./json-bytes";

/** What the text of one message reads from an analysis run. */
export type MessageJsonContext = Pick<AnalysisContext, "msgs" | "txnOf" | "retrans">;

const KEY = {
  id: asciiBytes(',"id":'),
  frame: asciiBytes(',"frame":'),
  time: asciiBytes(',"time":'),
  src: asciiBytes(',"src":'),
  dst: asciiBytes(',"dst":'),
  transport: asciiBytes(',"transport":'),
  protocol: asciiBytes(',"protocol":'),
  info: asciiBytes(',"info":'),
  file: asciiBytes(',"file":'),
  callId: asciiBytes(',"callId":'),
  cseq: asciiBytes(',"cseq":'),
  method: asciiBytes(',"method":'),
  status: asciiBytes(',"status":'),
  reason: asciiBytes(',"reason":'),
  fromUser: asciiBytes(',"fromUser":'),
  toUser: asciiBytes(',"toUser":'),
  fromTag: asciiBytes(',"fromTag":'),
  toTag: asciiBytes(',"toTag":'),
  branch: asciiBytes(',"branch":'),
  problems: asciiBytes(',"problems":'),
  txn: asciiBytes(',"txn":'),
  retransmission: asciiBytes(',"retransmission":'),
  command: asciiBytes(',"command":'),
  name: asciiBytes(',"name":'),
  request: asciiBytes(',"request":'),
  appId: asciiBytes(',"appId":'),
  hopByHop: asciiBytes(',"hopByHop":'),
  endToEnd: asciiBytes(',"endToEnd":'),
  resultCode: asciiBytes(',"resultCode":'),
  sessionId: asciiBytes(',"sessionId":'),
  path: asciiBytes(',"path":'),
};

/**
 * Append the JSON text of `messages[i]` to `out`: a SIP message whose values are all plain (nearly
 * every one) in one pass of byte writes, any other through the general path.
 */
export function appendMessageJson(out: JsonBytes, ctx: MessageJsonContext, i: number): void {
  const o = ctx.msgs[i];
  const sip = o.sip;
  if (sip) {
    out.ensure(FAST_ROOM);
    const end = plainSipJson(out.bytes, out.view, out.length, o, sip, ctx.txnOf[i], ctx.retrans[i]);
    if (end >= 0) {
      out.length = end;
      return;
    }
  }
  appendMessageJsonGeneral(out, ctx, i, o);
}

/**
 * Any message, any values: each value through JsonBytes (JSON.stringify for what is not plain).
 * Every key is written with a leading comma; the first one's comma becomes the `{`
 * (JSON.stringify leaves out keys whose value is undefined, so which key comes first is only
 * known when it is written). Exported for the test, which checks both paths on every message.
 */
export function appendMessageJsonGeneral(out: JsonBytes, ctx: MessageJsonContext, i: number, o: Observed = ctx.msgs[i]): void {
  const start = out.length;
  field(out, KEY.id, o.id);
  field(out, KEY.frame, o.frame);
  field(out, KEY.time, o.time);
  out.raw(KEY.src);
  endpoint(out, o.src);
  out.raw(KEY.dst);
  endpoint(out, o.dst);
  field(out, KEY.transport, o.transport);
  field(out, KEY.protocol, o.protocol);
  const sip = o.sip;
  if (sip) sipFields(out, o, sip);
  else otherFields(out, o);
  const txn = ctx.txnOf[i];
  if (txn >= 0) field(out, KEY.txn, txn);
  if (ctx.retrans[i]) out.ascii(',"retransmission":true');
  if (out.length === start) out.ascii("{");
  else out.bytes[start] = 0x7b; // the first key's comma
  out.ascii("}");
}

/** `,"key":value`, or nothing when JSON.stringify would leave the key out. */
function field(out: JsonBytes, key: Uint8Array, v: unknown): void {
  if (v === undefined) return;
  const at = out.length;
  out.raw(key);
  if (!out.value(v)) out.length = at;
}

/** decode.ts addressText: "ip:port", "[v6]:port". */
function endpoint(out: JsonBytes, e: Endpoint): void {
  const ip = e.ip;
  const port = e.port;
  if (typeof ip !== "string" || typeof port !== "number" || port >>> 0 !== port) {
    out.string(ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);
    return;
  }
  // The parts join at ASCII chars, so escaping each is escaping the whole.
  out.ascii('"');
  if (ip.includes(":")) {
    out.ascii("[");
    out.stringPart(ip);
    out.ascii("]:");
  } else {
    out.stringPart(ip);
    out.ascii(":");
  }
  out.number(port);
  out.ascii('"');
}

/** The SIP part of decode.ts sipMessageDTO, from `info` on. */
function sipFields(out: JsonBytes, o: Observed, sip: NonNullable<Observed["sip"]>): void {
  const request = sip.kind === "request";
  const reason = request ? undefined : sip.reason;
  out.raw(KEY.info);
  if (request) requestInfo(out, sip.method, sip.requestUri);
  else statusInfo(out, sip.status, reason);
  if (o.file) field(out, KEY.file, o.file);
  field(out, KEY.callId, sip.callId);
  const cseq = sip.cseq;
  if (cseq) {
    out.raw(KEY.cseq);
    const seq = cseq.seq;
    const method = cseq.method;
    if (typeof seq === "number" && seq >>> 0 === seq && typeof method === "string") {
      out.ascii('"');
      out.number(seq);
      out.ascii(" ");
      out.stringPart(method);
      out.ascii('"');
    } else out.string(`${seq} ${method}`);
  }
  if (request) field(out, KEY.method, sip.method);
  else field(out, KEY.status, sip.status);
  if (reason) field(out, KEY.reason, reason);
  const fromUser = sip.fromUser;
  if (fromUser) field(out, KEY.fromUser, fromUser);
  const toUser = sip.toUser;
  if (toUser) field(out, KEY.toUser, toUser);
  const fromTag = sip.fromTag;
  if (fromTag) field(out, KEY.fromTag, fromTag);
  const toTag = sip.toTag;
  if (toTag) field(out, KEY.toTag, toTag);
  const branch = firstViaBranch(sip);
  if (branch) field(out, KEY.branch, branch);
  if (sip.problems.length) field(out, KEY.problems, [...sip.problems]);
}

/**
 * A char trimEnd would never remove: the text ends as it is, so its parts can be escaped one by
 * one (they join at the ASCII spaces of the format).
 */
function plainEnd(text: string | undefined): text is string {
  if (typeof text !== "string" || text.length === 0) return false;
  const c = text.charCodeAt(text.length - 1);
  return c > 0x20 && c < 0x7f;
}

/** `Request: ${method} ${requestUri ?? ""}`.trimEnd() */
function requestInfo(out: JsonBytes, method: string | undefined, uri: string | undefined): void {
  if (typeof method === "string" && plainEnd(uri)) {
    out.ascii('"Request: ');
    out.stringPart(method);
    out.ascii(" ");
    out.stringPart(uri);
    out.ascii('"');
  } else out.string(`Request: ${method} ${uri ?? ""}`.trimEnd());
}

/** `Status: ${status} ${reason ?? ""}`.trimEnd() */
function statusInfo(out: JsonBytes, status: number | undefined, reason: string | undefined): void {
  if (typeof status === "number" && status >>> 0 === status && plainEnd(reason)) {
    out.ascii('"Status: ');
    out.number(status);
    out.ascii(" ");
    out.stringPart(reason);
    out.ascii('"');
  } else out.string(`Status: ${status} ${reason ?? ""}`.trimEnd());
}

/** decode.ts messageDTO for Diameter, HTTP and anything else, from `info` on. */
function otherFields(out: JsonBytes, o: Observed): void {
  const dia = o.diameter;
  const http = dia ? undefined : o.http;
  let info = "";
  if (dia) {
    const result = dia.resultCode ?? dia.experimentalResultCode;
    info = `${dia.name} ${dia.flags.request ? "Request" : "Answer"} hbh=0x${dia.hopByHop.toString(16).padStart(8, "0")}${result !== undefined ? ` result=${result}` : ""}`;
  } else if (http) {
    info = http.kind === "request" ? `${http.method} ${http.path ?? ""} ${http.version}`.trim() : `${http.version} ${http.status} ${http.reason ?? ""}`.trim();
  }
  out.raw(KEY.info);
  out.string(info);
  if (o.file) field(out, KEY.file, o.file);
  if (dia) {
    field(out, KEY.command, dia.commandCode);
    field(out, KEY.name, dia.name);
    field(out, KEY.request, dia.flags.request);
    field(out, KEY.appId, dia.applicationId);
    field(out, KEY.hopByHop, dia.hopByHop);
    field(out, KEY.endToEnd, dia.endToEnd);
    field(out, KEY.resultCode, dia.resultCode ?? dia.experimentalResultCode);
    if (dia.sessionId) field(out, KEY.sessionId, dia.sessionId);
    if (dia.problems.length) field(out, KEY.problems, [...dia.problems]);
  } else if (http) {
    if (http.kind === "request") {
      field(out, KEY.method, http.method);
      if (http.path !== undefined) field(out, KEY.path, http.path);
    } else {
      field(out, KEY.status, http.status);
      if (http.reason) field(out, KEY.reason, http.reason);
    }
    if (http.problems.length) field(out, KEY.problems, [...http.problems]);
  }
}

// ---- the fast path: a SIP message whose values are all plain ----

/**
 * A plain text is at most this long in the fast path, and the fast path has this much room: 14
 * texts and the keys and numbers fit (a longer text takes the general path).
 */
const PLAIN_TEXT = 512;
const FAST_ROOM = 16 * PLAIN_TEXT + 1024;

/**
 * The whole JSON text of a SIP message written into `b` from `p` with no call into JsonBytes and
 * no string made (the general path's per-value calls cost most of its time), when every value is
 * plain: whole numbers for id, frame, port, status and CSeq, a finite time, and printable-ASCII
 * texts without `"` or `\` of at most PLAIN_TEXT chars. Returns the end, or -1 (the bytes written
 * are left uncounted) at the first value that is not plain. `b` (and `v`, a view of it) has
 * FAST_ROOM bytes from `p`.
 */
function plainSipJson(b: Uint8Array, v: DataView, p: number, o: Observed, sip: NonNullable<Observed["sip"]>, txn: number, retrans: number): number {
  const id = o.id;
  const frame = o.frame;
  const time = o.time;
  if (id >>> 0 !== id || frame >>> 0 !== frame || typeof time !== "number" || !Number.isFinite(time)) return -1;
  p = words(v, p, OPEN_ID);
  p = uint(b, p, id);
  p = words(v, p, WORDS.frame);
  p = uint(b, p, frame);
  p = words(v, p, WORDS.time);
  p = time >>> 0 === time ? uint(b, p, time) : seconds(b, p, time);
  p = words(v, p, WORDS.src);
  p = address(b, p, o.src);
  if (p < 0) return -1;
  p = words(v, p, WORDS.dst);
  p = address(b, p, o.dst);
  if (p < 0) return -1;
  const transport = o.transport;
  const protocol = o.protocol;
  if (typeof transport !== "string" || typeof protocol !== "string") return -1;
  const request = sip.kind === "request";
  // Transport, protocol and the start of info: one constant text per transport (a handful).
  const head = protocol === "sip" ? sipHead(transport, request) : undefined;
  if (head) p = words(v, p, head);
  else {
    p = words(v, p, WORDS.transport);
    p = quoted(b, p, transport);
    p = words(v, p, WORDS.protocol);
    p = quoted(b, p, protocol);
    if (p < 0) return -1;
    p = words(v, p, WORDS.info);
    p = words(v, p, request ? REQUEST_INFO : STATUS_INFO);
  }
  const method = sip.method;
  const status = sip.status;
  const reason = request ? undefined : sip.reason;
  if (request) {
    // `Request: ${method} ${requestUri ?? ""}`.trimEnd(), when nothing is trimmed.
    const uri = sip.requestUri;
    if (typeof method !== "string" || typeof uri !== "string" || !plainEnd(uri)) return -1;
    p = plain(b, p, method);
    if (p < 0) return -1;
    b[p++] = 0x20;
    p = plain(b, p, uri);
  } else {
    if (typeof status !== "number" || status >>> 0 !== status || !plainEnd(reason)) return -1;
    p = uint(b, p, status);
    b[p++] = 0x20;
    p = plain(b, p, reason);
  }
  if (p < 0) return -1;
  b[p++] = 0x22;
  const file = o.file;
  if (file) {
    if (file >>> 0 !== file) return -1;
    p = words(v, p, WORDS.file);
    p = uint(b, p, file);
  }
  const callId = sip.callId;
  if (callId !== undefined) p = keyedText(v, b, p, WORDS.callId, callId);
  const cseq = sip.cseq;
  if (cseq) {
    const seq = cseq.seq;
    const cseqMethod = cseq.method;
    if (p < 0 || seq >>> 0 !== seq || typeof cseqMethod !== "string") return -1;
    p = words(v, p, WORDS.cseq);
    b[p++] = 0x22;
    p = uint(b, p, seq);
    b[p++] = 0x20;
    p = plain(b, p, cseqMethod);
    if (p < 0) return -1;
    b[p++] = 0x22;
  }
  if (request) {
    p = keyedText(v, b, p, WORDS.method, method!);
  } else {
    p = words(v, p, WORDS.status);
    p = uint(b, p, status!);
    p = keyedText(v, b, p, WORDS.reason, reason!);
  }
  const fromUser = sip.fromUser;
  if (fromUser) p = keyedText(v, b, p, WORDS.fromUser, fromUser);
  const toUser = sip.toUser;
  if (toUser) p = keyedText(v, b, p, WORDS.toUser, toUser);
  const fromTag = sip.fromTag;
  if (fromTag) p = keyedText(v, b, p, WORDS.fromTag, fromTag);
  const toTag = sip.toTag;
  if (toTag) p = keyedText(v, b, p, WORDS.toTag, toTag);
  const branch = firstViaBranch(sip);
  if (branch) p = keyedText(v, b, p, WORDS.branch, branch);
  // Problems are rare and may be long: the general path writes them.
  if (p < 0 || sip.problems.length) return -1;
  if (txn >= 0) {
    if (txn >>> 0 !== txn) return -1;
    p = words(v, p, WORDS.txn);
    p = uint(b, p, txn);
  }
  if (retrans) p = words(v, p, RETRANSMISSION);
  b[p++] = 0x7d;
  return p;
}

/**
 * Constant text as little-endian 32-bit words: stored four bytes at a time (the keys are nearly half
 * of the bytes written). The last word may carry up to 3 bytes past the text, which the next write
 * overwrites or which lie past the end that is kept.
 */
interface Words {
  words: Uint32Array;
  length: number;
}

function wordsOf(text: string): Words {
  const words = new Uint32Array(Math.ceil(text.length / 4));
  for (let i = 0; i < text.length; i++) words[i >> 2] |= text.charCodeAt(i) << (8 * (i & 3));
  return { words, length: text.length };
}

const OPEN_ID = wordsOf('{"id":');
const REQUEST_INFO = wordsOf('"Request: ');
const STATUS_INFO = wordsOf('"Status: ');
const RETRANSMISSION = wordsOf(',"retransmission":true');
const WORDS = {
  frame: wordsOf(',"frame":'),
  time: wordsOf(',"time":'),
  src: wordsOf(',"src":'),
  dst: wordsOf(',"dst":'),
  transport: wordsOf(',"transport":'),
  protocol: wordsOf(',"protocol":'),
  info: wordsOf(',"info":'),
  file: wordsOf(',"file":'),
  callId: wordsOf(',"callId":'),
  cseq: wordsOf(',"cseq":'),
  method: wordsOf(',"method":'),
  status: wordsOf(',"status":'),
  reason: wordsOf(',"reason":'),
  fromUser: wordsOf(',"fromUser":'),
  toUser: wordsOf(',"toUser":'),
  fromTag: wordsOf(',"fromTag":'),
  toTag: wordsOf(',"toTag":'),
  branch: wordsOf(',"branch":'),
  txn: wordsOf(',"txn":'),
};

/**
 * `,"transport":"udp","protocol":"sip","info":"Request: ` (or `"Status: `) as one constant, per
 * transport text seen (a handful); undefined for a transport that is not plain text.
 */
const SIP_HEADS = new Map<string, [Words, Words] | null>();
function sipHead(transport: string, request: boolean): Words | undefined {
  let heads = SIP_HEADS.get(transport);
  if (heads === undefined) {
    heads = null;
    if (transport.length <= 32 && isPlainText(transport)) {
      const start = `,"transport":"${transport}","protocol":"sip","info":`;
      heads = [wordsOf(`${start}"Request: `), wordsOf(`${start}"Status: `)];
    }
    // Bounded: a capture has a few transports; anything else is never cached past this size.
    if (SIP_HEADS.size < 16) SIP_HEADS.set(transport, heads);
  }
  return heads ? heads[request ? 0 : 1] : undefined;
}

function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return false;
  }
  return true;
}

function words(v: DataView, p: number, text: Words): number {
  if (p < 0) return -1;
  const w = text.words;
  for (let i = 0; i < w.length; i++) v.setUint32(p + 4 * i, w[i], true);
  return p + text.length;
}

/*
 * The writers below take the position and return the next one; -1 stays -1 (a caller checks once
 * after several writes). A text that is not plain gives -1. A caller checks before it stores a
 * byte itself: b[-1] is no error, and p++ would make the next write land at the buffer's start.
 */

/** A whole number below 2^32 (the caller checked). */
function uint(b: Uint8Array, p: number, n: number): number {
  if (p < 0) return -1;
  // Below 2^30 the digits come from int32 division (a multiply); a larger number is rare.
  if (n >= 0x40000000) return plain(b, p, String(n));
  const end = p + (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10);
  let m = n | 0;
  for (let q = end - 1; q > p; q--) {
    const d = (m / 10) | 0;
    b[q] = 48 + m - d * 10;
    m = d;
  }
  b[p] = 48 + m;
  return end;
}

/**
 * A capture time as String(time) writes it. A time of 2004..2038 (2^30..2^31 s) whose shortest
 * text has at most 6 decimals (every microsecond pcap) has its digits written here; any other
 * through String (the number-to-text conversion was ~15% of the fast path). Exported for the test.
 *
 * Why it is exact: in [2^30, 2^31) a double's step is 2^-22 s, finer than 10^-6, so at most one
 * text with at most 6 decimals rounds to `time`, and no shorter text does; that text is the
 * microsecond count nearest to the fraction, kept only when it reads back as `time`: the distance
 * |us/10^6 - F/2^22| (F the fraction in steps) below half a step, checked in whole numbers.
 */
export function seconds(b: Uint8Array, p: number, time: number): number {
  if (p < 0) return -1;
  if (!(time >= 0x40000000 && time < 0x80000000)) return plain(b, p, String(time));
  const whole = Math.floor(time);
  const steps = (time - whole) * 4194304; // exact: the fraction is a whole number of 2^-22 steps
  const us = Math.round(steps / 4.194304);
  if (us <= 0 || us >= 1000000 || !(Math.abs(us * 4194304 - steps * 1000000) < 500000)) return plain(b, p, String(time));
  p = uint(b, p, whole);
  b[p++] = 0x2e;
  // Six digits, then the trailing zeros dropped (us > 0: at least one digit stays).
  let m = us;
  let end = p + 6;
  while (m % 10 === 0) {
    m /= 10;
    end--;
  }
  for (let q = end - 1; q >= p; q--) {
    const d = (m / 10) | 0;
    b[q] = 48 + m - d * 10;
    m = d;
  }
  return end;
}

/** The chars of a plain text (no quotes). */
function plain(b: Uint8Array, p: number, text: string | undefined): number {
  if (p < 0 || typeof text !== "string") return -1;
  const n = text.length;
  if (n > PLAIN_TEXT) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return -1;
    b[p++] = c;
  }
  return p;
}

/** A plain text as a JSON string. */
/** `,"key":"text"` — a key's constant words, then the plain text quoted (-1 past any failure). */
function keyedText(v: DataView, b: Uint8Array, p: number, key: Words, text: string): number {
  return quoted(b, words(v, p, key), text);
}

function quoted(b: Uint8Array, p: number, text: string | undefined): number {
  if (p < 0) return -1;
  b[p++] = 0x22;
  p = plain(b, p, text);
  if (p < 0) return -1;
  b[p++] = 0x22;
  return p;
}

/** decode.ts addressText of a plain endpoint: "ip:port" or "[v6]:port". */
function address(b: Uint8Array, p: number, e: Endpoint): number {
  const ip = e.ip;
  const port = e.port;
  if (p < 0 || typeof ip !== "string" || port >>> 0 !== port) return -1;
  b[p++] = 0x22;
  const v6 = ip.includes(":");
  if (v6) b[p++] = 0x5b;
  p = plain(b, p, ip);
  if (p < 0) return -1;
  if (v6) b[p++] = 0x5d;
  b[p++] = 0x3a;
  p = uint(b, p, port);
  b[p++] = 0x22;
  return p;
}
