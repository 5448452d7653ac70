/** Findings grouped by rule (worst first), each with its explanation and likely cause; click -> ladder. */
import { useMemo } from "react";
import type { FindingDTO, Severity } from "../../../core/api";
import { clock } from "../format";

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function FindingsPanel({ findings, onOpen }: { findings: FindingDTO[]; onOpen(f: FindingDTO): void }) {
  const groups = useMemo(() => {
    const by = new Map<string, FindingDTO[]>();
    for (const f of findings) by.set(f.rule, [...(by.get(f.rule) ?? []), f]);
    return [...by.entries()].sort((a, b) => RANK[a[1][0].severity] - RANK[b[1][0].severity] || b[1].length - a[1].length);
  }, [findings]);
  if (!findings.length) {
    return (
      <div className="center">
        <div className="empty">
          <h3>No findings</h3>
          Every transaction and dialog in this capture behaved as the RFCs expect (within the capture window). Findings appear here when a rule spots a missing ACK, an unanswered request, a one-sided BYE, a Diameter error and so on.
        </div>
      </div>
    );
  }
  return (
    <div className="panel-body" data-testid="findings-panel">
      <div className="findings">
        {groups.map(([rule, list]) => {
          const f0 = list[0];
          return (
            <section key={rule} className="rule-group" data-rule-group={rule}>
              <div className="rule-head">
                <span className={`badge ${f0.severity}`}>{f0.severity}</span>
                <span className="title">{f0.title}</span>
                <span className="rule-id mono">{rule}</span>
                <div className="spacer" />
                <span className="chip">{`${list.length} ${list.length === 1 ? "finding" : "findings"}`}</span>
              </div>
              <div className="rule-explain">
                <p>{f0.explanation}</p>
                {f0.likelyCause ? <p><b>Likely cause: </b>{f0.likelyCause}</p> : null}
                {f0.reference ? <p style={{ color: "var(--muted)", fontSize: 12 }}>{`Reference: ${f0.reference}`}</p> : null}
              </div>
              {list.slice(0, 500).map((f) => (
                <div key={f.id} className="finding" data-testid="finding" data-rule={f.rule} data-finding-id={f.id} role="button" tabIndex={0} onClick={() => onOpen(f)} onKeyDown={(e) => e.key === "Enter" && onOpen(f)}>
                  <span className="mono" style={{ color: "var(--muted)" }}>{clock(f.time)}</span>
                  <div>
                    <div className="what">{f.title}{f.callId ? <span className="mono" style={{ color: "var(--muted)" }}>{`  ·  ${f.callId}`}</span> : null}</div>
                    <div className="why">
                      {[
                        f.messages.length ? `${f.messages.length} message${f.messages.length > 1 ? "s" : ""} as evidence` : "",
                        ...f.ghosts.map((g) => `missing ${g.label} (${g.src} → ${g.dst}): ${g.reason}`),
                        f.logEvents?.length ? `${f.logEvents.length} log line(s)` : "",
                      ].filter(Boolean).join(" · ")}
                    </div>
                  </div>
                  <span className="btn small ghost">{f.call ? "Show in ladder →" : ""}</span>
                </div>
              ))}
              {list.length > 500 ? <div className="finding" style={{ cursor: "default" }}><span /><span className="why">{`…and ${list.length - 500} more (filter the call list with rule:${rule})`}</span></div> : null}
            </section>
          );
        })}
      </div>
    </div>
  );
}
