// `npm run bench:engine`: sipp drives calls through the built-in engine at increasing rates for a
// bounded time each; prints the highest rate with zero failed calls and the engine's memory.
// The engine runs in its own process (bundled from the sources with esbuild) so its RSS is its own.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import dgram from "node:dgram";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SIPP = process.env.SIPSCOPE_SIPP ?? "/usr/bin/sipp";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const RATES = (process.env.BENCH_RATES ?? "100,200,400,600,800,1000,1200,1500").split(",").map(Number);

if (!existsSync(SIPP)) {
  console.log(`SKIPPED: bench:engine needs sipp at ${SIPP} (apt-get install sip-tester)`);
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-bench-engine-"));
const entry = path.join(dir, "engine-entry.mjs");
await build({
  stdin: { contents: `import { run } from ${JSON.stringify(path.join(root, "core/node/commands/engine.ts"))}; run(process.argv.slice(2)).then((c) => { process.exitCode = c; });`, resolveDir: root, loader: "ts" },
  // Dependencies bundled too (the file lives in a temp folder, away from node_modules); ws's
  // require() calls need a real require in ESM.
  bundle: true, platform: "node", format: "esm", target: "node20", outfile: entry, logLevel: "warning",
  external: ["bufferutil", "utf-8-validate"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

async function freePort() {
  const s = dgram.createSocket("udp4");
  await new Promise((r) => s.bind(0, "127.0.0.1", r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

function rssOf(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

function sipp(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(SIPP, [...args, "-nostdin"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(t);
      const num = (label) => Number(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(out)?.[1] ?? -1);
      resolve({ code, ok: num("Successful call"), failed: num("Failed call"), out });
    });
    resolve.kill = () => child.kill("SIGKILL");
  });
}

const enginePort = await freePort();
const uasPort = await freePort();
const engine = spawn(process.execPath, [entry, "--udp", `127.0.0.1:${enginePort}`, "--tcp", "off", "--ws", "off", "--route", `service=127.0.0.1:${uasPort}`, "--quiet"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve) => engine.stdout.once("data", resolve));
const uas = spawn(SIPP, ["-sn", "uas", "-i", "127.0.0.1", "-p", String(uasPort), "-nostdin", "-bind_local"], { cwd: dir, stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));

console.log(`engine pid ${engine.pid} on 127.0.0.1:${enginePort}; sipp uas on ${uasPort}; ${SECONDS} s per rate; ${os.cpus().length} CPUs`);
let best = 0;
const rows = [];
for (const rate of RATES) {
  const calls = rate * SECONDS;
  const r = await sipp(["-sn", "uac", `127.0.0.1:${enginePort}`, "-i", "127.0.0.1", "-p", String(await freePort()), "-r", String(rate), "-m", String(calls), "-timeout", String(SECONDS + 20), "-l", String(rate * 4)], (SECONDS + 30) * 1000);
  const mem = rssOf(engine.pid);
  rows.push({ rate, calls, ok: r.ok, failed: r.failed, rssMB: mem.rss.toFixed(1) });
  console.log(`  ${String(rate).padStart(5)} calls/s: ${r.ok}/${calls} successful, ${r.failed} failed, engine RSS ${mem.rss.toFixed(1)} MB`);
  if (r.failed === 0 && r.ok === calls) best = rate;
  else {
    if (r.ok < 0) console.log(r.out.split("\n").slice(-15).join("\n"));
    break;
  }
}
const mem = rssOf(engine.pid);
console.log(`\nhighest rate with zero failed calls: ${best} calls/s through the proxy (target >= 500)`);
console.log(`engine memory: RSS ${mem.rss.toFixed(1)} MB, peak ${mem.peak.toFixed(1)} MB`);
uas.kill("SIGKILL");
engine.kill("SIGTERM");
void spawnSync;
process.exitCode = best >= 500 ? 0 : 1;
