/**
 * The preload and the main process's IPC handlers, wired together through fakes of ipcMain /
 * ipcRenderer / contextBridge (no Electron binary): argument validation on both sides, sender
 * validation in main, one function per Api method, no raw ipcRenderer exposed.
 */
import { describe, expect, it, vi } from "vitest";
import { API_METHODS, type Api } from "../core/api";
import { registerIpcHandlers, isTrustedSender, type IpcEventLike } from "./ipc";
import { createPreloadEvents, exposePreload, EVENT_CHANNEL } from "./preload-api";

function fakeApi(): Api & { calls: ReturnType<typeof vi.fn> } {
  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = vi.fn(async (...args: unknown[]) => ({ method: m, args }));
  return api as unknown as Api & { calls: ReturnType<typeof vi.fn> };
}

function wire(senderUrl = "app://sipscope/index.html", parent?: unknown) {
  const handlers = new Map<string, (e: IpcEventLike, ...a: unknown[]) => unknown>();
  const api = fakeApi();
  registerIpcHandlers({ handle: (ch, fn) => handlers.set(ch, fn) }, api);
  const listeners: ((e: unknown, ...a: unknown[]) => void)[] = [];
  const ipcRenderer = {
    invoke: vi.fn(async (ch: string, ...args: unknown[]) => {
      const h = handlers.get(ch);
      if (!h) throw new Error(`No handler registered for '${ch}'`);
      try {
        return await h({ senderFrame: { url: senderUrl, parent } }, ...args);
      } catch (e) {
        // What Electron does to errors crossing IPC.
        throw new Error(`Error invoking remote method '${ch}': Error: ${(e as Error).message}`);
      }
    }),
    on: vi.fn((_ch: string, l: (e: unknown, ...a: unknown[]) => void) => listeners.push(l)),
    removeListener: vi.fn(),
  };
  const exposed: Record<string, unknown> = {};
  exposePreload({ exposeInMainWorld: (k, v) => (exposed[k] = v) }, ipcRenderer);
  return { handlers, api, exposed, ipcRenderer, listeners, page: exposed.sipscope as Api };
}

describe("electron IPC", () => {
  it("registers one handler per Api method and exposes exactly one function per method", () => {
    const { handlers, exposed } = wire();
    expect([...handlers.keys()].sort()).toEqual(API_METHODS.map((m) => `sipscope:${m}`).sort());
    expect(Object.keys(exposed).sort()).toEqual(["sipscope", "sipscopeEvents"]);
    const page = exposed.sipscope as Record<string, unknown>;
    expect(Object.keys(page).sort()).toEqual([...API_METHODS].sort());
    expect(Object.values(page).every((f) => typeof f === "function")).toBe(true);
    expect(Object.isFrozen(page)).toBe(true);
    expect(JSON.stringify(Object.keys(exposed))).not.toContain("ipcRenderer");
  });

  it("passes valid calls through to the Api", async () => {
    const { page, api } = wire();
    await expect(page.calls("s1", { filter: "method:INVITE", sort: { key: "start", dir: "desc" }, limit: 10 })).resolves.toEqual({ method: "calls", args: ["s1", { filter: "method:INVITE", sort: { key: "start", dir: "desc" }, limit: 10 }] });
    await page.replay("s1", "c1");
    expect((api.replay as unknown as ReturnType<typeof vi.fn>).mock.calls[0]).toEqual(["s1", "c1"]);
    await page.message("s1", 0);
    await page.export("s1", "ladder-svg", ["c1"]);
  });

  it.each([
    ["openPaths", [[]]],
    ["openPaths", ["/etc/passwd"]],
    ["openUpload", [[{ name: "x", base64: "AAAA", extra: 1 }]]],
    ["session", [{}]],
    ["listSessions", ["x"]],
    ["calls", ["s1", { filter: 3 }]],
    ["calls", ["s1", { sort: { key: "__proto__", dir: "asc" } }]],
    ["calls", ["s1", { offset: -1 }]],
    ["calls", ["s1", { evil: true }]],
    ["message", ["s1", "0"]],
    ["message", ["s1", 1.5]],
    ["export", ["s1", "shell", []]],
    ["replay", ["s1", "c1", { target: "x; rm -rf /" }]],
    ["setAlias", ["s1", "n1"]],
  ])("the preload refuses %s%j before it reaches main", async (method, args) => {
    const { page, ipcRenderer } = wire();
    await expect((page as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method](...args)).rejects.toThrow(new RegExp(`^${method}: `));
    expect(ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it("main re-validates arguments (a compromised page can skip the preload)", async () => {
    const { handlers, api } = wire();
    const h = handlers.get("sipscope:message")!;
    await expect(h({ senderFrame: { url: "app://sipscope/index.html" } }, "s1", "DROP TABLE")).rejects.toThrow(/message: needs/);
    expect(api.message).not.toHaveBeenCalled();
  });

  it.each([
    ["https://evil.example/", undefined],
    ["file:///etc/passwd", undefined],
    ["app://other/index.html", undefined],
    ["app://sipscope/index.html", {}],
  ])("main refuses senders other than our top frame: %s", async (url, parent) => {
    const { page, api } = wire(url, parent);
    await expect(page.listSessions()).rejects.toThrow(/does not come from the SIPScope window/);
    expect(api.listSessions).not.toHaveBeenCalled();
  });

  it("isTrustedSender needs a frame", () => {
    expect(isTrustedSender({})).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: "app://sipscope/" } })).toBe(true);
  });

  it("strips Electron's remote-method prefix from errors", async () => {
    const { page, api } = wire();
    (api.ladder as unknown as ReturnType<typeof vi.fn>).mockRejectedValueOnce(new Error('no call "c9" in this capture'));
    await expect(page.ladder("s1", "c9")).rejects.toThrow(/^no call "c9" in this capture$/);
  });

  it("events: only known channels, values must be text", () => {
    const listeners: ((e: unknown, ...a: unknown[]) => void)[] = [];
    const ev = createPreloadEvents({ invoke: async () => undefined, on: (_c, l) => listeners.push(l), removeListener: () => undefined });
    expect(() => ev.on("shell", () => {})).toThrow(/unknown event/);
    const got: string[] = [];
    ev.on("menu", (v) => got.push(v));
    listeners[0]({}, { channel: "menu", value: "open" });
    listeners[0]({}, { channel: "menu", value: { evil: 1 } });
    listeners[0]({}, { channel: "session-opened", value: "s2" });
    expect(got).toEqual(["open"]);
    expect(EVENT_CHANNEL).toBe("sipscope:event");
  });
});
