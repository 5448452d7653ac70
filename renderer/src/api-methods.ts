/**
 * Every Api method name (core/api.ts has API_METHODS, but the renderer may import only types from
 * core; test/renderer-mirror.test.ts checks the two lists agree). DOM-free on purpose.
 */
import type { ApiMethod } from "../../core/api";

const METHODS: Record<ApiMethod, true> = {
  openPaths: true, openUpload: true, session: true, listSessions: true, recentFiles: true, calls: true, ladder: true,
  message: true, findings: true, stats: true, export: true, replay: true, setAlias: true,
};

export const API_METHODS = Object.keys(METHODS) as ApiMethod[];
