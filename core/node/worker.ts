/**
 * The analysis worker thread: owns the sessions (decoded captures can be large; they never cross
 * threads) and answers Api calls posted by the host's main thread (core/node/worker-client.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Api, SessionInfo } from "../api";
import { createService, ApiError } from "./service";
import { fileRecentStore, memoryRecentStore } from "./recent-files";
import { analyzeFiles, exportPcap } from "./pipeline";
import { loadReplayer } from "./replay-adapter";
import type { FromWorker, ToWorker } from "./rpc";

const port = parentPort;
if (!port) throw new Error("core/node/worker.ts must run as a worker thread");
const data = (workerData ?? {}) as { allowedPaths?: string[]; memoryRecent?: boolean; firstSession?: number };

const post = (m: FromWorker) => port.postMessage(m);
let lastPush = 0;

const service = createService({
  analyzer: (paths, onProgress, onPreview) =>
    analyzeFiles(paths, (p) => {
      onProgress(p);
      // Throttled push of the loading session's state (answered by the main thread's cache).
      const now = Date.now();
      if (now - lastPush > 100 || p.phase !== "reading") {
        lastPush = now;
        void service.listSessions().then((all) => all.filter((s) => s.state === "loading").forEach((info) => post({ type: "session", info })));
      }
    }, onPreview),
  onPreview: (session, calls) => post({ type: "preview", session, calls }),
  recent: data.memoryRecent ? memoryRecentStore() : fileRecentStore(),
  allowedPaths: data.allowedPaths ?? [],
  pcap: exportPcap,
  replayer: loadReplayer(),
  firstSession: data.firstSession,
});

port.on("message", async (m: ToWorker) => {
  if (m.type === "allow-paths") {
    service.allowPaths(m.paths);
    return;
  }
  try {
    const fn = service[m.method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn(...m.args);
    post({ type: "result", id: m.id, value });
    if (m.method === "openPaths" || m.method === "openUpload") {
      const info = value as SessionInfo;
      void service.whenLoaded(info.id).then((done) => post({ type: "session", info: done }));
    }
  } catch (e) {
    post({ type: "error", id: m.id, message: (e as Error)?.message ?? String(e), code: e instanceof ApiError ? e.code : undefined });
  }
});

export type { Api };
