// Builds what `npx sipscope` and the app run: the CLI/host bundle (esbuild) and the renderer (vite).
// Runs from `prepare`, so `npm ci` leaves a working `npx sipscope`.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const only = process.argv[2]; // "cli" | "renderer" | undefined (both)

const nodeEntries = {
  cli: "core/node/cli.ts",
  worker: "core/node/worker.ts",
  "electron-main": "electron/main.ts",
  "electron-preload": "electron/preload.ts",
};
if (only !== "renderer") {
  for (const [name, entry] of Object.entries(nodeEntries)) {
    if (!existsSync(path.join(root, entry))) continue;
    const isElectron = name.startsWith("electron");
    await build({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(root, "dist", `${name}.${isElectron ? "cjs" : "mjs"}`),
      bundle: true,
      platform: "node",
      target: "node20",
      format: isElectron ? "cjs" : "esm",
      packages: "external",
      external: ["electron"],
      sourcemap: true,
      logLevel: "warning",
    });
  }
}
if (only !== "cli" && existsSync(path.join(root, "renderer", "index.html"))) {
  const { build: viteBuild } = await import("vite");
  await viteBuild({ configFile: path.join(root, "renderer", "vite.config.ts"), logLevel: "warn" });
}
