/**
 * The engine's sans-I/O boundary. The pure engine (this folder) is handed bytes, flows and `now`
 * (epoch seconds) and answers with effects; core/node/engine executes them on real sockets and
 * timers (quinn-proto's Connection/Endpoint split).
 */
import type { Endpoint } from "../capture/types";

export type EngineTransport = "udp" | "tcp" | "ws";

/** Where a message came from / goes to. `conn` names a live TCP/WS connection in the runtime. */
export interface Flow {
  transport: EngineTransport;
  /** The engine's side (for a new outbound TCP connection the runtime fills in the real port). */
  local: Endpoint;
  remote: Endpoint;
  conn?: number;
}

export type ReportLevel = "info" | "warning" | "error";

export type EngineEffect =
  /** Send bytes on a flow: UDP datagram, or over the connection (`conn`), opening one for TCP if needed. */
  | { kind: "send"; flow: Flow; bytes: Uint8Array }
  /** Arm (or re-arm) the timer `key` to fire at absolute time `at` (seconds). */
  | { kind: "timer"; key: string; at: number }
  | { kind: "clear"; key: string }
  /** A Diameter request for the HSS (IMS mode). */
  | { kind: "diameter"; bytes: Uint8Array }
  /** Something an operator should know (a skipped watcher, a rejected message). */
  | { kind: "report"; level: ReportLevel; code: string; text: string; data?: Record<string, unknown> }
  /** Close a connection (framing broken beyond repair). */
  | { kind: "close"; conn: number };

export function flowKey(f: Flow): string {
  return f.conn !== undefined ? `${f.transport}#${f.conn}` : `${f.transport}:${f.remote.ip}:${f.remote.port}`;
}
