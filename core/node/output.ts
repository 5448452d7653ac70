/** Write text to stdout honouring back-pressure (large reports piped into `less` or a file). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text.length === 0) return resolve();
    const ok = process.stdout.write(text, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else process.stdout.once("drain", resolve);
  });
}
