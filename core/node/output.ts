/**
 * Writes to stdout for the CLI commands, honouring back-pressure, and ending quietly when the
 * reader goes away: `sipscope analyze FILE | head` closes the pipe after a few lines, and like
 * `cat` or `tshark` the command then stops with exit code 0 instead of dying on EPIPE.
 */

/** stdout was closed by its reader (EPIPE): nothing more can be written; the command should end, successfully. */
export class OutputClosed extends Error {
  constructor() {
    super("stdout was closed by its reader");
    this.name = "OutputClosed";
  }
}

/** The error each watched stream reported: a write after EPIPE fails as "destroyed", which is the same closed reader. */
const streamErrors = new WeakMap<NodeJS.WriteStream, Error | undefined>();

function isEpipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null | undefined)?.code === "EPIPE";
}

/**
 * Without an 'error' listener a failed write is an unhandled 'error' event (a stack trace and exit
 * code 1). The error is only noted here; the failed write's own callback rejects its promise.
 */
function watchStdout(): NodeJS.WriteStream {
  const out = process.stdout;
  if (!streamErrors.has(out)) {
    streamErrors.set(out, undefined);
    out.on("error", (err) => streamErrors.set(out, err));
  }
  return out;
}

function failure(out: NodeJS.WriteStream, err: Error): Error {
  if (isEpipe(err)) return new OutputClosed();
  if ((err as NodeJS.ErrnoException).code === "ERR_STREAM_DESTROYED") {
    const cause = streamErrors.get(out);
    if (isEpipe(cause)) return new OutputClosed();
    if (cause) return cause;
  }
  return err;
}

/** Write text to stdout honouring back-pressure (large reports piped into `less` or a file). */
export function writeOut(text: string): Promise<void> {
  const out = watchStdout();
  return new Promise((resolve, reject) => {
    if (text.length === 0) return resolve();
    const ok = out.write(text, (err) => (err ? reject(failure(out, err)) : undefined));
    if (ok) resolve();
    else out.once("drain", resolve);
  });
}

/**
 * Write bytes to stdout; resolves once stdout is done with them (a pipe may write later), so the
 * caller may then fill the same buffer again.
 */
export function writeBytesOut(bytes: Uint8Array): Promise<void> {
  const out = watchStdout();
  return new Promise((resolve, reject) => {
    if (bytes.length === 0) return resolve();
    out.write(bytes, (err) => (err ? reject(failure(out, err)) : resolve()));
  });
}
