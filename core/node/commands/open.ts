/**
 * `sipscope open FILE… [--port N] [--no-open]` — browser mode: serve the app on 127.0.0.1 with a
 * random token, open the files as one timeline, print the URL and open the system browser.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHttpHost, type HttpHost } from "../http-host";
import { createWorkerApi, type WorkerApi } from "../worker-client";

const HELP = `usage: sipscope open FILE… [--port N] [--no-open]

Serves the SIPScope app on 127.0.0.1 and opens FILE… (captures and logs, as one timeline).
  --port N     listen on port N (default: a free port)
  --no-open    do not open the system browser; just print the URL`;

export interface OpenArgs {
  files: string[];
  port?: number;
  open: boolean;
}

export function parseOpenArgs(argv: string[]): OpenArgs | string {
  const a: OpenArgs = { files: [], open: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--no-open") a.open = false;
    else if (arg === "--port") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) return "--port needs a port number (0-65535)";
      a.port = n;
    } else if (arg.startsWith("--port=")) {
      const n = Number(arg.slice(7));
      if (!Number.isInteger(n) || n < 0 || n > 65535) return "--port needs a port number (0-65535)";
      a.port = n;
    } else if (arg === "--help" || arg === "-h") return "help";
    else if (arg.startsWith("-")) return `unknown option ${arg}`;
    else a.files.push(arg);
  }
  return a;
}

/** dist/ (where the CLI bundle and the renderer build live). */
export function distDir(): string {
  const here = typeof __dirname !== "undefined" ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  return existsSync(path.join(here, "renderer")) ? here : path.join(here, "..", "..", "..", "dist");
}

export function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {}); // no browser: the printed URL is enough
    child.unref();
  } catch {
    // ignore: the URL is printed
  }
}

/** Starts browser mode; resolves when serving (used by `open` and `start`). */
export async function serveBrowserMode(files: string[], port: number | undefined): Promise<{ host: HttpHost; api: WorkerApi }> {
  const dist = distDir();
  const staticDir = path.join(dist, "renderer");
  if (!existsSync(path.join(staticDir, "index.html"))) throw new Error(`the app is not built (${staticDir}/index.html missing): run "npm run build"`);
  const resolved = files.map((f) => path.resolve(f));
  const api = createWorkerApi({ workerPath: path.join(dist, "worker.mjs"), allowedPaths: resolved });
  if (resolved.length) await api.openPaths(resolved);
  const host = await startHttpHost({ api, staticDir, port });
  return { host, api };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOpenArgs(argv);
  if (args === "help") {
    console.log(HELP);
    return 0;
  }
  if (typeof args === "string") {
    console.error(`sipscope open: ${args}\n\n${HELP}`);
    return 2;
  }
  const missing = args.files.filter((f) => !existsSync(f));
  if (missing.length) {
    console.error(`sipscope open: no such file: ${missing.join(", ")}`);
    return 2;
  }
  let served;
  try {
    served = await serveBrowserMode(args.files, args.port);
  } catch (e) {
    console.error(`sipscope open: ${(e as Error).message}`);
    return 1;
  }
  console.log(`SIPScope at ${served.host.url}`);
  if (args.open) openBrowser(served.host.url);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await served.host.close();
  await served.api.close();
  return 0;
}
