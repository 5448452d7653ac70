import { describe, expect, it } from "vitest";
import type { CallDTO } from "../api";
import { createService } from "./service";
import { analyzeFiles } from "./pipeline";
import { loadFiles } from "./ingest";
import { CallPreview, PRELIMINARY_STATE, previewPage } from "./call-preview";
import { fixtureAnalysis, fixtureCapture, inviteCall } from "../../test/helpers/fixture-analysis";

const threeCalls = () => [...inviteCall(1, 100, 200, "alice"), ...inviteCall(2, 101, 486, "carol"), ...inviteCall(3, 102, 200, "dave")];

describe("preliminary call list (while loading)", () => {
  it("groups SIP messages by Call-ID with the first request's method and users, fed whole or chunk by chunk", async () => {
    const file = await fixtureCapture(threeCalls());
    const whole = new CallPreview();
    const loaded = await loadFiles([file], { onMessages: (m) => whole.add(m) });
    const bytewise = new CallPreview();
    let batches = 0;
    await loadFiles([file], { chunkSize: 97, onMessages: (m) => (batches++, bytewise.add(m)) });
    expect(batches).toBeGreaterThan(3);
    for (const p of [whole, bytewise]) {
      const calls = p.snapshot();
      expect(calls.map((c) => [c.method, c.kind, c.fromUser, c.state])).toEqual([
        ["INVITE", "call", "alice", PRELIMINARY_STATE],
        ["INVITE", "call", "carol", PRELIMINARY_STATE],
        ["INVITE", "call", "dave", PRELIMINARY_STATE],
      ]);
      expect(calls.reduce((n, c) => n + c.messages, 0)).toBe(loaded.model.messages.length);
      expect(calls[0].start).toBe(100);
      expect(calls[0].end).toBeGreaterThan(100);
    }
  });

  it("the pipeline posts the complete preview before the analysis starts", async () => {
    const file = await fixtureCapture(threeCalls());
    const seen: CallDTO[][] = [];
    let analysingAfterPreview = false;
    await analyzeFiles([file], (p) => p.phase === "analysing" && (analysingAfterPreview = seen.length > 0), (calls) => seen.push(calls));
    expect(analysingAfterPreview).toBe(true);
    expect(seen[seen.length - 1].map((c) => c.fromUser)).toEqual(["alice", "carol", "dave"]);
  });

  it("pages are cut by offset and limit after filtering", () => {
    const dto = (id: string, fromUser: string): CallDTO => ({ id, callIds: [id], kind: "call", method: "INVITE", from: `${fromUser}@x`, to: "bob@x", fromUser, legs: 1, state: PRELIMINARY_STATE, start: 1, end: 1, messages: 1, findings: [] });
    const list = [dto("p1", "alice"), dto("p2", "bob"), dto("p3", "alice2"), dto("p4", "carol")];
    expect(previewPage([])).toEqual({ total: 0, offset: 0, preliminary: true, calls: [] });
    const page = previewPage(list, { filter: "user:alice", offset: 1, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.calls.map((c) => c.id)).toEqual(["p3"]);
  });

  it("the service answers calls() from the preview while loading, then from the analysis", async () => {
    const file = await fixtureCapture(threeCalls());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pushed: string[] = [];
    const service = createService({
      allowedPaths: [file],
      onPreview: (session) => pushed.push(session),
      analyzer: async (paths, _progress, onPreview) => {
        const p = new CallPreview();
        await loadFiles(paths, { onMessages: (m) => p.add(m) });
        onPreview?.(p.snapshot());
        await gate;
        return fixtureAnalysis(paths);
      },
    });
    const info = await service.openPaths([file]);
    await expect.poll(() => pushed.length).toBe(1);
    expect(pushed[0]).toBe(info.id);
    expect((await service.session(info.id)).state).toBe("loading");
    const page = await service.calls(info.id, {});
    expect(page.preliminary).toBe(true);
    expect(page.total).toBe(3);
    expect((await service.calls(info.id, { filter: "user:carol" })).calls.map((c) => c.fromUser)).toEqual(["carol"]);
    expect((await service.calls(info.id, { sort: { key: "from", dir: "desc" } })).calls.map((c) => c.fromUser)).toEqual(["dave", "carol", "alice"]);
    // Anything needing the analysis still says so.
    await expect(service.ladder(info.id, page.calls[0].id)).rejects.toThrow(/still loading/);
    release();
    await service.whenLoaded(info.id);
    const final = await service.calls(info.id, {});
    expect(final.preliminary).toBeUndefined();
    expect(final.total).toBe(3);
    expect(final.calls.every((c) => c.state !== PRELIMINARY_STATE)).toBe(true);
  });

  it("without a preview the service still refuses calls() while loading", async () => {
    const file = await fixtureCapture(threeCalls());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const service = createService({ allowedPaths: [file], analyzer: async (paths) => (await gate, fixtureAnalysis(paths)) });
    const info = await service.openPaths([file]);
    await expect(service.calls(info.id, {})).rejects.toThrow(/still loading/);
    release();
    await service.whenLoaded(info.id);
  });
});
