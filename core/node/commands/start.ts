/**
 * `npm start` / `sipscope start [FILE…]`: the desktop app (Electron) when its binary is installed,
 * else browser mode — both on the bundled sample when no file is given.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { distDir, openBrowser, parseOpenArgs, serveBrowserMode } from "./open";

/**
 * Preferred samples, most telling first: the IMS registration bug puts SIP, Diameter and the
 * proxy's log on one ladder with a finding; then the other bug scenarios, then single-rule ones.
 */
const PREFERRED = [/^bug1-ims-mar-no-401\./, /^bug4-/, /^bug5-/, /^bug2-/, /^bug3-/, /bye-one-sided/, /notify/, /ack-missing/, /cancel/, /register/];

export function pickSample(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
  for (const re of PREFERRED) {
    const hit = files.find((f) => re.test(f) && !/clean/.test(f));
    if (hit) {
      const log = path.join(dir, hit.replace(/\.(pcap|pcapng)$/, ".log"));
      return [path.join(dir, hit), ...(existsSync(log) ? [log] : [])];
    }
  }
  return files.length ? [path.join(dir, files[0])] : [];
}

/**
 * The Electron binary's path without `require("electron")`, which would try to download it
 * when missing (no network, slow start-up).
 */
export function electronBinary(): string | undefined {
  try {
    const req = createRequire(path.join(process.cwd(), "package.json"));
    const pkg = path.dirname(req.resolve("electron/package.json"));
    const rel = readFileSync(path.join(pkg, "path.txt"), "utf8").trim();
    const bin = path.join(pkg, "dist", rel);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOpenArgs(argv);
  if (typeof args === "string") {
    console.error(args === "help" ? "usage: sipscope start [FILE…] [--port N] [--no-open]" : `sipscope start: ${args}`);
    return args === "help" ? 0 : 2;
  }
  const dist = distDir();
  const samples = path.join(dist, "..", "samples");
  const files = args.files.length ? args.files : pickSample(samples);
  const electron = electronBinary();
  if (electron && existsSync(path.join(dist, "electron-main.cjs"))) {
    const child = spawn(electron, [path.join(dist, "electron-main.cjs"), ...files.map((f) => path.resolve(f))], { stdio: "inherit" });
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
  }
  console.log(`The Electron binary is not installed, so SIPScope runs in browser mode instead${files.length ? `, on ${files.map((f) => path.basename(f)).join(" + ")}` : " (no sample found: use the Open button)"}.`);
  let served;
  try {
    served = await serveBrowserMode(files, args.port);
  } catch (e) {
    console.error(`sipscope start: ${(e as Error).message}`);
    return 1;
  }
  console.log(`SIPScope at ${served.host.url}`);
  if (args.open) openBrowser(served.host.url);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await served.host.close();
  await served.api.close();
  return 0;
}
