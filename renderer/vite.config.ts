import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

// The renderer is served from dist/renderer by browser mode (http-host) and by Electron's app://
// protocol; relative asset URLs work for both.
export default defineConfig({
  root: here,
  base: "./",
  plugins: [react()],
  build: {
    outDir: path.join(here, "..", "dist", "renderer"),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    modulePreload: { polyfill: false },
  },
});
