/**
 * The binary capture decoder: pcap/pcapng bytes in (pushed in chunks), PDUs, connection events
 * and problems out. Layers, bottom-up:
 *   container (file-reader) -> link (link.ts) -> ethertype: VLAN/QinQ, IPv4, IPv6, TEB
 *   -> IP (fragment reassembly, IPv6 extension headers) -> IP protocol: UDP, TCP, SCTP, GRE
 *   (ERSPAN I/II/III, TEB), IP-in-IP (4, 41), ICMP errors (the quoted UDP packet, as tshark)
 *   -> payload: by the dissector tables (see dissector-table.ts for the lookup order)
 *   -> framers (framing/*), per datagram or per TCP direction (sticky once decided), WebSocket
 *   after an Upgrade, HEP v2/v3 decapsulation -> sink.pdu.
 * Tunnels nest up to MAX_DEPTH deep; deeper is reported, never recursed into.
 *
 * Pdu.frame is the record that completes the PDU (tshark's convention); Pdu.frames lists every
 * record that carried part of it when there were several. Problems never stop decoding; only an
 * unreadable file header throws (CaptureFormatError, from the container reader).
 */
import { createContainerReader, type RawRecord } from "./file-reader";
import type { CaptureProblem, CaptureSink, ConnectionEvent, Endpoint, Pdu, PduProtocol, Transport } from "./types";
import { decodeLink, isSupportedLinkType, ETHERTYPE_ERSPAN_II, ETHERTYPE_ERSPAN_III, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_TEB, ETHERTYPE_VLAN, type LinkResult } from "./link";
import { ipv4Text, ipv6Text } from "./ip-text";
import { FragmentReassembler } from "./ip-reassembly";
import { TcpSequencer } from "./tcp-reassembly";
import { StreamBuffer } from "./stream-buffer";
import { SctpReassembler, type SctpMessage } from "./sctp";
import { wsFrameHeader, wsPayload } from "./websocket";
import { decodeHep2, decodeHep3, hep3Length, isHep3, type HepPacket } from "./hep";
import { candidates, defaultTables, type DissectorTables, type PayloadProtocol } from "./dissector-table";
import { findHeader, findHeaderEnd, matchLower, MORE, NONE, indexOfLf, parseDecimal, type Framing } from "./framing/framing";
import { frameSip } from "./framing/sip";
import { frameDiameter } from "./framing/diameter";
import { frameHttpEx, httpRequestMethod, httpStart } from "./framing/http";

export interface CaptureDecoderOptions {
  /** TCP ports on which HTTP is decoded (default 80, 8080; 5060/5061 always when the bytes are HTTP). */
  httpPorts?: number[];
}

export interface CaptureDecoder {
  /** Feed the next bytes of the file. The decoder may keep subarrays of `chunk`: do not reuse its memory. */
  push(chunk: Uint8Array): void;
  /** End of file: flushes reassembly state (incomplete data becomes problems) and reports grouped problems (unsupported link types, with their counts). */
  end(): void;
}

export function createCaptureDecoder(sink: CaptureSink, options: CaptureDecoderOptions = {}): CaptureDecoder {
  const d = new PacketDissector(sink, options);
  const reader = createContainerReader({ record: (r) => d.record(r), problem: (p) => sink.problem(p) });
  return {
    push: (chunk) => reader.push(chunk),
    end: () => {
      reader.end();
      d.end();
    },
  };
}

const MAX_DEPTH = 8;
/** A TCP direction never buffers more than this while waiting for a PDU to complete. */
const MAX_STREAM_BUFFER = 17 << 20;
/** Undecided stream bytes kept while a framer says "more" before the protocol is known. */
const MAX_UNDECIDED = 64 * 1024;
/** Seconds of capture time a closed connection's key is remembered. */
const CLOSED_MEMORY = 120;
/** A connection silent this long (capture seconds) is forgotten; its leftovers are reported. */
const IDLE_TIMEOUT = 900;
/** Idle connections are swept every this many TCP packets. */
const SWEEP_EVERY = 16384;
/**
 * HTTP requests remembered per direction while their responses are outstanding. Pipelining is
 * rarely deeper than a few; a one-sided capture (responses never seen) must not grow without bound.
 */
const MAX_OUTSTANDING_REQUESTS = 64;

type HalfMode = "pdu" | "ws";

interface TcpHalf {
  src: Endpoint;
  dst: Endpoint;
  seq: TcpSequencer;
  buf: StreamBuffer;
  proto: PayloadProtocol | undefined;
  /** Buffered bytes needed before framing is worth retrying (a known Content-Length / length field). */
  need: number;
  /** The protocol whose framer asked for more bytes (for reporting what was left at the end). */
  pending: PayloadProtocol | undefined;
  mode: HalfMode;
  untilClose: boolean;
  finSeen: boolean;
  wsFrags: Uint8Array[];
  wsFrames: number[];
  wsFragBytes: number;
  /**
   * Methods of the HTTP requests this side sent, oldest first, whose final responses have not been
   * framed yet. HTTP/1.1 answers in request order (pipelining included), so the other side's next
   * response answers sentMethods[0]: that is how a response to HEAD is known to have no body.
   */
  sentMethods: string[];
}

interface TcpConn {
  key: string;
  a: TcpHalf; // the side that sent the first packet we saw
  b: TcpHalf;
  portLo: number;
  portHi: number;
  wsRequested: boolean;
  rstSeen: boolean;
  openSeen: boolean;
  /** A 2xx to CONNECT made the connection a tunnel: what follows on either side is not HTTP. */
  tunnel: boolean;
  /** Capture time of the latest packet, for idle eviction. */
  lastSeen: number;
}

export class PacketDissector {
  private readonly tables: DissectorTables;
  private readonly link: LinkResult = { ethertype: 0, offset: 0 };
  private readonly frags: FragmentReassembler;
  private readonly sctp: SctpReassembler;
  private readonly conns = new Map<string, TcpConn>();
  /** Recently closed connections (key -> capture time of the close). */
  private readonly closed = new Map<string, number>();
  private tcpPackets = 0;
  private readonly ip4Cache = new Map<number, string>();
  private readonly cands: PayloadProtocol[] = [];
  // the record being dissected
  private frame = 0;
  private time = 0;
  private offset = 0;
  /**
   * Records of unsupported link types, per (interface, link type): every one is skipped and
   * counted, but reported once at end() as one problem carrying the count (a capture of a link
   * type we cannot read would otherwise list a problem per record).
   */
  private readonly unsupportedLinks = new Map<string, { reason: string; frame: number; offset: number; count: number }>();
  /** Set when the current record was cut by the capture's snap length. */
  private sliced: string | undefined;
  /** Set while dissecting the packet quoted inside an ICMP error (see icmp()). */
  private quote: string | undefined;

  constructor(
    private readonly sink: CaptureSink,
    options: CaptureDecoderOptions = {},
  ) {
    this.tables = defaultTables(options.httpPorts);
    this.frags = new FragmentReassembler((frame, reason) => this.problemAt(frame, reason, true));
    this.sctp = new SctpReassembler((frame, reason) => this.problemAt(frame, reason, true));
  }

  record(r: RawRecord): void {
    this.frame = r.frame;
    this.time = r.time;
    this.offset = r.offset;
    this.sliced = r.origLen > r.data.length ? `packet cut by the capture's snap length: ${r.data.length} of ${r.origLen} bytes captured` : undefined;
    this.sink.record?.(r.frame, r.time);
    const err = decodeLink(r.linktype, r.data, this.link);
    if (err) {
      if (isSupportedLinkType(r.linktype)) this.problem(err, true);
      else this.unsupportedLink(r);
      return;
    }
    this.ethertype(this.link.ethertype, r.data, this.link.offset, r.data.length, 0);
  }

  end(): void {
    this.reportUnsupportedLinks();
    this.frags.flush();
    this.sctp.flush();
    for (const c of this.conns.values()) {
      this.finishHalf(c, c.a, "end of capture");
      this.finishHalf(c, c.b, "end of capture");
    }
    this.conns.clear();
  }

  // ---------------------------------------------------------------- problems and output

  private unsupportedLink(r: RawRecord): void {
    const key = `${r.iface ?? ""}|${r.linktype}`;
    const seen = this.unsupportedLinks.get(key);
    if (seen) seen.count++;
    else {
      const on = r.iface === undefined ? "" : ` on interface ${r.iface}`;
      this.unsupportedLinks.set(key, { reason: `unsupported link type ${r.linktype}${on}`, frame: r.frame, offset: r.offset, count: 1 });
    }
  }

  /**
   * One problem per (interface, link type), with the exact count, at the end of the capture: only
   * then is the count known. (Reporting at the first record and again at the end would show two
   * problems for one cause.) The map keeps first-seen order, which is frame order.
   */
  private reportUnsupportedLinks(): void {
    for (const u of this.unsupportedLinks.values()) {
      const reason = `${u.reason} (${u.count} record${u.count === 1 ? "" : "s"} skipped, first frame ${u.frame})`;
      this.sink.problem({ frame: u.frame, offset: u.offset, reason, skipped: true, count: u.count });
    }
    this.unsupportedLinks.clear();
  }

  private problem(reason: string, skipped: boolean): void {
    this.sink.problem({ frame: this.frame, offset: this.offset, reason, skipped });
  }

  private problemAt(frame: number, reason: string, skipped: boolean): void {
    const p: CaptureProblem = { frame, reason, skipped };
    if (frame === this.frame) p.offset = this.offset;
    this.sink.problem(p);
  }

  private emit(protocol: PduProtocol, bytes: Uint8Array, src: Endpoint, dst: Endpoint, transport: Transport, frames: number[] | undefined, problem?: string, hep?: Pdu["hep"], time?: number, answers?: string): void {
    const pdu: Pdu = { frame: this.frame, time: time ?? this.time, src, dst, transport, protocol, bytes };
    if (answers !== undefined) pdu.answers = answers;
    if (frames && frames.length > 1) pdu.frames = frames;
    if (problem) pdu.problems = [problem];
    if (this.quote) (pdu.problems ??= []).push(this.quote);
    if (this.sliced) (pdu.problems ??= []).push(this.sliced);
    if (hep) pdu.hep = hep;
    this.sink.pdu(pdu);
  }

  private connection(kind: ConnectionEvent["kind"], src: Endpoint, dst: Endpoint, transport: Transport, code?: number): void {
    const e: ConnectionEvent = { frame: this.frame, time: this.time, src, dst, transport, kind };
    if (code !== undefined) e.code = code;
    this.sink.connection(e);
  }

  /** A few recent IPv6 addresses and their text: flows repeat addresses, and the text costs. */
  private readonly ip6Keys: Uint8Array[] = [];
  private readonly ip6Texts: string[] = [];
  private ip6Next = 0;

  private ip6(b: Uint8Array, o: number): string {
    const keys = this.ip6Keys;
    outer: for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      for (let j = 15; j >= 0; j--) if (k[j] !== b[o + j]) continue outer;
      return this.ip6Texts[i];
    }
    const s = ipv6Text(b, o);
    const slot = this.ip6Next;
    this.ip6Next = (slot + 1) & 7;
    keys[slot] = b.slice(o, o + 16);
    this.ip6Texts[slot] = s;
    return s;
  }

  private ip4(b: Uint8Array, o: number): string {
    const k = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    let s = this.ip4Cache.get(k);
    if (s === undefined) {
      if (this.ip4Cache.size > 65536) this.ip4Cache.clear();
      s = ipv4Text(b, o);
      this.ip4Cache.set(k, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- link and network

  private ethertype(type: number, b: Uint8Array, off: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) {
      this.problem(`encapsulation nested deeper than ${MAX_DEPTH} levels: not decoded`, true);
      return;
    }
    switch (type) {
      case ETHERTYPE_IPV4:
        this.ipv4(b, off, end, depth);
        return;
      case ETHERTYPE_IPV6:
        this.ipv6(b, off, end, depth);
        return;
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
        if (end - off < 4) return this.problem("802.1Q tag truncated", true);
        this.ethertype((b[off + 2] << 8) | b[off + 3], b, off + 4, end, depth + 1);
        return;
      case ETHERTYPE_TEB:
        this.ethernet(b, off, end, depth + 1);
        return;
      default:
        return; // ARP, LLDP, ...: nothing for us, not a problem
    }
  }

  private ethernet(b: Uint8Array, off: number, end: number, depth: number): void {
    if (end - off < 14) return this.problem("inner Ethernet header truncated", true);
    this.ethertype((b[off + 12] << 8) | b[off + 13], b, off + 14, end, depth);
  }

  private ipv4(b: Uint8Array, off: number, end: number, depth: number): void {
    if (end - off < 20) return this.problem("IPv4 header truncated", true);
    if (b[off] >> 4 !== 4) return this.problem(`IPv4 header has version ${b[off] >> 4}`, true);
    const ihl = (b[off] & 15) * 4;
    let total = (b[off + 2] << 8) | b[off + 3];
    // 0 is what a host capturing its own TSO/GSO output records: the captured length is the truth.
    if (total === 0) total = end - off;
    if (ihl < 20 || total < ihl || end - off < ihl) return this.problem(`IPv4 header lengths are invalid (IHL ${ihl}, total ${total})`, true);
    // Ethernet pads short frames: the IP total length bounds the payload. A sliced capture may carry less.
    const stop = Math.min(end, off + total);
    const fo = (b[off + 6] << 8) | b[off + 7];
    const proto = b[off + 9];
    const src = this.ip4(b, off + 12);
    const dst = this.ip4(b, off + 16);
    const more = (fo & 0x2000) !== 0;
    const fragOff = (fo & 0x1fff) * 8;
    if (more || fragOff) {
      if (this.quote) {
        // a quoted first fragment still shows its transport header; later fragments show nothing
        if (fragOff === 0) this.ipPayload(proto, b, off + ihl, stop, src, dst, undefined, depth);
        return;
      }
      const id = (b[off + 4] << 8) | b[off + 5];
      const whole = this.frags.add(`4|${src}|${dst}|${proto}|${id}`, fragOff, more, b.subarray(off + ihl, stop), this.frame, this.time);
      if (whole) this.ipPayload(proto, whole.data, 0, whole.data.length, src, dst, whole.frames, depth);
      return;
    }
    this.ipPayload(proto, b, off + ihl, stop, src, dst, undefined, depth);
  }

  private ipv6(b: Uint8Array, off: number, end: number, depth: number): void {
    if (end - off < 40) return this.problem("IPv6 header truncated", true);
    if (b[off] >> 4 !== 6) return this.problem(`IPv6 header has version ${b[off] >> 4}`, true);
    const plen = (b[off + 4] << 8) | b[off + 5];
    const stop = plen === 0 ? end : Math.min(end, off + 40 + plen); // 0: jumbogram, take what is there
    let next = b[off + 6];
    const src = this.ip6(b, off + 8);
    const dst = this.ip6(b, off + 24);
    let p = off + 40;
    for (let n = 0; n < 16; n++) {
      if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
        if (stop - p < 8) return this.problem("IPv6 extension header truncated", true);
        const len = (b[p + 1] + 1) * 8;
        next = b[p];
        p += len;
      } else if (next === 51) {
        if (stop - p < 8) return this.problem("IPv6 AH header truncated", true);
        const len = (b[p + 1] + 2) * 4;
        next = b[p];
        p += len;
      } else if (next === 44) {
        if (stop - p < 8) return this.problem("IPv6 fragment header truncated", true);
        const inner = b[p];
        const fo = (b[p + 2] << 8) | b[p + 3];
        const id = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
        const fragOff = fo & 0xfff8;
        const more = (fo & 1) !== 0;
        p += 8;
        if (this.quote && (more || fragOff)) {
          if (fragOff === 0) this.ipPayload(inner, b, p, stop, src, dst, undefined, depth);
          return;
        }
        if (!more && fragOff === 0) {
          next = inner; // atomic fragment (RFC 6946)
          continue;
        }
        const whole = this.frags.add(`6|${src}|${dst}|${id}`, fragOff, more, b.subarray(p, stop), this.frame, this.time);
        if (whole) this.ipPayload(inner, whole.data, 0, whole.data.length, src, dst, whole.frames, depth);
        return;
      } else break;
      if (p > stop) return this.problem("IPv6 extension headers run past the packet", true);
    }
    this.ipPayload(next, b, p, stop, src, dst, undefined, depth);
  }

  private ipPayload(proto: number, b: Uint8Array, off: number, end: number, src: string, dst: string, frames: number[] | undefined, depth: number): void {
    switch (proto) {
      case 17:
        return this.udp(b, off, end, src, dst, frames, depth);
      case 6:
        return this.tcp(b, off, end, src, dst, frames);
      case 132:
        return this.sctpPacket(b, off, end, src, dst);
      case 47:
        return this.gre(b, off, end, depth + 1);
      case 4:
        return this.ethertype(ETHERTYPE_IPV4, b, off, end, depth + 1);
      case 41:
        return this.ethertype(ETHERTYPE_IPV6, b, off, end, depth + 1);
      case 1:
        return this.icmp(b, off, end, src, false, depth);
      case 58:
        return this.icmp(b, off, end, src, true, depth);
      default:
        return;
    }
  }

  /**
   * ICMP errors quote the packet that caused them (e.g. port unreachable for a SIP request).
   * tshark dissects the quoted SIP and counts it, so we do too — marked with a problem text so
   * nobody mistakes the copy for a delivery. Only UDP is taken from a quote: a quoted TCP/SCTP
   * header must not disturb the reassembly state of the real connection.
   */
  private icmp(b: Uint8Array, off: number, end: number, src: string, v6: boolean, depth: number): void {
    if (this.quote || end - off < 8 + 20) return;
    const type = b[off];
    const code = b[off + 1];
    const isError = v6 ? type >= 1 && type <= 4 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
    if (!isError) return;
    this.quote = `quoted in an ICMP${v6 ? "v6" : ""} error (type ${type} code ${code}) from ${src}: a copy of an earlier packet, not a delivery`;
    try {
      this.ethertype(v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, b, off + 8, end, depth + 1);
    } finally {
      this.quote = undefined;
    }
  }

  private gre(b: Uint8Array, off: number, end: number, depth: number): void {
    if (end - off < 4) return this.problem("GRE header truncated", true);
    const flags = (b[off] << 8) | b[off + 1];
    const proto = (b[off + 2] << 8) | b[off + 3];
    if ((flags & 7) !== 0) return; // GRE version 1 (PPTP) carries PPP: nothing for us
    if (flags & 0x4000) return this.problem("GRE with source routing is not decoded", true);
    let p = off + 4;
    if (flags & 0x8000) p += 4; // checksum + reserved
    if (flags & 0x2000) p += 4; // key
    const hasSeq = (flags & 0x1000) !== 0;
    if (hasSeq) p += 4;
    if (p > end) return this.problem("GRE header truncated", true);
    if (proto === ETHERTYPE_ERSPAN_II) {
      // ERSPAN type I has no GRE sequence number and no ERSPAN header; type II has both.
      if (hasSeq) p += 8;
      return this.ethernet(b, p, end, depth);
    }
    if (proto === ETHERTYPE_ERSPAN_III) {
      if (end - p < 12) return this.problem("ERSPAN III header truncated", true);
      const optional = (b[p + 11] & 1) !== 0; // O flag: 8-byte platform-specific subheader follows
      const ft = (b[p + 10] >> 2) & 0x1f; // frame type: 0 Ethernet, 2 IP
      p += 12 + (optional ? 8 : 0);
      if (ft === 2) {
        const v = p < end ? b[p] >> 4 : 0;
        return this.ethertype(v === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, b, p, end, depth);
      }
      return this.ethernet(b, p, end, depth);
    }
    this.ethertype(proto, b, p, end, depth);
  }

  // ---------------------------------------------------------------- UDP

  private udp(b: Uint8Array, off: number, end: number, srcIp: string, dstIp: string, frames: number[] | undefined, depth: number): void {
    if (end - off < 8) return this.problem("UDP header truncated", true);
    const sport = (b[off] << 8) | b[off + 1];
    const dport = (b[off + 2] << 8) | b[off + 3];
    const ulen = (b[off + 4] << 8) | b[off + 5];
    if (ulen >= 8 && off + ulen <= end) end = off + ulen;
    const p = off + 8;
    if (p >= end) return;
    const list = candidates(this.tables["udp.port"], this.tables.heuristics.udp, sport, dport, this.cands);
    for (let i = 0; i < list.length; i++) {
      switch (list[i]) {
        case "sip": {
          const f = frameSip(b, p, end, false);
          if (f.kind === "pdu") {
            this.emit("sip", b.subarray(f.start, f.end), { ip: srcIp, port: sport }, { ip: dstIp, port: dport }, "udp", frames, f.problem);
            return;
          }
          if (f.kind === "skip") return;
          break;
        }
        case "hep":
          if (isHep3(b, p, end)) {
            const h = decodeHep3(b, p, end);
            if (typeof h === "string") this.problem(h, true);
            else this.hep(h, { ip: srcIp, port: sport }, { ip: dstIp, port: dport });
            return;
          }
          break;
        case "hep2": {
          const h = decodeHep2(b, p, end);
          if (h) return this.hep(h, { ip: srcIp, port: sport }, { ip: dstIp, port: dport });
          break;
        }
        case "vxlan":
          if (end - p >= 8 + 14 && b[p] & 0x08) return this.ethernet(b, p + 8, end, depth + 1);
          break;
        default:
          break;
      }
    }
  }

  // ---------------------------------------------------------------- HEP

  private hep(h: HepPacket, outerSrc: Endpoint, outerDst: Endpoint): void {
    const info: NonNullable<Pdu["hep"]> = { version: h.version, compressed: h.compressed, outerSrc, outerDst };
    if (h.captureId !== undefined) info.captureId = h.captureId;
    if (h.correlationId !== undefined) info.correlationId = h.correlationId;
    const b = h.payload;
    // Only SIP-ish payloads (type 1, or unset) and Diameter become PDUs; RTCP (5), logs (100) ... do not.
    if (h.protoType !== undefined && h.protoType !== 1 && h.protoType !== 0x26 && h.protoType !== 0x22) return;
    const f = frameSip(b, 0, b.length, false);
    if (f.kind === "pdu") return this.emit("sip", b.subarray(f.start, f.end), h.src, h.dst, h.transport, undefined, f.problem, info, h.time);
    if (f.kind === "skip") return;
    const d = frameDiameter(b, 0, b.length, false, false);
    if (d.kind === "pdu") this.emit("diameter", b.subarray(d.start, d.end), h.src, h.dst, h.transport, undefined, d.problem, info, h.time);
  }

  // ---------------------------------------------------------------- SCTP

  private sctpPacket(b: Uint8Array, off: number, end: number, srcIp: string, dstIp: string): void {
    if (this.quote) return;
    if (end - off < 12) return this.problem("SCTP common header truncated", true);
    const sport = (b[off] << 8) | b[off + 1];
    const dport = (b[off + 2] << 8) | b[off + 3];
    const key = `${srcIp}|${sport}|${dstIp}|${dport}`;
    let p = off + 12;
    while (end - p >= 4) {
      const type = b[p];
      const flags = b[p + 1];
      const clen = (b[p + 2] << 8) | b[p + 3];
      if (clen < 4) return this.problem(`SCTP chunk of type ${type} has length ${clen}`, true);
      const cend = Math.min(end, p + clen);
      if (type === 0) {
        if (cend - p < 16) {
          this.problem("SCTP DATA chunk truncated", true);
        } else {
          const tsn = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
          const sid = (b[p + 8] << 8) | b[p + 9];
          const ppid = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
          const msg = this.sctp.add(key, tsn, sid, ppid, flags, b.subarray(p + 16, cend), this.frame);
          if (msg) this.sctpMessage(msg, srcIp, sport, dstIp, dport);
        }
      }
      p += (clen + 3) & ~3;
    }
  }

  private sctpMessage(m: SctpMessage, srcIp: string, sport: number, dstIp: string, dport: number): void {
    const b = m.data;
    if (b.length === 0) return;
    const byPpi = this.tables["sctp.ppi"].get(m.ppid) ?? [];
    const list = [...byPpi, ...candidates(this.tables["sctp.port"], this.tables.heuristics.sctp, sport, dport, this.cands)];
    for (const proto of list) {
      if (proto === "sip") {
        const f = frameSip(b, 0, b.length, false);
        if (f.kind === "pdu") return this.emit("sip", b.subarray(f.start, f.end), { ip: srcIp, port: sport }, { ip: dstIp, port: dport }, "sctp", m.frames, f.problem);
        if (f.kind === "skip") return;
      } else if (proto === "diameter") {
        const strict = !byPpi.includes("diameter") && sport !== 3868 && dport !== 3868;
        const f = frameDiameter(b, 0, b.length, false, strict);
        if (f.kind === "pdu") return this.emit("diameter", b.subarray(f.start, f.end), { ip: srcIp, port: sport }, { ip: dstIp, port: dport }, "sctp", m.frames, f.problem);
      }
    }
  }

  // ---------------------------------------------------------------- TCP

  private tcp(b: Uint8Array, off: number, end: number, srcIp: string, dstIp: string, ipFrames: number[] | undefined): void {
    if (end - off < 20) return this.problem("TCP header truncated", true);
    const sport = (b[off] << 8) | b[off + 1];
    const dport = (b[off + 2] << 8) | b[off + 3];
    const seq = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
    const hl = (b[off + 12] >> 4) * 4;
    const flags = b[off + 13];
    if (this.quote) return;
    if (hl < 20 || off + hl > end) return this.problem(`TCP header length ${hl} is invalid`, true);
    void ipFrames;
    const SYN = 2;
    const FIN = 1;
    const RST = 4;
    const ACK = 16;
    const x = `${srcIp}|${sport}`;
    const y = `${dstIp}|${dport}`;
    const key = x < y ? `${x}|${y}` : `${y}|${x}`;
    let c = this.conns.get(key);
    if (!c && this.closed.size) {
      const closedAt = this.closed.get(key);
      if (closedAt !== undefined) {
        // The last ACK, a retransmitted FIN or RST of a connection already closed: no new events.
        if (!(flags & SYN) || flags & ACK) return;
        this.closed.delete(key);
      }
    }
    if (c && flags & SYN && !(flags & ACK) && (c.rstSeen || c.a.finSeen || c.b.finSeen)) {
      // port reuse: a new connection on the same four-tuple
      this.finishHalf(c, c.a, "a new connection on the same ports");
      this.finishHalf(c, c.b, "a new connection on the same ports");
      this.conns.delete(key);
      c = undefined;
    }
    if (!c) {
      c = this.newConn(key, srcIp, sport, dstIp, dport);
      this.conns.set(key, c);
    }
    c.lastSeen = this.time;
    if (++this.tcpPackets % SWEEP_EVERY === 0) this.sweepIdle();
    const half = c.a.src.port === sport && c.a.src.ip === srcIp ? c.a : c.b;
    if (flags & SYN) {
      half.seq.syn(seq);
      if (!(flags & ACK) && !c.openSeen) {
        c.openSeen = true;
        this.connection("open", half.src, half.dst, "tcp");
      }
    }
    const data = b.subarray(off + hl, end);
    if (data.length && !(flags & RST)) half.seq.segment(flags & SYN ? (seq + 1) >>> 0 : seq, data, this.frame);
    if (flags & RST) {
      if (!c.rstSeen) {
        c.rstSeen = true;
        this.connection("rst", half.src, half.dst, "tcp");
      }
      this.finishHalf(c, c.a, "connection reset");
      this.finishHalf(c, c.b, "connection reset");
      this.close(key);
      return;
    }
    if (flags & FIN && !half.finSeen) {
      this.finishHalf(c, half, "FIN");
      half.finSeen = true;
      this.connection("fin", half.src, half.dst, "tcp");
      if (c.a.finSeen && c.b.finSeen) this.close(key);
    }
  }

  /** Connections unseen for IDLE_TIMEOUT (lost FIN, port scans, long captures) are let go. */
  private sweepIdle(): void {
    for (const [key, c] of this.conns) {
      if (this.time - c.lastSeen < IDLE_TIMEOUT) continue;
      this.finishHalf(c, c.a, "idle timeout");
      this.finishHalf(c, c.b, "idle timeout");
      this.conns.delete(key);
    }
  }

  /** Forget a finished connection, remembering its key for a while so stragglers raise no events. */
  private close(key: string): void {
    this.conns.delete(key);
    this.closed.set(key, this.time);
    if (this.closed.size > 4096) {
      for (const [k, t] of this.closed) {
        if (this.time - t < CLOSED_MEMORY && this.closed.size <= 65536) break;
        this.closed.delete(k);
      }
    }
  }

  private newConn(key: string, srcIp: string, sport: number, dstIp: string, dport: number): TcpConn {
    const src: Endpoint = { ip: srcIp, port: sport };
    const dst: Endpoint = { ip: dstIp, port: dport };
    const c = { key, portLo: Math.min(sport, dport), portHi: Math.max(sport, dport), wsRequested: false, rstSeen: false, openSeen: false, tunnel: false, lastSeen: this.time } as TcpConn;
    c.a = this.newHalf(c, src, dst);
    c.b = this.newHalf(c, dst, src);
    return c;
  }

  private newHalf(c: TcpConn, src: Endpoint, dst: Endpoint): TcpHalf {
    const half = {
      src,
      dst,
      buf: new StreamBuffer(),
      proto: undefined,
      pending: undefined,
      need: 0,
      mode: "pdu",
      untilClose: false,
      finSeen: false,
      wsFrags: [],
      wsFrames: [],
      wsFragBytes: 0,
      sentMethods: [],
    } as unknown as TcpHalf;
    half.seq = new TcpSequencer({
      data: (bytes, frame) => this.streamData(c, half, bytes, frame),
      gap: (n, frame) => this.streamGap(c, half, n, frame),
    });
    return half;
  }

  /** FIN/RST/end: deliver what waits behind holes, close an until-close body, report leftovers. */
  private finishHalf(c: TcpConn, half: TcpHalf, why: string): void {
    half.seq.flush(this.frame);
    const n = half.buf.length;
    if (n === 0) return;
    const { buf, start, end } = half.buf;
    const proto = half.proto ?? half.pending;
    const where = `TCP ${ep(half.src)} -> ${ep(half.dst)}`;
    if (half.untilClose && proto !== undefined) {
      this.emit("http", buf.slice(start, end), half.src, half.dst, "tcp", half.buf.framesOf(0, n, this.frame));
    } else if (half.mode === "ws") {
      this.problem(`${n} bytes of an incomplete WebSocket frame in ${where} left at ${why}`, true);
    } else if (proto === "sip" || proto === "http" || proto === "http-upgrade" || proto === "diameter") {
      // A message cut short (capture ended, connection closed): with its header block complete it
      // is still worth showing, marked incomplete; a bare fragment is only reported.
      const protocol: PduProtocol = proto === "sip" ? "sip" : proto === "diameter" ? "diameter" : "http";
      const whole = protocol === "diameter" ? n >= 20 : findHeaderEnd(buf, start, end) >= 0;
      const reason = `incomplete ${protocol} message: ${n} bytes in ${where} left at ${why}`;
      if (whole) this.emit(protocol, buf.slice(start, end), half.src, half.dst, "tcp", half.buf.framesOf(0, n, this.frame), reason);
      this.problem(reason, !whole);
    }
    half.buf.clear();
    half.untilClose = false;
    half.pending = undefined;
    half.need = 0;
    void c;
  }

  private streamGap(c: TcpConn, half: TcpHalf, n: number, frame: number): void {
    const partial = half.buf.length;
    this.problemAt(
      frame,
      `TCP gap of ${n} bytes in ${ep(half.src)} -> ${ep(half.dst)}${partial ? `: ${partial} bytes of a partial message dropped` : ""}`,
      partial > 0,
    );
    half.buf.clear();
    half.untilClose = false;
    half.need = 0;
    half.wsFrags = [];
    half.wsFrames = [];
    half.wsFragBytes = 0;
    // Lost bytes may hold requests or responses: the pairing is no longer known. Later responses are
    // framed as if their requests were unseen until new requests are.
    c.a.sentMethods.length = 0;
    c.b.sentMethods.length = 0;
  }

  private streamData(c: TcpConn, half: TcpHalf, data: Uint8Array, segFrame: number): void {
    if (half.buf.length === 0) {
      // Zero-copy path: frame straight on the segment; only a leftover is buffered.
      const used = this.frameStream(c, half, data, 0, data.length, false, segFrame);
      if (used < data.length) half.buf.append(data.subarray(used), segFrame);
    } else {
      half.buf.append(data, segFrame);
      // A message whose length is already known is not re-framed until it is all here.
      if (half.buf.length >= half.need) this.frameStream(c, half, half.buf.buf, half.buf.start, half.buf.end, true, segFrame);
    }
    // Bytes no framer has claimed are kept only briefly; a framer waiting for a known length may wait longer.
    const limit = (half.proto ?? half.pending) === undefined && half.mode === "pdu" ? MAX_UNDECIDED : MAX_STREAM_BUFFER;
    if (half.buf.length > limit) {
      this.problem(`${half.buf.length} bytes buffered in TCP ${ep(half.src)} -> ${ep(half.dst)} without a complete message: dropped`, true);
      half.buf.clear();
      half.untilClose = false;
      half.need = 0;
    }
  }

  /** Framer for one candidate protocol on this connection. */
  private frameAs(c: TcpConn, half: TcpHalf, proto: PayloadProtocol, b: Uint8Array, off: number, end: number): { f: Framing; untilClose?: boolean } {
    switch (proto) {
      case "sip":
        return { f: frameSip(b, off, end, true) };
      case "diameter":
        return { f: frameDiameter(b, off, end, true, c.portLo !== 3868 && c.portHi !== 3868) };
      case "http": {
        if (c.tunnel) return { f: NONE };
        const r = frameHttpEx(b, off, end, true, this.answering(c, half));
        return { f: r.framing, untilClose: r.untilClose };
      }
      case "http-upgrade": {
        if (c.tunnel) return { f: NONE };
        const k = httpStart(b, off, end);
        if (k === "partial") return { f: MORE };
        if (k === undefined) return { f: NONE };
        if (k === "response") {
          if (!c.wsRequested || !(end - off >= 12 && b[off + 9] === 49 && b[off + 10] === 48 && b[off + 11] === 49)) return { f: NONE };
        } else {
          const he = findHeaderEnd(b, off, end);
          if (he < 0) return { f: end - off > 65536 ? NONE : MORE };
          const up = findHeader(b, off, he, ["upgrade"]);
          if (!up || !matchLower(b, up.value, up.end, "websocket")) return { f: NONE };
        }
        const r = frameHttpEx(b, off, end, true, this.answering(c, half));
        return { f: r.framing, untilClose: r.untilClose };
      }
      case "ws-sniff":
        return { f: sniffWsSip(b, off, end) };
      case "hep": {
        const n = hep3Length(b, off, end);
        if (n < 0) return { f: NONE };
        if (n === 0 || off + n > end) return { f: MORE };
        return { f: { kind: "pdu", start: off, end: off + n } };
      }
      default:
        return { f: NONE };
    }
  }

  /**
   * Frames as many PDUs as the bytes b[off..end) hold; returns the offset of the first unused byte.
   * `buffered` says the bytes live in half.buf (consumed there as PDUs leave).
   */
  private frameStream(c: TcpConn, half: TcpHalf, b: Uint8Array, off: number, end: number, buffered: boolean, segFrame: number): number {
    half.need = 0;
    while (off < end) {
      if (half.mode === "ws") {
        const used = this.wsFrame(c, half, b, off, end, buffered, segFrame);
        if (used === 0) break;
        off = this.advance(half, buffered, off, off + used);
        continue;
      }
      let proto = half.proto;
      let res: { f: Framing; untilClose?: boolean } | undefined;
      if (proto === undefined) {
        const list = candidates(this.tables["tcp.port"], this.tables.heuristics.tcp, c.portLo, c.portHi, this.cands);
        for (let i = 0; i < list.length; i++) {
          const r = this.frameAs(c, half, list[i], b, off, end);
          if (r.f.kind !== "none") {
            proto = list[i];
            res = r;
            break;
          }
        }
        if (proto === undefined) {
          // Claimed by nobody here (TLS, RTP over TCP, a capture that starts mid-message): not a
          // PDU and not a problem. A message may still start at a later line.
          off = this.advance(half, buffered, off, this.resync(c, half, b, off, end));
          continue;
        }
      } else {
        res = this.frameAs(c, half, proto, b, off, end);
      }
      const f = res!.f;
      if (proto === "ws-sniff" && f.kind !== "more") {
        // WebSocket frames carrying SIP on a connection upgraded before the capture began.
        half.mode = "ws";
        half.pending = undefined;
        continue;
      }
      if (f.kind === "more") {
        half.need = f.need ?? 0;
        half.pending = proto;
        half.untilClose = res!.untilClose === true;
        if (half.untilClose) half.proto = proto;
        break;
      }
      if (f.kind === "none") {
        // A decided stream that stops making sense (a gap, junk): resynchronise at a later line start.
        const at = this.resync(c, half, b, off, end);
        this.problem(`${at - off} bytes in TCP ${ep(half.src)} -> ${ep(half.dst)} are not ${proto}: skipped`, true);
        half.proto = undefined;
        off = this.advance(half, buffered, off, at);
        continue;
      }
      if (f.kind === "skip") {
        // keep-alives decide nothing: a telnet session's bare CRLF must not make the stream "SIP"
        off = this.advance(half, buffered, off, f.end);
        continue;
      }
      half.proto = proto;
      half.pending = undefined;
      // a PDU
      const frames = buffered ? half.buf.framesOf(f.start - half.buf.start, f.end - half.buf.start, this.frame) : segFrame !== this.frame ? [segFrame, this.frame] : undefined;
      const bytes = buffered ? b.slice(f.start, f.end) : b.subarray(f.start, f.end);
      if (proto === "hep") {
        const h = decodeHep3(bytes, 0, bytes.length);
        if (typeof h === "string") this.problem(h, true);
        else this.hep(h, half.src, half.dst);
      } else {
        const protocol: PduProtocol = proto === "sip" ? "sip" : proto === "diameter" ? "diameter" : "http";
        // A response learns the request it answers before afterHttp retires that request.
        const answers = protocol === "http" && httpStart(bytes, 0, bytes.length) === "response" ? this.answering(c, half) : undefined;
        this.emit(protocol, bytes, half.src, half.dst, "tcp", frames, f.problem, undefined, undefined, answers);
        if (protocol === "http") this.afterHttp(c, half, bytes);
      }
      off = this.advance(half, buffered, off, f.end);
    }
    return off;
  }

  /** Moves past consumed bytes; in the buffer that also drops them. */
  private advance(half: TcpHalf, buffered: boolean, off: number, to: number): number {
    if (buffered) half.buf.consume(to - off);
    return to;
  }

  /** The next line start after `off` where some candidate protocol frames (or may), else `end`. */
  private resync(c: TcpConn, half: TcpHalf, b: Uint8Array, off: number, end: number): number {
    const list = candidates(this.tables["tcp.port"], this.tables.heuristics.tcp, c.portLo, c.portHi, this.cands);
    let p = off;
    for (let tries = 0; tries < 4096; tries++) {
      const lf = indexOfLf(b, p, end);
      if (lf < 0) return end;
      p = lf + 1;
      if (p >= end) return end;
      for (let i = 0; i < list.length; i++) if (this.frameAs(c, half, list[i], b, p, end).f.kind !== "none") return p;
    }
    return end;
  }

  /** Method of the oldest outstanding request the other side sent (the one a response on `half` answers), if seen. */
  private answering(c: TcpConn, half: TcpHalf): string | undefined {
    const q = (half === c.a ? c.b : c.a).sentMethods;
    return q.length ? q[0] : undefined;
  }

  /**
   * After an HTTP message: a request's method is queued for the response framing; a final response
   * (or 101) retires the oldest; a 2xx to CONNECT turns the connection into a tunnel; a WebSocket
   * handshake switches the stream (the request's side after it, the 101's side after it).
   */
  private afterHttp(c: TcpConn, half: TcpHalf, bytes: Uint8Array): void {
    const k = httpStart(bytes, 0, bytes.length);
    if (k === "request") {
      const method = httpRequestMethod(bytes, 0, bytes.length);
      if (method) {
        if (half.sentMethods.length >= MAX_OUTSTANDING_REQUESTS) half.sentMethods.shift();
        half.sentMethods.push(method);
      }
    } else if (k === "response") {
      const status = parseDecimal(bytes, 9, 12);
      // 1xx are interim (the final response still follows), except 101 which ends HTTP here
      if (status >= 200 || status === 101) {
        const q = (half === c.a ? c.b : c.a).sentMethods;
        const method = q.shift();
        if (method === "CONNECT" && status >= 200 && status < 300) return this.startTunnel(c);
      }
    }
    const he = findHeaderEnd(bytes, 0, bytes.length);
    if (he < 0) return;
    if (k === "request") {
      const up = findHeader(bytes, 0, he, ["upgrade"]);
      if (up && matchLower(bytes, up.value, up.end, "websocket")) {
        c.wsRequested = true;
        half.mode = "ws";
      }
    } else if (k === "response" && c.wsRequested && bytes.length >= 12 && bytes[9] === 49 && bytes[10] === 48 && bytes[11] === 49) {
      half.mode = "ws";
      this.connection("open", half.dst, half.src, "ws");
    }
  }

  /**
   * RFC 9112 §6.3 item 2: after a 2xx to CONNECT both sides carry tunnelled bytes (usually TLS).
   * HTTP framing stops for good on this connection; the other framers still sniff (plain SIP through
   * a proxy tunnel is still found), and unclaimed bytes are skipped silently as on any TLS stream.
   */
  private startTunnel(c: TcpConn): void {
    c.tunnel = true;
    for (const h of [c.a, c.b]) {
      h.proto = undefined;
      h.pending = undefined;
      h.untilClose = false;
      h.need = 0;
      h.sentMethods.length = 0;
    }
  }

  /** One WebSocket frame at off; returns bytes used, 0 when more are needed. */
  private wsFrame(c: TcpConn, half: TcpHalf, b: Uint8Array, off: number, end: number, buffered: boolean, segFrame: number): number {
    void c;
    const h = wsFrameHeader(b, off, end);
    if (h === 0) return 0;
    if (typeof h === "string") {
      this.problem(`${h} in ${ep(half.src)} -> ${ep(half.dst)}: rest of the stream skipped`, true);
      half.mode = "pdu";
      half.proto = undefined;
      return end - off;
    }
    const total = h.headerLen + h.payloadLen;
    if (end - off < total) return 0;
    const frames = buffered ? half.buf.framesOf(off - half.buf.start, off + total - half.buf.start, this.frame) : segFrame !== this.frame ? [segFrame, this.frame] : [this.frame];
    let payload = wsPayload(b, off, h);
    if (buffered && h.maskAt < 0) payload = payload.slice();
    switch (h.opcode) {
      case 8: {
        const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : undefined;
        this.connection("ws-close", half.src, half.dst, "ws", code);
        break;
      }
      case 9:
      case 10:
        break; // ping/pong
      case 0:
        if (!half.wsFrags.length) {
          this.problem("WebSocket continuation frame without a first frame: skipped", true);
          break;
        }
        this.wsCollect(half, payload, frames);
        if (h.fin) this.wsMessage(half);
        break;
      default:
        // text (1) or binary (2): a new message
        if (half.wsFrags.length) this.problem("WebSocket message interrupted by a new one: partial message dropped", true);
        half.wsFrags = [];
        half.wsFrames = [];
        half.wsFragBytes = 0;
        this.wsCollect(half, payload, frames);
        if (h.fin) this.wsMessage(half);
        break;
    }
    return total;
  }

  private wsCollect(half: TcpHalf, payload: Uint8Array, frames: number[]): void {
    half.wsFrags.push(payload);
    half.wsFragBytes += payload.length;
    for (const f of frames) if (!half.wsFrames.includes(f)) half.wsFrames.push(f);
  }

  private wsMessage(half: TcpHalf): void {
    let msg: Uint8Array;
    if (half.wsFrags.length === 1) msg = half.wsFrags[0];
    else {
      msg = new Uint8Array(half.wsFragBytes);
      let o = 0;
      for (const part of half.wsFrags) {
        msg.set(part, o);
        o += part.length;
      }
    }
    const frames = half.wsFrames;
    half.wsFrags = [];
    half.wsFrames = [];
    half.wsFragBytes = 0;
    for (const proto of this.tables.heuristics.ws) {
      if (proto !== "sip") continue;
      const f = frameSip(msg, 0, msg.length, false);
      if (f.kind === "pdu") {
        this.emit("sip", msg.subarray(f.start, f.end), half.src, half.dst, "ws", frames, f.problem);
        return;
      }
    }
  }
}

/**
 * Does a WebSocket data frame carrying SIP start at off? "pdu" (whole frame) / "more" (its payload
 * so far starts like SIP) / "none". Only the first 512 payload bytes are unmasked for the sniff.
 */
function sniffWsSip(b: Uint8Array, off: number, end: number): Framing {
  if (end - off < 2) return end > off && (b[off] & 0x7f) >= 1 && (b[off] & 0x7f) <= 2 ? MORE : NONE;
  const h = wsFrameHeader(b, off, end);
  if (h === 0) return MORE;
  if (typeof h === "string" || (h.opcode !== 1 && h.opcode !== 2) || h.payloadLen < 16) return NONE;
  const p = off + h.headerLen;
  const n = Math.min(h.payloadLen, end - p, 512);
  if (n < 16) return MORE;
  const head = new Uint8Array(n);
  for (let i = 0; i < n; i++) head[i] = h.maskAt < 0 ? b[p + i] : b[p + i] ^ b[h.maskAt + (i & 3)];
  const f = frameSip(head, 0, n, true);
  if (f.kind === "none" || f.kind === "skip") return NONE;
  return end - p >= h.payloadLen ? { kind: "pdu", start: off, end: p + h.payloadLen } : MORE;
}

function ep(e: Endpoint): string {
  return e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}
