/**
 * Build a CaptureModel from raw SIP text for the transaction and dialog observer tests: every
 * message is real wire text run through the real parser (parseSip), with the time and addresses a
 * capture would give it.
 */
import type { Endpoint, Transport } from "../core/capture/types";
import type { CaptureModel, Observed } from "../core/analysis/model";
import { parseSip } from "../core/protocols/sip/parse";

export interface WireMessage {
  t: number;
  src: string;
  dst: string;
  tp?: Transport;
  /** SIP text with "\n" line ends (turned into CRLF); Content-Length is added when absent. */
  text: string;
}

export function ep(s: string): Endpoint {
  const i = s.lastIndexOf(":");
  return { ip: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

export function sipBytes(text: string): Uint8Array {
  const [head, body = ""] = text.replace(/^\n+/, "").split("\n\n");
  let h = head.replace(/\n/g, "\r\n");
  if (!/\r\n(content-length|l)\s*:/i.test("\r\n" + h)) h += `\r\nContent-Length: ${body.length}`;
  return new TextEncoder().encode(h + "\r\n\r\n" + body.replace(/\n/g, "\r\n"));
}

export function buildModel(list: WireMessage[], opts: { end?: number; t1?: number } = {}): CaptureModel {
  const messages: Observed[] = list.map((w, id) => ({
    id,
    file: 0,
    frame: id + 1,
    time: w.t,
    src: ep(w.src),
    dst: ep(w.dst),
    transport: w.tp ?? "udp",
    protocol: "sip",
    sip: parseSip(sipBytes(w.text)),
  }));
  let first = Infinity;
  let last = -Infinity;
  for (const w of list) {
    first = Math.min(first, w.t);
    last = Math.max(last, w.t);
  }
  return {
    files: ["fixture"],
    messages,
    connections: [],
    logs: [],
    problems: [],
    start: first,
    end: opts.end ?? last,
    t1: opts.t1 ?? 0.5,
  };
}

/** Parameters of one request on one hop. */
export interface Hop {
  /** "ip:port" of the client (top Via sent-by and packet source). */
  from: string;
  to: string;
  branch: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  tp?: Transport;
  /** Extra Via lines below the top one (the upstream hops' Vias at a proxy). */
  lowerVias?: string[];
}

const viaProto = (tp?: Transport) => (tp ?? "udp").toUpperCase();

function headers(method: string, h: Hop, cseqMethod = method): string {
  const vias = [`Via: SIP/2.0/${viaProto(h.tp)} ${h.from};branch=${h.branch}`, ...(h.lowerVias ?? [])].join("\n");
  return `${vias}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=${h.fromTag ?? "a1"}
To: <sip:bob@example.com>${h.toTag ? ";tag=" + h.toTag : ""}
Call-ID: ${h.callId ?? "call-1@example.com"}
CSeq: ${h.cseq ?? 1} ${cseqMethod}`;
}

export function request(t: number, method: string, h: Hop, extra = ""): WireMessage {
  const text = `${method} sip:bob@example.com SIP/2.0\n${headers(method, h)}\nContact: <sip:alice@${h.from}>${extra ? "\n" + extra : ""}\n\n`;
  return { t, src: h.from, dst: h.to, tp: h.tp, text };
}

/** A response to the request of hop `h` (method = the CSeq method), sent back along the hop. */
export function response(t: number, status: number, method: string, h: Hop, toTag?: string, extra = ""): WireMessage {
  const reason = { 100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK", 401: "Unauthorized", 408: "Request Timeout", 481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated", 500: "Server Error" }[status] ?? "Whatever";
  const hh = { ...h, toTag: toTag ?? h.toTag };
  const text = `SIP/2.0 ${status} ${reason}\n${headers(method, hh)}${extra ? "\n" + extra : ""}\n\n`;
  return { t, src: h.to, dst: h.from, tp: h.tp, text };
}
