/**
 * The renderer's two Api clients, chosen at start-up: the Electron preload's `window.sipscope`
 * (IPC), or HTTP to browser mode's host with the session token from the page URL.
 */
import type { Api } from "../../core/api";
import { API_METHODS } from "../../core/api";

declare global {
  interface Window {
    sipscope?: Api;
  }
}

export class ApiCallError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = "ApiCallError";
  }
}

function tokenFromPage(): string {
  const fromUrl = new URLSearchParams(window.location.search).get("token");
  if (fromUrl) {
    sessionStorage.setItem("sipscope-token", fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem("sipscope-token") ?? "";
}

export function httpApi(token: string, base = ""): Api {
  const api = {} as Record<string, unknown>;
  for (const method of API_METHODS) {
    api[method] = async (...args: unknown[]) => {
      let res: Response;
      try {
        res = await fetch(`${base}/api/${method}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-sipscope-token": token },
          body: JSON.stringify(args),
        });
      } catch {
        throw new ApiCallError("cannot reach the SIPScope host: is `sipscope open` still running?", "unreachable");
      }
      let body: { ok: boolean; value?: unknown; error?: string; code?: string };
      try {
        body = await res.json();
      } catch {
        throw new ApiCallError(`the host answered ${res.status} without JSON`);
      }
      if (!body.ok) throw new ApiCallError(body.error ?? `request failed (${res.status})`, body.code);
      return body.value ?? undefined;
    };
  }
  return api as unknown as Api;
}

export function createApi(): { api: Api; mode: "electron" | "browser" } {
  if (window.sipscope) return { api: window.sipscope, mode: "electron" };
  return { api: httpApi(tokenFromPage()), mode: "browser" };
}
