/**
 * The analysis pipeline: from a CaptureModel to the finished AnalysisResult.
 *   transactions (machines as observer) -> dialogs -> logical nodes -> log events
 *   -> registrations, presence, Diameter, HTTP -> calls -> finding rules -> call list, stats
 * and, on demand, one call's ladder. Pure: no I/O, no clock; O(messages) with Map lookups.
 */
import type { AnalysisDocument, CallDTO, FindingDTO, LadderDTO, MessageDTO, SummaryDTO } from "../api";
import type { AnalysisResult, CaptureModel } from "./model";
import type { AnalysisContext } from "./context";
import type { Endpoint } from "../capture/types";
import { observeTransactions } from "./transactions";
import { messageDTO } from "./decode";
import { buildNodes } from "./nodes";
import { buildConnections } from "./connections";
import { buildLogEvents } from "./log-events";
import { buildRegistrations } from "./registrations";
import { buildPresence, hasPresenceTraffic, noPresence } from "./presence";
import { buildDiameter } from "./diameter";
import { buildHttp } from "./http";
import { buildCalls } from "./calls";
import { runRules } from "./findings";
import { callLookups, summarizeCall } from "./call-summary";
import { buildStats } from "./stats";
import { buildLadder } from "./ladder";
import { observeDialogsSafe } from "./dialogs-adapter";
import { adoptOrphanResponses } from "./adopt-orphans";
import { assignRoles } from "./roles";

export interface AnalyzeBase {
  summary: SummaryDTO;
  messages: MessageDTO[];
}

export interface AnalyzeOptions {
  /** ip:port -> display name for nodes. */
  aliases?: Map<string, string>;
  /**
   * Called between the pipeline's phases with the phase just finished ("transactions", "dialogs",
   * "calls", "findings", "call-summaries", "stats"): a batch run collects garbage there (see
   * core/node/heap-checkpoint.ts), when each phase's scratch is dead and only its tables live.
   * (The transaction machines make next to no garbage, their states being the observer's own: the
   * filing and the machines are one phase, and one collection fewer keeps the same peak.)
   */
  onPhase?: (phase: string) => void;
}

/** The context as well as the result (tests and the text report read both). */
export interface AnalysisRun {
  result: AnalysisResult;
  ctx: AnalysisContext;
  findings: FindingDTO[];
  calls: CallDTO[];
}

export function analyze(model: CaptureModel, base?: AnalyzeBase, options: AnalyzeOptions = {}): AnalysisResult {
  return analyzeRun(model, base, options).result;
}

export function analyzeRun(model: CaptureModel, base?: AnalyzeBase, options: AnalyzeOptions = {}): AnalysisRun {
  const msgs = model.messages;
  const dtos = base?.messages ?? msgs.map(messageDTO);
  const phase = options.onPhase ?? noPhase;
  const obs = observeTransactions(model);
  phase("transactions");
  const txns = obs.transactions;
  adoptOrphanResponses(msgs, txns, obs.txnOfMessage, obs.retransmission, obs.orphanResponses);
  const dialogs = observeDialogsSafe(model, obs);
  phase("dialogs");
  const census = obs.census;
  // Passes for what the capture does not hold are skipped (their answer is empty anyway).
  const diameter = census.nonSip > 0 ? buildDiameter(msgs, txns, obs.txnOfMessage) : [];
  // A Diameter client port on the IP of the SIP server that asked is that server (same node).
  const sameNode: [Endpoint, Endpoint][] = [];
  for (const x of diameter) if (x.sipTxn !== undefined) sameNode.push([msgs[x.request].src, txns[x.sipTxn].server]);
  const nodes = buildNodes(msgs, options.aliases, sameNode);
  const connections = buildConnections(model);
  const { events: logs, causes: logCauses } = buildLogEvents(model);
  const baseCtx = { model, msgs, dtos, txns, dialogs, txnOf: obs.txnOfMessage, retrans: obs.retransmission, nodes, connections };
  const registrations = buildRegistrations(baseCtx);
  const presence = hasPresenceTraffic(census.methods) ? buildPresence(baseCtx) : noPresence();
  const http = census.nonSip > 0 ? buildHttp(msgs) : [];
  const { calls, callOf } = buildCalls(baseCtx, diameter, http);
  phase("calls");
  const logsByCallId = new Map<string, number[]>();
  const logsByMessage = new Map<number, number[]>();
  for (const l of logs) {
    if (l.callId !== undefined) push(logsByCallId, l.callId, l.id);
    if (l.messageId !== undefined) push(logsByMessage, l.messageId, l.id);
  }
  const ctx: AnalysisContext = { ...baseCtx, calls, callOf, registrations, presence, diameter, http, logs, logCauses, logsByCallId, logsByMessage, acks: census.acks };

  assignRoles(ctx);
  const findings = runRules(ctx);
  phase("findings");
  const findingsOfCall = new Map<number, FindingDTO[]>();
  const findingsOfMessage = new Map<number, string[]>();
  for (const f of findings) {
    if (f.call) push(findingsOfCall, Number(f.call.slice(1)) - 1, f);
    for (const m of f.messages) push(findingsOfMessage, m, f.id);
  }
  // A loop, not calls.map(closure): a closure here would put `look` in the scope the ladder
  // closure below keeps alive, with its lookups, for as long as the result.
  const look = callLookups(ctx);
  const callDtos: CallDTO[] = new Array(calls.length);
  for (let i = 0; i < calls.length; i++) callDtos[i] = summarizeCall(ctx, look, calls[i], findingsOfCall.get(calls[i].index) ?? NO_FINDINGS);
  phase("call-summaries");

  for (let i = 0; i < dtos.length && i < msgs.length; i++) learnTransaction(dtos[i], obs.txnOfMessage[i], obs.retransmission[i]);
  const summary: SummaryDTO = base?.summary ?? fallbackSummary(model, dtos);
  const stats = buildStats(ctx, callDtos, findings);
  phase("stats");
  const document: AnalysisDocument = { summary, messages: dtos, calls: callDtos, findings, stats };
  if (logs.length) document.logEvents = logs;

  const callMessages = new Map<string, number[]>();
  calls.forEach((c, i) => callMessages.set(callDtos[i].id, c.messages));
  const ladders = new Map<string, LadderDTO>();
  const result: AnalysisResult = {
    model,
    document,
    transactions: txns,
    dialogs,
    callMessages,
    nodes: nodes.nodes,
    ladder(callId: string): LadderDTO {
      let l = ladders.get(callId);
      if (l) return l;
      const i = callDtos.findIndex((c) => c.id === callId || c.callIds.includes(callId));
      if (i < 0) return { callId, nodes: [], arrows: [], ghosts: [], logs: [] };
      l = buildLadder({ ctx, call: calls[i], dto: callDtos[i], findings: findingsOfCall.get(i) ?? [], findingsOfMessage });
      ladders.set(callId, l);
      return l;
    },
    message(id: number): MessageDTO | undefined {
      if (!Number.isInteger(id) || id < 0 || id >= msgs.length) return undefined;
      return id < dtos.length ? dtos[id] : messageDTOAt(ctx, id);
    },
  };
  return { result, ctx, findings, calls: callDtos };
}

/** Message DTOs learn their transaction (arrow colour) and whether they repeat an earlier copy. */
function learnTransaction(d: MessageDTO, txn: number, retransmission: number): void {
  if (txn >= 0) d.txn = txn;
  if (retransmission) d.retransmission = true;
}

/**
 * The finished `messages[i]` of an analysis run that was given no message DTOs (equal to what
 * `document.messages[i]` holds when it was): made on demand, so a writer streaming 10^5 messages
 * keeps none of them alive.
 */
export function messageDTOAt(ctx: AnalysisContext, i: number): MessageDTO {
  const d = messageDTO(ctx.msgs[i]);
  learnTransaction(d, ctx.txnOf[i], ctx.retrans[i]);
  return d;
}

function noPhase(): void {}

/** The findings of a call that has none: one shared list, not 10^4 empty ones. */
const NO_FINDINGS: readonly FindingDTO[] = Object.freeze([]);

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function fallbackSummary(model: CaptureModel, dtos: MessageDTO[]): SummaryDTO {
  let sip = 0;
  let diameter = 0;
  let http = 0;
  for (const d of dtos) {
    if (d.protocol === "sip") sip++;
    else if (d.protocol === "diameter") diameter++;
    else http++;
  }
  return { files: model.files, packets: dtos.length, sip, diameter, http, logEvents: model.logs.length, skipped: 0, malformed: 0, problems: [], start: model.start, end: model.end };
}
