import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseOpenArgs } from "./open";
import { pickSample } from "./start";

describe("sipscope open arguments", () => {
  it.each([
    [["a.pcap", "b.log"], { files: ["a.pcap", "b.log"], open: true }],
    [["--no-open", "a.pcap", "--port", "8080"], { files: ["a.pcap"], open: false, port: 8080 }],
    [["--port=0"], { files: [], open: true, port: 0 }],
    [["--port", "70000"], "--port needs a port number (0-65535)"],
    [["--port"], "--port needs a port number (0-65535)"],
    [["--bogus"], "unknown option --bogus"],
    [["-h"], "help"],
  ])("%j", (argv, want) => {
    expect(parseOpenArgs(argv as string[])).toEqual(want);
  });
});

describe("npm start's sample choice", () => {
  it("prefers the IMS bug scenario with its log", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-samples-"));
    for (const f of ["ack-missing-2xx.pcap", "bug1-ims-mar-no-401-clean.pcap", "bug1-ims-mar-no-401.pcap", "bug1-ims-mar-no-401.log", "bug4-dialog-bye-race.pcap"]) writeFileSync(path.join(dir, f), "");
    expect(pickSample(dir).map((p) => path.basename(p))).toEqual(["bug1-ims-mar-no-401.pcap", "bug1-ims-mar-no-401.log"]);
  });
  it("prefers a bug sample (with its log) over clean twins and other captures", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-samples-"));
    for (const f of ["a-first.pcap", "bye-one-sided-clean.pcap", "bye-one-sided.pcap", "bye-one-sided.log", "register-failed.pcap"]) writeFileSync(path.join(dir, f), "");
    expect(pickSample(dir).map((p) => path.basename(p))).toEqual(["bye-one-sided.pcap", "bye-one-sided.log"]);
  });
  it("falls back to any capture, or nothing", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-samples-"));
    expect(pickSample(dir)).toEqual([]);
    writeFileSync(path.join(dir, "z.pcapng"), "");
    expect(pickSample(dir).map((p) => path.basename(p))).toEqual(["z.pcapng"]);
    expect(pickSample(path.join(dir, "missing"))).toEqual([]);
  });
});
