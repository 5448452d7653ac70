/**
 * The location service (RFC 3261 §10.3): address-of-record -> contact bindings with expiry, and the
 * flow each binding arrived on (so a WebSocket or TCP client is reached over its own connection).
 */
import type { Flow } from "./types";

export interface Binding {
  aor: string;
  /** The Contact URI (without <>). */
  uri: string;
  expiresAt: number;
  flow: Flow;
  callId: string;
  cseq: number;
}

export class LocationService {
  private readonly bindings = new Map<string, Binding[]>();

  lookup(aor: string, now: number): Binding[] {
    const list = this.bindings.get(aor);
    if (!list) return [];
    const live = list.filter((b) => b.expiresAt > now);
    if (live.length !== list.length) {
      if (live.length) this.bindings.set(aor, live);
      else this.bindings.delete(aor);
    }
    return live;
  }

  /** Add/refresh (expires > 0) or remove (expires = 0) one binding. */
  update(aor: string, uri: string, expires: number, flow: Flow, callId: string, cseq: number, now: number): void {
    const list = (this.bindings.get(aor) ?? []).filter((b) => b.uri !== uri && b.expiresAt > now);
    if (expires > 0) list.push({ aor, uri, expiresAt: now + expires, flow, callId, cseq });
    if (list.length) this.bindings.set(aor, list);
    else this.bindings.delete(aor);
  }

  removeAll(aor: string): void {
    this.bindings.delete(aor);
  }

  all(now: number): Binding[] {
    const out: Binding[] = [];
    for (const aor of [...this.bindings.keys()]) out.push(...this.lookup(aor, now));
    return out;
  }
}
