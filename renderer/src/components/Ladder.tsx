/**
 * The ladder: one lane per logical node, one row per message (plus ghost rows for missing messages
 * and log annotations), drawn as SVG. Only the rows in view are rendered, so a 5 000-message call
 * scrolls like a 20-message one. Keyboard: ↑/↓ move between messages, Enter opens one.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { LadderDTO } from "../../../core/api";
import { ladderRows, type LadderRow } from "../../../core/analysis/export/ladder-rows";
import { GHOST_COLOR, TXN_COLORS, NEUTRAL_COLOR, txnColor } from "../../../core/analysis/export/palette";
import { clock, shortLabel } from "../format";

export interface Highlight {
  messages: ReadonlySet<number>;
  findings: ReadonlySet<string>;
}

export interface LadderProps {
  ladder: LadderDTO;
  zoom: number;
  cursor?: number;
  opened?: number;
  highlight?: Highlight;
  /** Scroll this message (or the first highlighted row) into view when it changes. */
  focus?: { message?: number; finding?: string; seq: number };
  onCursor(messageId: number): void;
  onOpen(messageId: number): void;
  onRename?(nodeId: string, alias: string): void;
  testId?: string;
}

const TIME_W = 164;
const HEAD_H = 44;
const MIN_LANE = 150;

function markerId(color: string, prefix: string): string {
  return `${prefix}-m${color.slice(1)}`;
}


interface Geometry {
  rowH: number;
  totalW: number;
  laneX(nodeId: string | undefined): number;
  prefix: string;
}

/**
 * One ladder row at its absolute position (y = index × row height), memoised: scrolling mounts
 * the rows that come into view and leaves the others untouched.
 */
const RowView = memo(function RowView({ row, i, g, prev, selected, opened, evidence, onCursor, onOpen }: {
  row: LadderRow;
  i: number;
  g: Geometry;
  prev?: number;
  selected: boolean;
  opened: boolean;
  evidence: boolean;
  onCursor(id: number): void;
  onOpen(id: number): void;
}) {
  const { rowH, totalW, laneX, prefix } = g;
  const y = i * rowH;
  const mid = y + rowH * 0.6;
  // Delta from the previous *message* (ghost rows sit where they were expected, not in time order).
  const isGhost = row.kind === "ghost";
  const timeCells = (
    <>
      <text className="t" x={8} y={mid + 4} fontStyle={isGhost ? "italic" : undefined}>{isGhost ? `by ${clock(row.time)}` : clock(row.time)}</text>
      {isGhost ? null : <text className="t" x={TIME_W - 10} y={mid + 4} textAnchor="end" opacity={0.75}>{prev === undefined ? "" : `+${Math.max(0, row.time - prev).toFixed(3)}`}</text>}
    </>
  );
  if (row.kind === "log") {
    const x = row.log.node ? laneX(row.log.node) : TIME_W + 10;
    const bad = /ERR|CRIT|ALERT/.test(row.log.level);
    const color = bad ? "var(--error)" : /WARN/.test(row.log.level) ? "var(--warning)" : "var(--muted)";
    return (
      <g data-testid="ladder-log">
        {timeCells}
        <circle cx={x} cy={mid - 3} r={4} fill={color} />
        <text className="log" x={x + 10} y={mid + 1} fill={color}>
          {`${row.log.level}: ${row.log.text}`.slice(0, 160)}
          <title>{`${row.log.level} ${row.log.module ?? ""} line ${row.log.line}\n${row.log.text}`}</title>
        </text>
      </g>
    );
  }
  if (row.kind === "ghost") {
    const gh = row.ghost;
    const x1 = laneX(gh.from);
    const x2 = laneX(gh.to);
    return (
      <g className={`arrow ${evidence ? "evidence" : ""}`} data-testid="ladder-ghost" data-label={gh.label} data-finding={gh.finding}>
        <rect className="rowbg" x={0} y={y} width={totalW} height={rowH} />
        {timeCells}
        <line x1={x1} y1={mid} x2={x2 === x1 ? x1 + 40 : x2} y2={mid} stroke={GHOST_COLOR} strokeWidth={1.6} strokeDasharray="6 4" markerEnd={`url(#${markerId(GHOST_COLOR, prefix)})`} />
        <text className="ghost-lbl" x={(x1 + x2) / 2} y={mid - 5} textAnchor="middle">{`${gh.label} missing`}</text>
        <title>{`Expected ${gh.label} by ${clock(gh.expectedBy)}\n${gh.reason}`}</title>
      </g>
    );
  }
  const a = row.arrow;
  const x1 = laneX(a.from);
  const x2 = laneX(a.to);
  const color = txnColor(a.txn);
  const cls = ["arrow", selected ? "selected" : "", evidence ? "evidence" : ""].join(" ");
  const label = (a.retransmission ? "↻ " : "") + a.label;
  const maxChars = Math.max(6, Math.floor((Math.abs(x2 - x1) || 200) / 6.8));
  return (
    <g
      className={cls}
      data-testid="ladder-arrow"
      data-message-id={a.messageId}
      data-label={shortLabel(a.label)}
      data-evidence={evidence ? "true" : undefined}
      onClick={() => {
        onCursor(a.messageId);
        onOpen(a.messageId);
      }}
    >
      <rect className="rowbg" x={0} y={y} width={totalW} height={rowH} />
      {opened ? <rect x={0} y={y} width={3} height={rowH} fill="var(--accent)" /> : null}
      {timeCells}
      {x1 === x2 ? (
        <path d={`M${x1},${mid - 7} h28 v10 h-24`} fill="none" stroke={color} strokeWidth={1.6} strokeDasharray={a.retransmission ? "3 3" : undefined} markerEnd={`url(#${markerId(color, prefix)})`} />
      ) : (
        <line x1={x1} y1={mid} x2={x2} y2={mid} stroke={color} strokeWidth={evidence ? 2.6 : 1.6} strokeDasharray={a.retransmission ? "3 3" : undefined} markerEnd={`url(#${markerId(color, prefix)})`} />
      )}
      <text className="lbl" x={x1 === x2 ? x1 + 34 : (x1 + x2) / 2} y={x1 === x2 ? mid + 1 : mid - 5} textAnchor={x1 === x2 ? "start" : "middle"} fill={color}>
        {label.length > maxChars ? label.slice(0, maxChars - 1) + "…" : label}
      </text>
      {a.findings?.length ? <circle cx={Math.max(x1, x2) + 8} cy={mid} r={3.5} fill="var(--error)" /> : null}
      <title>{`${a.label}${a.retransmission ? " (retransmission)" : ""}\n${a.protocol.toUpperCase()} · message ${a.messageId}${a.callId ? `\nCall-ID ${a.callId}` : ""}`}</title>
    </g>
  );

});

export function Ladder(props: LadderProps) {
  const { ladder, zoom } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 600, width: 800 });
  const [editing, setEditing] = useState<string | undefined>();
  const rows = useMemo(() => ladderRows(ladder), [ladder]);
  const arrowRows = useMemo(() => rows.map((r, i) => (r.kind === "arrow" ? i : -1)).filter((i) => i >= 0), [rows]);
  const rowOfMessage = useMemo(() => new Map(rows.map((r, i) => [r.kind === "arrow" ? r.arrow.messageId : -1, i])), [rows]);
  const prevArrowTime = useMemo(() => {
    const out: (number | undefined)[] = [];
    let last: number | undefined;
    for (const r of rows) {
      out.push(last);
      if (r.kind === "arrow") last = r.time;
    }
    return out;
  }, [rows]);
  const laneIndex = useMemo(() => new Map(ladder.nodes.map((n, i) => [n.id, i])), [ladder.nodes]);
  const prefix = props.testId ?? "ladder";

  const rowH = Math.round(28 * zoom);
  const laneW = Math.max(MIN_LANE * zoom, (viewport.width - TIME_W - 16) / Math.max(1, ladder.nodes.length));
  const totalW = TIME_W + laneW * ladder.nodes.length + 8;
  const geometry = useMemo<Geometry>(
    () => ({ rowH, totalW, prefix, laneX: (nodeId) => TIME_W + laneW * ((nodeId !== undefined ? laneIndex.get(nodeId) : undefined) ?? 0) + laneW / 2 }),
    [rowH, totalW, laneW, laneIndex, prefix],
  );
  const laneX = geometry.laneX;

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => setViewport({ top: el.scrollTop, height: el.clientHeight, width: el.clientWidth });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Bring the focused row into view (finding click, keyboard).
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !props.focus) return;
    let row = props.focus.message !== undefined ? rowOfMessage.get(props.focus.message) : undefined;
    if (row === undefined && props.focus.finding) row = rows.findIndex((r) => r.kind === "ghost" && r.ghost.finding === props.focus!.finding);
    if (row === undefined || row < 0) return;
    const y = row * rowH;
    const visible = el.clientHeight - HEAD_H;
    if (y < el.scrollTop || y + rowH > el.scrollTop + visible) el.scrollTop = Math.max(0, y - visible / 3);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.focus?.seq, rows]);

  const overscan = 8;
  const first = Math.max(0, Math.floor(viewport.top / rowH) - overscan);
  const last = Math.min(rows.length, Math.ceil((viewport.top + viewport.height) / rowH) + overscan);
  const t0 = ladder.arrows[0]?.time ?? rows[0]?.time ?? 0;

  function move(delta: number) {
    const current = props.cursor !== undefined ? rowOfMessage.get(props.cursor) ?? -1 : -1;
    const at = arrowRows.indexOf(current);
    const k = at < 0 ? (delta > 0 ? 0 : arrowRows.length - 1) : Math.min(arrowRows.length - 1, Math.max(0, at + delta));
    const row = arrowRows[k];
    if (row === undefined) return;
    const r = rows[row];
    if (r.kind !== "arrow") return;
    props.onCursor(r.arrow.messageId);
    const el = scrollRef.current!;
    const y = row * rowH;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + rowH > el.scrollTop + el.clientHeight - HEAD_H) el.scrollTop = y + rowH - (el.clientHeight - HEAD_H);
  }

  const colors = useMemo(() => [...TXN_COLORS, GHOST_COLOR, NEUTRAL_COLOR], []);

  return (
    <div
      ref={scrollRef}
      className="ladder-scroll"
      tabIndex={0}
      data-testid={props.testId ?? "ladder"}
      data-call-id={ladder.callId}
      onScroll={(e) => {
        const el = e.currentTarget;
        setViewport((v) => (v.top === el.scrollTop ? v : { ...v, top: el.scrollTop }));
      }}
      onKeyDown={(e) => {
        if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
        else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
        else if (e.key === "Enter" && props.cursor !== undefined) { e.preventDefault(); props.onOpen(props.cursor); }
      }}
    >
      <div className="lanes-head" style={{ width: totalW }}>
        <div style={{ width: TIME_W, flex: "none", display: "flex", alignItems: "center", padding: "0 8px", color: "var(--muted)", fontSize: 11 }}>time (UTC) · Δ s</div>
        {ladder.nodes.map((n) =>
          editing === n.id ? (
            <div key={n.id} className="lane-name" style={{ width: laneW, flex: "none" }} data-testid="ladder-node" data-node-id={n.id}>
              <input
                autoFocus
                defaultValue={n.name}
                aria-label="Rename node"
                onBlur={(e) => { props.onRename?.(n.id, e.currentTarget.value); setEditing(undefined); }}
                onKeyDown={(e) => {
                  if (e.key === "Enter") e.currentTarget.blur();
                  if (e.key === "Escape") setEditing(undefined);
                  e.stopPropagation();
                }}
              />
            </div>
          ) : (
            <div key={n.id} className="lane-name" style={{ width: laneW, flex: "none" }} data-testid="ladder-node" data-node-id={n.id} title={`${n.addresses.join("\n")}\nDouble-click to rename`} onDoubleClick={() => props.onRename && setEditing(n.id)}>
              <span className="n">{n.name}</span>
              <span className="a">{n.name !== n.addresses[0] ? n.addresses[0] : n.role ?? (n.addresses.length > 1 ? `+${n.addresses.length - 1} more` : "")}</span>
            </div>
          ),
        )}
      </div>
      <div style={{ height: rows.length * rowH + 8, width: totalW, position: "relative" }}>
        <svg className="ladder-svg" width={totalW} height={rows.length * rowH + 8} style={{ position: "absolute", top: 0, left: 0 }}>
          <defs>
            {colors.map((c) => (
              <marker key={c} id={markerId(c, prefix)} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" fill={c} />
              </marker>
            ))}
          </defs>
          {ladder.nodes.map((n) => (
            <line key={n.id} className="lane" x1={laneX(n.id)} x2={laneX(n.id)} y1={0} y2={rows.length * rowH} strokeWidth={1} strokeDasharray="3 3" />
          ))}
          {rows.slice(first, last).map((r, k) => {
            const i = first + k;
            const id = r.kind === "arrow" ? r.arrow.messageId : -1;
            const evidence = r.kind === "arrow" ? !!props.highlight?.messages.has(id) : r.kind === "ghost" ? !!props.highlight?.findings.has(r.ghost.finding) : false;
            return (
              <RowView
                key={i}
                row={r}
                i={i}
                g={geometry}
                prev={prevArrowTime[i]}
                selected={id >= 0 && props.cursor === id}
                opened={id >= 0 && props.opened === id}
                evidence={evidence}
                onCursor={props.onCursor}
                onOpen={props.onOpen}
              />
            );
          })}
        </svg>
      </div>
    </div>
  );
}
