/**
 * The analysis worker end to end through its client: the real worker bundle (built here with
 * esbuild, as scripts/build.mjs does), a capture written with the project's pcap writer, progress
 * polling, calls, ladder, pcap export read back by ingest, and a clean error for a bad file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createWorkerApi, type WorkerApi } from "./worker-client";
import { loadFiles } from "./ingest";
import { fixtureCapture, inviteCall } from "../../test/helpers/fixture-analysis";

const root = path.resolve(__dirname, "..", "..");
let api: WorkerApi;
const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-worker-"));

beforeAll(async () => {
  const workerPath = path.join(dir, "worker.mjs");
  await build({ entryPoints: [path.join(root, "core/node/worker.ts")], outfile: workerPath, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "error", absWorkingDir: root });
  api = createWorkerApi({ workerPath, memoryRecent: true });
}, 60_000);
afterAll(async () => api?.close());

async function ready(id: string) {
  for (let i = 0; i < 200; i++) {
    const s = await api.session(id);
    if (s.state !== "loading") return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("session did not finish loading in 10 s");
}

describe("analysis worker", () => {
  it("refuses paths it was not given, then loads allowed ones", async () => {
    const file = await fixtureCapture([...inviteCall(1, 100, 200), ...inviteCall(2, 101, 486)]);
    await expect(api.openPaths([file])).rejects.toThrow(/not allowed/);
    api.allowPaths([file]);
    const info = await api.openPaths([file]);
    expect(info.state).toBe("loading");
    const done = await ready(info.id);
    expect(done.state).toBe("ready");
    expect(done.summary.sip).toBe(11);
    const page = await api.calls(info.id, { sort: { key: "start", dir: "asc" } });
    expect(page.total).toBeGreaterThanOrEqual(2);
    const ladder = await api.ladder(info.id, page.calls[0].id);
    expect(ladder.arrows[0].label).toBe("INVITE");
    expect((await api.recentFiles()).map((r) => r.path)).toContain(file);

    // pcap export of the first call reads back as the same SIP messages.
    const exp = await api.export(info.id, "calls-pcap", [page.calls[0].id]);
    const back = path.join(dir, exp.filename);
    writeFileSync(back, Buffer.from(exp.base64!, "base64"));
    const loaded = await loadFiles([back]);
    expect(loaded.messages.map((m) => m.info)).toEqual(ladder.arrows.map((a) => (a.label.match(/^\d/) ? `Status: ${a.label}` : expect.stringMatching(new RegExp(`^Request: ${a.label} `)))));
  });

  it("reports an unreadable upload as a failed session, naming the file", async () => {
    const info = await api.openUpload([{ name: "notes.pcap", base64: Buffer.from("this is not a capture at all\n".repeat(3)).toString("base64") }]);
    const done = await ready(info.id);
    expect(done.state).toBe("error");
    expect(done.error).toMatch(/^notes\.pcap\b/);
    expect(done.error).not.toContain(os.tmpdir());
  });

  it("answers unknown sessions with a not-found error", async () => {
    await expect(api.calls("s999", {})).rejects.toMatchObject({ code: "not-found" });
  });

  it("survives a worker crash: the loading session fails with a reason, the next call gets a fresh worker", async () => {
    const fake = path.join(dir, "crashing-worker.mjs");
    writeFileSync(
      fake,
      `import { parentPort, workerData } from "node:worker_threads";
parentPort.on("message", (m) => {
  if (m.type !== "call") return;
  if (m.method === "openUpload") {
    parentPort.postMessage({ type: "result", id: m.id, value: { id: "s" + workerData.firstSession, files: ["big.pcap"], summary: {}, state: "loading" } });
    if (workerData.firstSession === 1) setTimeout(() => process.exit(7), 20);
    return;
  }
  parentPort.postMessage({ type: "result", id: m.id, value: { first: workerData.firstSession } });
});`,
    );
    const crashy = createWorkerApi({ workerPath: fake, memoryRecent: true });
    try {
      const first = await crashy.openUpload([{ name: "big.pcap", base64: "" }]);
      expect(first.id).toBe("s1");
      await new Promise((r) => setTimeout(r, 300));
      const failed = await crashy.session("s1");
      expect(failed.state).toBe("error");
      expect(failed.error).toMatch(/analysis worker stopped \(exit 7\) while loading/);
      const second = await crashy.openUpload([{ name: "big.pcap", base64: "" }]);
      expect(second.id).toBe("s2");
      expect(await crashy.listSessions()).toEqual({ first: 2 });
    } finally {
      await crashy.close();
    }
  });
});
