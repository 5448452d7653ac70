// `npm run bench:ui`: the app on a large capture, measured in Debian's Chromium (Playwright).
// Opens the synthetic 10 000-call capture (~130 000 SIP messages, written by bench/bench.mjs's
// generator) plus one 5 000-message call as one timeline in browser mode, and reports:
//   - time from `sipscope open` until the first calls are listed in the page,
//   - time from clicking the 5 000-message call until its ladder is drawn,
//   - frame times while scrolling the call list (and the long ladder).
// Targets (issue 4): first calls < 2 s, ladder < 300 ms, scrolling without dropped frames.
import { build } from "esbuild";
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "@playwright/test";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, "bench", "out");
mkdirSync(out, { recursive: true });
const calls = Number(process.env.BENCH_CALLS ?? 10_000);
const longMessages = Number(process.env.BENCH_LONG_CALL ?? 5_000);
const browserPath = process.env.SIPSCOPE_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(browserPath)) {
  console.log(`SKIPPED: no Chromium at ${browserPath} (apt-get install chromium)`);
  process.exit(0);
}
if (!existsSync(path.join(root, "dist", "renderer", "index.html")) || process.env.BENCH_BUILD) {
  spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" });
}

// --- captures ---------------------------------------------------------------------------------
async function loadTs(entry, name) {
  const file = path.join(out, `${name}.mjs`);
  await build({ entryPoints: [path.join(root, entry)], outfile: file, bundle: true, platform: "node", format: "esm", logLevel: "warning" });
  return import(pathToFileURL(file).href);
}
const big = path.join(out, `synthetic-${calls}.pcap`);
if (!existsSync(big)) {
  const { syntheticCapture } = await loadTs("bench/synthetic.ts", "synthetic");
  const ws = createWriteStream(big);
  for (const chunk of syntheticCapture(calls)) if (!ws.write(chunk)) await new Promise((r) => ws.once("drain", r));
  await new Promise((r) => ws.end(r));
}
const long = path.join(out, `long-call-${longMessages}.pcap`);
if (!existsSync(long)) {
  const { longCallCapture } = await loadTs("bench/long-call.ts", "long-call");
  writeFileSync(long, longCallCapture(longMessages));
}
console.log(`captures: ${path.relative(root, big)} (${(statSync(big).size / 1e6).toFixed(1)} MB, ${calls} calls, ~${calls * 13} messages) + ${path.relative(root, long)} (one ${longMessages}-message call)`);

// --- host + browser ---------------------------------------------------------------------------
const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const q = (p) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
  return { n: v.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: v[v.length - 1] };
};
const ms = (x) => `${x.toFixed(0)} ms`;

const browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
let page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: "dark" });

const t0 = performance.now();
const host = spawn(process.execPath, [path.join(root, "bin", "sipscope.mjs"), "open", "--no-open", "--port", "0", big, long], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, SIPSCOPE_CONFIG_DIR: mkdtempSync(path.join(os.tmpdir(), "sipscope-bench-")) },
});
let exitCode = 0;
try {
  const url = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("no URL printed in 60 s")), 60_000);
    host.stdout.on("data", (c) => {
      text += c;
      const m = /SIPScope at (\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.on("exit", (code) => reject(new Error(`sipscope open exited ${code}`)));
  });
  const tUrl = performance.now() - t0;
  // Follow the host's own progress too, to split the wait into reading / analysing / the UI.
  const u = new URL(url);
  const phases = {};
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const r = await fetch(`${u.origin}/api/session`, { method: "POST", headers: { "x-sipscope-token": u.searchParams.get("token") }, body: '["s1"]' }).then((x) => x.json()).catch(() => undefined);
      const phase = r?.value?.state === "loading" ? r.value.progress?.phase : r?.value?.state;
      if (phase && !(phase in phases)) phases[phase] = performance.now() - t0;
      if (phase === "ready" || phase === "error") break;
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  await page.goto(url);
  // "First calls listed": the first call row visible, whether from the preliminary list (still
  // loading) or the analysed one. The analysed list is timed separately below.
  await page.getByTestId("call-row").first().waitFor({ timeout: 300_000 });
  const tFirst = performance.now() - t0;
  const firstCount = await page.getByTestId("call-count").textContent();
  const firstState = await page.getByTestId("call-list").getAttribute("data-state");
  await page.locator('[data-testid="call-list"][data-state="final"] [data-testid="call-row"]').first().waitFor({ timeout: 300_000 });
  const tFinal = performance.now() - t0;
  polling = false;
  await poll;
  const total = await page.getByTestId("call-count").textContent();
  console.log(`host ready (URL printed):          ${ms(tUrl)}`);
  console.log(`first calls listed:                ${ms(tFirst)}   target < 2000 ms   [${firstCount}; ${firstState} list]`);
  console.log(`analysed list shown (load+analyse): ${ms(tFinal)}   [${total}]`);
  if (phases.ready !== undefined) {
    const analysing = phases.analysing ?? phases.ready;
    console.log(`  of which: reading ${ms(analysing - (phases.reading ?? tUrl))}, analysing ${ms(phases.ready - analysing)} (worker), UI after ready ${ms(tFinal - phases.ready)} (poll + first page + render)`);
  }

  // Baseline: animation frames with nothing to do (this machine's compositor, other load).
  const idle = stats(await page.evaluate(async () => {
    const deltas = [];
    let last = performance.now();
    const end = last + 2000;
    await new Promise((resolve) => {
      const step = (now) => { deltas.push(now - last); last = now; if (now < end) requestAnimationFrame(step); else resolve(); };
      requestAnimationFrame(step);
    });
    return deltas.slice(1);
  }));
  console.log(`idle frames (baseline, 2 s):         ${idle.n} frames, p50 ${idle.p50.toFixed(1)} ms, p95 ${idle.p95.toFixed(1)} ms, max ${idle.max.toFixed(1)} ms`);

  // Scroll the call list: programmatic scroll steps on every animation frame, frame deltas recorded.
  const scrollFrames = (selector, px, millis) =>
    page.evaluate(
      async ({ selector, px, millis }) => {
        const el = document.querySelector(selector);
        const deltas = [];
        let last = performance.now();
        const end = last + millis;
        await new Promise((resolve) => {
          const step = (now) => {
            deltas.push(now - last);
            last = now;
            el.scrollTop += px;
            if (now < end) requestAnimationFrame(step);
            else resolve();
          };
          requestAnimationFrame(step);
        });
        return deltas.slice(1);
      },
      { selector, px, millis },
    );
  const report = (what, deltas) => {
    const f = stats(deltas);
    console.log(`${what.padEnd(36)} ${f.n} frames, p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms, ${deltas.filter((d) => d > 25).length} over 25 ms (${((100 * deltas.filter((d) => d > 25).length) / f.n).toFixed(1)}%)`);
  };
  report("call list scroll, 60 px/frame:", await scrollFrames('[data-testid="call-list"]', 60, 3000));
  report("call list scroll, 240 px/frame:", await scrollFrames('[data-testid="call-list"]', 240, 3000));

  // The long call's ladder.
  await page.getByTestId("call-filter").fill("user:longcall");
  const row = page.locator('[data-testid="call-row"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="call-row"]').length === 1, null, { timeout: 30_000 });
  // Timed inside the page: from the click event to the frame after the first arrow is in the DOM.
  const ladderMs = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const start = performance.now();
        const obs = new MutationObserver(() => {
          if (!document.querySelector('[data-testid="ladder-arrow"]')) return;
          obs.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - start));
        });
        obs.observe(document.body, { subtree: true, childList: true });
        document.querySelector('[data-testid="call-row"]').click();
      }),
  );
  const arrows = await page.getByTestId("ladder").evaluate((el) => el.querySelectorAll('[data-testid="ladder-arrow"]').length);
  const title = await page.locator(".panel-title").first().textContent();
  console.log(`open the ${longMessages}-message call's ladder:  ${ms(ladderMs)}   target < 300 ms   [${title?.trim()}; ${arrows} rows in the DOM]`);

  report("ladder scroll, 60 px/frame:", await scrollFrames('[data-testid="ladder"]', 60, 3000));
  report("ladder scroll, 280 px/frame:", await scrollFrames('[data-testid="ladder"]', 280, 3000));
  // Reference: a static page of plain text rows scrolled the same way (no React, no data) shows
  // what this machine's compositor and current load allow.
  const ref = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await ref.setContent(`<div id=s style="height:800px;width:600px;overflow:auto;font:12px sans-serif">${Array.from({ length: 3000 }, (_, i) => `<div style="height:30px;display:flex;gap:8px;border-bottom:1px solid #ccc"><span>04:40:0${i % 10}.000</span><span>alice${i}</span><span>bob${i}</span><span>INVITE</span><span>completed</span><span>2.20 s</span></div>`).join("")}</div>`);
  const refPage = page;
  page = ref;
  report("reference static list, 60 px/frame:", await scrollFrames("#s", 60, 3000));
  page = refPage;
  await ref.close();
  const load = os.loadavg()[0];
  console.log(`machine load average (1 min): ${load.toFixed(1)} on ${os.cpus().length} CPUs${load > os.cpus().length ? " — frame times are inflated by other work" : ""}`);
  await page.screenshot({ path: path.join(out, "bench-ui-long-ladder.png") });
} catch (e) {
  console.error(`bench:ui failed: ${e?.message ?? e}`);
  exitCode = 1;
} finally {
  await browser.close();
  host.kill("SIGTERM");
}
process.exit(exitCode);
