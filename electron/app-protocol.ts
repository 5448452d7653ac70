/**
 * The app:// protocol handler: serves the built renderer (and nothing else) to the window, with the
 * same strict CSP as browser mode. Free of Electron imports so it is tested with plain Requests.
 */
import { existsSync, statSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { CSP } from "../core/node/http-host";

const MIME: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".woff2": "font/woff2" };

export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const notFound = () => new Response("not found", { status: 404 });
    const url = new URL(request.url);
    if (url.protocol !== "app:" || url.host !== "sipscope" || request.method !== "GET") return notFound();
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname);
    } catch {
      return notFound();
    }
    if (rel.includes("\0")) return notFound();
    let root: string;
    let file: string;
    try {
      root = await realpath(rendererDir);
      file = await realpath(path.resolve(root, "." + path.posix.normalize(rel)));
    } catch {
      return notFound();
    }
    if (!file.startsWith(root + path.sep) || !statSync(file).isFile()) return notFound();
    return new Response(new Uint8Array(await readFile(file)), {
      headers: { "content-type": MIME[path.extname(file)] ?? "application/octet-stream", "content-security-policy": CSP, "x-content-type-options": "nosniff" },
    });
  };
}

/** Files named on the command line (after the main script) that exist, as absolute paths. */
export function filesFromArgv(argv: string[]): string[] {
  return argv
    .slice(1)
    .filter((a) => !a.startsWith("-") && !/electron-main\.cjs$/.test(a) && existsSync(a) && statSync(a).isFile())
    .map((a) => path.resolve(a));
}
