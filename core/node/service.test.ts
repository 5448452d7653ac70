import { describe, expect, it } from "vitest";
import path from "node:path";
import type { FindingDTO } from "../api";
import { createService } from "./service";
import { memoryRecentStore } from "./recent-files";
import { fixtureAnalysis, fixtureCapture, inviteCall } from "../../test/helpers/fixture-analysis";

async function fixtureService() {
  const msgs = [...inviteCall(1, 100, 200, "alice"), ...inviteCall(2, 101, 486, "carol"), ...inviteCall(3, 102, 200, "dave", ["Subject: <script>alert(1)</script>"])];
  const file = await fixtureCapture(msgs);
  const findings = (calls: { id: string }[]): FindingDTO[] => [
    {
      id: "f1", rule: "ack-missing-non2xx", severity: "error", title: "ACK missing", explanation: "no ACK for 486", likelyCause: "UAC bug",
      call: calls[1].id, messages: [], ghosts: [{ label: "ACK", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", expectedBy: 101.6, reason: "RFC 3261 §17.1.1.3" }], time: 101.5,
    },
  ];
  const service = createService({ analyzer: async (paths) => fixtureAnalysis(paths, findings), recent: memoryRecentStore(), allowedPaths: [file] });
  const info = await service.openPaths([file]);
  const done = await service.whenLoaded(info.id);
  return { service, id: info.id, done, file };
}

describe("service", () => {
  it("loads a capture and reports a ready session with its summary", async () => {
    const { done } = await fixtureService();
    expect(done.state).toBe("ready");
    expect(done.summary.sip).toBe(17);
  });

  it("refuses paths that were neither allowed nor recent", async () => {
    const { service } = await fixtureService();
    await expect(service.openPaths(["/etc/passwd"])).rejects.toThrow(/not allowed/);
  });

  it.each([
    ["", 3],
    ["method:INVITE", 3],
    ["status:486", 1],
    ["status:4xx", 1],
    ["user:carol", 1],
    ["ip:10.0.0.1", 3],
    ["rule:ack-missing", 1],
    ["alice", 1],
    ["user:alice status:486", 0],
    ["user:nobody", 0],
  ])("filters calls by %j -> %i", async (filter, count) => {
    const { service, id } = await fixtureService();
    const page = await service.calls(id, { filter });
    expect(page.total).toBe(count);
  });

  it("sorts and pages, and returns custom header columns", async () => {
    const { service, id } = await fixtureService();
    const desc = await service.calls(id, { sort: { key: "start", dir: "desc" }, limit: 2, columns: ["X-Tenant"] });
    expect(desc.total).toBe(3);
    expect(desc.calls.map((c) => c.fromUser)).toEqual(["dave", "carol"]);
    expect(desc.calls[0].columns).toEqual({ "X-Tenant": "tenant-0" });
    const byStatus = await service.calls(id, { sort: { key: "state", dir: "desc" } });
    expect(byStatus.calls[0].status).toBe(486);
  });

  it("builds ladders with aliases and ghosts", async () => {
    const { service, id } = await fixtureService();
    const page = await service.calls(id, { filter: "status:486" });
    const ladder = await service.ladder(id, page.calls[0].id);
    expect(ladder.arrows.map((a) => a.label)).toEqual(["INVITE", "100 Trying", "INVITE", "486 Busy Here", "486 Busy Here"]);
    expect(ladder.ghosts).toHaveLength(1);
    await service.setAlias(id, ladder.nodes[0].id, "Alice phone");
    expect((await service.ladder(id, page.calls[0].id)).nodes[0].name).toBe("Alice phone");
    await expect(service.ladder(id, "nope")).rejects.toThrow(/no call/);
  });

  it("gives a message's raw text, header offsets and SDP summary", async () => {
    const { service, id } = await fixtureService();
    const d = await service.message(id, 0);
    expect(d.startLine).toBe("INVITE sip:bob1@example.com SIP/2.0");
    const via = d.headers!.find((h) => h.name === "Via")!;
    expect(d.rawText.slice(via.start, via.end)).toMatch(/^Via: SIP\/2.0\/UDP 10.0.0.1:5060/);
    expect(d.sdp?.summary.join("\n")).toMatch(/audio 10.0.0.1:4000 RTP\/AVP sendrecv: PCMU\/8000 \(0\)/);
    await expect(service.message(id, 9999)).rejects.toThrow(/no message/);
  });

  it("exports SVG (escaped), Mermaid, CSV and findings JSON; replay says unavailable", async () => {
    const { service, id } = await fixtureService();
    const page = await service.calls(id, { filter: "user:dave" });
    const svg = await service.export(id, "ladder-svg", [page.calls[0].id]);
    expect(svg.text).toMatch(/^<svg/);
    expect(svg.text).toContain("INVITE");
    const csv = await service.export(id, "calls-csv", []);
    expect(csv.text!.split("\r\n")[0]).toMatch(/^id,start_iso,kind,method,from,to,state/);
    expect(csv.text!.trim().split("\r\n")).toHaveLength(4);
    const mmd = await service.export(id, "ladder-mermaid", [page.calls[0].id]);
    expect(mmd.text).toMatch(/^sequenceDiagram\n  participant N0 as 10.0.0.1 5060/);
    const fj = JSON.parse((await service.export(id, "findings-json", [])).text!);
    expect(fj.byRule).toEqual({ "ack-missing-non2xx": 1 });
    await expect(service.export(id, "calls-pcap", [page.calls[0].id])).rejects.toThrow(/unavailable/);
    await expect(service.replay(id, page.calls[0].id)).rejects.toThrow(/replay unavailable/);
  });

  it("writes uploads under a safe name and analyses them", async () => {
    const msgs = inviteCall(7, 50);
    const file = await fixtureCapture(msgs);
    const { readFileSync } = await import("node:fs");
    const service = createService({ analyzer: async (paths) => fixtureAnalysis(paths) });
    const info = await service.openUpload([{ name: "../../evil name.pcap", base64: readFileSync(file).toString("base64") }]);
    expect(info.files).toEqual(["evil name.pcap"]);
    const done = await service.whenLoaded(info.id);
    expect(done.state).toBe("ready");
    expect((await service.calls(info.id, {})).total).toBe(1);
  });

  it("keeps a bounded number of sessions and deletes an evicted upload's temporary copy", async () => {
    const file = await fixtureCapture(inviteCall(8, 10));
    const { existsSync, readFileSync } = await import("node:fs");
    const dirs: string[] = [];
    const service = createService({
      analyzer: async (paths) => {
        dirs.push(path.dirname(paths[0]));
        return fixtureAnalysis(paths);
      },
      maxSessions: 2,
    });
    const base64 = readFileSync(file).toString("base64");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const info = await service.openUpload([{ name: `u${i}.pcap`, base64 }]);
      await service.whenLoaded(info.id);
      ids.push(info.id);
    }
    expect((await service.listSessions()).map((s) => s.id)).toEqual(ids.slice(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(dirs[0])).toBe(false);
    expect(existsSync(dirs[2])).toBe(true);
    await expect(service.calls(ids[0], {})).rejects.toThrow(/no session/);
  });

  it("reports a failed load as an error state", async () => {
    const service = createService({ analyzer: async () => { throw new Error("x.pcap (byte offset 0): not a capture"); } });
    const info = await service.openUpload([{ name: "x.pcap", base64: "AAAA" }]);
    const done = await service.whenLoaded(info.id);
    expect(done).toMatchObject({ state: "error", error: "x.pcap (byte offset 0): not a capture" });
    await expect(service.calls(info.id, {})).rejects.toThrow(/session failed/);
  });
});

