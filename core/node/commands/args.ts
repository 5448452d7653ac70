/**
 * Command-line options read left to right, shared by the commands so that a missing value and a
 * help request behave the same everywhere.
 */
export class ArgReader {
  private i = -1;

  constructor(private readonly args: readonly string[]) {}

  /** The next argument; undefined after the last. */
  next(): string | undefined {
    return this.args[++this.i];
  }

  /** The value after the option just read; throws "--opt needs a value" when the arguments end. */
  value(): string {
    const option = this.args[this.i];
    const v = this.args[++this.i];
    if (v === undefined) throw new Error(`${option} needs a value`);
    return v;
  }
}

export const isHelpOption = (a: string): boolean => a === "--help" || a === "-h";
