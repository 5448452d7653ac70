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

export function openFiles(paths: string[]): OpenFiles {
  const fds: (number | undefined)[] = [];
  let closed = false;
  const fdOf = (index: number): number => {
    if (closed) throw new Error(`${paths[index]}: the session was closed`);
    return (fds[index] ??= openSync(paths[index], "r"));
  };
  const read = (index: number, offset: number, length: number): Uint8Array => {
    const out = new Uint8Array(length);
    const n = readSync(fdOf(index), out, 0, length, offset);
    if (n !== length) throw new Error(`${paths[index]} (byte offset ${offset}): the file is shorter than when it was read`);
    return out;
  };
  return {
    home(index) {
      fdOf(index);
      return { read: (offset, length) => read(index, offset, length) };
    },
    close() {
      closed = true;
      for (const fd of fds) if (fd !== undefined) closeSync(fd);
      fds.length = 0;
    },
  };
}
