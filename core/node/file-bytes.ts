/**
 * Reads message bytes back from the capture files they were decoded from (the BytesHome of
 * core/protocols/sip/stored.ts), so an analysis does not hold a copy of every message's bytes.
 * Each file is opened when its home is made and stays open until `close()`: its bytes stay readable
 * even if it is renamed or removed meanwhile (an uploaded file's temporary copy).
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { BytesHome } from "../protocols/sip/stored";

export interface OpenFiles {
  /** The home of file `index` of the session. */
  home(index: number): BytesHome;
  close(): void;
}

/**
 * Bytes read ahead per file access, into one buffer per file that is reused: messages are asked for
 * in runs near each other in the file (the first message of each call, in call order), so one read
 * serves the next few instead of one system call per ~500-byte message. (A fresh 64 KiB buffer per
 * read measured more memory, not less time.)
 */
const BLOCK = 16 * 1024;

interface Block {
  bytes: Uint8Array;
  /** File offset of bytes[0] and how many bytes are valid. */
  at: number;
  valid: number;
}

export function openFiles(paths: string[]): OpenFiles {
  const fds: (number | undefined)[] = [];
  const blocks: (Block | undefined)[] = [];
  let closed = false;
  const fdOf = (index: number): number => {
    if (closed) throw new Error(`${paths[index]}: the session was closed`);
    return (fds[index] ??= openSync(paths[index], "r"));
  };
  const read = (index: number, offset: number, length: number): Uint8Array => {
    const fd = fdOf(index);
    if (length > BLOCK) {
      const out = new Uint8Array(length);
      if (readSync(fd, out, 0, length, offset) !== length) throw shorter(index, offset);
      return out;
    }
    const block = (blocks[index] ??= { bytes: new Uint8Array(BLOCK), at: 0, valid: 0 });
    if (offset < block.at || offset + length > block.at + block.valid) {
      block.at = offset;
      block.valid = readSync(fd, block.bytes, 0, BLOCK, offset);
      if (length > block.valid) throw shorter(index, offset);
    }
    // A copy: the block is reused by the next read.
    return block.bytes.slice(offset - block.at, offset - block.at + length);
  };
  const shorter = (index: number, offset: number) => new Error(`${paths[index]} (byte offset ${offset}): the file is shorter than when it was read`);
  return {
    home(index) {
      fdOf(index);
      return { read: (offset, length) => read(index, offset, length) };
    },
    close() {
      closed = true;
      for (const fd of fds) if (fd !== undefined) closeSync(fd);
      fds.length = 0;
      blocks.length = 0;
    },
  };
}
