/**
 * `sipscope engine` and `sipscope replay` as a user runs them (the built bin/sipscope.mjs).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import dgram from "node:dgram";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { repoRoot } from "../shared";

const bin = path.join(repoRoot, "bin", "sipscope.mjs");

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, "scripts", "build.mjs"), "cli"], { stdio: "inherit" });
});

describe("sipscope engine / replay CLI", () => {
  it("engine prints what it listens on, answers OPTIONS, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "engine", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--control", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    // Whatever the assertions below do, the engine process does not outlive the test.
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 10_000);
      child.stdout.on("data", () => {
        if (out.includes("Ctrl-C")) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(out).toMatch(/SIP over UDP\s+sip:127\.0\.0\.1:\d+/);
    expect(out).toMatch(/SIP over TCP\s+sip:127\.0\.0\.1:\d+;transport=tcp/);
    expect(out).toMatch(/SIP over WebSocket\s+ws:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/control endpoint\s+http:\/\/127\.0\.0\.1:(\d+)/);
    const udpPort = Number(/SIP over UDP\s+sip:127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const sock = dgram.createSocket("udp4");
    const answer = new Promise<string>((resolve) => sock.once("message", (m) => resolve(m.toString())));
    sock.send(`OPTIONS sip:127.0.0.1:${udpPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-cli;rport\r\nFrom: <sip:ping@x>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: cli-ping\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, udpPort, "127.0.0.1");
    expect(await answer).toMatch(/^SIP\/2\.0 200 OK/);
    sock.close();
    const control = /control endpoint\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1];
    const status = (await (await fetch(`http://127.0.0.1:${control}/status`)).json()) as { stats: { received: number } };
    expect(status.stats.received).toBeGreaterThanOrEqual(1); // the OPTIONS above
    const bye = await fetch(`http://127.0.0.1:${control}/dialogs/nope/bye`, { method: "POST" });
    expect(bye.status).toBe(404);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code, err).toBe(0);
  });

  it("engine refuses bad options with usage and exit 2", () => {
    const r = spawnSync(process.execPath, [bin, "engine", "--udp", "nonsense"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--udp must be HOST:PORT/);
    const r2 = spawnSync(process.execPath, [bin, "engine", "--frobnicate"], { encoding: "utf8" });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/unknown option --frobnicate/);
  });

  const sample = path.join(repoRoot, "samples", "bug4-dialog-bye-race.pcap");
  it.skipIf(!existsSync(sample))("replay --json prints the documented shape", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "sipscope-replay-cli-")), "r.pcap");
    const r = spawnSync(process.execPath, [bin, "replay", sample, "--call", "c1", "--speed", "30", "--json", "--out", out], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(["original", "replay", "diff"]));
    expect(doc.original.messages.length).toBeGreaterThan(0);
    expect(doc.original.findings.map((f: { rule: string }) => f.rule)).toContain("bye-one-sided");
    expect(doc.replay.findings.filter((f: { severity: string }) => f.severity !== "info")).toEqual([]);
    expect(doc.diff).toContainEqual(expect.objectContaining({ kind: "extra", replay: expect.any(Number), label: expect.stringMatching(/^BYE S → B/) }));
    expect(existsSync(out)).toBe(true);
  });

  it.skipIf(!existsSync(sample))("replay prints both ladders side by side, the differences and both sets of findings", () => {
    const r = spawnSync(process.execPath, [bin, "replay", sample, "--call", "c1", "--speed", "30"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ORIGINAL \(capture\)\s+REPLAY/);
    expect(r.stdout).toMatch(/differences \(2\):\n\s+extra\s+BYE S → B/);
    expect(r.stdout).toMatch(/findings in the capture:\n\s+ERROR\s+bye-one-sided/);
    expect(r.stdout).toMatch(/findings in the replay:\n\s+\(none\)/);
  });

  it("replay without --call explains itself", () => {
    const r = spawnSync(process.execPath, [bin, "replay", sample], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--call ID is required/);
  });
});
