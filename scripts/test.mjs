// The README's test command: unit + golden + engine tests (vitest), then the browser E2E tests
// (Playwright + Debian's chromium) when a chromium is installed. Exit code = failure of any part.
// Ends with one plain "N passed, N failed, N skipped" line summing both runners.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", shell: false, env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

mkdirSync("test-results", { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
let failed = 0;
failed |= run("node", ["scripts/build.mjs"]);

const vitestJson = "test-results/vitest.json";
rmSync(vitestJson, { force: true });
failed |= run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${vitestJson}`]);
const v = readJson(vitestJson);
if (v) {
  totals.passed += v.numPassedTests ?? 0;
  totals.failed += v.numFailedTests ?? 0;
  totals.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} else totals.failed += 1; // no report: the run itself broke

const chromium = process.env.SIPSCOPE_CHROMIUM ?? "/usr/bin/chromium";
if (existsSync("playwright.config.ts")) {
  if (existsSync(chromium)) {
    const pwJson = "test-results/playwright.json";
    rmSync(pwJson, { force: true });
    failed |= run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
    const p = readJson(pwJson);
    if (p?.stats) {
      totals.passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
      totals.failed += p.stats.unexpected ?? 0;
      totals.skipped += p.stats.skipped ?? 0;
    } else totals.failed += 1;
  } else console.log(`\nSKIPPED: browser E2E tests: no Chromium at ${chromium} (apt-get install chromium)`);
}
if (failed && totals.failed === 0) totals.failed = 1; // a step failed outside any test (build, runner crash)
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed ? 1 : 0);
