// `npm run bench`: generate the synthetic capture (10 000 proxied calls, ~130 000 SIP messages with
// SDP) and time the CLI's full analysis beside sngrep and tshark on the same file, printing the
// median wall time and peak RSS of interleaved rounds (BENCH_RUNS, default 3) and ratios. Peak RSS
// comes from GNU time (%M) or python's RUSAGE_CHILDREN as a fallback.
import { build } from "esbuild";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, "bench", "out");
mkdirSync(out, { recursive: true });
const calls = Number(process.env.BENCH_CALLS ?? 10_000);
const file = path.join(out, `synthetic-${calls}.pcap`);

if (!existsSync(file)) {
  await build({ entryPoints: [path.join(root, "bench", "synthetic.ts")], outfile: path.join(out, "synthetic.mjs"), bundle: true, platform: "node", format: "esm", logLevel: "warning" });
  const { syntheticCapture } = await import(pathToFileURL(path.join(out, "synthetic.mjs")).href);
  const ws = createWriteStream(file);
  for (const chunk of syntheticCapture(calls)) if (!ws.write(chunk)) await new Promise((r) => ws.once("drain", r));
  await new Promise((r) => ws.end(r));
}
const mb = statSync(file).size / 1e6;
console.log(`capture: ${path.relative(root, file)}  ${calls} calls, ${calls * 13} SIP messages, ${mb.toFixed(1)} MB`);

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Runs a command with stdout to /dev/null; returns wall seconds and peak RSS in MB. */
function measure(argv) {
  if (existsSync("/usr/bin/time")) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", ...argv], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const lines = r.stderr.trim().split("\n");
    const rssKb = Number(lines[lines.length - 1]);
    return { secs, rssMb: rssKb / 1024, status: r.status, err: r.status ? lines.slice(0, -1).join("\n") : "" };
  }
  const py = `import resource,subprocess,sys,time\nt=time.time()\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\nprint(time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)`;
  const r = spawnSync("python3", ["-c", py, ...argv], { encoding: "utf8" });
  const [secs, rss, status] = r.stdout.trim().split(" ").map(Number);
  return { secs, rssMb: rss / 1024, status, err: r.stderr };
}

const runs = [["sipscope analyze --json", [process.execPath, path.join(root, "bin", "sipscope.mjs"), "analyze", "--json", file]]];
if (have("sngrep")) runs.push(["sngrep -N -I FILE -O /dev/null", ["sngrep", "-N", "-I", file, "-O", "/dev/null"]]);
else console.log("sngrep: not installed (apt-get install sngrep) — no ratio");
if (have("tshark")) runs.push(["tshark -Y sip -T fields -e sip.Call-ID", ["tshark", "-n", "-r", file, "-Y", "sip", "-T", "fields", "-e", "sip.Call-ID"]]);
else console.log("tshark: not installed (apt-get install tshark) — no ratio");

// Rounds interleave the tools, so a burst of load from elsewhere on the machine hits them alike;
// each tool's median round is reported (its best and worst wall times beside it).
const rounds = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const samples = new Map(runs.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) for (const [name, argv] of runs) samples.get(name).push(measure(argv));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`${rounds} interleaved rounds; machine load average (1 min) ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
const results = {};
for (const [name] of runs) {
  const all = samples.get(name);
  const secs = all.map((x) => x.secs);
  const failed = all.find((x) => x.status);
  const r = { secs: median(secs), rssMb: median(all.map((x) => x.rssMb)), status: failed?.status ?? 0, err: failed?.err ?? "" };
  results[name] = r;
  console.log(
    `${name.padEnd(42)} ${r.secs.toFixed(2).padStart(7)} s (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)})  ${r.rssMb.toFixed(0).padStart(6)} MB peak RSS  ${(mb / r.secs).toFixed(1).padStart(6)} MB/s${r.status ? `  (exit ${r.status}: ${r.err.slice(0, 200)})` : ""}`,
  );
}
const ours = results["sipscope analyze --json"];
for (const [name, r] of Object.entries(results)) {
  if (r === ours) continue;
  const tool = name.split(" ")[0];
  const speed = r.secs / ours.secs; // > 1: we are faster
  const mem = r.rssMb / ours.rssMb; // > 1: we use less
  console.log(
    `vs ${tool}: time ${speed >= 1 ? `${speed.toFixed(2)}x faster` : `${(1 / speed).toFixed(2)}x SLOWER`}, ` +
      `peak RSS ${mem >= 1 ? `${mem.toFixed(2)}x less` : `${(1 / mem).toFixed(2)}x MORE`} (ours ${ours.secs.toFixed(2)} s / ${ours.rssMb.toFixed(0)} MB)`,
  );
}

// Decoder throughput on typical messages (printed only; speed is never asserted by unit tests).
await build({ entryPoints: [path.join(root, "bench", "decoders.ts")], outfile: path.join(out, "decoders.mjs"), bundle: true, platform: "node", format: "esm", logLevel: "warning" });
const { decoderThroughput } = await import(pathToFileURL(path.join(out, "decoders.mjs")).href);
console.log("\ndecoders:");
decoderThroughput();
