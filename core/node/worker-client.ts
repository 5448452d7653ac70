/**
 * The host main thread's Api: every call is posted to the analysis worker and answered by it.
 * Loading progress is pushed by the worker and cached here, so `session()` polls are answered at
 * once even while the worker is busy analysing.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { API_METHODS, type Api, type ApiMethod, type CallDTO, type CallPage, type SessionInfo } from "../api";
import type { FromWorker, ToWorker } from "./rpc";
import { previewPage } from "./call-preview";

export class RemoteApiError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = "ApiError";
  }
}

export interface WorkerApi extends Api {
  allowPaths(paths: string[]): void;
  close(): Promise<void>;
}

/** dist/worker.mjs next to the running bundle (dist/cli.mjs or dist/electron-main.cjs). */
export function defaultWorkerPath(fromDir?: string): string {
  // No import.meta here: this module is bundled both as ESM (CLI) and as CJS (Electron main).
  const here = fromDir ?? (typeof __dirname !== "undefined" ? __dirname : path.dirname(process.argv[1] ?? "."));
  const candidates = [path.join(here, "worker.mjs"), path.join(here, "..", "dist", "worker.mjs"), path.join(here, "..", "..", "dist", "worker.mjs")];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

export function createWorkerApi(options: { workerPath?: string; allowedPaths?: string[]; memoryRecent?: boolean } = {}): WorkerApi {
  const workerPath = options.workerPath ?? defaultWorkerPath();
  const allowed = [...(options.allowedPaths ?? [])];
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const sessions = new Map<string, SessionInfo>();
  /** Preliminary call lists of loading sessions, pushed by the worker (see call-preview.ts). */
  const previews = new Map<string, CallDTO[]>();
  let next = 1;
  let lastSession = 0;
  let worker: Worker | undefined;
  let closing = false;

  /**
   * A worker that dies (a capture too big for the heap, a decoder bug) takes its sessions with it;
   * the next call starts a fresh one, numbering sessions on so old ids never alias new ones.
   */
  function spawnWorker(): Worker {
    const w = new Worker(workerPath, { workerData: { allowedPaths: allowed, memoryRecent: options.memoryRecent ?? false, firstSession: lastSession + 1 } });
    w.on("message", (m: FromWorker) => {
      if (m.type === "session") {
        remember(m.info);
        return;
      }
      if (m.type === "preview") {
        if (sessions.get(m.session)?.state === "loading") previews.set(m.session, m.calls);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === "result") p.resolve(m.value);
      else p.reject(new RemoteApiError(m.message, m.code));
    });
    let reason = "";
    w.on("error", (e) => (reason = e.message));
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      if (closing) return;
      const why = `the analysis worker stopped (exit ${code}${reason ? `: ${reason}` : ""})`;
      for (const p of pending.values()) p.reject(new RemoteApiError(why, "unavailable"));
      pending.clear();
      previews.clear();
      for (const [id, info] of sessions) {
        if (info.state === "loading") {
          sessions.set(id, { ...info, state: "error", error: `${why} while loading; the capture may be too large for memory (try NODE_OPTIONS=--max-old-space-size=8192)` });
        }
      }
    });
    return w;
  }

  function remember(info: SessionInfo): SessionInfo {
    sessions.set(info.id, info);
    if (info.state !== "loading") previews.delete(info.id);
    const n = Number(info.id.replace(/^s/, ""));
    if (Number.isInteger(n) && n > lastSession) lastSession = n;
    return info;
  }

  function call(method: ApiMethod, args: unknown[]): Promise<unknown> {
    if (closing) return Promise.reject(new RemoteApiError("SIPScope is shutting down", "unavailable"));
    worker ??= spawnWorker();
    const w = worker;
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage({ type: "call", id, method, args } satisfies ToWorker);
    });
  }

  const api = {} as WorkerApi;
  for (const method of API_METHODS) {
    (api as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => call(method, args);
  }
  api.session = async (id: string) => {
    const cached = sessions.get(id);
    if (cached && (cached.state === "loading" || (cached.state === "error" && !worker))) return cached;
    return (await call("session", [id])) as SessionInfo;
  };
  // While loading, calls are answered here from the preview: the worker may be deep in a synchronous analysis.
  api.calls = async (id, query) => {
    const list = previews.get(id);
    if (list && sessions.get(id)?.state === "loading") return previewPage(list, query);
    return (await call("calls", [id, query])) as CallPage;
  };
  api.openPaths = async (paths) => remember((await call("openPaths", [paths])) as SessionInfo);
  api.openUpload = async (files) => remember((await call("openUpload", [files])) as SessionInfo);
  api.allowPaths = (paths) => {
    allowed.push(...paths);
    worker?.postMessage({ type: "allow-paths", paths } satisfies ToWorker);
  };
  api.close = async () => {
    closing = true;
    await worker?.terminate();
  };
  worker = spawnWorker();
  return api;
}
