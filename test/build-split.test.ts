/**
 * scripts/build.mjs's node bundles: the CLI entry is a small loader whose commands are separate
 * chunks beside it, chunks of earlier builds are removed, unchanged files are left alone (a running
 * CLI keeps loading them), and the split CLI runs a command. Built into a temporary folder, never dist/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./shared";

const out = mkdtempSync(path.join(tmpdir(), "sipscope-build-"));
const build = () => execFileSync(process.execPath, [path.join(repoRoot, "scripts", "build.mjs"), "cli", "--outdir", out], { stdio: "inherit" });
const chunks = () => readdirSync(out).filter((f) => /^chunk-.*\.mjs$/.test(f));

beforeAll(() => {
  // Left over from an "earlier build": a chunk no build writes now, and a file that is not a chunk.
  writeFileSync(path.join(out, "chunk-STALE234.mjs"), "export {};\n");
  writeFileSync(path.join(out, "chunk-STALE234.mjs.map"), "{}");
  writeFileSync(path.join(out, "notes.txt"), "not a chunk");
  build();
}, 120_000);

describe("split node build", () => {
  it("writes the entries the launcher, the host and Electron name, and chunks beside them", () => {
    for (const f of ["cli.mjs", "worker.mjs", "electron-main.cjs", "electron-preload.cjs"]) expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(chunks().length).toBeGreaterThan(1);
    // The entry only dispatches: the commands' code is in chunks loaded on demand.
    expect(statSync(path.join(out, "cli.mjs")).size).toBeLessThan(20_000);
    const imported = [...readFileSync(path.join(out, "cli.mjs"), "utf8").matchAll(/import\("\.\/(chunk-[A-Z0-9]+\.mjs)"\)/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThanOrEqual(5);
    for (const c of imported) expect(existsSync(path.join(out, c)), c).toBe(true);
  });

  it("removes chunks of earlier builds and nothing else", () => {
    expect(existsSync(path.join(out, "chunk-STALE234.mjs"))).toBe(false);
    expect(existsSync(path.join(out, "chunk-STALE234.mjs.map"))).toBe(false);
    expect(existsSync(path.join(out, "notes.txt"))).toBe(true);
  });

  it("leaves unchanged files untouched when built again", () => {
    const before = new Map(chunks().map((c) => [c, statSync(path.join(out, c)).mtimeMs]));
    build();
    const after = new Map(chunks().map((c) => [c, statSync(path.join(out, c)).mtimeMs]));
    expect(after).toEqual(before);
  }, 120_000);

  it("runs a command through its chunks", () => {
    const r = spawnSync(process.execPath, [path.join(out, "cli.mjs"), "analyze", "--summary", path.join(repoRoot, "samples", "bug4-dialog-bye-race.pcap")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^calls \(2\):$/m);
  });
});
