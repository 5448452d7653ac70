import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openFiles } from "./file-bytes";

describe("openFiles", () => {
  it("reads bytes back by position, even after the file is removed, until closed", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sipscope-bytes-"));
    const file = path.join(dir, "a.pcap");
    writeFileSync(file, Buffer.from("0123456789"));
    const files = openFiles([file]);
    const home = files.home(0);
    rmSync(dir, { recursive: true });
    expect(Buffer.from(home.read(3, 4)).toString()).toBe("3456");
    expect(() => home.read(8, 4)).toThrow(/byte offset 8.*shorter/);
    files.close();
    expect(() => home.read(0, 1)).toThrow(/closed/);
  });
});
