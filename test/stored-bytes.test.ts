/**
 * SIP messages of a capture file are kept by file position and read back when their bytes are
 * needed (core/protocols/sip/stored.ts, core/node/file-bytes.ts). For every public capture and
 * every bundled sample, the bytes read back equal the bytes the decoder produced from the file
 * held in memory, with large chunks and with small ones (many messages then span two chunks and
 * are kept as copies instead).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { loadFiles } from "../core/node/ingest";
import { ModelBuilder } from "../core/analysis/decode";
import { createCaptureDecoder } from "../core/capture/decoder";
import { sharedDir, repoRoot } from "./shared";

const publicDir = sharedDir && path.join(sharedDir, "captures", "public");
const publicFiles = publicDir && existsSync(publicDir) ? readdirSync(publicDir).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(publicDir, f)) : [];
if (!publicFiles.length) console.warn("SKIPPED stored-bytes over public captures: ../shared/captures/public not found next to the repository");
const samples = readdirSync(path.join(repoRoot, "samples")).filter((f) => f.endsWith(".pcap")).map((f) => path.join(repoRoot, "samples", f));

/** Raw bytes of every SIP message, decoded from the whole file in memory (nothing read back). */
function inMemory(file: string): string[] {
  const builder = new ModelBuilder([path.basename(file)]);
  const decoder = createCaptureDecoder(builder.sinkFor(0));
  decoder.push(new Uint8Array(readFileSync(file)));
  decoder.end();
  return builder.finish().model.messages.filter((m) => m.sip).map((m) => Buffer.from(m.sip!.raw).toString("latin1"));
}

describe("SIP bytes read back by file position", () => {
  test.each([...publicFiles, ...samples].map((f) => [path.basename(f), f]))("%s", async (_name, file) => {
    const expected = inMemory(file);
    for (const chunkSize of [1 << 20, 1500]) {
      const { model } = await loadFiles([file], { chunkSize });
      try {
        const got = model.messages.filter((m) => m.sip).map((m) => Buffer.from(m.sip!.raw).toString("latin1"));
        expect(got).toEqual(expected);
      } finally {
        model.close?.();
      }
    }
  });
});
