// The README's test command: unit + golden + engine tests (vitest), then the browser E2E tests
// (Playwright + Debian's chromium) when a chromium is installed. Exit code = failure of any part.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", shell: false });
  return r.status ?? 1;
}

let failed = 0;
failed |= run("node", ["scripts/build.mjs"]);
failed |= run("npx", ["vitest", "run"]);
const chromium = process.env.SIPSCOPE_CHROMIUM ?? "/usr/bin/chromium";
if (existsSync("playwright.config.ts")) {
  if (existsSync(chromium)) failed |= run("npx", ["playwright", "test"]);
  else console.log(`\nSKIPPED: browser E2E tests: no Chromium at ${chromium} (apt-get install chromium)`);
}
process.exit(failed ? 1 : 0);
