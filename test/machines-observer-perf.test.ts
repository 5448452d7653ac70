/**
 * Speed of the transaction and dialog observers on a synthetic 130 000-message capture (10 000
 * proxied calls, INVITE/100/180/200/ACK/BYE/200 on both legs, like `npm run bench`). Parsing is
 * done up front (it belongs to ingest); the timed part includes the lazy header reads the
 * observers trigger (Call-ID, CSeq, top Via, tags), as in a real analysis.
 */
import { describe, expect, it } from "vitest";
import { observeTransactions } from "../core/analysis/transactions";
import { observeDialogs } from "../core/analysis/dialogs";
import { buildModel, request, response, type Hop, type WireMessage } from "./machines-fixtures";

function calls(n: number): WireMessage[] {
  const out: WireMessage[] = [];
  const A = "10.0.0.1:5060", P = "10.0.0.2:5060", B = "10.0.0.3:5060";
  for (let c = 0; c < n; c++) {
    const t = c * 0.01;
    const callId = `perf-${c}@example.com`;
    const fromTag = `f${c}`;
    const up: Hop = { from: A, to: P, branch: `z9hG4bK-u${c}`, callId, fromTag };
    const down: Hop = { from: P, to: B, branch: `z9hG4bK-d${c}`, callId, fromTag, lowerVias: [`Via: SIP/2.0/UDP ${A};branch=z9hG4bK-u${c}`] };
    out.push(request(t, "INVITE", up), response(t + 0.001, 100, "INVITE", up), request(t + 0.001, "INVITE", down));
    out.push(response(t + 0.002, 180, "INVITE", down, `t${c}`), response(t + 0.002, 180, "INVITE", up, `t${c}`));
    out.push(response(t + 0.003, 200, "INVITE", down, `t${c}`), response(t + 0.003, 200, "INVITE", up, `t${c}`));
    out.push(request(t + 0.004, "ACK", { ...up, branch: `z9hG4bK-ua${c}`, toTag: `t${c}` }), request(t + 0.004, "ACK", { ...down, branch: `z9hG4bK-da${c}`, toTag: `t${c}` }));
    const bu: Hop = { ...up, branch: `z9hG4bK-ub${c}`, toTag: `t${c}`, cseq: 2 };
    const bd: Hop = { ...down, branch: `z9hG4bK-db${c}`, toTag: `t${c}`, cseq: 2 };
    out.push(request(t + 0.005, "BYE", bu), request(t + 0.005, "BYE", bd), response(t + 0.006, 200, "BYE", bd), response(t + 0.006, 200, "BYE", bu));
  }
  return out;
}

describe("observer speed", () => {
  it("130 000 messages: every transaction and dialog complete (CPU time printed; speed is judged by npm run bench)", () => {
    const model = buildModel(calls(10_000), { end: 200 });
    expect(model.messages).toHaveLength(130_000);
    // Ingest (messageDTO) has already read these fields in a real analysis; do the same here so the
    // figure is the observers' own cost, not the parser's lazy first reads.
    for (const m of model.messages) {
      const s = m.sip!;
      void (s.callId, s.cseq, s.from?.tag, s.to?.tag, s.vias[0]?.branch);
    }
    // CPU time, best of 3: the wall clock on a shared 2-core machine measures the neighbours.
    let best = { tx: Infinity, dlg: Infinity };
    let tx!: ReturnType<typeof observeTransactions>;
    let dialogs!: ReturnType<typeof observeDialogs>;
    for (let r = 0; r < 3; r++) {
      const c0 = process.cpuUsage();
      tx = observeTransactions(model);
      const c1 = process.cpuUsage(c0);
      const c2s = process.cpuUsage();
      dialogs = observeDialogs(model, tx);
      const c2 = process.cpuUsage(c2s);
      best = { tx: Math.min(best.tx, (c1.user + c1.system) / 1000), dlg: Math.min(best.dlg, (c2.user + c2.system) / 1000) };
    }
    console.log(`observeTransactions: ${best.tx.toFixed(0)} ms CPU, observeDialogs: ${best.dlg.toFixed(0)} ms CPU, for ${model.messages.length} messages`);
    expect(tx.transactions).toHaveLength(40_000);
    expect(dialogs).toHaveLength(20_000);
    expect(tx.transactions.every((t) => t.expectations.length === 0)).toBe(true);
    expect(dialogs.every((d) => d.state === "Terminated" && d.acks.length === 1)).toBe(true);
  }, 120_000);
});
