// Browser E2E tests against browser mode (`sipscope open`), in Debian's Chromium (no downloaded
// browsers). The global setup builds the app if needed and starts the host; tests open files
// through the UI's own file input, as a user would.
import { defineConfig } from "@playwright/test";

const chromium = process.env.SIPSCOPE_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "test/e2e",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "test-results/e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./test/e2e/global-setup.ts",
  use: {
    headless: true,
    colorScheme: "dark",
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
