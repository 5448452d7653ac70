/**
 * Mirror of core/analysis/export/palette.ts (kept in step by test/renderer-mirror.test.ts): the
 * transaction colours of the on-screen ladder and of the exported SVG.
 */
export const TXN_COLORS = ["#4e9af1", "#e8a33d", "#3fb68b", "#c678dd", "#e06c75", "#56b6c2", "#d19a66", "#98c379", "#f472b6", "#a78bfa"];

export const GHOST_COLOR = "#e5484d";
export const NEUTRAL_COLOR = "#8b949e";

export function txnColor(txn: number | undefined): string {
  if (txn === undefined || txn < 0) return NEUTRAL_COLOR;
  return TXN_COLORS[txn % TXN_COLORS.length];
}
