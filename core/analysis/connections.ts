/**
 * Transport-connection facts by connection: when a TCP/WebSocket connection was opened and closed
 * (FIN, RST, WebSocket close), keyed by the unordered address pair so either direction finds it.
 */
import type { Endpoint, Transport } from "../capture/types";
import type { CaptureModel } from "./model";
import { addr } from "./context";

export interface ConnectionClose {
  time: number;
  frame: number;
  file: number;
  kind: "fin" | "rst" | "ws-close";
  /** Address of the side that closed. */
  by: string;
  code?: number;
}

export interface ConnectionIndex {
  /** First close of each connection (by pair key); later closes of the same pair are kept in `closes`. */
  firstClose: Map<string, ConnectionClose>;
  closes: Map<string, ConnectionClose[]>;
  opens: Map<string, number[]>;
  /** The close of this pair that precedes `time` and is not followed by a re-open before `time`. */
  closedBefore(a: Endpoint, b: Endpoint, time: number): ConnectionClose | undefined;
}

export function pairKey(a: Endpoint, b: Endpoint): string {
  const x = addr(a);
  const y = addr(b);
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

export function isReliable(t: Transport): boolean {
  return t !== "udp";
}

export function buildConnections(model: CaptureModel): ConnectionIndex {
  const closes = new Map<string, ConnectionClose[]>();
  const opens = new Map<string, number[]>();
  const firstClose = new Map<string, ConnectionClose>();
  for (const e of model.connections) {
    const key = pairKey(e.src, e.dst);
    if (e.kind === "open") {
      let l = opens.get(key);
      if (!l) opens.set(key, (l = []));
      l.push(e.time);
      continue;
    }
    const c: ConnectionClose = { time: e.time, frame: e.frame, file: e.file, kind: e.kind, by: addr(e.src) };
    if (e.code !== undefined) c.code = e.code;
    let l = closes.get(key);
    if (!l) closes.set(key, (l = []));
    l.push(c);
    if (!firstClose.has(key)) firstClose.set(key, c);
  }
  return {
    firstClose,
    closes,
    opens,
    closedBefore(a, b, time) {
      const key = pairKey(a, b);
      const l = closes.get(key);
      if (!l) return undefined;
      let last: ConnectionClose | undefined;
      for (const c of l) if (c.time <= time && (!last || c.time > last.time)) last = c;
      if (!last) return undefined;
      const reopened = opens.get(key)?.some((t) => t > last!.time && t <= time);
      return reopened ? undefined : last;
    },
  };
}
