import { describe, it, expect } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import { SAMPLES, buildSample } from "../core/samples/index";
import { loadFiles } from "../core/node/ingest";
import { analyzeRun } from "../core/analysis/analyze";
import { formatReport } from "../core/analysis/text-report";

const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-samples-"));

describe("samples", () => {
  for (const spec of SAMPLES) {
    it(spec.name, async () => {
      const s = buildSample(spec);
      const files = [path.join(dir, `${spec.name}.pcap`)];
      writeFileSync(files[0], s.pcap);
      if (s.log) {
        files.push(path.join(dir, `${spec.name}.log`));
        writeFileSync(files[1], s.log);
      }
      const loaded = await loadFiles(files);
      const run = analyzeRun(loaded.model, loaded);
      const got = [...new Set(run.findings.map((f) => `${f.rule}:${f.severity}`))].sort();
      const want = [...new Set(spec.expect.map((e) => `${e.rule}:${e.severity}`))].sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) console.log(formatReport(run.result, { messages: true }));
      expect(got).toEqual(want);
    });
  }
});

// ---- details on synthetic flows, decoded in memory (no files) ---------------------------------

import { ModelBuilder } from "../core/analysis/decode";
import { createCaptureDecoder } from "../core/capture/decoder";
import { createTextReader } from "../core/capture/text/detect";
import { utf8 } from "../core/capture/packet-builder";
import { formatCallLadder } from "../core/analysis/text-report";
import { Scenario } from "../core/samples/scenario";
import { request, response, forward, unforward, sdp } from "../core/samples/sip-builder";
import { ALICE, BOB, PROXY, aor, answer, dialog, invite, inDialog, type Party } from "../core/samples/flows";

function analyzeScenario(sc: Scenario) {
  const files = ["mem.pcap", ...(sc.hasLog ? ["mem.log"] : [])];
  const b = new ModelBuilder(files);
  const dec = createCaptureDecoder(b.sinkFor(0));
  dec.push(sc.pcap());
  dec.end();
  if (sc.hasLog) {
    const r = createTextReader("kamailio-log", b.sinkFor(1));
    r.push(utf8(sc.logText()));
    r.end();
  }
  const loaded = b.finish();
  return analyzeRun(loaded.model, loaded);
}

function analyzeSample(name: string) {
  const spec = SAMPLES.find((s) => s.name === name)!;
  return analyzeScenario(spec.build());
}

describe("bug samples: what the finding says", () => {
  it("bug 1: MAA without 401 names the gap, the HSS exchange and t_continue()", () => {
    const run = analyzeSample("bug1-ims-mar-no-401");
    const f = run.findings.find((x) => x.rule === "dia-answer-no-sip-continuation")!;
    const labels = f.messages.map((id) => run.result.model.messages[id]).map((m) => m.diameter?.name ?? m.sip?.method ?? m.sip?.status);
    expect(labels).toEqual(expect.arrayContaining(["REGISTER", "MAR", "MAA"]));
    expect(f.ghosts.map((g) => g.label)).toEqual(["401"]);
    expect(f.likelyCause).toMatch(/t_continue\(\)/);
    expect(f.callId).toBe("ims-reg-1@10.0.0.10");
    // The ladder of the registration shows the Diameter arrows and the ghost 401.
    const ladder = run.result.ladder(f.call!);
    expect(ladder.arrows.some((a) => a.protocol === "diameter" && a.label === "MAR")).toBe(true);
    expect(ladder.ghosts).toHaveLength(1);
    expect(run.calls.find((c) => c.id === f.call)?.kind).toBe("registration");
  });

  it("bug 1 clean: registration via MAR/401/SAR/200 is recognised as IMS and registered", () => {
    const run = analyzeSample("bug1-ims-mar-no-401-clean");
    const reg = run.ctx.registrations[0];
    expect(reg.ims).toBe(true);
    expect(reg.outcome).toBe("registered");
    expect(reg.expires).toBe(600000);
    expect(reg.attempts.map((a) => a.status)).toEqual([401, 200]);
    expect(run.ctx.diameter.map((x) => [x.name, x.sipTxn !== undefined, x.resultName])).toEqual([
      ["MAR", true, "DIAMETER_SUCCESS"],
      ["SAR", true, "DIAMETER_SUCCESS"],
    ]);
  });

  it("bug 2: the 487 after CANCEL, its 10 retransmissions, and the ghost ACK", () => {
    const run = analyzeSample("bug2-rpc-cancel-487-no-ack");
    const f = run.findings.find((x) => x.rule === "ack-missing-non2xx")!;
    expect(f.title).toBe("487 after CANCEL never ACKed");
    expect(f.explanation).toMatch(/retransmitted the 487 10 times/);
    expect(f.ghosts[0]).toMatchObject({ label: "ACK", src: "10.0.0.1:5060", dst: "10.0.0.20:5060" });
  });

  it("bug 3: the unanswered HTTP request carries the pinned 'too few headers' log line", () => {
    const run = analyzeSample("bug3-xhttp-too-few-headers");
    const f = run.findings.find((x) => x.rule === "http-request-unanswered")!;
    const logs = run.result.document.logEvents ?? [];
    expect(f.logEvents?.map((id) => logs[id].text)).toEqual(expect.arrayContaining([expect.stringMatching(/too few headers/)]));
    expect(f.severity).toBe("error");
    expect(f.likelyCause).toMatch(/fake SIP message/);
  });

  it("bug 4: proxy BYEd the caller only; the callee's BYE is a ghost; the log line is pinned", () => {
    const run = analyzeSample("bug4-dialog-bye-race");
    const f = run.findings.find((x) => x.rule === "bye-one-sided")!;
    expect(f.ghosts).toEqual([expect.objectContaining({ label: "BYE", src: "10.0.0.1:5060", dst: "10.0.0.20:5060" })]);
    const logs = run.result.document.logEvents ?? [];
    expect(f.logEvents?.map((id) => logs[id].text)).toEqual([expect.stringMatching(/already in deleted state, BYE not sent/)]);
    const text = formatCallLadder(run.result, f.call!);
    expect(text).toMatch(/✗ expected BYE/);
    expect(text).toMatch(/already in deleted state/);
    // One call with two legs (same Call-ID on both hops) and three lanes.
    const call = run.calls.find((c) => c.id === f.call)!;
    expect(call.legs).toBe(2);
    expect(run.result.ladder(call.id).nodes.map((n) => n.name)).toEqual(["10.0.0.10:5060", "10.0.0.1:5060", "10.0.0.20:5060"]);
  });

  it("bug 5: notified 0 of 3; both live watchers are ghosts; the first skip follows the dead connection", () => {
    const run = analyzeSample("bug5-presence-ws-fanout");
    // One finding per live watcher left without its NOTIFY, each naming that watcher's dialog.
    const all = run.findings.filter((x) => x.rule === "notify-fanout-aborted");
    expect(all.map((x) => x.callId).sort()).toEqual(["ws-sub-2@w2.invalid", "ws-sub-3@w3.invalid"]);
    expect(all.flatMap((x) => x.ghosts.map((g) => g.dst)).sort()).toEqual(["10.0.0.32:50002", "10.0.0.33:50003"]);
    const f = all[0];
    expect(f.title).toBe("State change notified to 0 of 3 active watchers");
    expect(run.calls.find((c) => c.id === f.call)?.callIds).toEqual([f.callId]);
    expect(f.explanation).toMatch(/first watcher skipped is the one whose transport connection was already closed/);
    expect(f.likelyCause).toMatch(/Via/);
  });
});

/** A UA-to-UA call through a B2BUA at 10.0.0.5: two Call-IDs, `extra` headers on the second INVITE. */
function b2bua(first: string[], second: string[], users: { from: Party; to: Party } = { from: ALICE, to: BOB }): Scenario {
  const sc = new Scenario();
  const B2B: Party = { user: "b2b", addr: "10.0.0.5:5060", domain: "example.com" };
  const d1 = dialog("leg-a@10.0.0.10", ALICE, { ...B2B, user: BOB.user });
  const inv1 = invite(d1, "z9hG4bK-a1", { extra: first });
  sc.at(0).udp(ALICE.addr, B2B.addr, inv1);
  const d2 = dialog("leg-b@10.0.0.5", { ...B2B, user: users.from.user }, { ...BOB, user: users.to.user });
  const inv2 = request({ method: "INVITE", uri: `sip:${users.to.user}@${BOB.addr}`, via: B2B.addr, branch: "z9hG4bK-b1", from: aor({ ...users.from, domain: "example.com" }), fromTag: "b2b-1", to: aor({ ...users.to, domain: "example.com" }), callId: d2.callId, cseq: 1, contact: `sip:b2b@${B2B.addr}`, extra: second, body: sdp("10.0.0.5", 6000) });
  sc.at(0.01).udp(B2B.addr, BOB.addr, inv2);
  sc.at(0.5).udp(BOB.addr, B2B.addr, answer(inv2, d2));
  sc.at(0.51).udp(B2B.addr, ALICE.addr, answer(inv1, d1));
  return sc;
}

describe("calls: legs linked across a B2BUA", () => {
  const cases: [string, string[], string[], number][] = [
    ["X-CID names the other Call-ID", [], ["X-CID: leg-a@10.0.0.10"], 1],
    ["RFC 7989 Session-ID", ["Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000"], ["Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000"], 1],
    ["P-Charging-Vector icid-value", ["P-Charging-Vector: icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=023551024"], ["P-Charging-Vector: icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=023551024;orig-ioi=home1.net"], 1],
    ["timing + same From/To users", [], [], 1],
  ];
  for (const [name, first, second, calls] of cases) {
    it(name, () => {
      const run = analyzeScenario(b2bua(first, second));
      const callCalls = run.calls.filter((c) => c.kind === "call");
      expect(callCalls).toHaveLength(calls);
      expect(callCalls[0].callIds.sort()).toEqual(["leg-a@10.0.0.10", "leg-b@10.0.0.5"]);
      expect(callCalls[0].legs).toBe(2);
      expect(run.result.nodes.find((n) => n.addresses.includes("10.0.0.5:5060"))?.role).toBe("B2BUA");
    });
  }
  it("different users and no correlation header stay two calls", () => {
    const carol: Party = { user: "carol", addr: "10.0.0.30:5060", domain: "example.com" };
    const dave: Party = { user: "dave", addr: "10.0.0.31:5060", domain: "example.com" };
    const run = analyzeScenario(b2bua([], [], { from: carol, to: dave }));
    expect(run.calls.filter((c) => c.kind === "call")).toHaveLength(2);
  });
});

describe("nodes, capture window, fan-out counting", () => {
  it("a proxy using UDP 5060 and a TCP ephemeral port is one node (Via sent-by)", () => {
    const sc = new Scenario();
    const d = dialog("tcp-leg@10.0.0.10", ALICE, BOB);
    const inv = invite(d, "z9hG4bK-x1", { uri: `sip:bob@${PROXY.domain}` });
    sc.at(0).udp(ALICE.addr, PROXY.addr, inv);
    const tcp = sc.tcp("10.0.0.1:40123", "10.0.0.20:5060");
    const fwd = forward(inv, { via: PROXY.addr, transport: "TCP", branch: "z9hG4bK-p1", recordRoute: `sip:${PROXY.addr};lr;transport=tcp`, uri: `sip:bob@${BOB.addr};transport=tcp` });
    sc.at(0.01);
    tcp.send("client", fwd);
    const ok = answer(fwd, d);
    sc.at(0.5);
    tcp.send("server", ok);
    sc.udp(PROXY.addr, ALICE.addr, unforward(ok));
    sc.udp(ALICE.addr, PROXY.addr, inDialog(d, "ACK", "caller", "z9hG4bK-a1", 1, { uri: `sip:bob@${BOB.addr}` }));
    const run = analyzeScenario(sc);
    const proxy = run.result.nodes.find((n) => n.addresses.includes("10.0.0.1:5060"))!;
    expect(proxy.addresses.sort()).toEqual(["10.0.0.1:40123", "10.0.0.1:5060"]);
    expect(run.result.ladder("c1").nodes).toHaveLength(3);
  });

  it("a 487 in the last 100 ms of the capture is 'capture ended' (info), not a missing ACK", () => {
    const sc = new Scenario();
    const d = dialog("late-487@10.0.0.10", ALICE, BOB);
    const inv = invite(d, "z9hG4bK-l1");
    sc.at(0).udp(ALICE.addr, BOB.addr, inv).udp(BOB.addr, ALICE.addr, response(inv, 100, "Trying"));
    sc.at(5).udp(BOB.addr, ALICE.addr, answer(inv, d, 487, "Request Terminated"));
    const run = analyzeScenario(sc);
    const f = run.findings.filter((x) => x.rule === "ack-missing-non2xx");
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe("info");
    expect(f[0].explanation).toMatch(/capture ended/);
  });

  it("counts k of n: one of three live watchers notified after a PUBLISH", () => {
    const sc = new Scenario();
    const W = [1, 2, 3].map((i) => `10.0.0.6${i}:5060`);
    const subs = W.map((w, i) => {
      const s = request({ method: "SUBSCRIBE", uri: "sip:carol@example.com", via: w, branch: `z9hG4bK-s${i}`, from: `sip:w${i}@example.com`, fromTag: `w${i}`, to: "sip:carol@example.com", callId: `sub-${i}@x`, cseq: 1, contact: `sip:w${i}@${w}`, extra: ["Event: presence", "Expires: 600"] });
      sc.at(i * 0.1).udp(w, PROXY.addr, s).udp(PROXY.addr, w, response(s, 200, "OK", { toTag: `p${i}`, extra: ["Expires: 600"] }));
      return s;
    });
    void subs;
    const notify = (i: number, cseq: number) => request({ method: "NOTIFY", uri: `sip:w${i}@${W[i]}`, via: PROXY.addr, branch: `z9hG4bK-n${i}-${cseq}`, from: "sip:carol@example.com", fromTag: `p${i}`, to: `sip:w${i}@example.com`, toTag: `w${i}`, callId: `sub-${i}@x`, cseq, extra: ["Event: presence", "Subscription-State: active;expires=600"] });
    for (let i = 0; i < 3; i++) {
      const n = notify(i, 1);
      sc.at(0.5 + i * 0.1).udp(PROXY.addr, W[i], n).udp(W[i], PROXY.addr, response(n, 200, "OK"));
    }
    const pub = request({ method: "PUBLISH", uri: "sip:carol@example.com", via: "10.0.0.40:5060", branch: "z9hG4bK-pub", from: "sip:carol@example.com", fromTag: "c", to: "sip:carol@example.com", callId: "pub@x", cseq: 1, extra: ["Event: presence", "Expires: 60"] });
    sc.at(3).udp("10.0.0.40:5060", PROXY.addr, pub).udp(PROXY.addr, "10.0.0.40:5060", response(pub, 200, "OK", { toTag: "pp" }));
    const n = notify(0, 2);
    sc.at(3.01).udp(PROXY.addr, W[0], n).udp(W[0], PROXY.addr, response(n, 200, "OK"));
    const o = request({ method: "OPTIONS", uri: `sip:${PROXY.addr}`, via: "10.0.0.40:5060", branch: "z9hG4bK-o", from: "sip:carol@example.com", fromTag: "o", to: `sip:${PROXY.addr}`, callId: "opt@x", cseq: 1 });
    sc.at(12).udp("10.0.0.40:5060", PROXY.addr, o).udp(PROXY.addr, "10.0.0.40:5060", response(o, 200, "OK"));
    const run = analyzeScenario(sc);
    const f = run.findings.filter((x) => x.rule === "notify-fanout-aborted");
    expect(f).toHaveLength(2);
    expect(f[0].title).toBe("State change notified to 1 of 3 active watchers");
    expect(f.flatMap((x) => x.ghosts.map((g) => g.dst))).toEqual([W[1], W[2]]);
    expect(f[0].likelyCause).not.toMatch(/closed/);
  });

  it("stats: counts, response times, setup time", () => {
    const run = analyzeSample("ack-missing-2xx-clean");
    const s = run.result.document.stats!;
    expect(s.methods).toMatchObject({ INVITE: 1, ACK: 1, BYE: 1 });
    expect(s.statuses).toMatchObject({ "100": 1, "180": 1, "200": 2 });
    expect(s.responseTimes.INVITE.count).toBe(1);
    expect(s.responseTimes.INVITE.p50).toBeCloseTo(1, 2);
    expect(s.setupTime).toMatchObject({ count: 1 });
    expect(s.findingsByRule).toEqual({});
  });
});

describe("bug 1 variant", () => {
  it("a late 408 is not a continuation: the finding says so and the 408 is evidence", () => {
    const run = analyzeSample("bug1-ims-mar-late-408");
    const f = run.findings.find((x) => x.rule === "dia-answer-no-sip-continuation")!;
    expect(f.title).toMatch(/late 408/);
    expect(f.explanation).toMatch(/only continuation is a 408/);
    expect(run.findings.some((x) => x.rule === "register-failed" || x.rule === "txn-timeout")).toBe(false);
  });
});

describe("robustness: mutated samples never crash the analysis", () => {
  // Deterministic PRNG (mulberry32) so a failure reproduces.
  function rng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  it("flipping, truncating and duplicating bytes of every sample (bounded: 3 mutants each)", () => {
    const rand = rng(7);
    let runs = 0;
    for (const spec of SAMPLES) {
      const sc = spec.build();
      const base = sc.pcap();
      for (let k = 0; k < 3; k++) {
        const bytes = base.slice();
        // Mutate only past the pcap header so the file stays readable and the decoders see garbage.
        const n = 1 + Math.floor(rand() * 40);
        for (let i = 0; i < n; i++) bytes[24 + Math.floor(rand() * (bytes.length - 24))] = Math.floor(rand() * 256);
        const b = new ModelBuilder(["fuzz.pcap"]);
        const dec = createCaptureDecoder(b.sinkFor(0));
        expect(() => {
          dec.push(bytes);
          dec.end();
          const loaded = b.finish();
          const run = analyzeRun(loaded.model, loaded);
          for (const c of run.calls) run.result.ladder(c.id);
          formatReport(run.result);
        }).not.toThrow();
        runs++;
      }
    }
    expect(runs).toBe(SAMPLES.length * 3);
  });
});

describe("node roles", () => {
  it("S-CSCF, HSS and registrar from the IMS flow; proxy from the proxied call", () => {
    const ims = analyzeSample("bug1-ims-mar-no-401-clean");
    const role = (run: ReturnType<typeof analyzeSample>, a: string) => run.result.nodes.find((n) => n.addresses.includes(a))?.role;
    expect(role(ims, "10.0.0.3:5060")).toBe("S-CSCF, registrar");
    expect(role(ims, "10.0.0.4:3868")).toBe("HSS");
    expect(role(ims, "10.0.0.10:5060")).toBeUndefined();
    const race = analyzeSample("bug4-dialog-bye-race");
    expect(role(race, "10.0.0.1:5060")).toBe("proxy");
  });
});
