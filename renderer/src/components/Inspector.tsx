/**
 * The message inspector: raw message with highlighting (header lines, start line, body), the header
 * tree, SDP summary, Diameter AVP tree, HTTP headers; copy buttons. Everything is rendered as React
 * text nodes: captured bytes can never become markup.
 */
import { useState, type ReactNode } from "react";
import type { AvpDTO, MessageDetailDTO } from "../../../core/api";
import { dateTime } from "../format";

type Tab = "raw" | "headers" | "sdp" | "avps" | "body";

function copy(text: string, done: (msg: string) => void) {
  navigator.clipboard?.writeText(text).then(
    () => done("Copied to the clipboard"),
    () => done("The clipboard is not available here"),
  );
}

function AvpTree({ avps }: { avps: AvpDTO[] }) {
  return (
    <>
      {avps.map((a, i) => (
        <div key={i} className="node">
          <span className="k">{a.name}</span>{" "}
          <span className="chip" title="AVP code / vendor / flags">{`${a.code}${a.vendorId ? ` v${a.vendorId}` : ""} ${a.flags}`}</span>
          {a.value !== undefined ? <> = <span className="v mono">{a.value}</span></> : null}
          {a.children?.length ? <div className="kids"><AvpTree avps={a.children} /></div> : null}
        </div>
      ))}
    </>
  );
}

/** Raw SIP/HTTP text split into start line, header lines (by the host's byte offsets) and body. */
function RawView({ d, hover }: { d: MessageDetailDTO; hover?: number }) {
  const text = d.rawText;
  const parts: ReactNode[] = [];
  if (d.headers?.length && d.startLine !== undefined) {
    parts.push(<span key="s" className="start">{text.slice(0, d.startLine.length)}</span>);
    let at = d.startLine.length;
    d.headers.forEach((h, i) => {
      if (h.start > at) parts.push(text.slice(at, h.start));
      const line = text.slice(h.start, h.end);
      const colon = line.indexOf(":");
      parts.push(
        <span key={`h${i}`} className={`hdr ${hover === i ? "hover" : ""}`}>
          <span className="hn">{colon > 0 ? line.slice(0, colon) : line}</span>
          {colon > 0 ? line.slice(colon) : ""}
        </span>,
      );
      at = Math.max(at, h.end);
    });
    const bodyAt = text.indexOf("\r\n\r\n", at > 2 ? at - 2 : 0);
    if (bodyAt >= 0) {
      parts.push(text.slice(at, bodyAt + 4));
      parts.push(<span key="b" className="body">{text.slice(bodyAt + 4)}</span>);
    } else parts.push(text.slice(at));
  } else parts.push(text);
  return <pre className="raw mono" data-testid="message-raw">{parts}</pre>;
}

export function Inspector({ detail, loading, error, onToast }: { detail?: MessageDetailDTO; loading: boolean; error?: string; onToast(msg: string): void }) {
  const [tab, setTab] = useState<Tab>("raw");
  const [hover, setHover] = useState<number | undefined>();
  if (error) return <div className="center"><div className="empty"><h3>Cannot show this message</h3>{error}</div></div>;
  if (!detail) {
    return (
      <div className="center">
        <div className="empty">
          <h3>{loading ? "Loading message…" : "No message selected"}</h3>
          {loading ? null : <>Click an arrow in the ladder, or use <span className="kbd">↑</span> <span className="kbd">↓</span> and <span className="kbd">Enter</span>.</>}
        </div>
      </div>
    );
  }
  const m = detail.message;
  const tabs: [Tab, string][] = [["raw", "Raw"]];
  if (detail.headers?.length) tabs.push(["headers", m.protocol === "http" ? "HTTP headers" : "Header tree"]);
  if (detail.sdp) tabs.push(["sdp", "SDP"]);
  if (detail.avps?.length) tabs.push(["avps", "AVPs"]);
  if (detail.body && !detail.sdp) tabs.push(["body", "Body"]);
  const active = tabs.some(([t]) => t === tab) ? tab : "raw";
  return (
    <>
      <div className="panel-head">
        <div className="inspector-tabs">
          {tabs.map(([t, label]) => (
            <button key={t} className={`tab ${active === t ? "active" : ""}`} onClick={() => setTab(t)}>{label}</button>
          ))}
        </div>
        <div className="spacer" />
        <span className="chip" title={dateTime(m.time)}>{`#${m.id} · frame ${m.frame}${detail.frames && detail.frames.length > 1 ? ` (+${detail.frames.length - 1})` : ""}`}</span>
        <span className="chip">{`${m.src} → ${m.dst} ${m.transport.toUpperCase()}`}</span>
        <button className="btn small" onClick={() => copy(detail.rawText, onToast)} title="Copy the message text">Copy</button>
        {m.callId ? <button className="btn small" onClick={() => copy(m.callId!, onToast)} title="Copy the Call-ID">Copy Call-ID</button> : null}
      </div>
      <div className="panel-body">
        {m.problems?.length ? <div className="error-box" style={{ margin: 10 }}><h3>Decoder problems</h3>{m.problems.join("; ")}</div> : null}
        {active === "raw" ? <RawView d={detail} hover={hover} /> : null}
        {active === "headers" ? (
          <div style={{ display: "grid", gridTemplateColumns: "minmax(240px, 1fr) 1.2fr" }}>
          <div className="tree mono">
            {detail.startLine ? <div className="node"><b>{detail.startLine}</b></div> : null}
            {detail.headers!.map((h, i) => (
              <div key={i} className="node" onMouseEnter={() => setHover(i)} onMouseLeave={() => setHover(undefined)}>
                <span className="k">{h.name}</span>: <span className="v">{h.value}</span>
                {h.children?.length ? (
                  <div className="kids">
                    {h.children.map((c, j) => (
                      <div key={j} className="node"><span className="k">{c.name}</span> = <span className="v">{c.value}</span></div>
                    ))}
                  </div>
                ) : null}
              </div>
            ))}
          </div>
          <RawView d={detail} hover={hover} />
          </div>
        ) : null}
        {active === "sdp" && detail.sdp ? (
          <div>
            <div className="kv">
              {detail.sdp.connection ? <><div className="k">Connection</div><div className="mono">{detail.sdp.connection}</div></> : null}
              {detail.sdp.media.map((md, i) => (
                <div key={i} style={{ display: "contents" }}>
                  <div className="k">{`${md.type} · ${md.direction ?? "sendrecv"}`}</div>
                  <div className="mono">{`port ${md.port} ${md.protocol} — ${md.codecs.join(", ") || "no rtpmap"}`}</div>
                </div>
              ))}
            </div>
            <pre className="raw mono">{detail.sdp.summary.join("\n")}</pre>
            {detail.body ? <pre className="raw mono body">{detail.body}</pre> : null}
          </div>
        ) : null}
        {active === "avps" && detail.avps ? <div className="tree mono"><AvpTree avps={detail.avps} /></div> : null}
        {active === "body" && detail.body ? <pre className="raw mono">{detail.body}</pre> : null}
      </div>
    </>
  );
}
