/** Call list -> CSV (RFC 4180 quoting), one row per call, custom header columns appended. */
import type { CallDTO } from "../../api";

function cell(v: unknown): string {
  const s = v === undefined || v === null ? "" : String(v);
  // A leading = + - @ would be a formula in spreadsheets: prefix with ' so data stays data.
  const guarded = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function callsToCsv(calls: (CallDTO & { columns?: Record<string, string> })[], columns: string[] = []): string {
  const head = ["id", "start_iso", "kind", "method", "from", "to", "state", "status", "setup_time_s", "duration_s", "legs", "messages", "findings", "call_ids", ...columns];
  const lines = [head.map(cell).join(",")];
  for (const c of calls) {
    lines.push(
      [c.id, new Date(c.start * 1000).toISOString(), c.kind, c.method, c.from, c.to, c.state, c.status, c.setupTime?.toFixed(3), c.duration?.toFixed(3), c.legs, c.messages, c.findings.length, c.callIds.join(" "), ...columns.map((k) => c.columns?.[k])]
        .map(cell)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
