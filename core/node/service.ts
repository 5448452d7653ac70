/**
 * The Api implemented over sessions of `AnalysisResult`. Runs wherever the analysis lives (the
 * worker thread in the app; in-process in tests). Loading is started by openPaths/openUpload and
 * reported through `session()` polling; every other method answers from the finished analysis.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Api, CallDTO, CallPage, CallQuery, ExportKind, FindingDTO, LadderDTO, LoadProgress, MessageDetailDTO, ReplayResult, SessionInfo, StatsDTO, SummaryDTO } from "../api";
import type { AnalysisResult } from "../analysis/model";
import { callHaystack, isEmptyFilter, matchCall, parseFilter, sortIndexes } from "./call-query";
import { messageDetail } from "./message-detail";
import { memoryRecentStore, type RecentStore } from "./recent-files";
import { ladderToSvg } from "../analysis/export/ladder-svg";
import { ladderToMermaid } from "../analysis/export/ladder-mermaid";
import { callsToCsv } from "../analysis/export/calls-csv";
import { findingsToJson } from "../analysis/export/findings-json";
import { fallbackStats } from "./stats-fallback";
import { previewPage } from "./call-preview";

/** Loads + analyses files (the real pipeline in the worker; a fixture in tests). `onPreview`: a preliminary call list while loading (optional). */
export type Analyzer = (paths: string[], onProgress: (p: LoadProgress) => void, onPreview?: (calls: CallDTO[]) => void) => Promise<AnalysisResult>;
export type Replayer = (result: AnalysisResult, callId: string, options: { speed?: number; target?: string }) => Promise<ReplayResult>;
/** Messages -> pcap bytes (the export "calls-pcap"); absent until the pcap writer is wired. */
export type PcapExporter = (result: AnalysisResult, messageIds: number[]) => Uint8Array;

export interface ServiceOptions {
  analyzer: Analyzer;
  recent?: RecentStore;
  replayer?: Replayer;
  pcap?: PcapExporter;
  /** Paths openPaths accepts without question (CLI arguments, dialog choices). Others must be in the recent list. */
  allowedPaths?: string[];
  /** Where uploads are written before analysis. */
  uploadDir?: () => string;
  /** Number of the first session id ("s<n>"); a restarted worker continues where the last one stopped. */
  firstSession?: number;
  /** Sessions kept in memory; the oldest is dropped beyond this. */
  maxSessions?: number;
  now?: () => number;
  /** Told each preliminary call list as it is taken (the worker forwards it to the main thread). */
  onPreview?: (session: string, calls: CallDTO[]) => void;
}

export class ApiError extends Error {
  constructor(message: string, readonly code: "not-found" | "bad-request" | "unavailable" | "forbidden" = "bad-request") {
    super(message);
    this.name = "ApiError";
  }
}

interface Session {
  info: SessionInfo;
  result?: AnalysisResult;
  /** Preliminary calls while loading (call-preview.ts); dropped once the analysis is done. */
  preview?: CallDTO[];
  aliases: Map<string, string>;
  rules: Map<string, Set<string>>;
  /** Last filtered+sorted index list, so paging through 100k calls does not re-sort per page. */
  cache?: { key: string; idx: number[] };
  /** Lower-cased free-text haystack per call, built on the first text search. */
  haystacks?: string[];
  uploadDir?: string;
}

const emptySummary = (files: string[]): SummaryDTO => ({ files, packets: 0, sip: 0, diameter: 0, http: 0, logEvents: 0, skipped: 0, malformed: 0, problems: [] });

export interface Service extends Api {
  /** Wait until a session is ready or failed (CLI, tests). */
  whenLoaded(session: string): Promise<SessionInfo>;
  allowPaths(paths: string[]): void;
}

export function createService(options: ServiceOptions): Service {
  const sessions = new Map<string, Session>();
  const loads = new Map<string, Promise<void>>();
  const recent = options.recent ?? memoryRecentStore();
  const allowed = new Set((options.allowedPaths ?? []).map((p) => path.resolve(p)));
  const now = options.now ?? (() => Date.now() / 1000);
  let next = options.firstSession ?? 1;

  function get(id: string): Session {
    const s = sessions.get(String(id));
    if (!s) throw new ApiError(`no session "${id}" (it may have been closed; open the file again)`, "not-found");
    return s;
  }
  function ready(id: string): { s: Session; r: AnalysisResult } {
    const s = get(id);
    if (!s.result) throw new ApiError(s.info.state === "error" ? `session failed: ${s.info.error}` : "the capture is still loading", "unavailable");
    return { s, r: s.result };
  }

  /** Forget a session: its capture files are closed, and an uploaded file's temporary copy goes with it. */
  function drop(id: string): void {
    const s = sessions.get(id);
    sessions.delete(id);
    if (!s) return;
    // After any load still reading has finished (its result is then set, and its files open).
    void Promise.resolve(loads.get(id)).finally(() => {
      s.result?.model.close?.();
      if (s.uploadDir) rmSync(s.uploadDir, { recursive: true, force: true });
    });
  }

  function start(files: string[], display: string[], uploadDir?: string): SessionInfo {
    const id = `s${next++}`;
    const info: SessionInfo = { id, files: display, summary: emptySummary(display), state: "loading", progress: { file: display[0] ?? "", bytesRead: 0, bytesTotal: 0, messages: 0, phase: "reading" } };
    const session: Session = { info, aliases: new Map(), rules: new Map(), uploadDir };
    sessions.set(id, session);
    while (sessions.size > (options.maxSessions ?? 4)) drop(sessions.keys().next().value!);
    const load = options
      .analyzer(files, (p) => {
        info.progress = { ...p, file: uploadDir ? path.basename(p.file) : p.file };
      }, (list) => {
        if (session.result || info.state !== "loading") return;
        session.preview = list;
        options.onPreview?.(id, list);
      })
      .then((result) => {
        session.result = result;
        session.preview = undefined;
        info.summary = { ...result.document.summary, files: display };
        info.state = "ready";
        info.progress = { ...(info.progress as LoadProgress), phase: "done", messages: result.model.messages.length };
        const ruleOf = new Map((result.document.findings ?? []).map((f) => [f.id, f.rule]));
        for (const c of result.document.calls ?? []) session.rules.set(c.id, new Set(c.findings.map((f) => ruleOf.get(f) ?? f)));
      })
      .catch((e: unknown) => {
        session.preview = undefined;
        info.state = "error";
        let message = (e as Error)?.message ?? String(e);
        // Uploads live under a temporary name; say the name the user chose.
        files.forEach((f, i) => (message = message.split(f).join(display[i])));
        info.error = message;
      })
      .finally(() => loads.delete(id));
    loads.set(id, load);
    return snapshot(info);
  }

  const snapshot = (info: SessionInfo): SessionInfo => JSON.parse(JSON.stringify(info));

  function calls(r: AnalysisResult): CallDTO[] {
    return r.document.calls ?? [];
  }

  function headerColumns(r: AnalysisResult, callId: string, columns: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    const first = r.callMessages.get(callId)?.find((m) => r.model.messages[m]?.sip?.kind === "request");
    const sip = first !== undefined ? r.model.messages[first].sip : undefined;
    for (const c of columns) out[c] = sip?.header(c) ?? "";
    return out;
  }

  function withAliases(s: Session, ladder: LadderDTO): LadderDTO {
    if (!s.aliases.size) return ladder;
    return { ...ladder, nodes: ladder.nodes.map((n) => (s.aliases.has(n.id) ? { ...n, name: s.aliases.get(n.id)! } : n)) };
  }

  const api: Service = {
    async openPaths(paths) {
      if (!Array.isArray(paths) || !paths.length || paths.some((p) => typeof p !== "string")) throw new ApiError("openPaths needs a list of file paths");
      const known = new Set(recent.list().map((r) => path.resolve(r.path)));
      const resolved = paths.map((p) => path.resolve(p));
      const refused = resolved.filter((p) => !allowed.has(p) && !known.has(p));
      if (refused.length) throw new ApiError(`not allowed to open ${refused.join(", ")}: use the Open button or drop the file`, "forbidden");
      recent.add(resolved, now());
      return start(resolved, resolved);
    },
    async openUpload(files) {
      if (!Array.isArray(files) || !files.length || files.some((f) => typeof f?.name !== "string" || typeof f?.base64 !== "string")) throw new ApiError("openUpload needs [{ name, base64 }]");
      const dir = options.uploadDir?.() ?? mkdtempSync(path.join(os.tmpdir(), "sipscope-upload-"));
      const paths = files.map((f, i) => {
        // Only the base name, made safe: an upload must never choose where it is written.
        const safe = path.basename(f.name).replace(/[^\w.\-]+/g, "_") || `upload-${i}`;
        const p = path.join(dir, `${i}-${safe}`);
        writeFileSync(p, Buffer.from(f.base64, "base64"));
        return p;
      });
      return start(paths, files.map((f) => path.basename(f.name)), dir);
    },
    async session(id) {
      return snapshot(get(id).info);
    },
    async listSessions() {
      return [...sessions.values()].map((s) => snapshot(s.info));
    },
    async recentFiles() {
      return recent.list();
    },
    async calls(id, query: CallQuery = {}) {
      const loading = get(id);
      // While loading: the preliminary list, so the app can show calls before the analysis is done.
      if (!loading.result && loading.info.state === "loading" && loading.preview) return previewPage(loading.preview, query);
      const { s, r } = ready(id);
      const all = calls(r);
      const filter = parseFilter(query.filter);
      const key = JSON.stringify([query.filter ?? "", query.sort ?? null]);
      let idx: number[];
      if (s.cache?.key === key) idx = s.cache.idx;
      else {
        idx = [];
        const empty = isEmptyFilter(filter);
        const noRules = new Set<string>();
        if (filter.text.length && !s.haystacks) s.haystacks = all.map((c) => callHaystack(c, s.rules.get(c.id) ?? noRules));
        for (let i = 0; i < all.length; i++) {
          if (empty || matchCall(all[i], filter, s.rules.get(all[i].id) ?? noRules, [], s.haystacks?.[i])) idx.push(i);
        }
        idx = sortIndexes(all, idx, query.sort);
        s.cache = { key, idx };
      }
      const offset = Math.max(0, Math.floor(query.offset ?? 0));
      const limit = Math.min(5000, Math.max(0, Math.floor(query.limit ?? 500)));
      const columns = (query.columns ?? []).filter((c) => typeof c === "string" && c.trim()).slice(0, 8);
      const page: CallPage = {
        total: idx.length,
        offset,
        calls: idx.slice(offset, offset + limit).map((i) => (columns.length ? { ...all[i], columns: headerColumns(r, all[i].id, columns) } : all[i])),
      };
      return page;
    },
    async ladder(id, callId) {
      const { s, r } = ready(id);
      if (!calls(r).some((c) => c.id === callId) && !r.callMessages.has(callId)) throw new ApiError(`no call "${callId}" in this capture`, "not-found");
      return withAliases(s, r.ladder(callId));
    },
    async message(id, messageId): Promise<MessageDetailDTO> {
      const { r } = ready(id);
      const o = r.model.messages[messageId];
      const dto = r.message(messageId);
      if (!Number.isInteger(messageId) || !o || !dto) throw new ApiError(`no message ${messageId} in this capture`, "not-found");
      return messageDetail(o, dto);
    },
    async findings(id): Promise<FindingDTO[]> {
      return ready(id).r.document.findings ?? [];
    },
    async stats(id): Promise<StatsDTO> {
      const { r } = ready(id);
      return r.document.stats ?? fallbackStats(r.document);
    },
    async export(id, kind: ExportKind, ids: string[]) {
      const { s, r } = ready(id);
      const base = path.basename(s.info.files[0] ?? "capture").replace(/\.[^.]+$/, "") || "capture";
      const list = Array.isArray(ids) ? ids.map(String) : [];
      switch (kind) {
        case "ladder-svg":
        case "ladder-mermaid": {
          if (!list[0]) throw new ApiError("choose a call to export its ladder");
          const ladder = withAliases(s, r.ladder(list[0]));
          const call = calls(r).find((c) => c.id === list[0]);
          if (kind === "ladder-svg") {
            const title = call ? `${call.method} ${call.from} → ${call.to} · ${call.state}` : list[0];
            return { filename: `${base}-${list[0]}.svg`, mime: "image/svg+xml", text: ladderToSvg(ladder, { title }) };
          }
          return { filename: `${base}-${list[0]}.mmd`, mime: "text/plain", text: ladderToMermaid(ladder) };
        }
        case "calls-csv": {
          const all = calls(r);
          const chosen = list.length ? all.filter((c) => list.includes(c.id)) : all;
          return { filename: `${base}-calls.csv`, mime: "text/csv", text: callsToCsv(chosen) };
        }
        case "findings-json": {
          const all = r.document.findings ?? [];
          const chosen = list.length ? all.filter((f) => list.includes(f.id) || (f.call !== undefined && list.includes(f.call))) : all;
          return { filename: `${base}-findings.json`, mime: "application/json", text: findingsToJson(chosen, r.document.summary) };
        }
        case "calls-pcap": {
          if (!options.pcap) throw new ApiError("pcap export is unavailable in this build", "unavailable");
          if (!list.length) throw new ApiError("select one or more calls to export as pcap");
          const ids = [...new Set(list.flatMap((c) => r.callMessages.get(c) ?? []))].sort((a, b) => a - b);
          const bytes = options.pcap(r, ids);
          return { filename: `${base}-${list.length === 1 ? list[0] : `${list.length}-calls`}.pcap`, mime: "application/vnd.tcpdump.pcap", base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") };
        }
        default:
          throw new ApiError(`unknown export kind "${String(kind)}"`);
      }
    },
    async replay(id, callId, opts = {}) {
      const { r } = ready(id);
      if (!options.replayer) throw new ApiError("replay unavailable: this build has no replay engine yet", "unavailable");
      if (!r.callMessages.has(callId)) throw new ApiError(`no call "${callId}" in this capture`, "not-found");
      return options.replayer(r, callId, opts ?? {});
    },
    async setAlias(id, nodeId, alias) {
      const s = get(id);
      const clean = String(alias ?? "").trim().slice(0, 64);
      if (clean) s.aliases.set(String(nodeId), clean);
      else s.aliases.delete(String(nodeId));
    },
    async whenLoaded(id) {
      await loads.get(id);
      return snapshot(get(id).info);
    },
    allowPaths(paths) {
      for (const p of paths) allowed.add(path.resolve(p));
    },
  };
  return api;
}
