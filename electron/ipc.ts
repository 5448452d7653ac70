/**
 * The main process's IPC handlers: one channel per Api method (`sipscope:<method>`), each checking
 * that the request comes from our own page (the app:// origin, top frame) and that the arguments
 * have the right shape before calling the Api. Written against a minimal IpcMain-like interface so
 * it is tested without the Electron binary.
 */
import { API_METHODS, type Api, type ApiMethod } from "../core/api";
import { normalizeArgs, validateArgs } from "../core/node/validate-args";

export const APP_ORIGIN = "app://sipscope";
export const channelOf = (method: ApiMethod) => `sipscope:${method}`;

export interface IpcEventLike {
  senderFrame?: { url: string; parent?: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
}

/** Only our own bundled page, in the top frame, may call the Api. */
export function isTrustedSender(event: IpcEventLike): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === "app:" && url.host === "sipscope";
  } catch {
    return false;
  }
}

export function registerIpcHandlers(ipcMain: IpcMainLike, api: Api, trusted: (e: IpcEventLike) => boolean = isTrustedSender): void {
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), async (event, ...args) => {
      if (!trusted(event)) throw new Error(`${method}: refused: the request does not come from the SIPScope window`);
      const reason = validateArgs(method, args);
      if (reason) throw new Error(reason);
      const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
      return fn.apply(api, normalizeArgs(args));
    });
  }
}
