/**
 * Minimal stats from the document alone, used only when the analysis did not compute `stats`
 * (so the Stats view always has something true to show).
 */
import type { AnalysisDocument, Percentiles, StatsDTO } from "../api";

export function percentiles(values: number[]): Percentiles {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return { count: 0 };
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
  return { count: v.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: v[v.length - 1] };
}

export function fallbackStats(doc: AnalysisDocument): StatsDTO {
  const methods: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const start = doc.summary.start ?? doc.messages[0]?.time ?? 0;
  const end = doc.summary.end ?? doc.messages[doc.messages.length - 1]?.time ?? start;
  const span = Math.max(1, end - start);
  const bucketSeconds = span <= 120 ? 1 : span <= 3600 ? 10 : 60;
  const rate = new Map<number, { bucket: number; sip: number; diameter: number; http: number }>();
  for (const m of doc.messages) {
    if (m.method) methods[m.method] = (methods[m.method] ?? 0) + 1;
    if (m.status) statuses[String(m.status)] = (statuses[String(m.status)] ?? 0) + 1;
    const b = start + Math.floor((m.time - start) / bucketSeconds) * bucketSeconds;
    const row = rate.get(b) ?? { bucket: b, sip: 0, diameter: 0, http: 0 };
    row[m.protocol]++;
    rate.set(b, row);
  }
  const setups = (doc.calls ?? []).map((c) => c.setupTime).filter((x): x is number => x !== undefined);
  const findingsByRule: Record<string, number> = {};
  const fot = new Map<number, number>();
  for (const f of doc.findings ?? []) {
    findingsByRule[f.rule] = (findingsByRule[f.rule] ?? 0) + 1;
    const b = start + Math.floor((f.time - start) / bucketSeconds) * bucketSeconds;
    fot.set(b, (fot.get(b) ?? 0) + 1);
  }
  const bounds = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
  const histogram = (vals: number[]): [number, number][] => bounds.map((b, i) => [b, vals.filter((v) => v <= b && (i === 0 || v > bounds[i - 1])).length]);
  return {
    methods,
    statuses,
    responseTimes: {},
    setupTime: percentiles(setups),
    diameterAnswerTimes: {},
    rate: [...rate.values()].sort((a, b) => a.bucket - b.bucket),
    bucketSeconds,
    findingsByRule,
    findingsOverTime: [...fot].map(([bucket, count]) => ({ bucket, count })).sort((a, b) => a.bucket - b.bucket),
    setupTimeHistogram: histogram(setups),
    responseTimeHistogram: {},
  };
}
