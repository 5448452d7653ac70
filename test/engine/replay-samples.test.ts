/**
 * Replaying each of the five bug samples (samples/, `npm run samples`) against the built-in engine
 * gives a replay where the bug's finding is gone and a diff that names the difference.
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFiles } from "../../core/node/ingest";
import { analyze } from "../../core/analysis/analyze";
import { replayCall } from "../../core/node/engine/replay-runner";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const sample = (name: string) => path.join(root, "samples", name);

interface Case {
  file: string;
  log?: string;
  rule: string;
  httpPorts?: number[];
  speed: number;
  /** The diff must contain an entry matching this. */
  diff: { kind: "missing" | "extra" | "changed"; label: RegExp }[];
}

const CASES: Case[] = [
  { file: "bug1-ims-mar-no-401.pcap", rule: "dia-answer-no-sip-continuation", speed: 20, diff: [{ kind: "extra", label: /^401 REGISTER S → A/ }] },
  { file: "bug2-rpc-cancel-487-no-ack.pcap", rule: "ack-missing-non2xx", speed: 20, diff: [{ kind: "extra", label: /^ACK A → B/ }] },
  { file: "bug3-xhttp-too-few-headers.pcap", log: "bug3-xhttp-too-few-headers.log", rule: "http-request-unanswered", httpPorts: [8080], speed: 10, diff: [{ kind: "extra", label: /^HTTP 200 S → A/ }] },
  { file: "bug4-dialog-bye-race.pcap", rule: "bye-one-sided", speed: 30, diff: [{ kind: "extra", label: /^BYE S → B/ }, { kind: "extra", label: /^200 BYE B → S/ }] },
  { file: "bug5-presence-ws-fanout.pcap", rule: "notify-fanout-aborted", speed: 10, diff: [{ kind: "extra", label: /^NOTIFY S → [A-D]/ }] },
];

describe("replaying the five bug samples against the engine", () => {
  for (const c of CASES) {
    const present = existsSync(sample(c.file));
    it.skipIf(!present)(`${c.file}: ${c.rule} gone in the replay, the diff names the difference`, async () => {
      const files = [sample(c.file), ...(c.log ? [sample(c.log)] : [])];
      const loaded = await loadFiles(files, { httpPorts: c.httpPorts });
      const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      const finding = (result.document.findings ?? []).find((f) => f.rule === c.rule);
      expect(finding, `${c.file} should show ${c.rule}`).toBeDefined();
      const r = await replayCall(result, finding!.call!, { speed: c.speed, httpPorts: c.httpPorts });
      const why = JSON.stringify({ diff: r.diff, notes: r.notes, replay: r.replay.messages.map((m) => `${m.time.toFixed(3)} ${m.src}>${m.dst} ${m.info}`) }, null, 1);
      expect(r.original.findings.some((f) => f.rule === c.rule)).toBe(true);
      expect(r.replay.findings.filter((f) => f.rule === c.rule), why).toEqual([]);
      expect(r.replay.findings.filter((f) => f.severity !== "info").map((f) => f.rule), why).toEqual([]);
      for (const want of c.diff) {
        expect(r.diff.some((d) => d.kind === want.kind && want.label.test(d.label)), `diff ${JSON.stringify(r.diff)} should have ${want.kind} ${want.label}`).toBe(true);
      }
      // Ids in the diff point into the two message lists.
      for (const d of r.diff) {
        if (d.original !== undefined) expect(r.original.messages.some((m) => m.id === d.original)).toBe(true);
        if (d.replay !== undefined) expect(r.replay.messages.some((m) => m.id === d.replay)).toBe(true);
      }
    });
  }
  if (!existsSync(sample(CASES[0].file))) console.log("SKIPPED replay sample tests: samples/ not generated (npm run samples)");
});

describe("replaying the clean twins: the replay goes as captured", () => {
  const twins: [string, (calls: { id: string; kind: string }[]) => string | undefined][] = [
    ["bug1-ims-mar-no-401-clean.pcap", (c) => c.find((x) => x.kind === "registration")?.id],
    ["bug2-rpc-cancel-487-no-ack-clean.pcap", (c) => c.find((x) => x.kind === "call")?.id],
    ["bug4-dialog-bye-race-clean.pcap", (c) => c.find((x) => x.kind === "call")?.id],
    ["bug5-presence-ws-fanout-clean.pcap", (c) => c.filter((x) => x.kind === "subscription")[1]?.id],
  ];
  for (const [file, pick] of twins) {
    it.skipIf(!existsSync(sample(file)))(`${file}: no difference, no finding`, async () => {
      const loaded = await loadFiles([sample(file)]);
      const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      const call = pick(result.document.calls ?? []);
      expect(call).toBeDefined();
      const r = await replayCall(result, call!, { speed: 30 });
      expect(r.diff).toEqual([]);
      expect(r.replay.findings.filter((f) => f.severity !== "info")).toEqual([]);
    });
  }

  it.skipIf(!existsSync(sample("bug1-ims-mar-late-408.pcap")))("bug1 late-408 variant: the 408 becomes the 401 ('changed')", async () => {
    const r = await replayCall([sample("bug1-ims-mar-late-408.pcap")], "c1", { speed: 30 });
    expect(r.diff).toEqual([expect.objectContaining({ kind: "changed", label: "S → A: 408 REGISTER in the capture, 401 REGISTER in the replay" })]);
  });
});

const lab = path.resolve(root, "..", "shared", "captures", "lab");
describe("replaying lab captures (real Kamailio 5.6.3 + sipp) against the engine", () => {
  const labPresent = existsSync(lab);
  if (!labPresent) console.log(`SKIPPED lab replay tests: ${lab} not found`);
  it.skipIf(!labPresent)("cancel-noack: the 487 the proxy never got ACKed is ACKed in the replay", async () => {
    const files = [path.join(lab, "cancel-noack", "capture.pcap"), path.join(lab, "cancel-noack", "kamailio.log")];
    const r = await replayCall(files, "cancelnoack-1-26989@127.0.0.1", { speed: 5 });
    expect(r.original.findings.some((f) => f.rule === "ack-missing-non2xx")).toBe(true);
    expect(r.replay.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(r.diff).toEqual([expect.objectContaining({ kind: "extra", label: expect.stringMatching(/^ACK A → S/) })]);
  });
  it.skipIf(!labPresent)("register-auth: the replayed user answers the challenge with the directory's password (403 -> 200, a 'changed' entry)", async () => {
    const files = [path.join(lab, "register-auth", "capture.pcap"), path.join(lab, "register-auth", "kamailio.log")];
    const r = await replayCall(files, "reg-bad-1-28957@127.0.0.1", { speed: 5 });
    expect(r.diff).toEqual([expect.objectContaining({ kind: "changed", label: expect.stringContaining("403 REGISTER in the capture, 200 REGISTER in the replay") })]);
  });
  it.skipIf(!labPresent)("basic-call: a clean call replays with no difference", async () => {
    const files = [path.join(lab, "basic-call", "capture.pcap"), path.join(lab, "basic-call", "kamailio.log")];
    const loaded = await loadFiles(files);
    const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
    const call = (result.document.calls ?? []).find((c) => c.kind === "call")!;
    const r = await replayCall(result, call.id, { speed: 5 });
    expect(r.diff).toEqual([]);
    expect(r.replay.findings.filter((f) => f.severity !== "info")).toEqual([]);
  });
});

describe("replay against a --target server", () => {
  const labPresent = existsSync(lab);
  it.skipIf(!labPresent)("register-auth (alice) against a separately running engine: same flow, no difference", async () => {
    const { EngineRuntime } = await import("../../core/node/engine/runtime");
    const target = await EngineRuntime.start({ udp: "127.0.0.1:0", tcp: false, ws: false });
    try {
      const files = [path.join(lab, "register-auth", "capture.pcap"), path.join(lab, "register-auth", "kamailio.log")];
      const loaded = await loadFiles(files);
      const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      const call = (result.document.calls ?? []).find((c) => c.kind === "registration" && c.fromUser === "alice")!;
      const r = await replayCall(result, call.id, { speed: 5, target: `127.0.0.1:${target.addresses.udp!.port}` });
      expect(r.diff).toEqual([]);
      expect(target.snapshot().registrations.map((b) => b.aor)).toEqual(["alice"]);
    } finally {
      await target.close();
    }
  });
});
