/** Write text to stdout honouring back-pressure (large reports piped into `less` or a file). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text.length === 0) return resolve();
    const ok = process.stdout.write(text, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else process.stdout.once("drain", resolve);
  });
}

/**
 * Write bytes to stdout; resolves once stdout is done with them (a pipe may write later), so the
 * caller may then fill the same buffer again.
 */
export function writeBytesOut(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (bytes.length === 0) return resolve();
    process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}
