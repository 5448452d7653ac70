/**
 * The analysis context: everything the observers built from one capture, shared read-only by the
 * finding rules, the call builder, stats and ladders. Built once per analysis by analyze.ts; every
 * per-message lookup here is an array or a Map so rules stay O(messages).
 */
import type { Endpoint } from "../capture/types";
import type { FindingDTO, GhostDTO, LogEventDTO, MessageDTO, Severity } from "../api";
import type { CaptureModel, DialogView, Observed, TransactionView } from "./model";
import type { NodeIndex } from "./nodes";
import type { CallBuild } from "./calls";
import type { Registration } from "./registrations";
import type { PresenceModel } from "./presence";
import type { DiameterExchange } from "./diameter";
import type { HttpExchange } from "./http";
import type { ConnectionIndex } from "./connections";

export interface AnalysisContext {
  model: CaptureModel;
  msgs: Observed[];
  dtos: MessageDTO[];
  txns: TransactionView[];
  dialogs: DialogView[];
  /** Message id -> transaction index (-1 when none). */
  txnOf: Int32Array;
  /** Message id -> 1 when it repeats an earlier message of its transaction. */
  retrans: Uint8Array;
  nodes: NodeIndex;
  calls: CallBuild[];
  /** Message id -> call index (-1 when none). */
  callOf: Int32Array;
  registrations: Registration[];
  presence: PresenceModel;
  diameter: DiameterExchange[];
  http: HttpExchange[];
  connections: ConnectionIndex;
  logs: LogEventDTO[];
  /** Log id -> known failure cause (classifyLog). */
  logCauses: Map<number, import("./logs").LogCause>;
  /** Log events by the Call-ID they name / message they are pinned to. */
  logsByCallId: Map<string, number[]>;
  logsByMessage: Map<number, number[]>;
  /** Every SIP ACK request (logged ones too), in capture order. */
  acks: Int32Array;
}

/** What a rule reports: a finding without the parts analyze.ts adds (finding id, rule id, call). */
export interface RuleHit extends Omit<FindingDTO, "id" | "rule" | "call"> {
  /** Message whose call the finding belongs to (default: its first evidence message). */
  anchor?: number;
}

export interface Rule {
  /** Stable id, e.g. "ack-missing-non2xx". */
  id: string;
  /** Severity when the fault is proven inside the capture window. */
  severity: Severity;
  title: string;
  /**
   * Root-cause rules this one gives way to: a hit on a Call-ID that one of them already reported is
   * a consequence of that fault (a REGISTER that times out because the HSS answer was never acted
   * on) and is not reported twice.
   */
  yieldsTo?: readonly string[];
  /** `earlier`: what the rules before this one reported (log-error avoids repeating them). */
  check(ctx: AnalysisContext, earlier: readonly RuleHit[]): RuleHit[];
}

export function ghost(label: string, from: Endpoint, to: Endpoint, expectedBy: number, reason: string, after?: number): GhostDTO {
  const g: GhostDTO = { label, src: addr(from), dst: addr(to), expectedBy, reason };
  if (after !== undefined) g.after = after;
  return g;
}

export function addr(e: Endpoint): string {
  return e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** Clock time of day for explanations ("12:00:03.250"), UTC, from epoch seconds. */
export function clock(t: number): string {
  if (!Number.isFinite(t)) return "?";
  const ms = Math.round(t * 1000);
  const d = ms % 86_400_000;
  const h = Math.floor(d / 3_600_000);
  const m = Math.floor((d % 3_600_000) / 60_000);
  const s = Math.floor((d % 60_000) / 1000);
  const f = d % 1000;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(f).padStart(3, "0")}`;
}

export function secs(d: number): string {
  return d < 10 ? `${d.toFixed(3)} s` : `${d.toFixed(1)} s`;
}

/** "frame 12" or "frames 12, 14 and 15" for explanations. */
export function frames(ctx: AnalysisContext, ids: number[]): string {
  const f = ids.map((i) => ctx.msgs[i]?.frame).filter((x) => x !== undefined);
  if (f.length === 0) return "";
  if (f.length === 1) return `frame ${f[0]}`;
  return `frames ${f.slice(0, -1).join(", ")} and ${f[f.length - 1]}`;
}

/** The part of the context the observers (registrations, presence, calls) are built from. */
export type AnalysisContextBase = Pick<AnalysisContext, "model" | "msgs" | "dtos" | "txns" | "dialogs" | "txnOf" | "retrans" | "nodes" | "connections">;
