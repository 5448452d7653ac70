/** Original vs replayed ladder side by side, with the differences listed below. */
import { useMemo, useState } from "react";
import type { ReplayResult } from "../../../core/api";
import { Ladder } from "./Ladder";

export function ReplayView({ result, speed, onClose, onAgain }: { result: ReplayResult; speed: number; onClose(): void; onAgain(speed: number): void }) {
  const [zoom] = useState(1);
  const missing = useMemo(() => new Set(result.diff.filter((d) => d.original !== undefined).map((d) => d.original!)), [result]);
  const extra = useMemo(() => new Set(result.diff.filter((d) => d.replay !== undefined).map((d) => d.replay!)), [result]);
  const none = new Set<string>();
  return (
    <div className="replay" data-testid="replay">
      <div className="panel-head" style={{ background: "var(--panel)" }}>
        <h2>Replay</h2>
        <span className="panel-title">{`${result.diff.length} difference${result.diff.length === 1 ? "" : "s"} · original findings ${result.original.findings.length} → replay ${result.replay.findings.length}`}</span>
        <div className="spacer" />
        <label className="chip" title="Captured timing is divided by this">
          {"speed "}
          <select value={speed} onChange={(e) => onAgain(Number(e.target.value))} aria-label="Replay speed">
            {[...new Set([1, 2, 5, 10, 20, speed])].sort((a, b) => a - b).map((s) => <option key={s} value={s}>{`${s}×`}</option>)}
          </select>
        </label>
        <button className="btn small" onClick={() => onAgain(speed)}>Replay again</button>
        <button className="btn small" onClick={onClose}>Close replay</button>
      </div>
      <div className="replay-panes">
        <div className="panel"><div className="panel-head"><h2>Captured</h2></div><div className="panel-body"><Ladder ladder={result.original.ladder} zoom={zoom} highlight={{ messages: missing, findings: none }} onCursor={() => {}} onOpen={() => {}} testId="ladder-original" /></div></div>
        <div className="panel"><div className="panel-head"><h2>Replayed</h2></div><div className="panel-body"><Ladder ladder={result.replay.ladder} zoom={zoom} highlight={{ messages: extra, findings: none }} onCursor={() => {}} onOpen={() => {}} testId="ladder-replay" /></div></div>
      </div>
      <div className="diff">
        {result.diff.length ? result.diff.map((d, i) => (
          <div key={i} className={d.kind}>{`${d.kind === "missing" ? "−" : d.kind === "extra" ? "+" : "~"} ${d.kind}: ${d.label}`}</div>
        )) : <div>The replay matches the capture.</div>}
      </div>
    </div>
  );
}
