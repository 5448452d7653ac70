/**
 * The CLI's readable output: summary, (optionally) a tshark-like message list, the calls one line
 * each, each finding with its explanation and evidence frames — and `--call ID` as a text ladder:
 * one lane per node, arrows with method/status and time deltas, and `✗ expected …` lines where a
 * message should have been.
 */
import type { CallDTO, FindingDTO, LadderDTO } from "../api";
import type { AnalysisResult } from "./model";
import { clock } from "./context";

export interface ReportOptions {
  /** Print every message (default true). */
  messages?: boolean;
  /** Wrap width for explanations (default 100). */
  width?: number;
}

function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > width - indent.length) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out;
}

function dur(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "";
  return s < 60 ? `${s.toFixed(s < 10 ? 3 : 1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatCallLine(c: CallDTO): string {
  const who = `${c.from || "?"} → ${c.to || "?"}`;
  const f = c.findings.length ? `  findings: ${c.findings.join(" ")}${c.worst ? ` (${c.worst})` : ""}` : "";
  const d = c.duration !== undefined ? `  ${dur(c.duration)}` : c.end > c.start ? `  ${dur(c.end - c.start)}` : "";
  return `${c.id.padEnd(5)} ${clock(c.start)}  ${c.kind.padEnd(12)} ${who}  legs ${c.legs}  ${c.state}${d}${f}`;
}

export function formatFinding(result: AnalysisResult, f: FindingDTO, width = 100): string[] {
  const msgs = result.model.messages;
  const out = [`${f.id.padEnd(5)} ${f.severity.toUpperCase().padEnd(7)} ${f.rule}: ${f.title}${f.call ? `  [call ${f.call}]` : ""}`];
  out.push(...wrap(f.explanation, width, "        "));
  if (f.messages.length) {
    const several = manyCaptureFiles(result);
    const frames = f.messages.map((id) => msgs[id]).filter((m) => m).map((m) => (several ? `${result.model.files[m.file] ?? m.file}:${m.frame}` : `${m.frame}`));
    out.push(`        evidence: frame${frames.length > 1 ? "s" : ""} ${frames.join(", ")}`);
  }
  for (const g of f.ghosts) out.push(`        ✗ expected ${g.label} ${g.src} → ${g.dst} by ${clock(g.expectedBy)} (${g.reason})`);
  if (f.likelyCause) out.push(...wrap(`likely cause: ${f.likelyCause}`, width, "        "));
  if (f.reference) out.push(`        reference: ${f.reference}`);
  const logs = result.document.logEvents ?? [];
  for (const id of f.logEvents ?? []) {
    const l = logs[id];
    if (l) out.push(`        log line ${l.line}: ${l.level} ${l.text.trim().slice(0, 160)}`);
  }
  return out;
}

const manyFilesCache = new WeakMap<AnalysisResult, boolean>();

/** Several capture files carry messages (a log file alongside one capture does not count). */
function manyCaptureFiles(result: AnalysisResult): boolean {
  let v = manyFilesCache.get(result);
  if (v === undefined) {
    const files = new Set<number>();
    for (const m of result.model.messages) if (!m.fromLog) files.add(m.file);
    v = files.size > 1;
    manyFilesCache.set(result, v);
  }
  return v;
}

export function formatReport(result: AnalysisResult, options: ReportOptions = {}): string {
  const doc = result.document;
  const s = doc.summary;
  const width = options.width ?? 100;
  const lines: string[] = [];
  lines.push(`files: ${s.files.join(", ")}`);
  lines.push(`packets ${s.packets}, SIP ${s.sip}, Diameter ${s.diameter}, HTTP ${s.http}, log events ${s.logEvents}, skipped ${s.skipped}, malformed ${s.malformed}`);
  if (s.start !== undefined && s.end !== undefined) lines.push(`window: ${clock(s.start)} – ${clock(s.end)} (${dur(s.end - s.start)})`);
  for (const p of s.problems.slice(0, 20)) lines.push(`problem: frame ${p.frame}${p.offset !== undefined ? ` @${p.offset}` : ""}: ${p.reason}`);
  if (s.problems.length > 20) lines.push(`… ${s.problems.length - 20} more problems`);
  if (options.messages !== false && doc.messages.length) {
    lines.push("", "messages:");
    for (const m of doc.messages) lines.push(`${String(m.frame).padStart(6)} ${clock(m.time)} ${m.src} → ${m.dst} ${m.transport.toUpperCase()} ${m.info}${m.retransmission ? " (retransmission)" : ""}`);
  }
  const calls = doc.calls ?? [];
  lines.push("", `calls (${calls.length}):`);
  for (const c of calls) lines.push(formatCallLine(c));
  const findings = doc.findings ?? [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  lines.push("", `findings (${findings.length}: ${counts.error} error, ${counts.warning} warning, ${counts.info} info):`);
  for (const f of findings) lines.push(...formatFinding(result, f, width), "");
  return lines.join("\n") + "\n";
}

const LANE = 22;

/** One call's ladder as text. */
export function formatCallLadder(result: AnalysisResult, callId: string): string {
  const ladder = result.ladder(callId);
  const call = result.document.calls?.find((c) => c.id === ladder.callId);
  return renderLadder(result, ladder, call);
}

export function renderLadder(result: AnalysisResult, ladder: LadderDTO, call?: CallDTO): string {
  const msgs = result.model.messages;
  const col = new Map<string, number>();
  ladder.nodes.forEach((n, i) => col.set(n.id, i));
  const lanes = ladder.nodes.length;
  const lines: string[] = [];
  if (call) lines.push(formatCallLine(call), `Call-ID: ${call.callIds.join(", ")}`, "");
  const header = ladder.nodes.map((n) => center(n.name.slice(0, LANE - 2), LANE)).join("");
  const prefix = " ".repeat(12 + 1 + 9 + 1 + 7 + 1);
  lines.push(prefix + header);
  const lane = (): string[] => Array.from({ length: lanes * LANE }, (_, i) => (i % LANE === LANE >> 1 ? "|" : " "));
  const draw = (from: number, to: number, label: string, dashed: boolean): string => {
    const row = lane();
    const a = from * LANE + (LANE >> 1);
    const b = to * LANE + (LANE >> 1);
    if (a === b) {
      const text = ` ↺ ${label}`;
      for (let i = 0; i < text.length && a + 1 + i < row.length; i++) row[a + 1 + i] = text[i];
      return row.join("");
    }
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (let i = lo + 1; i < hi; i++) row[i] = dashed ? (i % 2 ? "-" : " ") : "-";
    if (b > a) row[hi - 1] = ">";
    else row[lo + 1] = "<";
    const text = ` ${label} `;
    const start = Math.max(lo + 2, Math.floor((lo + hi - text.length) / 2));
    for (let i = 0; i < text.length && start + i < hi - 1; i++) row[start + i] = text[i];
    return row.join("");
  };
  type Row = { time: number; text: (prev: number) => string };
  const rows: Row[] = [];
  for (const a of ladder.arrows) {
    const m = msgs[a.messageId];
    // Shorten the label, never its markers: "(rtx)" and "!" (cited by a finding) must stay visible.
    const suffix = `${a.retransmission ? " (rtx)" : ""}${a.findings?.length ? " !" : ""}`;
    const room = Math.max(4, Math.abs((col.get(a.to) ?? 0) - (col.get(a.from) ?? 0)) * LANE - 6 - suffix.length);
    const label = (a.label.length > room ? a.label.slice(0, room - 1) + "…" : a.label) + suffix;
    rows.push({
      time: a.time,
      text: (prev) => `${clock(a.time)} ${delta(a.time, prev)} ${String(m?.frame ?? "").padStart(7)} ${draw(col.get(a.from) ?? 0, col.get(a.to) ?? 0, label, false)}`,
    });
  }
  for (const g of ladder.ghosts) {
    rows.push({
      time: g.expectedBy,
      text: () =>
        `${clock(g.expectedBy)} ${"✗".padStart(9)} ${"".padStart(7)} ${draw(col.get(g.from) ?? 0, col.get(g.to) ?? 0, `✗ ${g.label}`, true).trimEnd()}\n` +
        `${" ".repeat(prefix.length)}✗ expected ${g.label} ${g.src} → ${g.dst} by ${clock(g.expectedBy)} (${g.reason}; finding ${g.finding})`,
    });
  }
  for (const l of ladder.logs) {
    const t = l.time ?? (l.messageId !== undefined ? msgs[l.messageId]?.time : undefined) ?? 0;
    rows.push({ time: t, text: () => `${clock(t)} ${" ".repeat(9)} ${"log".padStart(7)} [${l.level}${l.node ? ` @${ladder.nodes[col.get(l.node) ?? 0]?.name ?? l.node}` : ""}] ${l.text.trim().slice(0, 140)}` });
  }
  rows.sort((a, b) => a.time - b.time);
  let prev = rows[0]?.time ?? 0;
  for (const r of rows) {
    lines.push(r.text(prev));
    prev = r.time;
  }
  return lines.join("\n") + "\n";
}

function delta(t: number, prev: number): string {
  const d = t - prev;
  return `+${d.toFixed(3)}`.padStart(9);
}

function center(s: string, w: number): string {
  const left = Math.max(0, Math.floor((w - s.length) / 2));
  return (" ".repeat(left) + s).padEnd(w);
}
