/**
 * The unframed tail of a byte stream (TCP direction or WebSocket message assembly), with which
 * records carried which bytes (so a PDU can name every frame it came from). Offsets are absolute
 * stream positions; the buffer is compacted or grown as needed, so PDUs taken from it are copied
 * (the zero-copy path is the caller's: framing a segment directly when nothing is buffered).
 */

const EMPTY = new Uint8Array(0);

export class StreamBuffer {
  buf: Uint8Array = EMPTY;
  /** Index in buf of the first unconsumed byte, and one past the last. */
  start = 0;
  end = 0;
  /** Absolute stream position of buf[0]. */
  private base = 0;
  private segEnds: number[] = [];
  private segFrames: number[] = [];

  get length(): number {
    return this.end - this.start;
  }

  append(data: Uint8Array, frame: number): void {
    const n = data.length;
    if (n === 0) return;
    if (this.end + n > this.buf.length) {
      const live = this.end - this.start;
      if (live + n <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const nb = new Uint8Array(Math.max(live + n, this.buf.length * 2, 4096));
        nb.set(this.buf.subarray(this.start, this.end));
        this.buf = nb;
      }
      this.base += this.start;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(data, this.end);
    this.end += n;
    this.segEnds.push(this.base + this.end);
    this.segFrames.push(frame);
  }

  /**
   * Frames (in order, without repeats) that carried bytes [start+from, start+to) of the live data;
   * `extra` (the current record) is appended if not already last.
   */
  framesOf(from: number, to: number, extra?: number): number[] {
    const a = this.base + this.start + from;
    const z = this.base + this.start + to;
    const out: number[] = [];
    for (let i = 0; i < this.segEnds.length; i++) {
      const segStart = i === 0 ? -Infinity : this.segEnds[i - 1];
      const segEnd = this.segEnds[i];
      if (segEnd > a && segStart < z && out[out.length - 1] !== this.segFrames[i]) out.push(this.segFrames[i]);
    }
    if (extra !== undefined && out[out.length - 1] !== extra && !out.includes(extra)) out.push(extra);
    return out;
  }

  /** Drops `n` bytes from the front. */
  consume(n: number): void {
    this.start += n;
    const abs = this.base + this.start;
    let k = 0;
    while (k < this.segEnds.length && this.segEnds[k] <= abs) k++;
    if (k) {
      this.segEnds.splice(0, k);
      this.segFrames.splice(0, k);
    }
    if (this.start === this.end) this.clear();
  }

  clear(): void {
    this.base += this.end;
    this.start = this.end = 0;
    this.segEnds.length = 0;
    this.segFrames.length = 0;
    if (this.buf.length > 1 << 16) this.buf = EMPTY; // give back a large buffer once drained
  }
}
