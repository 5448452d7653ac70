/**
 * Real-peer tests: Debian's sipp drives the engine on 127.0.0.1 (bounded call counts). Skipped,
 * with the reason printed, when sipp is not installed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { EngineRuntime } from "../../core/node/engine/runtime";
import { SCENARIOS, freeUdpPort, runSipp, sippMissingReason } from "./sipp-harness";
import { loadFiles } from "../../core/node/ingest";
import { analyze } from "../../core/analysis/analyze";

/** Re-analyse the engine's own pcap: SIPScope must find nothing wrong with what the engine did. */
async function engineFindings(pcap: string, hssPort?: number) {
  await rt?.close(); // flush and close the pcap
  const loaded = await loadFiles([pcap], {});
  const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
  void hssPort;
  return { result, bad: (result.document.findings ?? []).filter((f) => f.severity !== "info").map((f) => `${f.rule}: ${f.title}`) };
}

const missing = sippMissingReason();
if (missing) console.log(`SKIPPED engine sipp tests: ${missing}`);

let rt: EngineRuntime | undefined;
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await rt?.close();
  rt = undefined;
});

async function engine(extra: Parameters<typeof EngineRuntime.start>[0] = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sipscope-engine-"));
  const pcap = path.join(dir, "engine.pcap");
  rt = await EngineRuntime.start({ udp: "127.0.0.1:0", tcp: "127.0.0.1:0", ws: false, pcap, ...extra });
  const udp = rt.addresses.udp!;
  return { rt, pcap, target: `${udp.ip}:${udp.port}` };
}

function tsharkSipCount(pcap: string): number | undefined {
  if (!existsSync("/usr/bin/tshark")) {
    console.log("tshark not installed: pcap decode check skipped");
    return undefined;
  }
  const r = spawnSync("/usr/bin/tshark", ["-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).length;
}

describe.skipIf(!!missing)("engine against sipp", () => {
  it("proxies 200 uac->uas calls at 50 cps (UDP), all successful, pcap decodes", async () => {
    const uasPort = await freeUdpPort();
    const { rt, pcap, target } = await engine({ routes: { service: `127.0.0.1:${uasPort}` } });
    const uas = runSipp(["-sn", "uas", "-i", "127.0.0.1", "-p", String(uasPort), "-m", "200"], 60_000);
    stops.push(uas.kill);
    await new Promise((r) => setTimeout(r, 300));
    const uac = await runSipp(["-sn", "uac", target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "200", "-r", "50", "-timeout", "40"], 60_000).done;
    expect(uac.failed, uac.stdout.slice(-2000)).toBe(0);
    expect(uac.successful).toBe(200);
    expect(uac.code).toBe(0);
    const snap = rt.snapshot();
    expect(snap.stats.dialogs).toBe(200);
    const n = tsharkSipCount(pcap);
    // Per call: INVITE, 100, INVITE, 180, 180, 200, 200, ACK, ACK, BYE, BYE, 200, 200 (+ 100 on the uas leg is not forwarded).
    if (n !== undefined) expect(n).toBeGreaterThanOrEqual(200 * 13);
    const { result, bad } = await engineFindings(pcap);
    expect(bad).toEqual([]);
    expect((result.document.calls ?? []).filter((c) => c.kind === "call").length).toBe(200);
  });

  it("proxies uac->uas over TCP", async () => {
    const uasPort = await freeUdpPort();
    const { target } = await engine({ routes: { service: `sip:service@127.0.0.1:${uasPort};transport=tcp` } });
    const tcpTarget = `127.0.0.1:${rt!.addresses.tcp!.port}`;
    void target;
    const uas = runSipp(["-sn", "uas", "-t", "t1", "-i", "127.0.0.1", "-p", String(uasPort), "-m", "20"], 60_000);
    stops.push(uas.kill);
    await new Promise((r) => setTimeout(r, 300));
    const uac = await runSipp(["-sn", "uac", tcpTarget, "-t", "t1", "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "20", "-r", "20", "-timeout", "30"], 60_000).done;
    expect(uac.failed, uac.stdout.slice(-2000)).toBe(0);
    expect(uac.successful).toBe(20);
  });

  it("REGISTER with digest auth: 401 then 200 for every user", async () => {
    const { rt, target, pcap } = await engine();
    const r = await runSipp(["-sf", path.join(SCENARIOS, "register-auth.xml"), "-inf", path.join(SCENARIOS, "users.csv"), target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "25", "-r", "25", "-timeout", "20"], 30_000).done;
    expect(r.failed, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(25);
    const aors = new Set(rt.snapshot().registrations.map((b) => b.aor));
    expect([...aors].sort()).toEqual(["alice", "bob", "carol", "user0001", "user0002"]);
    expect((await engineFindings(pcap)).bad).toEqual([]);
  });

  it("REGISTER with a wrong password is refused (the scenario's 200 never comes)", async () => {
    const { rt, target } = await engine();
    const r = await runSipp(["-sf", path.join(SCENARIOS, "register-auth.xml"), "-inf", path.join(SCENARIOS, "register-badpw.csv"), target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "2", "-timeout", "10", "-recv_timeout", "3000"], 20_000).done;
    expect(r.successful).toBe(0);
    expect(rt.snapshot().registrations).toEqual([]);
  });

  it("IMS S-CSCF: REGISTER -> MAR/MAA over Diameter -> 401 -> SAR/SAA -> 200", async () => {
    const { rt, pcap, target } = await engine({ ims: true, hss: "127.0.0.1:0" });
    const r = await runSipp(["-sf", path.join(SCENARIOS, "register-auth.xml"), "-inf", path.join(SCENARIOS, "users.csv"), target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "10", "-r", "10", "-timeout", "20"], 30_000).done;
    expect(r.failed, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(10);
    expect(rt.snapshot().registrations.length).toBe(5);
    expect((await engineFindings(pcap)).bad).toEqual([]);
    if (existsSync("/usr/bin/tshark")) {
      const t = spawnSync("/usr/bin/tshark", ["-r", pcap, "-d", `tcp.port==${rt.addresses.hss!.port},diameter`, "-Y", "diameter", "-T", "fields", "-e", "diameter.cmd.code", "-e", "diameter.flags.request"], { encoding: "utf8" });
      const lines = t.stdout.trim().split("\n");
      expect(lines.filter((l) => l.startsWith("303\t")).length).toBe(20); // 10 MAR + 10 MAA
      expect(lines.filter((l) => l.startsWith("301\t")).length).toBe(20); // 10 SAR + 10 SAA
    }
  });

  it("SUBSCRIBE/NOTIFY: every watcher gets the initial NOTIFY, the state change and the final NOTIFY", async () => {
    const { rt, target, pcap } = await engine();
    const run = runSipp(["-sf", path.join(SCENARIOS, "subscribe.xml"), target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "5", "-r", "10", "-timeout", "30"], 40_000);
    stops.push(run.kill);
    const deadline = Date.now() + 10_000;
    while (rt.snapshot().watchers.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(rt.snapshot().watchers.length).toBe(5);
    await new Promise((r) => setTimeout(r, 300)); // let the initial NOTIFYs be answered
    rt.setPresence("alice", "open", "back at my desk");
    const r = await run.done;
    expect(r.failed, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(5);
    expect(rt.snapshot().watchers.length).toBe(0);
    expect(rt.snapshot().stats.notifies).toBe(15);
    expect((await engineFindings(pcap)).bad).toEqual([]);
  });

  it("CANCEL while ringing: 200 for the CANCEL, 487 upstream, the downstream 487 is ACKed", async () => {
    const uasPort = await freeUdpPort();
    const { pcap, target } = await engine({ routes: { service: `127.0.0.1:${uasPort}` } });
    const uas = runSipp(["-sf", path.join(SCENARIOS, "cancel-uas.xml"), "-i", "127.0.0.1", "-p", String(uasPort), "-m", "10"], 40_000);
    stops.push(uas.kill);
    await new Promise((r) => setTimeout(r, 300));
    const uac = await runSipp(["-sf", path.join(SCENARIOS, "cancel-uac.xml"), target, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "10", "-r", "10", "-timeout", "30"], 40_000).done;
    expect(uac.failed, uac.stdout.slice(-2000)).toBe(0);
    expect(uac.successful).toBe(10);
    const u = await uas.done;
    expect(u.failed, u.stdout.slice(-2000)).toBe(0);
    expect(u.successful).toBe(10);
    if (existsSync("/usr/bin/tshark")) {
      const t = spawnSync("/usr/bin/tshark", ["-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "udp.dstport"], { encoding: "utf8" });
      const rows = t.stdout.trim().split("\n").map((l) => l.split("\t"));
      const acksToUas = rows.filter((r) => r[0] === "ACK" && r[2] === String(uasPort)).length;
      const r487 = rows.filter((r) => r[1] === "487" && r[2] === String(uasPort)).length;
      void r487;
      expect(acksToUas).toBe(10);
    }
    expect((await engineFindings(pcap)).bad).toEqual([]);
    void readFileSync;
  });
});
