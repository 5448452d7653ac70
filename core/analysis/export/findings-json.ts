/** Findings -> pretty JSON document with the capture it came from, for tickets and scripts. */
import type { FindingDTO, SummaryDTO } from "../../api";

export function findingsToJson(findings: FindingDTO[], summary?: Pick<SummaryDTO, "files" | "start" | "end">): string {
  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  return JSON.stringify({ files: summary?.files ?? [], start: summary?.start, end: summary?.end, count: findings.length, byRule, findings }, null, 2) + "\n";
}
