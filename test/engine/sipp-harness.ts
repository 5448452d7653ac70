/**
 * Running Debian's sipp (package sip-tester) against the engine in tests: is it installed, a free
 * UDP port for a sipp UAS, and one bounded sipp run with its exit code and call counts.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import dgram from "node:dgram";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SIPP = process.env.SIPSCOPE_SIPP ?? "/usr/bin/sipp";
export const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios");

export function sippMissingReason(): string | undefined {
  if (!existsSync(SIPP)) return `sipp not found at ${SIPP} (apt-get install sip-tester)`;
  const r = spawnSync(SIPP, ["-v"], { encoding: "utf8" });
  if (r.error) return `sipp at ${SIPP} does not run: ${r.error.message}`;
  return undefined;
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface SippResult {
  code: number | null;
  successful: number;
  failed: number;
  stdout: string;
  stderr: string;
  dir: string;
}

/** Run sipp in the foreground (no screen) until it ends or `timeoutMs` passes (then it is killed). */
export function runSipp(args: string[], timeoutMs: number): { done: Promise<SippResult>; kill(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-sipp-"));
  const child = spawn(SIPP, [...args, "-nostdin", "-trace_err", "-trace_stat", "-fd", "1", "-stf", path.join(dir, "stats.csv")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<SippResult>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      const all = stdout + stderr;
      const num = (label: string) => {
        const m = new RegExp(`${label}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`).exec(all);
        return m ? Number(m[2]) : -1;
      };
      resolve({ code, successful: num("Successful call"), failed: num("Failed call"), stdout, stderr, dir });
    });
  });
  return { done, kill: () => child.kill("SIGKILL") };
}
