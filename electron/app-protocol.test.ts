import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createAppProtocolHandler, filesFromArgv } from "./app-protocol";

function renderer(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "sipscope-app-"));
  const dir = path.join(root, "renderer");
  mkdirSync(path.join(dir, "assets"), { recursive: true });
  writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
  writeFileSync(path.join(dir, "assets", "a.js"), "1");
  writeFileSync(path.join(root, "secret.txt"), "secret");
  symlinkSync(path.join(root, "secret.txt"), path.join(dir, "assets", "link.txt"));
  return dir;
}

describe("app:// protocol", () => {
  const handle = createAppProtocolHandler(renderer());
  it("serves the build with the CSP", async () => {
    const r = await handle(new Request("app://sipscope/"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect((await handle(new Request("app://sipscope/assets/a.js"))).status).toBe(200);
  });
  it.each(["app://sipscope/../secret.txt", "app://sipscope/%2e%2e/secret.txt", "app://sipscope/assets/..%2f..%2fsecret.txt", "app://sipscope/assets/link.txt", "app://sipscope/assets", "app://other/index.html", "app://sipscope/%E0%A4%A"])("refuses %s", async (u) => {
    const r = await handle(new Request(u));
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain("secret");
  });
});

describe("command-line files", () => {
  it("keeps existing files after the main script, not options or the script itself", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-argv-"));
    const f = path.join(dir, "a.pcap");
    writeFileSync(f, "");
    expect(filesFromArgv(["/usr/bin/electron", "dist/electron-main.cjs", "--inspect", f, path.join(dir, "missing.pcap"), dir])).toEqual([f]);
  });
});
