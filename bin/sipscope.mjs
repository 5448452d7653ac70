#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ by `npm run build` (run automatically by `npm ci`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.mjs");
if (!existsSync(cli)) {
  console.error(`sipscope: ${cli} is missing; run "npm run build" first.`);
  process.exit(2);
}
await import(pathToFileURL(cli).href);
