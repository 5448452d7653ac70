import { describe, expect, it } from "vitest";
import { ArgReader, isHelpOption } from "./args";

function read(args: string[], withValue: Set<string>): string[] {
  const r = new ArgReader(args);
  const out: string[] = [];
  for (let a = r.next(); a !== undefined; a = r.next()) out.push(withValue.has(a) ? `${a}=${r.value()}` : a);
  return out;
}

describe("ArgReader", () => {
  const rows: [string[], string[]][] = [
    [[], []],
    [["f.pcap"], ["f.pcap"]],
    [["--call", "c1", "f.pcap", "--json"], ["--call=c1", "f.pcap", "--json"]],
    [["--call", "--json"], ["--call=--json"]], // a value is taken as given, as before
    [["--call", ""], ["--call="]],
  ];
  for (const [args, want] of rows) it(JSON.stringify(args), () => expect(read(args, new Set(["--call"]))).toEqual(want));

  it("a missing value names the option", () => {
    expect(() => read(["f.pcap", "--call"], new Set(["--call"]))).toThrow("--call needs a value");
  });

  it("help options", () => {
    expect(["--help", "-h", "help", "--h"].map(isHelpOption)).toEqual([true, true, false, false]);
  });
});
