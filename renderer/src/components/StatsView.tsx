/** Charts over the whole capture (recharts): rate, response codes, setup and response times, Diameter, findings. */
import { useMemo, useState } from "react";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Percentiles, StatsDTO } from "../../../core/api";
import { clock, seconds } from "../format";

const AXIS = { stroke: "var(--muted)", fontSize: 11 };
const TOOLTIP = { contentStyle: { background: "var(--panel)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--fg)" }, labelStyle: { color: "var(--fg)" } };

function Pct({ p }: { p: Percentiles }) {
  if (!p.count) return <div className="pct">no samples</div>;
  return (
    <div className="pct">
      <span>n <b>{p.count}</b></span>
      <span>p50 <b>{seconds(p.p50)}</b></span>
      <span>p95 <b>{seconds(p.p95)}</b></span>
      <span>p99 <b>{seconds(p.p99)}</b></span>
      <span>max <b>{seconds(p.max)}</b></span>
    </div>
  );
}

function Card({ title, sub, children, id }: { title: string; sub?: string; children: React.ReactNode; id: string }) {
  return (
    <div className="card" data-testid="stats-chart" data-chart={id}>
      <h3>{title}</h3>
      {sub ? <div className="sub">{sub}</div> : null}
      {children}
    </div>
  );
}

function statusColor(code: string): string {
  return code.startsWith("2") ? "#3fb68b" : code.startsWith("1") ? "#8b949e" : code.startsWith("3") ? "#56b6c2" : code.startsWith("4") ? "#e8a33d" : "#e5484d";
}

const histo = (h: [number, number][]) => h.map(([le, count]) => ({ le: `≤${seconds(le).replace(" ", "")}`, count }));

/** Empty buckets are absent from the data; put zeros back so quiet periods show as quiet. */
function filledRate(stats: StatsDTO): StatsDTO["rate"] {
  const r = stats.rate;
  if (r.length < 2 || !(stats.bucketSeconds > 0)) return r;
  const span = (r[r.length - 1].bucket - r[0].bucket) / stats.bucketSeconds;
  if (span > 3000) return r;
  const by = new Map(r.map((x) => [Math.round(x.bucket / stats.bucketSeconds), x]));
  const out: StatsDTO["rate"] = [];
  for (let k = 0; k <= Math.round(span); k++) {
    const bucket = r[0].bucket + k * stats.bucketSeconds;
    out.push(by.get(Math.round(bucket / stats.bucketSeconds)) ?? { bucket, sip: 0, diameter: 0, http: 0 });
  }
  return out;
}

export function StatsView({ stats }: { stats: StatsDTO }) {
  const methods = Object.keys(stats.responseTimeHistogram).length ? Object.keys(stats.responseTimeHistogram) : Object.keys(stats.responseTimes);
  const [method, setMethod] = useState(methods.includes("INVITE") ? "INVITE" : methods[0]);
  const codes = useMemo(() => Object.entries(stats.statuses).sort((a, b) => Number(a[0]) - Number(b[0])).map(([code, count]) => ({ code, count })), [stats]);
  const methodCounts = useMemo(() => Object.entries(stats.methods).sort((a, b) => b[1] - a[1]).map(([m, count]) => ({ m, count })), [stats]);
  const rate = useMemo(() => filledRate(stats), [stats]);
  const hasDia = stats.rate.some((r) => r.diameter > 0);
  const hasHttp = stats.rate.some((r) => r.http > 0);
  return (
    <div className="panel-body">
      <div className="stats">
        <Card id="rate" title="Message rate" sub={`messages per ${stats.bucketSeconds} s bucket`}>
          <ResponsiveContainer width="100%" height={220}>
            <AreaChart data={rate}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis dataKey="bucket" tickFormatter={(v: number) => clock(v).slice(0, 8)} {...AXIS} />
              <YAxis allowDecimals={false} {...AXIS} />
              <Tooltip labelFormatter={(v) => clock(Number(v))} {...TOOLTIP} />
              <Legend />
              <Area type="stepAfter" dataKey="sip" name="SIP" stackId="1" stroke="#4e9af1" fill="#4e9af1" fillOpacity={0.35} isAnimationActive={false} />
              {hasDia ? <Area type="stepAfter" dataKey="diameter" name="Diameter" stackId="1" stroke="#c678dd" fill="#c678dd" fillOpacity={0.35} isAnimationActive={false} /> : null}
              {hasHttp ? <Area type="stepAfter" dataKey="http" name="HTTP" stackId="1" stroke="#e8a33d" fill="#e8a33d" fillOpacity={0.35} isAnimationActive={false} /> : null}
            </AreaChart>
          </ResponsiveContainer>
        </Card>
        <Card id="codes" title="Response codes" sub="final and provisional SIP responses">
          <ResponsiveContainer width="100%" height={220}>
            <BarChart data={codes}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis dataKey="code" {...AXIS} />
              <YAxis allowDecimals={false} {...AXIS} />
              <Tooltip {...TOOLTIP} cursor={{ fill: "var(--row-hover)" }} />
              <Bar dataKey="count" isAnimationActive={false}>
                {codes.map((c) => <Cell key={c.code} fill={statusColor(c.code)} />)}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card id="setup" title="Call setup time" sub="INVITE → 200 OK, answered calls">
          <ResponsiveContainer width="100%" height={190}>
            <BarChart data={histo(stats.setupTimeHistogram)}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis dataKey="le" {...AXIS} />
              <YAxis allowDecimals={false} {...AXIS} />
              <Tooltip {...TOOLTIP} cursor={{ fill: "var(--row-hover)" }} />
              <Bar dataKey="count" fill="#3fb68b" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
          <Pct p={stats.setupTime} />
        </Card>
        <Card id="response" title="Response time" sub="request → final response, per method">
          {methods.length ? (
            <>
              <select value={method} onChange={(e) => setMethod(e.target.value)} className="btn small" aria-label="Method">
                {methods.map((m) => <option key={m} value={m}>{m}</option>)}
              </select>
              <ResponsiveContainer width="100%" height={170}>
                <BarChart data={histo(stats.responseTimeHistogram[method] ?? [])}>
                  <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                  <XAxis dataKey="le" {...AXIS} />
                  <YAxis allowDecimals={false} {...AXIS} />
                  <Tooltip {...TOOLTIP} cursor={{ fill: "var(--row-hover)" }} />
                  <Bar dataKey="count" fill="#4e9af1" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
              <Pct p={stats.responseTimes[method] ?? { count: 0 }} />
            </>
          ) : <div className="empty" style={{ padding: 30 }}>No request/response pairs in this capture.</div>}
        </Card>
        <Card id="methods" title="Requests by method">
          <ResponsiveContainer width="100%" height={Math.max(120, methodCounts.length * 26 + 30)}>
            <BarChart data={methodCounts} layout="vertical" margin={{ left: 30 }}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis type="number" allowDecimals={false} {...AXIS} />
              <YAxis type="category" dataKey="m" width={80} {...AXIS} />
              <Tooltip {...TOOLTIP} cursor={{ fill: "var(--row-hover)" }} />
              <Bar dataKey="count" fill="#56b6c2" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card id="diameter" title="Diameter answer times" sub="request → answer, per command">
          {Object.keys(stats.diameterAnswerTimes).length ? (
            <table className="simple">
              <thead><tr><th>Command</th><th className="num">n</th><th className="num">p50</th><th className="num">p95</th><th className="num">p99</th><th className="num">max</th></tr></thead>
              <tbody>
                {Object.entries(stats.diameterAnswerTimes).map(([cmd, p]) => (
                  <tr key={cmd}><td>{cmd}</td><td className="num">{p.count}</td><td className="num">{seconds(p.p50)}</td><td className="num">{seconds(p.p95)}</td><td className="num">{seconds(p.p99)}</td><td className="num">{seconds(p.max)}</td></tr>
                ))}
              </tbody>
            </table>
          ) : <div className="empty" style={{ padding: 30 }}>No Diameter exchanges in this capture.</div>}
        </Card>
        <Card id="findings" title="Findings over time" sub={Object.entries(stats.findingsByRule).map(([r, n]) => `${r} ${n}`).join(" · ") || "no findings"}>
          <ResponsiveContainer width="100%" height={190}>
            <BarChart data={stats.findingsOverTime}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis dataKey="bucket" tickFormatter={(v: number) => clock(v).slice(0, 8)} {...AXIS} />
              <YAxis allowDecimals={false} {...AXIS} />
              <Tooltip labelFormatter={(v) => clock(Number(v))} {...TOOLTIP} cursor={{ fill: "var(--row-hover)" }} />
              <Bar dataKey="count" fill="#e5484d" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </Card>
      </div>
    </div>
  );
}
