/**
 * Capture statistics for the Stats view and `--json`: message counts per method and status,
 * response times per method (request -> final, per transaction), call setup times, Diameter
 * answer times per command, message rate over time, and findings by rule and over time.
 */
import type { CallDTO, FindingDTO, Percentiles, StatsDTO } from "../api";
import type { AnalysisContext } from "./context";

export function percentiles(values: ArrayLike<number>): Percentiles {
  return percentilesOfSorted(sortedFinite(values));
}

/**
 * The finite values, sorted. A Float64Array sorts numerically without calling back into JS per
 * comparison (a comparator returning a difference of doubles boxes each result). Same order for
 * finite values (-0 and 0 may swap; both print as 0).
 */
function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const v = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v[n++] = values[i];
  v.sort();
  return v;
}

function percentilesOfSorted(v: Float64Array): Percentiles {
  if (!v.length) return { count: 0 };
  const at = (q: number) => Math.round(v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] * 1e6) / 1e6;
  return { count: v.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Upper bounds (seconds) of the histogram buckets; the last one catches everything above. */
const BOUNDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, Infinity];

export function histogram(values: ArrayLike<number>): [number, number][] {
  return histogramOfSorted(sortedFinite(values));
}

/**
 * Counts per bucket of sorted finite values (bucket i: above bound i-1, up to bound i): a binary
 * search per bound, not a look at every value (which, run once, boxes each double it reads).
 */
function histogramOfSorted(v: Float64Array): [number, number][] {
  const counts = new Array<number>(BOUNDS.length).fill(0);
  let below = 0;
  for (let i = 0; i < BOUNDS.length; i++) {
    // How many values are <= BOUNDS[i].
    let lo = below;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid] <= BOUNDS[i]) lo = mid + 1;
      else hi = mid;
    }
    counts[i] = lo - below;
    below = lo;
  }
  let last = counts.length;
  while (last > 0 && counts[last - 1] === 0) last--;
  // JSON has no Infinity: the open bucket is written as -1.
  return counts.slice(0, last).map((c, i) => [Number.isFinite(BOUNDS[i]) ? BOUNDS[i] : -1, c]);
}

export function bucketSecondsFor(span: number): number {
  return span <= 120 ? 1 : span <= 1800 ? 10 : span <= 7200 ? 60 : 300;
}

export function buildStats(ctx: AnalysisContext, calls: CallDTO[], findings: FindingDTO[]): StatsDTO {
  const { msgs, model } = ctx;
  const methods: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const start = model.start || msgs[0]?.time || 0;
  const end = Math.max(model.end, start);
  const bucketSeconds = bucketSecondsFor(end - start);
  const bucketOf = (t: number) => start + Math.floor((t - start) / bucketSeconds) * bucketSeconds;
  const rate = new Map<number, { bucket: number; sip: number; diameter: number; http: number }>();
  // Consecutive messages mostly share a bucket: its row is kept instead of looked up per message.
  // Counted in Maps (no text made per message, no dictionary-mode object per lookup), then copied
  // into the records in the order of first sight: a record orders its keys the same way (integer
  // keys such as SIP statuses ascending first, the others in insertion order), so the JSON is as before.
  const methodCount = new Map<string, number>();
  const statusCount = new Map<number, number>();
  let lastK = NaN;
  let lastRow: { bucket: number; sip: number; diameter: number; http: number } | undefined;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const s = m.sip;
    if (s) {
      if (s.kind === "request") {
        const method = s.method ?? "?";
        methodCount.set(method, (methodCount.get(method) ?? 0) + 1);
      } else {
        const status = s.status;
        if (status !== undefined) statusCount.set(status, (statusCount.get(status) ?? 0) + 1);
      }
    } else if (m.diameter) {
      methodCount.set(m.diameter.name, (methodCount.get(m.diameter.name) ?? 0) + 1);
    } else if (m.http) {
      if (m.http.kind === "request") methodCount.set(`HTTP ${m.http.method}`, (methodCount.get(`HTTP ${m.http.method}`) ?? 0) + 1);
      else statuses[`HTTP ${m.http.status}`] = (statuses[`HTTP ${m.http.status}`] ?? 0) + 1;
    }
    const k = Math.floor((m.time - start) / bucketSeconds);
    let row = lastRow;
    if (k !== lastK || !row) {
      // bucketOf(m.time), from the same k.
      const b = start + k * bucketSeconds;
      row = rate.get(b);
      if (!row) rate.set(b, (row = { bucket: b, sip: 0, diameter: 0, http: 0 }));
      lastK = k;
      lastRow = row;
    }
    row[m.protocol]++;
  }
  // HTTP statuses went straight into `statuses` above ("HTTP 200": not an integer key, kept in insertion order).
  for (const [method, n] of methodCount) methods[method] = n;
  for (const [status, n] of statusCount) statuses[String(status)] = n;
  const rt = new Map<string, number[]>();
  for (let i = 0; i < ctx.txns.length; i++) {
    const t = ctx.txns[i];
    if (t.final === undefined) continue;
    const d = msgs[t.final].time - msgs[t.request].time;
    let l = rt.get(t.method);
    if (!l) rt.set(t.method, (l = []));
    l.push(d);
  }
  const responseTimes: Record<string, Percentiles> = {};
  const responseTimeHistogram: Record<string, [number, number][]> = {};
  for (const [k, list] of rt) {
    const v = sortedFinite(list);
    responseTimes[k] = percentilesOfSorted(v);
    responseTimeHistogram[k] = histogramOfSorted(v);
  }
  const dia = new Map<string, number[]>();
  for (const x of ctx.diameter) {
    if (x.answerTime === undefined) continue;
    let l = dia.get(x.name);
    if (!l) dia.set(x.name, (l = []));
    l.push(x.answerTime);
  }
  const diameterAnswerTimes: Record<string, Percentiles> = {};
  for (const [k, v] of dia) diameterAnswerTimes[k] = percentiles(v);
  const setupList: number[] = [];
  for (let i = 0; i < calls.length; i++) {
    const x = calls[i].setupTime;
    if (x !== undefined) setupList.push(x);
  }
  const setups = sortedFinite(setupList);
  const findingsByRule: Record<string, number> = {};
  const fot = new Map<number, number>();
  for (const f of findings) {
    findingsByRule[f.rule] = (findingsByRule[f.rule] ?? 0) + 1;
    const b = bucketOf(f.time);
    fot.set(b, (fot.get(b) ?? 0) + 1);
  }
  return {
    methods,
    statuses,
    responseTimes,
    setupTime: percentilesOfSorted(setups),
    diameterAnswerTimes,
    rate: [...rate.values()].sort((a, b) => a.bucket - b.bucket),
    bucketSeconds,
    findingsByRule,
    findingsOverTime: [...fot.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, count]) => ({ bucket, count })),
    setupTimeHistogram: histogramOfSorted(setups),
    responseTimeHistogram,
  };
}
