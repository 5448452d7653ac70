/**
 * What the preload exposes to the page (contextBridge): one function per Api method, each checking
 * its arguments before they leave the renderer, and a small event subscription for menu actions.
 * No raw ipcRenderer reaches the page. Written against minimal interfaces so it is unit-tested
 * without the Electron binary.
 */
import { API_METHODS, type Api } from "../core/api";
import { normalizeArgs, validateArgs } from "../core/node/validate-args";

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

export const EVENT_CHANNEL = "sipscope:event";
const EVENTS = new Set(["session-opened", "menu"]);

/** Electron prefixes errors from handlers with "Error invoking remote method 'x': Error: ". */
function cleanError(e: unknown): Error {
  const msg = (e as Error)?.message ?? String(e);
  return new Error(msg.replace(/^Error invoking remote method '[^']+': (?:Error: )?/, ""));
}

export function createPreloadApi(ipc: IpcRendererLike): Api {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of API_METHODS) {
    api[method] = async (...args: unknown[]) => {
      const reason = validateArgs(method, args);
      if (reason) throw new Error(reason);
      try {
        return await ipc.invoke(`sipscope:${method}`, ...normalizeArgs(args));
      } catch (e) {
        throw cleanError(e);
      }
    };
  }
  return Object.freeze(api) as unknown as Api;
}

export function createPreloadEvents(ipc: IpcRendererLike) {
  return Object.freeze({
    on(channel: string, cb: (value: string) => void): () => void {
      if (!EVENTS.has(channel) || typeof cb !== "function") throw new Error(`unknown event "${channel}"`);
      const listener = (_event: unknown, ...args: unknown[]) => {
        const m = args[0] as { channel?: unknown; value?: unknown } | undefined;
        if (m && m.channel === channel && typeof m.value === "string") cb(m.value);
      };
      ipc.on(EVENT_CHANNEL, listener);
      return () => void ipc.removeListener(EVENT_CHANNEL, listener as (...a: unknown[]) => void);
    },
  });
}

export function exposePreload(bridge: ContextBridgeLike, ipc: IpcRendererLike): void {
  bridge.exposeInMainWorld("sipscope", createPreloadApi(ipc));
  bridge.exposeInMainWorld("sipscopeEvents", createPreloadEvents(ipc));
}
