/** The start screen: open/drop files, recent files; and the loading / failed states of a capture. */
import { useState } from "react";
import type { LoadProgress, RecentFile } from "../../../core/api";
import { bytes } from "../format";

export function OpenZone({ recent, onPick, onDropFiles, onRecent }: { recent: RecentFile[]; onPick(): void; onDropFiles(files: File[]): void; onRecent(path: string): void }) {
  const [over, setOver] = useState(false);
  return (
    <div className="center">
      <div
        className={`dropzone ${over ? "over" : ""}`}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); e.stopPropagation(); setOver(false); onDropFiles([...e.dataTransfer.files]); }}
      >
        <h1>Open a SIP trace</h1>
        <p>pcap or pcapng captures, Kamailio logs and sipdump files. Several files (a capture and the proxy's log) open as one timeline.</p>
        <button className="btn primary" onClick={onPick}>Open files…</button>
        <p style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>or drop them here</p>
        {recent.length ? (
          <div className="recent">
            <h4>Recent</h4>
            {recent.slice(0, 8).map((r) => (
              <button key={r.path} onClick={() => onRecent(r.path)} title={r.path}>
                <span className="p mono">{r.path}</span>
                <span className="when">{new Date(r.openedAt * 1000).toLocaleString()}</span>
              </button>
            ))}
          </div>
        ) : null}
      </div>
    </div>
  );
}

export function Loading({ files, progress }: { files: string[]; progress?: LoadProgress }) {
  const pct = progress && progress.bytesTotal ? Math.min(100, (progress.bytesRead / progress.bytesTotal) * 100) : 0;
  const analysing = progress?.phase === "analysing";
  return (
    <div className="center" data-testid="loading">
      <div className="progress">
        <h3 style={{ margin: "0 0 4px" }}>{analysing ? "Analysing…" : `Reading ${files.join(", ")}…`}</h3>
        <div style={{ color: "var(--muted)", marginBottom: 10, fontSize: 12 }}>
          {progress ? `${analysing ? "building calls, ladders and findings" : `${bytes(progress.bytesRead)} of ${bytes(progress.bytesTotal)}`} · ${progress.messages.toLocaleString()} messages decoded` : "starting"}
        </div>
        <div className={`bar ${analysing || !progress?.bytesTotal ? "indeterminate" : ""}`}>
          <div style={{ width: `${pct}%` }} />
        </div>
      </div>
    </div>
  );
}

export function Failed({ error, onOpen }: { error: string; onOpen(): void }) {
  return (
    <div className="center">
      <div className="error-box" role="alert">
        <h3>This file could not be opened</h3>
        <div className="mono" style={{ margin: "6px 0 10px" }}>{error}</div>
        <div style={{ color: "var(--fg-2)", marginBottom: 10 }}>SIPScope reads pcap, pcapng, Kamailio logs and sipdump files. Check that the file is complete (a capture cut while being written can lose its header), or open another one.</div>
        <button className="btn primary" onClick={onOpen}>Open another file…</button>
      </div>
    </div>
  );
}
