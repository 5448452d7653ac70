/**
 * The real load + analyse pipeline the app's worker runs: ingest (files -> model) then analysis
 * (model -> AnalysisResult), with progress for the UI. Also the pcap exporter over the model.
 */
import type { CallDTO, LoadProgress } from "../api";
import type { AnalysisResult } from "../analysis/model";
import { analyze } from "../analysis/analyze";
import { messagesToPcap, type ExportMessage } from "../analysis/export/calls-pcap";
import { loadFiles } from "./ingest";
import { CallPreview } from "./call-preview";

/** How often the preliminary call list is re-posted while reading (the first goes out after the first chunk). */
const PREVIEW_EVERY_MS = 300;

/** `onPreview`: a preliminary call list (see call-preview.ts), throttled while reading and complete once reading ends. */
export async function analyzeFiles(paths: string[], onProgress: (p: LoadProgress) => void, onPreview?: (calls: CallDTO[]) => void): Promise<AnalysisResult> {
  let last: LoadProgress = { file: paths[0] ?? "", bytesRead: 0, bytesTotal: 0, messages: 0, phase: "reading" };
  const preview = onPreview ? new CallPreview() : undefined;
  let posted = -Infinity;
  const post = () => {
    if (!preview || !onPreview || preview.size === 0) return;
    posted = Date.now();
    onPreview(preview.snapshot());
  };
  // No message DTOs: the session makes each when it is asked for (AnalysisResult.message).
  const loaded = await loadFiles(paths, {
    messageDtos: false,
    onProgress: (p) => {
      last = { ...p, phase: "reading" };
      onProgress(last);
    },
    onMessages: preview
      ? (added) => {
          preview.add(added);
          if (Date.now() - posted >= PREVIEW_EVERY_MS) post();
        }
      : undefined,
  });
  // The whole preliminary list, shown during the (synchronous) analysis below.
  post();
  onProgress({ ...last, messages: loaded.model.messages.length, phase: "analysing" });
  // Let the progress message leave the worker before the (synchronous) analysis starts.
  await new Promise((r) => setImmediate(r));
  return analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
}

export function exportPcap(result: AnalysisResult, messageIds: number[]): Uint8Array {
  const out: ExportMessage[] = [];
  for (const id of messageIds) {
    const o = result.model.messages[id];
    const bytes = o?.sip?.raw ?? o?.diameter?.raw ?? o?.http?.raw;
    if (!o || !bytes || o.fromLog) continue;
    // Mixed IPv4/IPv6 endpoints cannot share one packet; such a message cannot be exported.
    if (o.src.ip.includes(":") !== o.dst.ip.includes(":")) continue;
    out.push({ time: o.time, src: o.src, dst: o.dst, transport: o.transport, bytes });
  }
  out.sort((a, b) => a.time - b.time);
  return messagesToPcap(out);
}
