/**
 * The real load + analyse pipeline the app's worker runs: ingest (files -> model) then analysis
 * (model -> AnalysisResult), with progress for the UI. Also the pcap exporter over the model.
 */
import type { LoadProgress } from "../api";
import type { AnalysisResult } from "../analysis/model";
import { analyze } from "../analysis/analyze";
import { messagesToPcap, type ExportMessage } from "../analysis/export/calls-pcap";
import { loadFiles } from "./ingest";

export async function analyzeFiles(paths: string[], onProgress: (p: LoadProgress) => void): Promise<AnalysisResult> {
  let last: LoadProgress = { file: paths[0] ?? "", bytesRead: 0, bytesTotal: 0, messages: 0, phase: "reading" };
  const loaded = await loadFiles(paths, {
    onProgress: (p) => {
      last = { ...p, phase: "reading" };
      onProgress(last);
    },
  });
  onProgress({ ...last, messages: loaded.messages.length, phase: "analysing" });
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
