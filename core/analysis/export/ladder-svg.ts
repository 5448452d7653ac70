/**
 * Ladder -> standalone SVG document (the "Export SVG" button and `export("ladder-svg")`).
 * Every captured string goes through escapeXml: an exported ladder is as safe as the app.
 */
import type { LadderDTO } from "../../api";
import { escapeXml } from "./escape";
import { ladderRows } from "./ladder-rows";
import { GHOST_COLOR, NEUTRAL_COLOR, txnColor } from "./palette";

export interface SvgOptions {
  title?: string;
  /** Light (default) suits documents and tickets. */
  theme?: "light" | "dark";
}

const LANE = 180;
const ROW = 30;
const TIME_COL = 150;
const TOP = 70;

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

export function ladderToSvg(ladder: LadderDTO, options: SvgOptions = {}): string {
  const dark = options.theme === "dark";
  const bg = dark ? "#0d1117" : "#ffffff";
  const fg = dark ? "#e6edf3" : "#1f2328";
  const muted = dark ? "#8b949e" : "#656d76";
  const laneX = new Map(ladder.nodes.map((n, i) => [n.id, TIME_COL + LANE / 2 + i * LANE]));
  const rows = ladderRows(ladder);
  const width = TIME_COL + Math.max(1, ladder.nodes.length) * LANE + 20;
  const height = TOP + rows.length * ROW + 30;
  const t0 = ladder.arrows[0]?.time ?? 0;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<defs>${[...new Set([...ladder.arrows.map((a) => txnColor(a.txn)), GHOST_COLOR, NEUTRAL_COLOR])].map((c) => `<marker id="m${c.slice(1)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`).join("")}</defs>`);
  out.push(`<rect width="100%" height="100%" fill="${bg}"/>`);
  if (options.title) out.push(`<text x="10" y="20" fill="${fg}" font-weight="600" font-size="14">${escapeXml(clip(options.title, 120))}</text>`);
  for (const n of ladder.nodes) {
    const x = laneX.get(n.id)!;
    out.push(`<text x="${x}" y="${TOP - 24}" text-anchor="middle" fill="${fg}" font-weight="600">${escapeXml(clip(n.name, 26))}</text>`);
    if (n.name !== n.addresses[0] && n.addresses[0]) out.push(`<text x="${x}" y="${TOP - 10}" text-anchor="middle" fill="${muted}" font-size="10">${escapeXml(clip(n.addresses[0], 30))}</text>`);
    out.push(`<line x1="${x}" y1="${TOP}" x2="${x}" y2="${height - 20}" stroke="${muted}" stroke-width="1" stroke-dasharray="2 3"/>`);
  }
  let prev = t0;
  rows.forEach((row, i) => {
    const y = TOP + i * ROW + ROW / 2 + 4;
    const time = row.time;
    out.push(`<text x="8" y="${y}" fill="${muted}" font-family="monospace" font-size="11">${(time - t0).toFixed(3)}s</text>`);
    out.push(`<text x="78" y="${y}" fill="${muted}" font-family="monospace" font-size="10">+${Math.max(0, time - prev).toFixed(3)}</text>`);
    prev = time;
    if (row.kind === "log") {
      const x = laneX.get(row.log.node ?? "") ?? TIME_COL + 10;
      out.push(`<text x="${x + 6}" y="${y}" fill="${row.log.level === "ERROR" ? GHOST_COLOR : muted}" font-style="italic" font-size="11">${escapeXml(clip(`${row.log.level}: ${row.log.text}`, 90))}</text>`);
      return;
    }
    const from = row.kind === "arrow" ? row.arrow.from : row.ghost.from;
    const to = row.kind === "arrow" ? row.arrow.to : row.ghost.to;
    const x1 = laneX.get(from) ?? TIME_COL;
    const x2 = laneX.get(to) ?? TIME_COL;
    const color = row.kind === "ghost" ? GHOST_COLOR : txnColor(row.arrow.txn);
    const label = row.kind === "ghost" ? `${row.ghost.label} (expected)` : row.arrow.label + (row.arrow.retransmission ? " (retr.)" : "");
    const dash = row.kind === "ghost" ? ` stroke-dasharray="6 4"` : row.arrow.retransmission ? ` stroke-dasharray="2 2"` : "";
    if (x1 === x2) {
      out.push(`<path d="M${x1},${y - 6} h30 v10 h-26" fill="none" stroke="${color}" stroke-width="1.5"${dash} marker-end="url(#m${color.slice(1)})"/>`);
      out.push(`<text x="${x1 + 36}" y="${y}" fill="${color}">${escapeXml(clip(label, 40))}</text>`);
    } else {
      out.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}" stroke-width="1.5"${dash} marker-end="url(#m${color.slice(1)})"/>`);
      out.push(`<text x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle" fill="${color}">${escapeXml(clip(label, Math.floor(Math.abs(x2 - x1) / 6.5)))}</text>`);
    }
  });
  out.push(`</svg>`);
  return out.join("\n");
}
