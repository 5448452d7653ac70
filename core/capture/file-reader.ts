/**
 * Push-based pcap / pcapng container reader: chunks in, link-layer records out. Sans-I/O: the
 * caller reads the file; nothing here needs the whole file (a record split across chunks is
 * gathered in a buffer sized to that record only, which is bounded by MAX_RECORD).
 *
 * Zero-copy on the hot path: a record that lies wholly inside a pushed chunk is handed on as a
 * subarray of that chunk, so the caller must not reuse a chunk's memory after pushing it.
 *
 * Errors: wrong magic or a truncated file header throws CaptureFormatError (the file cannot be read
 * at all). A bad record later is a CaptureProblem; where the format gives no way to resynchronise
 * (a pcap record length past any sane size) reading stops there with that problem.
 */
import { CaptureFormatError, type CaptureProblem } from "./types";

/** One link-layer record as the dissectors see it. */
export interface RawRecord {
  /** 1-based record number (tshark's frame number). */
  frame: number;
  /** Epoch seconds. */
  time: number;
  /** LINKTYPE_* value of the record's interface. */
  linktype: number;
  /** pcapng: the record's interface id within its section (pcap files have one interface and leave it out). */
  iface?: number;
  /** Captured bytes (may be shorter than `origLen` when the capture was sliced). */
  data: Uint8Array;
  origLen: number;
  /** Byte offset of the record (its header) in the file. */
  offset: number;
}

export interface RecordSink {
  /** `r` is reused for the next record (one object per reader, not one per packet): copy what you keep. */
  record(r: RawRecord): void;
  problem(p: CaptureProblem): void;
}

/** Larger than any real packet (Wireshark's limit is 256 KiB); bounds every buffer we allocate. */
export const MAX_RECORD = 1 << 20;
/** Largest pcapng block we buffer (a packet block holds at most MAX_RECORD plus options); larger ones are skipped unread. */
export const MAX_BLOCK = MAX_RECORD + (64 << 10);

export interface ContainerReader {
  push(chunk: Uint8Array): void;
  end(): void;
  /** "pcap" | "pcapng" once the magic has been read. */
  readonly format: "pcap" | "pcapng" | undefined;
}

/**
 * A parse step looks at `avail` contiguous bytes at `off` and either consumes one unit (returns
 * the byte count, > 0) or asks for a total of N bytes for the unit (returns -N, N > avail).
 * Given N bytes it must then consume exactly N or ask for more.
 */
type Step = (buf: Uint8Array, off: number, avail: number) => number;

interface PcapngInterface {
  linktype: number;
  /** Timestamp units per second. */
  unitsPerSec: number;
  /** if_tsoffset seconds. */
  tsOffset: number;
  snaplen: number;
}

const PCAPNG_SHB = 0x0a0d0d0a;
/** pcap magics read little-endian: µs, ns, and "modified" (Kuznetzov) pcap, in both byte orders. */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1]);

/** Which container the first four bytes announce; undefined when neither (then try the text readers). */
export function containerFormat(head: Uint8Array): "pcap" | "pcapng" | undefined {
  if (head.length < 4) return undefined;
  const m = (head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24)) >>> 0;
  if (PCAP_MAGICS.has(m)) return "pcap";
  return m === PCAPNG_SHB ? "pcapng" : undefined;
}

export function createContainerReader(sink: RecordSink): ContainerReader {
  let fileOffset = 0; // offset of the unit currently being parsed
  let frame = 0;
  let stopped = false;
  let format: "pcap" | "pcapng" | undefined;
  let sawAnyByte = false;

  // --- pcap state
  let le = true;
  let pcapUnitsPerSec = 1e6;
  let pcapLinktype = 1;
  let pcapRecHdr = 16; // 24 for the "modified" (Kuznetzov) pcap

  // --- pcapng state
  let interfaces: PcapngInterface[] = [];
  let lastTime = 0;

  const problem = (reason: string, skipped: boolean, atFrame = frame) =>
    sink.problem({ frame: atFrame, offset: fileOffset, reason, skipped });

  const u32 = (b: Uint8Array, o: number, little: boolean) =>
    little ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const u16 = (b: Uint8Array, o: number, little: boolean) => (little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);

  const detect: Step = (b, off, avail) => {
    if (avail < 4) return -4;
    const m = u32(b, off, true);
    const kind = containerFormat(b.subarray(off, off + 4));
    if (kind === "pcap") {
      if (avail < 24) return -24;
      format = "pcap";
      le = m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34;
      pcapUnitsPerSec = m === 0xa1b23c4d || m === 0x4d3cb2a1 ? 1e9 : 1e6;
      pcapRecHdr = m === 0xa1b2cd34 || m === 0x34cdb2a1 ? 24 : 16;
      pcapLinktype = u32(b, off + 20, le) & 0xffff;
      step = pcapRecord;
      return 24;
    }
    if (kind === "pcapng") {
      format = "pcapng";
      step = pcapngBlock;
      return pcapngBlock(b, off, avail); // the SHB is an ordinary block
    }
    throw new CaptureFormatError(0, `not a pcap or pcapng file (magic ${hex(b, off, 4)})`);
  };

  // One record object per reader, filled anew for every packet (sinks copy what they keep): a
  // capture of 10^5 packets then makes no 10^5 short-lived record objects for the young generation.
  const pcapRec: RawRecord = { frame: 0, time: 0, linktype: 0, data: new Uint8Array(0), origLen: 0, offset: 0 };
  const pcapngRec: RawRecord = { frame: 0, time: 0, linktype: 0, iface: 0, data: new Uint8Array(0), origLen: 0, offset: 0 };
  const pcapngRecord = (frame: number, time: number, linktype: number, iface: number, data: Uint8Array, origLen: number, offset: number): RawRecord => {
    const r = pcapngRec;
    r.frame = frame;
    r.time = time;
    r.linktype = linktype;
    r.iface = iface;
    r.data = data;
    r.origLen = origLen;
    r.offset = offset;
    return r;
  };

  const pcapRecord: Step = (b, off, avail) => {
    if (avail < pcapRecHdr) return -pcapRecHdr;
    const incl = u32(b, off + 8, le);
    if (incl > MAX_RECORD) {
      problem(`record ${frame + 1} claims ${incl} captured bytes (limit ${MAX_RECORD}); the rest of the file cannot be read`, true, frame + 1);
      stopped = true;
      return avail;
    }
    const total = pcapRecHdr + incl;
    if (avail < total) return -total;
    const sec = u32(b, off, le);
    const frac = u32(b, off + 4, le);
    const orig = u32(b, off + 12, le);
    frame++;
    const r = pcapRec;
    r.frame = frame;
    r.time = sec + frac / pcapUnitsPerSec;
    r.linktype = pcapLinktype;
    r.data = b.subarray(off + pcapRecHdr, off + total);
    r.origLen = orig;
    r.offset = fileOffset;
    sink.record(r);
    return total;
  };

  const pcapngBlock: Step = (b, off, avail) => {
    if (avail < 12) return -12;
    let type = u32(b, off, le);
    if (type === PCAPNG_SHB) {
      // A new section: its byte-order magic decides the endianness of everything up to the next SHB.
      const bom = u32(b, off + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        if (frame === 0 && fileOffset === 0) throw new CaptureFormatError(fileOffset + 8, `pcapng section header with a bad byte-order magic (${hex(b, off + 8, 4)})`);
        problem(`pcapng section header with a bad byte-order magic (${hex(b, off + 8, 4)}); the rest of the file cannot be read`, true);
        stopped = true;
        return avail;
      }
      type = PCAPNG_SHB;
    }
    const len = u32(b, off + 4, le);
    if (len < 12 || len % 4 !== 0) {
      if (fileOffset === 0) throw new CaptureFormatError(4, `pcapng section header block length ${len} is invalid`);
      problem(`pcapng block of type 0x${type.toString(16)} has an invalid length ${len}; the rest of the file cannot be read`, true, frame + 1);
      stopped = true;
      return avail;
    }
    if (len > MAX_BLOCK) {
      if (fileOffset === 0) throw new CaptureFormatError(4, `pcapng section header block length ${len} is too large`);
      // The length is structural, so the block can be stepped over without buffering it.
      const isPacket = type === 6 || type === 2 || type === 3;
      if (isPacket) frame++;
      problem(`pcapng block of type 0x${type.toString(16)} is ${len} bytes (limit ${MAX_BLOCK}): skipped`, true, isPacket ? frame : frame + 1);
      if (avail >= len) return len;
      skipRemaining = len - avail;
      return avail;
    }
    if (avail < len) return -len;
    const trailer = u32(b, off + len - 4, le);
    if (trailer !== len) {
      problem(`pcapng block of type 0x${type.toString(16)}: trailing length ${trailer} differs from leading length ${len}`, false, frame + 1);
    }
    const body = off + 8;
    const bodyEnd = off + len - 4;
    switch (type) {
      case PCAPNG_SHB:
        interfaces = [];
        break;
      case 1: // Interface Description Block
        interfaces.push(parseIdb(b, body, bodyEnd));
        break;
      case 6: // Enhanced Packet Block
      case 2: {
        // Obsolete Packet Block: 16-bit interface id + 16-bit drops count, then as EPB.
        if (bodyEnd - body < 20) {
          frame++;
          problem(`packet block too short (${len} bytes)`, true);
          break;
        }
        const ifId = type === 6 ? u32(b, body, le) : u16(b, body, le);
        const hi = u32(b, body + 4, le);
        const lo = u32(b, body + 8, le);
        const cap = u32(b, body + 12, le);
        const orig = u32(b, body + 16, le);
        frame++;
        const iface = interfaces[ifId];
        if (!iface) {
          problem(`packet block names interface ${ifId}, but only ${interfaces.length} are described`, true);
          break;
        }
        if (cap > bodyEnd - body - 20) {
          problem(`packet block captured length ${cap} exceeds its block (${bodyEnd - body - 20} bytes)`, true);
          break;
        }
        const time = hi * (4294967296 / iface.unitsPerSec) + lo / iface.unitsPerSec + iface.tsOffset;
        lastTime = time;
        sink.record(pcapngRecord(frame, time, iface.linktype, ifId, b.subarray(body + 20, body + 20 + cap), orig, fileOffset));
        break;
      }
      case 3: {
        // Simple Packet Block: interface 0, no timestamp (we reuse the previous record's time so
        // the timeline stays ordered), captured length implied by the block length and snaplen.
        frame++;
        const iface = interfaces[0];
        if (!iface || bodyEnd - body < 4) {
          problem(iface ? "simple packet block too short" : "simple packet block before any interface description", true);
          break;
        }
        const orig = u32(b, body, le);
        let cap = Math.min(orig, bodyEnd - body - 4);
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        sink.record(pcapngRecord(frame, lastTime, iface.linktype, 0, b.subarray(body + 4, body + 4 + cap), orig, fileOffset));
        break;
      }
      default:
        // NRB, ISB, DSB, custom and unknown blocks carry no packets: skipped by design.
        break;
    }
    return len;
  };

  function parseIdb(b: Uint8Array, o: number, end: number): PcapngInterface {
    const iface: PcapngInterface = { linktype: u16(b, o, le), snaplen: u32(b, o + 4, le), unitsPerSec: 1e6, tsOffset: 0 };
    let p = o + 8;
    while (p + 4 <= end) {
      const code = u16(b, p, le);
      const olen = u16(b, p + 2, le);
      const v = p + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 9 && olen >= 1) {
        const r = b[v];
        const exp = r & 0x7f;
        iface.unitsPerSec = r & 0x80 ? 2 ** exp : 10 ** exp;
        if (!(iface.unitsPerSec > 0) || !Number.isFinite(iface.unitsPerSec)) iface.unitsPerSec = 1e6;
      } else if (code === 14 && olen >= 8) {
        // if_tsoffset: signed 64-bit seconds; the high word is 0 or -1 for any sane value.
        const lo = u32(b, v + (le ? 0 : 4), le);
        const hi = u32(b, v + (le ? 4 : 0), le) | 0;
        iface.tsOffset = hi * 4294967296 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
    return iface;
  }

  let step: Step = detect;

  // Bytes still to step over (an oversized pcapng block), never buffered.
  let skipRemaining = 0;
  // Bytes of a unit that straddles chunks.
  let carry: Uint8Array | undefined;
  let carryLen = 0;
  let carryNeed = 0;

  function push(chunk: Uint8Array): void {
    if (chunk.length) sawAnyByte = true;
    let pos = 0;
    while (!stopped) {
      if (skipRemaining > 0) {
        const n = Math.min(skipRemaining, chunk.length - pos);
        skipRemaining -= n;
        pos += n;
        fileOffset += n;
        if (skipRemaining > 0) return;
        continue;
      }
      if (carry) {
        const take = Math.min(carryNeed - carryLen, chunk.length - pos);
        carry.set(chunk.subarray(pos, pos + take), carryLen);
        carryLen += take;
        pos += take;
        if (carryLen < carryNeed) return;
        const r = step(carry, 0, carryLen);
        if (r > 0) {
          fileOffset += r;
          carry = undefined;
          carryLen = carryNeed = 0;
        } else {
          grow(-r);
        }
        continue;
      }
      const avail = chunk.length - pos;
      if (avail === 0) return;
      const r = step(chunk, pos, avail);
      if (r > 0) {
        pos += r;
        fileOffset += r;
        continue;
      }
      // Not enough bytes for this unit: gather it (only it) into its own buffer.
      carry = new Uint8Array(-r);
      carry.set(chunk.subarray(pos), 0);
      carryLen = avail;
      carryNeed = -r;
      return;
    }
  }

  function grow(need: number): void {
    const n = new Uint8Array(need);
    n.set(carry!.subarray(0, carryLen));
    carry = n;
    carryNeed = need;
  }

  function end(): void {
    if (stopped) return;
    if (skipRemaining > 0) {
      problem(`file ends inside an oversized pcapng block (${skipRemaining} bytes missing)`, true, frame + 1);
      stopped = true;
      return;
    }
    if (!format) {
      if (!sawAnyByte) throw new CaptureFormatError(0, "the file is empty");
      if (carryLen >= 4 && step === detect) {
        // Magic was recognised but the header is cut short.
        throw new CaptureFormatError(carryLen, `file header truncated after ${carryLen} bytes`);
      }
      throw new CaptureFormatError(0, `file too short (${carryLen} bytes) to hold a capture header`);
    }
    if (carry && carryLen > 0) {
      if (fileOffset === 0) throw new CaptureFormatError(carryLen, `file header truncated after ${carryLen} bytes`);
      problem(`last record truncated: ${carryLen} of ${carryNeed}${carryNeed <= 24 ? "+" : ""} bytes present`, true, frame + 1);
      carry = undefined;
      carryLen = 0;
    }
    stopped = true;
  }

  return {
    push,
    end,
    get format() {
      return format;
    },
  };
}

function hex(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n && off + i < b.length; i++) s += b[off + i].toString(16).padStart(2, "0");
  return s;
}
