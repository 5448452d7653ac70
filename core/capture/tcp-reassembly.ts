/**
 * One direction of a TCP connection: puts segments back in sequence order (RFC 9293 sequence
 * space, 32-bit wrap-around) and hands contiguous bytes on exactly once.
 *  - out-of-order segments wait (bounded: MAX_OOO_SEGMENTS / MAX_OOO_BYTES);
 *  - retransmitted and overlapping bytes are trimmed (the first copy wins, as in most stacks);
 *  - when the wait exceeds its bounds, or at FIN/RST/end of capture, the missing range is a *gap*:
 *    reported, and delivery resumes after it (the framer above then resynchronises).
 * A capture that starts mid-connection simply starts at the first segment seen.
 */

export interface TcpDelivery {
  /** In-order bytes of one segment (or of its new part). */
  data(bytes: Uint8Array, frame: number): void;
  /** `bytes` bytes are missing before what comes next. */
  gap(bytes: number, frame: number): void;
}

interface Held {
  seq: number;
  data: Uint8Array;
  frame: number;
}

const MAX_OOO_SEGMENTS = 512;
const MAX_OOO_BYTES = 4 << 20;

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpSequencer {
  /** Next expected sequence number; -1 until the first SYN or data segment. */
  next = -1;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Bytes dropped as retransmitted/overlapping (for statistics). */
  retransmittedBytes = 0;

  constructor(private readonly out: TcpDelivery) {}

  syn(seq: number): void {
    this.next = (seq + 1) >>> 0;
  }

  segment(seq: number, data: Uint8Array, frame: number): void {
    if (data.length === 0) return;
    if (this.next < 0) this.next = seq >>> 0;
    const d = seqDiff(seq, this.next);
    if (d > 0) {
      this.hold(seq, data, frame);
      return;
    }
    if (d + data.length <= 0) {
      this.retransmittedBytes += data.length;
      return;
    }
    if (d < 0) {
      this.retransmittedBytes += -d;
      data = data.subarray(-d);
    }
    this.next = (this.next + data.length) >>> 0;
    this.out.data(data, frame);
    this.drain();
  }

  private hold(seq: number, data: Uint8Array, frame: number): void {
    // keep sorted by distance from `next`; usually appended at the end
    const d = seqDiff(seq, this.next);
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1].seq, this.next) > d) i--;
    this.held.splice(i, 0, { seq, data, frame });
    this.heldBytes += data.length;
    if (this.held.length > MAX_OOO_SEGMENTS || this.heldBytes > MAX_OOO_BYTES) this.skipGap(frame);
  }

  private drain(): void {
    while (this.held.length) {
      const h = this.held[0];
      const d = seqDiff(h.seq, this.next);
      if (d > 0) return;
      this.held.shift();
      this.heldBytes -= h.data.length;
      if (d + h.data.length <= 0) {
        this.retransmittedBytes += h.data.length;
        continue;
      }
      const data = d < 0 ? h.data.subarray(-d) : h.data;
      this.next = (this.next + data.length) >>> 0;
      this.out.data(data, h.frame);
    }
  }

  /** Gives up on the missing range before the first held segment and delivers from there. */
  private skipGap(frame: number): void {
    if (!this.held.length) return;
    const missing = seqDiff(this.held[0].seq, this.next);
    this.next = this.held[0].seq >>> 0;
    this.out.gap(missing, frame);
    this.drain();
  }

  /** FIN/RST/end of capture: whatever waits behind a hole is delivered after reporting the holes. */
  flush(frame: number): void {
    while (this.held.length) this.skipGap(frame);
  }

  get pendingSegments(): number {
    return this.held.length;
  }
}
