// Builds what `npx sipscope` and the app run: the CLI/host bundles (esbuild) and the renderer (vite).
// Runs from `prepare`, so `npm ci` leaves a working `npx sipscope`.
//   node scripts/build.mjs [cli|renderer] [--outdir DIR]   (--outdir: the node bundles only, e.g. to measure a build)
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const outdirAt = args.indexOf("--outdir");
const dist = outdirAt >= 0 ? path.resolve(args[outdirAt + 1]) : path.join(root, "dist");
const only = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--outdir"); // "cli" | "renderer" | undefined (both)

/** ESM entries, split: each command is its own chunk, so `sipscope analyze` never loads the app host's code. */
const esmEntries = { cli: "core/node/cli.ts", worker: "core/node/worker.ts" };
/** Electron loads CommonJS: one self-contained file each. */
const cjsEntries = { "electron-main": "electron/main.ts", "electron-preload": "electron/preload.ts" };
const common = { bundle: true, platform: "node", target: "node20", packages: "external", external: ["electron"], sourcemap: true, logLevel: "warning" };
/**
 * Shared chunks sit beside the entries (dist/chunk-HASH.mjs), not in a subfolder: code that finds
 * dist/ from its own import.meta.url (the renderer, worker.mjs) then finds it from any chunk.
 */
const CHUNK = /^chunk-[A-Z0-9]+\.mjs(\.map)?$/;

if (only !== "renderer") {
  mkdirSync(dist, { recursive: true });
  const entryPoints = {};
  for (const [name, entry] of Object.entries(esmEntries)) if (existsSync(path.join(root, entry))) entryPoints[name] = path.join(root, entry);
  const result = await build({
    ...common,
    entryPoints,
    outdir: dist,
    format: "esm",
    splitting: true,
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".mjs" },
    write: false,
  });
  const written = new Set();
  for (const f of result.outputFiles) {
    writeAtomically(f.path, f.contents);
    written.add(path.basename(f.path));
  }
  // Chunks of earlier builds (their hash changed) would pile up: remove every chunk this build did not write.
  for (const name of readdirSync(dist)) if (CHUNK.test(name) && !written.has(name)) rmSync(path.join(dist, name), { force: true });

  for (const [name, entry] of Object.entries(cjsEntries)) {
    if (!existsSync(path.join(root, entry))) continue;
    await build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(dist, `${name}.cjs`), format: "cjs" });
  }
}
if (only !== "cli" && outdirAt < 0 && existsSync(path.join(root, "renderer", "index.html"))) {
  const { build: viteBuild } = await import("vite");
  await viteBuild({ configFile: path.join(root, "renderer", "vite.config.ts"), logLevel: "warn" });
}

/**
 * Tests build while other tests run the CLI: a file is replaced whole (rename), never seen half
 * written, and left alone when unchanged (same chunk names keep working for a running process).
 */
function writeAtomically(file, contents) {
  if (existsSync(file) && Buffer.compare(readFileSync(file), contents) === 0) return;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}
