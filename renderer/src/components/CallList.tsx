/**
 * The call list: virtualized rows (only what is on screen is in the DOM), fetched from the host in
 * pages as the user scrolls, so 100 000 calls cost the same as 100.
 */
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { Api, CallPage, CallQuery } from "../../../core/api";
import { clock, seconds, userOf } from "../format";

type Row = CallPage["calls"][number];
type SortKey = NonNullable<CallQuery["sort"]>["key"];
const PAGE = 300;
const ROW_H = 30;

const COLUMNS: { key: SortKey; label: string; width: string; cls?: string; title?: string }[] = [
  { key: "start", label: "Time", width: "104px", title: "Start time, UTC" },
  { key: "from", label: "From", width: "minmax(64px, 1fr)" },
  { key: "to", label: "To", width: "minmax(64px, 1fr)" },
  { key: "method", label: "Method", width: "74px" },
  { key: "state", label: "Status", width: "minmax(100px, 1.1fr)" },
  { key: "duration", label: "Duration", width: "74px", cls: "num" },
  { key: "legs", label: "Legs", width: "46px", cls: "num", title: "Call-IDs / hops linked into this call" },
  { key: "findings", label: "Issues", width: "60px", cls: "num", title: "Findings in this call" },
];

export interface CallListProps {
  api: Api;
  session: string;
  filter: string;
  sort: CallQuery["sort"];
  onSort(s: CallQuery["sort"]): void;
  columns: string[];
  selected?: string;
  checked: ReadonlySet<string>;
  onSelect(call: Row, mode: "open" | "toggle"): void;
  onTotal(total: number): void;
  onError(e: Error): void;
  /** Bumped to force a refetch (aliases changed, reload). */
  version?: number;
  /**
   * Bumped to re-read the pages already shown, keeping the scroll position: while a capture loads
   * (the preliminary list grows) and once when its analysed list replaces the preliminary one.
   */
  refresh?: number;
}

/** One row; memoised so scrolling renders only the rows that come into view. */
const CallRow = memo(function CallRow({ call: c, start, template, columns, selected, checked, onSelect }: { call: Row; start: number; template: string; columns: string[]; selected: boolean; checked: boolean; onSelect: CallListProps["onSelect"] }) {
  const statusClass = `status s${String(c.status ?? 0)[0]}`;
  return (
    <div
      className={["row", selected ? "selected" : "", checked ? "checked" : ""].join(" ")}
      style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${start}px)`, gridTemplateColumns: template }}
      data-testid="call-row"
      data-call-id={c.id}
      role="row"
      aria-selected={selected}
      onClick={(e) => onSelect(c, e.ctrlKey || e.metaKey ? "toggle" : "open")}
      title={c.callIds.join("\n")}
    >
      <div className="mono">{clock(c.start)}</div>
      <div>{c.fromUser ?? userOf(c.from)}</div>
      <div>{c.toUser ?? userOf(c.to)}</div>
      <div>{c.method}</div>
      <div className={statusClass}>{c.state}</div>
      <div className="num">{seconds(c.duration)}</div>
      <div className="num">{c.legs}</div>
      <div className="num">{c.findings.length ? <span className={`badge ${c.worst ?? "info"}`}>{c.findings.length}</span> : <span className="badge none">–</span>}</div>
      {columns.map((k) => (
        <div key={k} className="mono">{c.columns?.[k] ?? ""}</div>
      ))}
    </div>
  );
});

export const CallList = memo(function CallList(props: CallListProps) {
  const { api, session, filter, sort, columns } = props;
  const parentRef = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const pages = useRef(new Map<number, Row[]>());
  const inflight = useRef(new Set<number>());
  const [, setTick] = useState(0);
  const queryKey = JSON.stringify([session, filter, sort, columns, props.version]);
  const keyRef = useRef(queryKey);

  /** Once an analysed page has arrived, a late preliminary answer must not overwrite it. */
  const finalSeen = useRef(false);
  /** What the rows on screen are: the preliminary list of a capture still loading, or the analysed one. */
  const [preliminary, setPreliminary] = useState(false);

  const fetchPage = (page: number, again = false) => {
    if (!again && (pages.current.has(page) || inflight.current.has(page))) return;
    inflight.current.add(page);
    const key = keyRef.current;
    api
      .calls(session, { filter, sort, offset: page * PAGE, limit: PAGE, columns })
      .then((res) => {
        if (keyRef.current !== key) return;
        if (res.preliminary && finalSeen.current) return;
        if (!res.preliminary && !finalSeen.current) {
          // The analysed list has other ids and order than the preliminary one: drop those pages.
          finalSeen.current = true;
          pages.current = new Map();
        }
        pages.current.set(page, res.calls);
        setPreliminary(!!res.preliminary);
        setTotal(res.total);
        props.onTotal(res.total);
        setLoaded(true);
        setTick((t) => t + 1);
      })
      .catch((e) => props.onError(e))
      .finally(() => inflight.current.delete(page));
  };

  useEffect(() => {
    keyRef.current = queryKey;
    pages.current = new Map();
    inflight.current = new Set();
    finalSeen.current = false;
    setLoaded(false);
    fetchPage(0);
    parentRef.current?.scrollTo({ top: 0 });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queryKey]);

  useEffect(() => {
    if (!props.refresh) return;
    const shown = [...pages.current.keys()];
    for (const p of shown.length ? shown : [0]) fetchPage(p, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.refresh]);

  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => parentRef.current, estimateSize: () => ROW_H, overscan: 15 });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    if (!items.length) return;
    // Half a page of look-ahead both ways, so a fast flick rarely shows placeholder rows.
    const first = Math.floor(Math.max(0, items[0].index - PAGE / 2) / PAGE);
    const last = Math.floor(Math.min(Math.max(0, total - 1), items[items.length - 1].index + PAGE / 2) / PAGE);
    for (let p = first; p <= last; p++) fetchPage(p);
  });

  // Custom columns widen the table; the list then scrolls sideways rather than squeezing.
  const minWidth = 590 + columns.length * 110;
  const template = useMemo(() => [...COLUMNS.map((c) => c.width), ...columns.map(() => "minmax(100px, 1.2fr)")].join(" "), [columns]);
  const rowAt = (i: number): Row | undefined => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE];

  const header = (
    <div className="row head" style={{ gridTemplateColumns: template, minWidth }} role="row">
      {COLUMNS.map((c) => {
        const active = sort?.key === c.key;
        return (
          <div key={c.key} className={c.cls} title={c.title}>
            <button
              className={active ? "sorted" : ""}
              onClick={() => props.onSort(active ? (sort!.dir === "asc" ? { key: c.key, dir: "desc" } : undefined) : { key: c.key, dir: "asc" })}
            >
              {c.label}
              {active ? (sort!.dir === "asc" ? " ▲" : " ▼") : ""}
            </button>
          </div>
        );
      })}
      {columns.map((c) => (
        <div key={c} title={`Header ${c} of the call's first request`}>{c}</div>
      ))}
    </div>
  );

  return (
    <div
      ref={parentRef}
      className="panel-body calls"
      data-testid="call-list"
      data-state={preliminary ? "preliminary" : "final"}
      role="grid"
      aria-rowcount={total}
      tabIndex={0}
      onKeyDown={(e) => {
        // ↑/↓ walk the list and open each call, like a mail client.
        if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
        e.preventDefault();
        let at = -1;
        for (const [page, rows] of pages.current) {
          const k = rows.findIndex((r) => r.id === props.selected);
          if (k >= 0) at = page * PAGE + k;
        }
        const next = Math.min(total - 1, Math.max(0, at + (e.key === "ArrowDown" ? 1 : -1)));
        const c = rowAt(next);
        if (!c) return;
        props.onSelect(c, "open");
        virtualizer.scrollToIndex(next, { align: "auto" });
      }}
    >
      {header}
      {loaded && total === 0 ? (
        <div className="center" style={{ height: "auto", paddingTop: 40 }}>
          <div className="empty">
            <h3>No calls match</h3>
            {filter ? <>Nothing matches <span className="mono">{filter}</span>. Try fewer terms, or clear the filter.</> : <>This capture has no SIP dialogs, registrations or Diameter/HTTP exchanges.</>}
          </div>
        </div>
      ) : null}
      <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth }}>
        {items.map((v) => {
          const c = rowAt(v.index);
          const style = { position: "absolute" as const, top: 0, left: 0, right: 0, transform: `translateY(${v.start}px)`, gridTemplateColumns: template };
          if (!c) return <div key={v.key} className="row" style={style}><div style={{ color: "var(--muted)" }}>…</div></div>;
          return <CallRow key={v.key} call={c} start={v.start} template={template} columns={columns} selected={props.selected === c.id} checked={props.checked.has(c.id)} onSelect={props.onSelect} />;
        })}
      </div>
    </div>
  );
});
