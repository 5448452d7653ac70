/**
 * `sipscope analyze FILE | head`: once the reader closes the pipe, writes fail with EPIPE. The
 * command must then end quietly with exit code 0 (as `cat` does), in the JSON and the text paths,
 * not die on an unhandled 'error' event.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { run } from "./analyze";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const sample = path.join(repoRoot, "samples", "ack-missing-2xx.pcap");

describe("analyze with a stdout whose reader has gone (EPIPE)", () => {
  afterEach(() => vi.restoreAllMocks());

  for (const mode of [["--json"], [], ["--summary"]]) {
    test(`run(${mode.join(" ") || "text"}) returns 0`, async () => {
      const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
      let writes = 0;
      vi.spyOn(process.stdout, "write").mockImplementation(((_chunk: unknown, enc?: unknown, cb?: unknown) => {
        writes++;
        const done = (typeof enc === "function" ? enc : cb) as ((e?: Error | null) => void) | undefined;
        // What a net.Socket does on a failed write: the callback gets the error, then 'error' is emitted.
        process.nextTick(() => {
          done?.(epipe);
          process.stdout.emit("error", epipe);
        });
        return false;
      }) as typeof process.stdout.write);
      await expect(run([...mode, sample])).resolves.toBe(0);
      expect(writes).toBeGreaterThan(0);
    });
  }

  test("any other write error still fails the command", async () => {
    const eio = Object.assign(new Error("write EIO"), { code: "EIO" });
    vi.spyOn(process.stdout, "write").mockImplementation(((_chunk: unknown, enc?: unknown, cb?: unknown) => {
      const done = (typeof enc === "function" ? enc : cb) as ((e?: Error | null) => void) | undefined;
      process.nextTick(() => done?.(eio));
      return true;
    }) as typeof process.stdout.write);
    await expect(run(["--json", sample])).rejects.toThrow("EIO");
  });
});

describe("the built CLI piped into a reader that closes at once", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "sipscope-epipe-"));
  const cli = path.join(dir, "cli.mjs");
  beforeAll(async () => {
    await build({ entryPoints: [path.join(repoRoot, "core", "node", "cli.ts")], bundle: true, platform: "node", target: "node20", format: "esm", packages: "external", outfile: cli, logLevel: "warning" });
  }, 60_000);

  for (const mode of [["--json"], []]) {
    test(`analyze ${mode.join(" ") || "(text)"} exits 0 with nothing on stderr`, async () => {
      const child = spawn(process.execPath, [cli, "analyze", ...mode, sample], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      // Close our end before the child writes: every write of the child then fails with EPIPE.
      child.stdout.destroy();
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(err).toBe("");
      expect(code).toBe(0);
    }, 30_000);
  }
});
