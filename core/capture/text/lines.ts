/**
 * Streaming line splitter: bytes in (any chunking, even one byte at a time), whole lines out.
 * A line is handed on without its terminator; `eol` says which terminator it had ("" for the last
 * line of a file without a final newline, or a line cut at MAX_LINE). Keeping partial lines as a
 * list of parts (not by re-concatenating) keeps byte-by-byte feeding linear.
 */
import { concatBytes } from "./bytes";

/** Longer lines are cut here, so garbage without newlines cannot grow memory without bound. */
export const MAX_LINE = 1 << 20;

export interface Line {
  /** 1-based line number. */
  no: number;
  /** Byte offset of the line's first byte in the input. */
  offset: number;
  /** The line's bytes without the terminator (a CRLF's "\r" removed too). May alias the pushed chunk: copy to keep. */
  bytes: Uint8Array;
  eol: "\r\n" | "\n" | "";
}

export class LineSplitter {
  private parts: Uint8Array[] = [];
  private partLen = 0;
  private lineNo = 0;
  private offset = 0;

  constructor(private readonly onLine: (line: Line) => void) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.take(chunk.subarray(start, nl), true);
      start = nl + 1;
    }
    let rest = chunk.subarray(start);
    while (rest.length > 0) {
      const room = MAX_LINE - this.partLen;
      if (rest.length < room) {
        // Copy: the caller may reuse its chunk buffer after push returns.
        this.parts.push(rest.slice());
        this.partLen += rest.length;
        break;
      }
      this.parts.push(rest.slice(0, room));
      this.partLen += room;
      this.flushPartial();
      rest = rest.subarray(room);
    }
  }

  end(): void {
    if (this.partLen > 0) this.flushPartial();
  }

  private flushPartial(): void {
    const bytes = concatBytes(this.parts, this.partLen);
    this.parts = [];
    this.partLen = 0;
    this.emit(bytes, "", bytes.length);
  }

  private take(tail: Uint8Array, newline: boolean): void {
    let bytes: Uint8Array;
    if (this.partLen > 0) {
      this.parts.push(tail);
      bytes = concatBytes(this.parts, this.partLen + tail.length);
      this.parts = [];
      this.partLen = 0;
    } else {
      bytes = tail;
    }
    const raw = bytes.length + (newline ? 1 : 0);
    if (newline && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) {
      this.emit(bytes.subarray(0, bytes.length - 1), "\r\n", raw);
    } else {
      this.emit(bytes, newline ? "\n" : "", raw);
    }
  }

  private emit(bytes: Uint8Array, eol: Line["eol"], rawLength: number): void {
    this.lineNo++;
    const offset = this.offset;
    this.offset += rawLength;
    this.onLine({ no: this.lineNo, offset, bytes, eol });
  }
}
