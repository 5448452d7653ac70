/**
 * The SIPScope window: top bar (file, open, export, theme), tabs (Calls, Findings, Stats, Replay),
 * and the calls view (call list | ladder over inspector). State lives here; views are dumb.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Api, CallDTO, CallQuery, ExportKind, FindingDTO, LadderDTO, MessageDetailDTO, RecentFile, ReplayResult, SessionInfo, StatsDTO } from "../../core/api";
import { CallList } from "./components/CallList";
import { Ladder, type Highlight } from "./components/Ladder";
import { Inspector } from "./components/Inspector";
import { FindingsPanel } from "./components/FindingsPanel";
import { StatsView } from "./components/StatsView";
import { ReplayView } from "./components/ReplayView";
import { Failed, Loading, OpenZone } from "./components/OpenZone";
import { download, fromBase64, svgToPng, toBase64 } from "./download";
import { seconds, userOf } from "./format";

type View = "calls" | "findings" | "stats" | "replay";

declare global {
  interface Window {
    /** Host events from the Electron preload (menu actions, files opened from the menu). */
    sipscopeEvents?: { on(channel: "session-opened" | "menu", cb: (value: string) => void): () => void };
  }
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function App({ api, mode }: { api: Api; mode: "electron" | "browser" }) {
  const [theme, setTheme] = useState<"dark" | "light">(() => (localStorage.getItem("sipscope-theme") as "dark" | "light") ?? (matchMedia?.("(prefers-color-scheme: light)").matches ? "light" : "dark"));
  const [recent, setRecent] = useState<RecentFile[]>([]);
  const [session, setSession] = useState<SessionInfo>();
  const [openError, setOpenError] = useState<string>();
  const [view, setView] = useState<View>("calls");
  const [filterText, setFilterText] = useState("");
  const filter = useDebounced(filterText, 150);
  const [sort, setSort] = useState<CallQuery["sort"]>({ key: "start", dir: "asc" });
  const [columns, setColumns] = useState<string[]>([]);
  const [addingColumn, setAddingColumn] = useState(false);
  const [total, setTotal] = useState(0);
  const [call, setCall] = useState<CallDTO>();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [ladder, setLadder] = useState<LadderDTO>();
  const [ladderError, setLadderError] = useState<string>();
  const [zoom, setZoom] = useState(1);
  const [cursor, setCursor] = useState<number>();
  const [opened, setOpened] = useState<number>();
  const [detail, setDetail] = useState<MessageDetailDTO>();
  const [detailError, setDetailError] = useState<string>();
  const [highlight, setHighlight] = useState<Highlight>();
  const [focus, setFocus] = useState<{ message?: number; finding?: string; seq: number }>();
  const [findings, setFindings] = useState<FindingDTO[]>([]);
  const [stats, setStats] = useState<StatsDTO>();
  const [replay, setReplay] = useState<ReplayResult>();
  const [replayRun, setReplayRun] = useState<{ call: CallDTO; speed: number; started: number; error?: string }>();
  const [toast, setToast] = useState<{ text: string; error?: boolean }>();
  const [menuOpen, setMenuOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [listVersion, setListVersion] = useState(0);
  /** Calls listed so far while the capture still loads (a preliminary list; see CallPage.preliminary). */
  const [preview, setPreview] = useState<number>();
  const [listRefresh, setListRefresh] = useState(0);
  /** A call clicked before the analysis was done: opened from the analysed list once it is. */
  const pendingCall = useRef<CallDTO | undefined>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);
  const filterInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("sipscope-theme", theme);
  }, [theme]);

  const say = useCallback((text: string, error = false) => {
    setToast({ text, error });
    setTimeout(() => setToast((t) => (t?.text === text ? undefined : t)), error ? 7000 : 3000);
  }, []);
  const fail = useCallback((e: unknown) => say((e as Error)?.message ?? String(e), true), [say]);

  const resetSelection = () => {
    pendingCall.current = undefined;
    setPreview(undefined);
    setCall(undefined);
    setLadder(undefined);
    setLadderError(undefined);
    setCursor(undefined);
    setOpened(undefined);
    setDetail(undefined);
    setHighlight(undefined);
    setChecked(new Set());
    setStats(undefined);
    setFindings([]);
    setReplay(undefined);
    setView("calls");
  };

  const adopt = useCallback((info: SessionInfo) => {
    resetSelection();
    setOpenError(undefined);
    setSession(info);
  }, []);

  // Start-up: a session opened by the host (CLI arguments, Electron menu) comes first.
  useEffect(() => {
    api.recentFiles().then(setRecent, () => {});
    api.listSessions().then((list) => {
      if (list.length) adopt(list[list.length - 1]);
    }, fail);
    const off1 = window.sipscopeEvents?.on("session-opened", (id) => api.session(id).then(adopt, fail));
    return () => off1?.();
  }, [api, adopt, fail]);

  // Poll while loading: progress, and the preliminary call list as it grows. Both are answered by
  // the host's main thread from a cache, so a short interval costs little and the analysed list
  // follows the end of the analysis closely.
  useEffect(() => {
    if (!session || session.state !== "loading") return;
    let stop = false;
    let t: ReturnType<typeof setTimeout> | undefined;
    let shown = -1;
    const tick = () =>
      Promise.all([api.session(session.id), api.calls(session.id, { limit: 0 }).catch(() => undefined)]).then(
        ([info, page]) => {
          if (stop) return;
          if (page?.preliminary && info.state === "loading" && page.total !== shown) {
            shown = page.total;
            setPreview(page.total);
            setListRefresh((n) => n + 1);
          }
          setSession(info);
          if (info.state === "loading") t = setTimeout(tick, 60);
        },
        (e) => !stop && setSession({ ...session, state: "error", error: (e as Error).message }),
      );
    t = setTimeout(tick, 30);
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [api, session?.id, session?.state]);

  // Loaded: the analysed list replaces the preliminary one where the user is (same scroll position).
  useEffect(() => {
    if (session?.state === "loading") return;
    if (preview === undefined) return;
    setPreview(undefined);
    setListRefresh((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session?.id, session?.state]);

  const ready = session?.state === "ready" ? session.id : undefined;
  useEffect(() => {
    if (!ready) return;
    api.findings(ready).then(setFindings, fail);
    api.recentFiles().then(setRecent, () => {});
  }, [api, ready, fail]);
  useEffect(() => {
    if (ready && view === "stats" && !stats) api.stats(ready).then(setStats, fail);
  }, [api, ready, view, stats, fail]);

  async function upload(files: File[]) {
    if (!files.length) return;
    try {
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, base64: toBase64(new Uint8Array(await f.arrayBuffer())) })));
      adopt(await api.openUpload(payload));
    } catch (e) {
      setOpenError((e as Error).message);
    }
  }

  async function openRecent(path: string) {
    try {
      adopt(await api.openPaths([path]));
    } catch (e) {
      fail(e);
    }
  }

  const openCall = useCallback(
    async (c: CallDTO, then?: { message?: number; finding?: FindingDTO }) => {
      if (!ready) {
        // Clicked in the preliminary list: keep it selected, draw its ladder once analysed.
        pendingCall.current = c;
        setCall(c);
        setLadder(undefined);
        setLadderError(undefined);
        return;
      }
      pendingCall.current = undefined;
      setCall(c);
      setLadderError(undefined);
      if (!then) {
        setHighlight(undefined);
        setOpened(undefined);
        setDetail(undefined);
        setCursor(undefined);
      }
      try {
        const l = await api.ladder(ready, c.id);
        setLadder(l);
        // Show the call's first message right away, so the inspector is never idle after a click.
        if (!then && l.arrows[0]) void openMessageRef.current(l.arrows[0].messageId);
      } catch (e) {
        setLadder(undefined);
        setLadderError((e as Error).message);
      }
    },
    [api, ready],
  );

  const openMessage = useCallback(
    async (id: number) => {
      if (!ready) return;
      setOpened(id);
      setDetailError(undefined);
      try {
        setDetail(await api.message(ready, id));
      } catch (e) {
        setDetail(undefined);
        setDetailError((e as Error).message);
      }
    },
    [api, ready],
  );

  const onSelectCall = useCallback(
    (c: CallDTO, how: "open" | "toggle") => {
      if (how === "toggle") {
        setChecked((prev) => {
          const n = new Set(prev);
          if (n.has(c.id)) n.delete(c.id);
          else n.add(c.id);
          return n;
        });
      } else void openCall(c);
    },
    [openCall],
  );

  // The call clicked while loading, found again in the analysed list by its Call-ID.
  useEffect(() => {
    const c = pendingCall.current;
    if (!ready || !c) return;
    pendingCall.current = undefined;
    api.calls(ready, { filter: `callid:${c.callIds[0]}`, limit: 20 }).then(
      (page) => {
        const found = page.calls.find((x) => x.callIds.includes(c.callIds[0]));
        if (found) void openCall(found);
        else setCall(undefined);
      },
      () => setCall(undefined),
    );
  }, [api, ready, openCall]);

  const openMessageRef = useRef(openMessage);
  openMessageRef.current = openMessage;

  async function showFinding(f: FindingDTO) {
    if (!ready) return;
    setView("calls");
    const messages = new Set(f.messages);
    setHighlight({ messages, findings: new Set([f.id]) });
    const first = f.messages[0];
    setFocus({ message: first, finding: f.id, seq: Date.now() });
    if (first !== undefined) {
      setCursor(first);
      void openMessage(first);
    }
    if (f.call) {
      // The call's DTO: ask the list for it by id-bearing filter; fall back to a minimal stub.
      const page = await api.calls(ready, { filter: f.callId ? `callid:${f.callId}` : "", limit: 50 }).catch(() => undefined);
      const c = page?.calls.find((x) => x.id === f.call) ?? ({ id: f.call, callIds: f.callId ? [f.callId] : [], kind: "call", method: "", from: "", to: "", legs: 1, state: "", start: f.time, end: f.time, messages: 0, findings: [f.id] } as CallDTO);
      await openCall(c, { finding: f });
    } else say("This finding is not tied to one call; its evidence is listed in the finding.");
  }

  async function doExport(kind: ExportKind | "ladder-png") {
    setMenuOpen(false);
    if (!ready) return;
    try {
      if (kind === "ladder-svg" || kind === "ladder-png" || kind === "ladder-mermaid") {
        if (!call) return say("Select a call first: ladder exports are per call.", true);
        const res = await api.export(ready, kind === "ladder-png" ? "ladder-svg" : kind, [call.id]);
        if (kind === "ladder-png") download(res.filename.replace(/\.svg$/, ".png"), "image/png", await svgToPng(res.text ?? ""));
        else download(res.filename, res.mime, res.text ?? "");
        return say(`Saved ${res.filename.replace(/\.svg$/, kind === "ladder-png" ? ".png" : ".svg")}`);
      }
      const ids = kind === "calls-pcap" ? (checked.size ? [...checked] : call ? [call.id] : []) : kind === "calls-csv" ? [] : [];
      if (kind === "calls-pcap" && !ids.length) return say("Select a call (Ctrl+click to select several) to export it as pcap.", true);
      const res = await api.export(ready, kind, ids);
      download(res.filename, res.mime, res.base64 !== undefined ? fromBase64(res.base64) : res.text ?? "");
      say(`Saved ${res.filename}`);
    } catch (e) {
      fail(e);
    }
  }

  /** Long calls replay faster than real time by default (about 10 s of wall time), never slower. */
  const defaultSpeed = (c: CallDTO) => Math.max(1, Math.round(((c.end - c.start) || 1) / 10));

  async function doReplay(speed?: number) {
    const target = replayRun?.call ?? call;
    if (!ready || !target) return;
    const s = speed ?? defaultSpeed(target);
    setReplay(undefined);
    setReplayRun({ call: target, speed: s, started: Date.now() });
    setView("replay");
    try {
      const r = await api.replay(ready, target.id, { speed: s });
      setReplay(r);
      setReplayRun((run) => (run ? { ...run, error: undefined } : run));
    } catch (e) {
      setReplayRun((run) => (run ? { ...run, error: (e as Error).message } : run));
    }
  }

  async function rename(nodeId: string, alias: string) {
    if (!ready || !call) return;
    try {
      await api.setAlias(ready, nodeId, alias);
      setLadder(await api.ladder(ready, call.id));
    } catch (e) {
      fail(e);
    }
  }

  // Electron menu actions arrive as events.
  const actions = useRef({ doExport, pick: () => fileInput.current?.click() });
  actions.current = { doExport, pick: () => fileInput.current?.click() };
  useEffect(() => {
    return window.sipscopeEvents?.on("menu", (what) => {
      if (what === "open") actions.current.pick();
      else if (what.startsWith("export:")) void actions.current.doExport(what.slice(7) as ExportKind);
    });
  }, []);

  // Global: drop files anywhere, Ctrl+O, "/" focuses the filter.
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes("Files")) {
        e.preventDefault();
        setDragging(true);
      }
    };
    const leave = (e: DragEvent) => {
      if (!e.relatedTarget) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      if (e.dataTransfer?.files.length) void upload([...e.dataTransfer.files]);
    };
    const key = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "o") {
        e.preventDefault();
        fileInput.current?.click();
      } else if (e.key === "/" && document.activeElement?.tagName !== "INPUT") {
        e.preventDefault();
        filterInput.current?.focus();
      }
    };
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    window.addEventListener("keydown", key);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
      window.removeEventListener("keydown", key);
    };
  });

  const errorCount = useMemo(() => findings.filter((f) => f.severity === "error").length, [findings]);
  const s = session?.summary;

  const fileInputEl = (
    <input
      ref={fileInput}
      type="file"
      multiple
      data-testid="open-file"
      style={{ display: "none" }}
      accept=".pcap,.pcapng,.cap,.log,.txt,.sipdump,.dump,application/vnd.tcpdump.pcap"
      onChange={(e) => {
        const files = [...(e.currentTarget.files ?? [])];
        e.currentTarget.value = "";
        void upload(files);
      }}
    />
  );

  let body: React.ReactNode;
  if (!session) body = openError ? <Failed error={openError} onOpen={() => fileInput.current?.click()} /> : <OpenZone recent={recent} onPick={() => fileInput.current?.click()} onDropFiles={upload} onRecent={openRecent} />;
  else if (session.state === "loading" && !preview) body = <Loading files={session.files} progress={session.progress} />;
  else if (session.state === "error") body = <Failed error={session.error ?? "unknown error"} onOpen={() => fileInput.current?.click()} />;
  else if (view === "findings") body = <FindingsPanel findings={findings} onOpen={showFinding} />;
  else if (view === "stats") body = stats ? <StatsView stats={stats} /> : <Loading files={["statistics"]} />;
  else if (view === "replay" && replayRun) {
    const close = () => {
      setReplay(undefined);
      setReplayRun(undefined);
      setView("calls");
    };
    const run = replayRun;
    const span = run.call.end - run.call.start;
    body = replay ? (
      <ReplayView result={replay} speed={run.speed} onClose={close} onAgain={(sp) => void doReplay(sp)} />
    ) : run.error ? (
      <div className="center">
        <div className="error-box" role="alert">
          <h3>Replay failed</h3>
          <div className="mono" style={{ margin: "6px 0 10px" }}>{run.error}</div>
          <div className="btn-group"><button className="btn" onClick={() => void doReplay(run.speed)}>Try again</button><button className="btn" onClick={close}>Back to the calls</button></div>
        </div>
      </div>
    ) : (
      <div className="center" data-testid="replay-running">
        <div className="progress">
          <h3 style={{ margin: "0 0 4px" }}>{`Replaying ${run.call.method} ${run.call.fromUser ?? ""} → ${run.call.toUser ?? ""} against the built-in engine…`}</h3>
          <div style={{ color: "var(--muted)", marginBottom: 10, fontSize: 12 }}>{`The captured call spans ${seconds(span)}; at ${run.speed}× this takes about ${seconds(span / run.speed + 1)}.`}</div>
          <div className="bar indeterminate"><div /></div>
        </div>
      </div>
    );
  }
  else {
    body = (
      <div className="split" style={columns.length ? { gridTemplateColumns: `minmax(480px, ${Math.min(44 + columns.length * 10, 64)}%) 1fr` } : undefined}>
        <div className="panel">
          <div className="panel-head">
            <label className="filter" title={"Filter: free text, or method:INVITE status:486 (or 4xx) user:alice ip:10.0.0.1 rule:bye-one-sided callid:…"}>
              <span style={{ color: "var(--muted)" }}>⌕</span>
              <input
                ref={filterInput}
                data-testid="call-filter"
                placeholder="Filter: text, method:INVITE status:486 user: ip: rule:"
                value={filterText}
                onChange={(e) => setFilterText(e.target.value)}
                onKeyDown={(e) => e.key === "Escape" && setFilterText("")}
                spellCheck={false}
              />
              <span className="count" data-testid="call-count">{session.state === "loading" ? `analysing… ${total.toLocaleString()} call${total === 1 ? "" : "s"} so far` : `${total.toLocaleString()} call${total === 1 ? "" : "s"}`}</span>
            </label>
            {addingColumn ? (
              <input
                autoFocus
                className="btn small"
                style={{ width: 150 }}
                placeholder="Header name"
                aria-label="Add header column"
                onKeyDown={(e) => {
                  const v = e.currentTarget.value.trim();
                  if (e.key === "Enter" && v) {
                    setColumns((c) => (c.includes(v) ? c : [...c, v].slice(0, 6)));
                    setAddingColumn(false);
                  } else if (e.key === "Escape") setAddingColumn(false);
                }}
                onBlur={() => setAddingColumn(false)}
              />
            ) : (
              <button className="btn small" onClick={() => setAddingColumn(true)} title="Add a column showing any SIP header of each call's first request">+ Column</button>
            )}
            {columns.length ? <button className="btn small ghost" onClick={() => setColumns([])} title={`Remove columns ${columns.join(", ")}`}>✕ cols</button> : null}
          </div>
          <CallList
            api={api}
            session={session.id}
            filter={filter}
            sort={sort}
            onSort={setSort}
            columns={columns}
            selected={call?.id}
            checked={checked}
            version={listVersion}
            refresh={listRefresh}
            onTotal={setTotal}
            onError={fail}
            onSelect={onSelectCall}
          />
        </div>
        <div className="right">
          <div className="panel">
            <div className="panel-head">
              <h2>Ladder</h2>
              {call ? (
                <span className="panel-title" title={call.callIds.join("\n")}>
                  {`${call.method} ${call.fromUser ?? userOf(call.from)} → ${call.toUser ?? userOf(call.to)}`}
                  <span style={{ color: "var(--muted)", fontWeight: 400 }}>{`  ${call.state}${call.setupTime !== undefined ? ` · setup ${seconds(call.setupTime)}` : ""} · ${call.legs} leg${call.legs === 1 ? "" : "s"} · ${ladder?.arrows.length ?? call.messages} msgs`}</span>
                </span>
              ) : null}
              <div className="ladder-toolbar">
                <div className="btn-group">
                  <button className="btn small" disabled={!ladder} onClick={() => setZoom((z) => Math.max(0.6, +(z - 0.2).toFixed(1)))} title="Zoom out" aria-label="Zoom out">−</button>
                  <button className="btn small" disabled={!ladder} onClick={() => setZoom(1)} title="Reset zoom">{`${Math.round(zoom * 100)}%`}</button>
                  <button className="btn small" disabled={!ladder} onClick={() => setZoom((z) => Math.min(2.4, +(z + 0.2).toFixed(1)))} title="Zoom in" aria-label="Zoom in">+</button>
                </div>
                <button className="btn small" disabled={!ladder} data-testid="export-svg" onClick={() => doExport("ladder-svg")} title="Save the ladder as SVG">SVG</button>
                <button className="btn small" disabled={!ladder} onClick={() => doExport("ladder-png")} title="Save the ladder as PNG">PNG</button>
                <button className="btn small" disabled={!ladder} onClick={() => doExport("ladder-mermaid")} title="Save the ladder as Mermaid text">Mermaid</button>
                <button className="btn small" disabled={!ladder} onClick={() => void doReplay()} title="Replay this call against the built-in engine and compare the ladders">▶ Replay</button>
              </div>
            </div>
            <div className="panel-body">
              {ladder ? (
                <Ladder
                  ladder={ladder}
                  zoom={zoom}
                  cursor={cursor}
                  opened={opened}
                  highlight={highlight}
                  focus={focus}
                  onCursor={setCursor}
                  onOpen={openMessage}
                  onRename={rename}
                />
              ) : (
                <div className="center">
                  <div className="empty">
                    {call && !ready ? <div data-testid="ladder-pending"><h3>Still analysing…</h3>This call's ladder is drawn as soon as the analysis of the capture is done.</div> : ladderError ? <><h3>No ladder for this call</h3>{ladderError}</> : <><h3>Select a call</h3>Click a call on the left to draw its ladder, or open the <b>Findings</b> tab to jump straight to what went wrong.</>}
                  </div>
                </div>
              )}
            </div>
          </div>
          <div className="panel" style={{ borderTop: "1px solid var(--border)" }}>
            <Inspector detail={detail} loading={opened !== undefined && !detail && !detailError} error={detailError} onToast={say} />
          </div>
        </div>
      </div>
    );
  }

  return (
    <div className="app">
      {fileInputEl}
      <header className="topbar">
        <div className="brand"><div className="brand-mark">S</div>SIPScope</div>
        {session ? (
          <div className="file-title" data-testid="session-title">
            <span className="name" title={session.files.join("\n")}>{session.files.map((f) => f.split(/[\\/]/).pop()).join(" + ")}</span>
            <span className="sub">
              {s && session.state === "ready"
                ? [`${s.packets.toLocaleString()} packets`, `${s.sip.toLocaleString()} SIP`, s.diameter ? `${s.diameter} Diameter` : "", s.http ? `${s.http} HTTP` : "", s.logEvents ? `${s.logEvents} log lines` : "", s.malformed ? `${s.malformed} malformed` : "", s.start !== undefined && s.end !== undefined ? `${seconds(s.end - s.start)} span` : ""].filter(Boolean).join(" · ")
                : session.state === "loading" && session.progress
                  ? session.progress.phase === "reading" && session.progress.bytesTotal
                    ? `reading ${Math.floor((100 * session.progress.bytesRead) / session.progress.bytesTotal)}% · ${session.progress.messages.toLocaleString()} messages`
                    : `analysing ${session.progress.messages.toLocaleString()} messages…`
                  : session.state}
            </span>
          </div>
        ) : null}
        <div className="spacer" />
        {mode === "browser" ? <span className="chip" title="Served by `sipscope open` on 127.0.0.1">browser mode</span> : null}
        <button className="btn" onClick={() => fileInput.current?.click()} title="Open captures and logs (Ctrl+O)">Open…</button>
        <div className="menu">
          <button className="btn" disabled={!ready} onClick={() => setMenuOpen((o) => !o)} aria-haspopup="menu">Export ▾</button>
          {menuOpen && ready ? (
            <div className="menu-list" role="menu" onMouseLeave={() => setMenuOpen(false)}>
              <button onClick={() => doExport("calls-csv")}>Call list as CSV<span className="hint">every call, with times, states, findings</span></button>
              <button onClick={() => doExport("findings-json")}>Findings as JSON</button>
              <button onClick={() => doExport("calls-pcap")} disabled={!call && !checked.size}>Selected calls as pcap<span className="hint">{checked.size ? `${checked.size} selected (Ctrl+click)` : call ? "the open call" : "select a call first"}</span></button>
              <button onClick={() => doExport("ladder-svg")} disabled={!call}>Ladder as SVG</button>
              <button onClick={() => doExport("ladder-png")} disabled={!call}>Ladder as PNG</button>
              <button onClick={() => doExport("ladder-mermaid")} disabled={!call}>Ladder as Mermaid</button>
            </div>
          ) : null}
        </div>
        <button className="btn ghost" onClick={() => setTheme((t) => (t === "dark" ? "light" : "dark"))} title="Switch dark / light theme" aria-label="Switch theme">{theme === "dark" ? "☀" : "☾"}</button>
      </header>
      {session ? <nav className="tabs">
        {(["calls", "findings", "stats"] as View[]).map((v) => (
          <button key={v} className={`tab ${view === v ? "active" : ""}`} disabled={!ready} data-testid={`tab-${v}`} onClick={() => setView(v)}>
            {v === "calls" ? "Calls" : v === "findings" ? "Findings" : "Stats"}
            {v === "calls" && ready ? <span className="count">{total.toLocaleString()}</span> : null}
            {v === "findings" && ready ? <span className={`count ${errorCount ? "error" : ""}`}>{findings.length}</span> : null}
          </button>
        ))}
        {replayRun ? <button className={`tab ${view === "replay" ? "active" : ""}`} onClick={() => setView("replay")} data-testid="tab-replay">Replay</button> : null}
      </nav> : <div />}
      <main className="main">{body}</main>
      {dragging ? <div className="drop-overlay">Drop captures and logs to open them as one timeline</div> : null}
      {toast ? <div className={`toast ${toast.error ? "error" : ""}`} role="status">{toast.text}</div> : null}
    </div>
  );
}
