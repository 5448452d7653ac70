/**
 * IPv4 and IPv6 fragment reassembly (RFC 791 / RFC 8200 §4.5). Fragments are keyed by
 * (version, src, dst, protocol, id); a datagram completes when the last fragment (MF=0) has been
 * seen and the pieces cover [0, total) without a hole. Overlaps keep the first copy (as RFC 5722
 * forbids them for IPv6 anyway). Memory is bounded: a datagram over 64 KiB + headers is refused,
 * and at most MAX_PENDING datagrams wait; the oldest are evicted (reported) past that or when
 * older than FRAGMENT_TIMEOUT seconds of capture time.
 */

interface Piece {
  off: number;
  data: Uint8Array;
}

interface Pending {
  key: string;
  pieces: Piece[];
  /** Total length once the last fragment is known, else -1. */
  total: number;
  frames: number[];
  firstTime: number;
  firstFrame: number;
}

export interface Reassembled {
  data: Uint8Array;
  frames: number[];
}

const MAX_DATAGRAM = 65535 + 40;
const MAX_PENDING = 1024;
const FRAGMENT_TIMEOUT = 60;

export class FragmentReassembler {
  private pending = new Map<string, Pending>();

  constructor(private readonly onEvict: (frame: number, reason: string) => void) {}

  /**
   * Adds one fragment; returns the whole payload when this fragment completes it. `more` is the
   * MF flag, `off` the payload offset in bytes.
   */
  add(key: string, off: number, more: boolean, data: Uint8Array, frame: number, time: number): Reassembled | undefined {
    this.expire(time);
    if (off + data.length > MAX_DATAGRAM) {
      this.onEvict(frame, `IP fragment ends at byte ${off + data.length}, past the largest possible datagram: dropped`);
      return undefined;
    }
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= MAX_PENDING) this.evictOldest();
      p = { key, pieces: [], total: -1, frames: [], firstTime: time, firstFrame: frame };
      this.pending.set(key, p);
    }
    p.frames.push(frame);
    if (!more) p.total = off + data.length;
    p.pieces.push({ off, data });
    if (p.total < 0) return undefined;
    p.pieces.sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const piece of p.pieces) {
      if (piece.off > covered) return undefined; // hole
      covered = Math.max(covered, piece.off + piece.data.length);
    }
    if (covered < p.total) return undefined;
    const out = new Uint8Array(p.total);
    // Write in reverse so the first copy of an overlapped range wins.
    for (let i = p.pieces.length - 1; i >= 0; i--) {
      const piece = p.pieces[i];
      out.set(piece.data.subarray(0, Math.max(0, Math.min(piece.data.length, p.total - piece.off))), piece.off);
    }
    this.pending.delete(key);
    return { data: out, frames: p.frames };
  }

  private expire(time: number): void {
    if (this.pending.size === 0) return;
    for (const p of this.pending.values()) {
      // Map iterates in insertion order, so the oldest come first.
      if (time - p.firstTime <= FRAGMENT_TIMEOUT) break;
      this.drop(p, `IP fragments of frame(s) ${p.frames.join(",")} never completed within ${FRAGMENT_TIMEOUT} s: dropped`);
    }
  }

  private evictOldest(): void {
    const first = this.pending.values().next().value;
    if (first) this.drop(first, `too many incomplete IP datagrams: fragments of frame(s) ${first.frames.join(",")} dropped`);
  }

  private drop(p: Pending, reason: string): void {
    this.pending.delete(p.key);
    this.onEvict(p.firstFrame, reason);
  }

  /** At end of capture: every incomplete datagram is reported. */
  flush(): void {
    for (const p of [...this.pending.values()]) this.drop(p, `IP fragments of frame(s) ${p.frames.join(",")} incomplete at end of capture: dropped`);
  }
}
