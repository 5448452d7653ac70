/**
 * Browser mode: the built renderer and the JSON Api over HTTP on 127.0.0.1.
 *
 * - Api: `POST /api/<method>` with a JSON array of arguments; answers `{ ok: true, value }` or
 *   `{ ok: false, error, code }`. Every Api request needs the session token (header
 *   `x-sipscope-token` or `?token=`), compared in constant time.
 * - Static files: only from the build folder, only GET/HEAD, never outside it (no `..`, no symlink
 *   escape beyond the resolved root), with a strict CSP.
 * - The Host header must name the loopback address we bound (DNS-rebinding guard).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { API_METHODS, type Api, type ApiMethod } from "../api";
import { normalizeArgs, validateArgs } from "./validate-args";

export interface HttpHostOptions {
  api: Api;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  port?: number;
  token?: string;
  /** Largest accepted request body (uploads are base64 JSON). */
  maxBody?: number;
}

export interface HttpHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".map": "application/json",
};

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    ...extra,
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8");
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw Object.assign(new Error(`request body over ${Math.round(max / 1e6)} MB`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const token = options.token ?? newToken();
  const maxBody = options.maxBody ?? 1024 * 1024 * 1024;
  const root = await realpath(options.staticDir).catch(() => path.resolve(options.staticDir));
  let boundPort = 0;

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed", "text/plain");
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, "bad path", "text/plain");
    }
    if (rel.includes("\0")) return send(res, 400, "bad path", "text/plain");
    if (rel === "/" || rel === "") rel = "/index.html";
    const file = path.resolve(root, "." + path.posix.normalize(rel));
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return send(res, 404, "not found", "text/plain");
    }
    if (real !== root && !real.startsWith(root + path.sep)) return send(res, 404, "not found", "text/plain");
    const st = await stat(real);
    if (!st.isFile()) return send(res, 404, "not found", "text/plain");
    const body = await readFile(real);
    send(res, 200, req.method === "HEAD" ? "" : body, MIME[path.extname(real)] ?? "application/octet-stream", { "content-security-policy": CSP, "x-frame-options": "DENY" });
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const given = (req.headers["x-sipscope-token"] as string | undefined) ?? url.searchParams.get("token") ?? "";
    if (!sameToken(given, token)) return json(res, 401, { ok: false, error: "missing or wrong token: open the URL printed by `sipscope open`", code: "forbidden" });
    if (req.method !== "POST") return json(res, 405, { ok: false, error: "use POST", code: "bad-request" });
    const method = url.pathname.slice("/api/".length) as ApiMethod;
    if (!(API_METHODS as readonly string[]).includes(method)) return json(res, 404, { ok: false, error: `no Api method "${method}"`, code: "not-found" });
    let args: unknown;
    try {
      const text = await readBody(req, maxBody);
      args = text ? JSON.parse(text) : [];
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      return json(res, status, { ok: false, error: status === 413 ? (e as Error).message : "the body must be a JSON array of arguments", code: "bad-request" });
    }
    if (!Array.isArray(args)) return json(res, 400, { ok: false, error: "the body must be a JSON array of arguments", code: "bad-request" });
    const reason = validateArgs(method, args);
    if (reason) return json(res, 400, { ok: false, error: reason, code: "bad-request" });
    try {
      const fn = options.api[method] as (...a: unknown[]) => Promise<unknown>;
      const value = await fn.apply(options.api, normalizeArgs(args));
      json(res, 200, { ok: true, value: value ?? null });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const status = code === "not-found" ? 404 : code === "forbidden" ? 403 : code === "unavailable" ? 409 : 400;
      json(res, status, { ok: false, error: (e as Error)?.message ?? String(e), code });
    }
  }

  const server = createServer((req, res) => {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${boundPort}` && host !== `localhost:${boundPort}`) return send(res, 421, "wrong host", "text/plain");
    const url = new URL(req.url ?? "/", `http://${host}`);
    let work: Promise<void>;
    if (url.pathname.startsWith("/api/")) work = serveApi(req, res, url);
    else {
      // Static files need the token too: the printed URL carries it once (?token=), and a
      // same-site, HttpOnly cookie lets the page's own scripts and styles load after that.
      const fromQuery = url.searchParams.get("token");
      const fromCookie = /(?:^|;\s*)sipscope_token=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
      if (fromQuery !== null && sameToken(fromQuery, token)) res.setHeader("set-cookie", `sipscope_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
      else if (!sameToken(fromCookie, token)) {
        send(res, 401, "SIPScope: missing or wrong token. Open the URL printed by `sipscope open` (it ends in ?token=…).", "text/plain");
        return;
      }
      work = serveStatic(req, res, url.pathname);
    }
    work.catch((e) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(e as Error).message}`, "text/plain");
      else res.end();
    });
  });
  server.requestTimeout = 0; // big uploads over slow links; the body limit still applies
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  boundPort = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${boundPort}/?token=${token}`,
    port: boundPort,
    token,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
