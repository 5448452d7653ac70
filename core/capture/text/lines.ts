/**
 * Streaming line splitter: bytes in (any chunking, even one byte at a time), whole lines out.
 *
 * Each chunk is decoded once to a latin1 string (one char per byte, so the text maps back to the
 * exact bytes) and cut into lines by indexOf: one decode per chunk instead of one per line is what
 * makes the text readers fast. A line is handed on without its terminator; `eol` says which one it
 * had ("" for a last line without newline, or a line cut at MAX_LINE).
 */
import { latin1 } from "./bytes";

/** Longer lines are cut here, so garbage without newlines cannot grow memory without bound. */
export const MAX_LINE = 1 << 20;

export interface Line {
  /** 1-based line number. */
  no: number;
  /** Byte offset of the line's first byte in the input. */
  offset: number;
  /** The line as latin1 text (one char per byte), without its terminator (a CRLF's "\r" removed too). */
  text: string;
  eol: "\r\n" | "\n" | "";
}

export class LineSplitter {
  private pending = "";
  private lineNo = 0;
  private offset = 0;

  constructor(private readonly onLine: (line: Line) => void) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const s = latin1(chunk);
    let start = 0;
    for (;;) {
      const nl = s.indexOf("\n", start);
      if (nl < 0) break;
      let piece = s.slice(start, nl);
      if (this.pending.length > 0) {
        piece = this.pending + piece;
        this.pending = "";
      }
      this.take(piece);
      start = nl + 1;
    }
    if (start < s.length) {
      this.pending += start === 0 ? s : s.slice(start);
      while (this.pending.length >= MAX_LINE) {
        const cut = this.pending.slice(0, MAX_LINE);
        this.pending = this.pending.slice(MAX_LINE);
        this.emit(cut, "", cut.length);
      }
    }
  }

  end(): void {
    if (this.pending.length > 0) {
      const rest = this.pending;
      this.pending = "";
      this.emit(rest, "", rest.length);
    }
  }

  private take(piece: string): void {
    const raw = piece.length + 1;
    if (piece.length > 0 && piece.charCodeAt(piece.length - 1) === 0x0d) this.emit(piece.slice(0, -1), "\r\n", raw);
    else this.emit(piece, "\n", raw);
  }

  private emit(text: string, eol: Line["eol"], rawLength: number): void {
    this.lineNo++;
    const offset = this.offset;
    this.offset += rawLength;
    this.onLine({ no: this.lineNo, offset, text, eol });
  }
}
