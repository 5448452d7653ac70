/**
 * Starts browser mode once for the whole run: `sipscope open --no-open --port 0` with no files,
 * reads the one printed URL line, and hands it to the tests through the environment. The build is
 * run first unless SIPSCOPE_E2E_NO_BUILD is set (CI builds once before).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!process.env.SIPSCOPE_E2E_NO_BUILD) {
    const b = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" });
    if (b.status !== 0) throw new Error("npm run build failed; the E2E tests need the built app");
  }
  const configDir = mkdtempSync(path.join(os.tmpdir(), "sipscope-e2e-config-"));
  const child = spawn(process.execPath, [path.join(root, "bin", "sipscope.mjs"), "open", "--no-open", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SIPSCOPE_CONFIG_DIR: configDir },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`sipscope open printed no URL in 20 s: ${out}`)), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^SIPScope at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`sipscope open exited (${code}): ${out}`)));
  });
  process.env.SIPSCOPE_URL = url;
  return async () => {
    child.kill("SIGTERM");
  };
}
