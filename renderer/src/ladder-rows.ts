/**
 * Mirror of core/analysis/export/ladder-rows.ts: the renderer may import only types from core, and
 * test/renderer-mirror.test.ts keeps the two in step, so the screen and the exports agree.
 */
import type { LadderDTO } from "../../core/api";

export type LadderRow =
  | { kind: "arrow"; time: number; arrow: LadderDTO["arrows"][number] }
  | { kind: "ghost"; time: number; ghost: LadderDTO["ghosts"][number] }
  | { kind: "log"; time: number; log: LadderDTO["logs"][number] };

export function ladderRows(ladder: LadderDTO): LadderRow[] {
  const rows: LadderRow[] = ladder.arrows.map((arrow) => ({ kind: "arrow", time: arrow.time, arrow }));
  const byId = new Map(ladder.arrows.map((a, i) => [a.messageId, i]));
  // Ghosts go right after the message they follow; logs by time (see below).
  const extras: { after: number; time: number; row: LadderRow }[] = [];
  for (const ghost of ladder.ghosts) {
    const after = ghost.after !== undefined && byId.has(ghost.after) ? byId.get(ghost.after)! : -1;
    extras.push({ after, time: ghost.expectedBy, row: { kind: "ghost", time: ghost.expectedBy, ghost } });
  }
  for (const log of ladder.logs) {
    // A timed log line goes where its time says; an untimed one (stderr logs) after its message.
    const pinnedTo = log.messageId !== undefined && byId.has(log.messageId) ? byId.get(log.messageId)! : -1;
    const after = log.time === undefined ? pinnedTo : -1;
    const time = log.time ?? (pinnedTo >= 0 ? ladder.arrows[pinnedTo].time : 0);
    extras.push({ after, time, row: { kind: "log", time, log } });
  }
  if (!extras.length) return rows;
  const out: LadderRow[] = [];
  const pinned = new Map<number, LadderRow[]>();
  const loose: { time: number; row: LadderRow }[] = [];
  for (const e of extras) {
    if (e.after >= 0) {
      const list = pinned.get(e.after) ?? [];
      list.push(e.row);
      pinned.set(e.after, list);
    } else loose.push(e);
  }
  loose.sort((a, b) => a.time - b.time);
  let li = 0;
  rows.forEach((r, i) => {
    while (li < loose.length && loose[li].time < r.time) out.push(loose[li++].row);
    out.push(r);
    for (const p of pinned.get(i) ?? []) out.push(p);
  });
  while (li < loose.length) out.push(loose[li++].row);
  return out;
}

export function rowLabel(row: LadderRow): string {
  if (row.kind === "arrow") return row.arrow.label;
  if (row.kind === "ghost") return row.ghost.label;
  return `${row.log.level}: ${row.log.text}`;
}
