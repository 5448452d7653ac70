/**
 * Transaction colours shared by the on-screen ladder and the exported SVG, so a screenshot and an
 * export of the same call look alike. Chosen to stay readable on both dark and light backgrounds.
 */
export const TXN_COLORS = ["#4e9af1", "#e8a33d", "#3fb68b", "#c678dd", "#e06c75", "#56b6c2", "#d19a66", "#98c379", "#f472b6", "#a78bfa"];

export const GHOST_COLOR = "#e5484d";
export const NEUTRAL_COLOR = "#8b949e";

export function txnColor(txn: number | undefined): string {
  if (txn === undefined || txn < 0) return NEUTRAL_COLOR;
  return TXN_COLORS[txn % TXN_COLORS.length];
}
