/**
 * The host main thread's Api: every call is posted to the analysis worker and answered by it.
 * Loading progress is pushed by the worker and cached here, so `session()` polls are answered at
 * once even while the worker is busy analysing.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { API_METHODS, type Api, type ApiMethod, type SessionInfo } from "../api";
import type { FromWorker, ToWorker } from "./rpc";

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
  const worker = new Worker(options.workerPath ?? defaultWorkerPath(), { workerData: { allowedPaths: options.allowedPaths ?? [], memoryRecent: options.memoryRecent ?? false } });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const sessions = new Map<string, SessionInfo>();
  let next = 1;
  let dead: Error | undefined;

  worker.on("message", (m: FromWorker) => {
    if (m.type === "session") {
      sessions.set(m.info.id, m.info);
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === "result") p.resolve(m.value);
    else p.reject(new RemoteApiError(m.message, m.code));
  });
  const fail = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("error", (e) => fail(new RemoteApiError(`the analysis worker crashed: ${e.message}`)));
  worker.on("exit", (code) => fail(new RemoteApiError(`the analysis worker stopped (exit ${code})`)));

  function call(method: ApiMethod, args: unknown[]): Promise<unknown> {
    if (dead) return Promise.reject(dead);
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: "call", id, method, args } satisfies ToWorker);
    });
  }

  const api = {} as WorkerApi;
  for (const method of API_METHODS) {
    (api as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => call(method, args);
  }
  api.session = async (id: string) => {
    const cached = sessions.get(id);
    if (cached && cached.state === "loading") return cached;
    return (await call("session", [id])) as SessionInfo;
  };
  const remember = (p: Promise<unknown>) =>
    p.then((info) => {
      sessions.set((info as SessionInfo).id, info as SessionInfo);
      return info as SessionInfo;
    });
  api.openPaths = (paths) => remember(call("openPaths", [paths]));
  api.openUpload = (files) => remember(call("openUpload", [files]));
  api.allowPaths = (paths) => worker.postMessage({ type: "allow-paths", paths } satisfies ToWorker);
  api.close = async () => {
    await worker.terminate();
  };
  return api;
}
