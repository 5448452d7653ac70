/** The messages between the host's main thread and the analysis worker (core/node/worker.ts). */
import type { ApiMethod, CallDTO, SessionInfo } from "../api";

export type ToWorker = { type: "call"; id: number; method: ApiMethod; args: unknown[] } | { type: "allow-paths"; paths: string[] };

export type FromWorker =
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; message: string; code?: string }
  /** Pushed while a session loads, so progress polls never wait behind a busy analysis. */
  | { type: "session"; info: SessionInfo }
  /** A loading session's preliminary call list, so `calls()` is answered while the worker is busy analysing. */
  | { type: "preview"; session: string; calls: CallDTO[] };
