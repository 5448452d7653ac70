/**
 * Ladder -> Mermaid `sequenceDiagram` text, for pasting into tickets and wikis. Mermaid treats
 * some characters as syntax, so labels are reduced to a safe subset.
 */
import type { LadderDTO } from "../../api";
import { ladderRows } from "./ladder-rows";

function safe(s: string): string {
  return s.replace(/[;#:<>{}\n\r"`]/g, " ").replace(/\s+/g, " ").trim();
}

export function ladderToMermaid(ladder: LadderDTO): string {
  const ids = new Map(ladder.nodes.map((n, i) => [n.id, `N${i}`]));
  const lines = ["sequenceDiagram"];
  for (const n of ladder.nodes) lines.push(`  participant ${ids.get(n.id)} as ${safe(n.name) || ids.get(n.id)}`);
  const t0 = ladder.arrows[0]?.time ?? 0;
  for (const row of ladderRows(ladder)) {
    const t = `+${(row.time - t0).toFixed(3)}s`;
    if (row.kind === "arrow") {
      const a = row.arrow;
      lines.push(`  ${ids.get(a.from) ?? "N0"}->>${ids.get(a.to) ?? "N0"}: ${safe(a.label)}${a.retransmission ? " (retransmission)" : ""} ${t}`);
    } else if (row.kind === "ghost") {
      const g = row.ghost;
      lines.push(`  ${ids.get(g.from) ?? "N0"}--x${ids.get(g.to) ?? "N0"}: missing ${safe(g.label)} (expected by ${t})`);
    } else {
      const node = ids.get(row.log.node ?? "") ?? "N0";
      lines.push(`  Note over ${node}: ${safe(`${row.log.level} ${row.log.text}`).slice(0, 120)}`);
    }
  }
  return lines.join("\n") + "\n";
}
