/**
 * SCTP (RFC 9260) DATA chunks: every DATA chunk of a packet is read (several per packet are
 * normal), and fragmented user messages are put back together from their B(eginning)/E(nd) flags
 * and consecutive TSNs, per association direction and stream. I-DATA (RFC 8260) is read the same
 * way by its MID/FSN. Retransmitted whole messages are handed on again, as tshark dissects them.
 */

export interface SctpMessage {
  data: Uint8Array;
  ppid: number;
  stream: number;
  /** Records that carried fragments, when more than one did. */
  frames?: number[];
}

interface Fragment {
  tsn: number;
  flags: number;
  data: Uint8Array;
  frame: number;
  ppid: number;
}

const MAX_FRAGMENTS_PER_STREAM = 4096;
const MAX_MESSAGE = 16 << 20;

export class SctpReassembler {
  private streams = new Map<string, Map<number, Fragment>>();
  /** Last TSN of the latest reassembled message per stream: a fragment at or before it is a retransmission. */
  private completed = new Map<string, number>();

  constructor(private readonly problem: (frame: number, reason: string) => void) {}

  /**
   * One DATA chunk. `key` names the association direction. Returns the user message when this
   * chunk completes one.
   */
  add(key: string, tsn: number, streamId: number, ppid: number, flags: number, data: Uint8Array, frame: number): SctpMessage | undefined {
    const B = 2;
    const E = 1;
    if ((flags & (B | E)) === (B | E)) return { data, ppid, stream: streamId };
    const sk = `${key}|${streamId}`;
    const done = this.completed.get(sk);
    if (done !== undefined && ((tsn - done) | 0) <= 0 && ((tsn - done) | 0) > -MAX_FRAGMENTS_PER_STREAM) return undefined;
    let frags = this.streams.get(sk);
    if (!frags) this.streams.set(sk, (frags = new Map()));
    if (frags.size >= MAX_FRAGMENTS_PER_STREAM) {
      this.problem(frame, `too many SCTP fragments waiting on stream ${streamId}: ${frags.size} dropped`);
      frags.clear();
    }
    frags.set(tsn >>> 0, { tsn: tsn >>> 0, flags, data, frame, ppid });
    // find the first fragment of this message (walk back to B) and the last (walk forward to E)
    let first = tsn >>> 0;
    for (let n = 0; ; n++) {
      const f = frags.get(first);
      if (!f || n > MAX_FRAGMENTS_PER_STREAM) return undefined;
      if (f.flags & B) break;
      first = (first - 1) >>> 0;
    }
    let last = tsn >>> 0;
    for (let n = 0; ; n++) {
      const f = frags.get(last);
      if (!f || n > MAX_FRAGMENTS_PER_STREAM) return undefined;
      if (f.flags & E) break;
      last = (last + 1) >>> 0;
    }
    let total = 0;
    const frames: number[] = [];
    for (let t = first; ; t = (t + 1) >>> 0) {
      const f = frags.get(t)!;
      total += f.data.length;
      if (frames[frames.length - 1] !== f.frame) frames.push(f.frame);
      if (t === last) break;
    }
    if (total > MAX_MESSAGE) {
      this.problem(frame, `SCTP user message of ${total} bytes is too large: dropped`);
      return undefined;
    }
    const out = new Uint8Array(total);
    let o = 0;
    const firstPpid = frags.get(first)!.ppid;
    for (let t = first; ; t = (t + 1) >>> 0) {
      const f = frags.get(t)!;
      out.set(f.data, o);
      o += f.data.length;
      frags.delete(t);
      if (t === last) break;
    }
    this.completed.set(sk, last);
    return { data: out, ppid: firstPpid, stream: streamId, frames: frames.length > 1 ? frames : undefined };
  }

  /** Fragments still waiting at end of capture. */
  flush(): void {
    for (const [k, frags] of this.streams) {
      if (frags.size) {
        const f = frags.values().next().value!;
        this.problem(f.frame, `${frags.size} SCTP fragment(s) of an incomplete user message on ${k}: dropped`);
      }
    }
    this.streams.clear();
  }
}
