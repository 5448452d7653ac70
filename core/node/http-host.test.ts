import { afterEach, describe, expect, it, vi } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { API_METHODS, type Api } from "../api";
import { startHttpHost, type HttpHost } from "./http-host";

function fakeApi(): Api {
  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = vi.fn(async (...args: unknown[]) => ({ method: m, args }));
  (api.ladder as ReturnType<typeof vi.fn>).mockRejectedValue(Object.assign(new Error('no call "c9"'), { code: "not-found" }));
  return api as unknown as Api;
}

function staticDir(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "sipscope-static-"));
  const dir = path.join(root, "renderer");
  mkdirSync(path.join(dir, "assets"), { recursive: true });
  writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>SIPScope</title>");
  writeFileSync(path.join(dir, "assets", "app.js"), "console.log(1)");
  writeFileSync(path.join(root, "secret.txt"), "outside the build");
  return dir;
}

/** Raw HTTP (so Host and odd paths go out exactly as written). */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path, headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

let host: HttpHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe("browser-mode HTTP host", () => {
  it("needs the token for static files too (query once, then the cookie)", async () => {
    host = await startHttpHost({ api: fakeApi(), staticDir: staticDir(), token: "t0k" });
    for (const [p, headers] of [["/", {}], ["/assets/app.js", {}], ["/?token=bad", {}], ["/", { cookie: "sipscope_token=bad" }]] as const) {
      const r = await raw(host.port, { path: p, headers });
      expect(r.status, p).toBe(401);
      expect(r.body).toMatch(/token/);
    }
    expect((await raw(host.port, { path: "/", headers: { cookie: "a=b; sipscope_token=t0k" } })).status).toBe(200);
  });

  it("binds 127.0.0.1 and prints a token URL", async () => {
    host = await startHttpHost({ api: fakeApi(), staticDir: staticDir() });
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    const addr = host.server.address();
    expect(typeof addr === "object" && addr?.address).toBe("127.0.0.1");
  });

  it("serves the build with a strict CSP, and nothing outside it", async () => {
    host = await startHttpHost({ api: fakeApi(), staticDir: staticDir(), token: "t0k" });
    const index = await raw(host.port, { path: "/?token=t0k" });
    expect(index.status).toBe(200);
    expect(index.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    const cookie = String(index.headers["set-cookie"]).split(";")[0];
    expect(cookie).toBe("sipscope_token=t0k");
    expect(String(index.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await raw(host.port, { path: "/assets/app.js", headers: { cookie } })).status).toBe(200);
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/%00", "/nope.js"]) {
      const r = await raw(host.port, { path: p, headers: { cookie } });
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain("outside the build");
    }
  });

  it("needs the token for every Api call (header or query)", async () => {
    const api = fakeApi();
    host = await startHttpHost({ api, staticDir: staticDir(), token: "t0k" });
    const no = await raw(host.port, { method: "POST", path: "/api/listSessions", body: "[]" });
    expect(no.status).toBe(401);
    const wrong = await raw(host.port, { method: "POST", path: "/api/listSessions", headers: { "x-sipscope-token": "t0x" }, body: "[]" });
    expect(wrong.status).toBe(401);
    expect(api.listSessions).not.toHaveBeenCalled();
    const ok = await raw(host.port, { method: "POST", path: "/api/listSessions", headers: { "x-sipscope-token": "t0k" }, body: "[]" });
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: { method: "listSessions", args: [] } });
    const q = await raw(host.port, { method: "POST", path: "/api/session?token=t0k", body: '["s1"]' });
    expect(JSON.parse(q.body).value).toEqual({ method: "session", args: ["s1"] });
  });

  it("refuses other Host headers (DNS rebinding), unknown methods and bad arguments", async () => {
    const api = fakeApi();
    host = await startHttpHost({ api, staticDir: staticDir(), token: "t" });
    const h = { "x-sipscope-token": "t" };
    expect((await raw(host.port, { path: "/", headers: { host: "evil.example" } })).status).toBe(421);
    expect((await raw(host.port, { method: "POST", path: "/api/constructor", headers: h, body: "[]" })).status).toBe(404);
    expect((await raw(host.port, { method: "POST", path: "/api/message", headers: h, body: '["s1","0"]' })).status).toBe(400);
    expect((await raw(host.port, { method: "POST", path: "/api/message", headers: h, body: "{" })).status).toBe(400);
    expect((await raw(host.port, { method: "GET", path: "/api/listSessions", headers: h })).status).toBe(405);
    expect(api.message).not.toHaveBeenCalled();
    const nf = await raw(host.port, { method: "POST", path: "/api/ladder", headers: h, body: '["s1","c9"]' });
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body)).toEqual({ ok: false, error: 'no call "c9"', code: "not-found" });
  });

  it("limits the request body", async () => {
    host = await startHttpHost({ api: fakeApi(), staticDir: staticDir(), token: "t", maxBody: 1000 });
    const r = await raw(host.port, { method: "POST", path: "/api/openUpload", headers: { "x-sipscope-token": "t" }, body: JSON.stringify([[{ name: "a", base64: "A".repeat(5000) }]]) });
    expect(r.status).toBe(413);
  });
});
