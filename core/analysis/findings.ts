/**
 * Runs every registered rule over the context and turns their hits into FindingDTOs: stable ids in
 * time order, each attached to the call its evidence belongs to.
 */
import type { FindingDTO } from "../api";
import type { AnalysisContext, RuleHit } from "./context";
import { RULES } from "./rules/index";
import { releaseRuleLookups } from "./rules/util";

export function runRules(ctx: AnalysisContext): FindingDTO[] {
  const hits: { rule: string; order: number; hit: RuleHit }[] = [];
  const all: RuleHit[] = [];
  RULES.forEach((r, order) => {
    let list: RuleHit[];
    try {
      list = r.check(ctx, all);
    } catch (e) {
      // One broken rule must not take the analysis down; it reports itself instead.
      list = [
        {
          severity: "info",
          title: `Rule ${r.id} failed`,
          explanation: `The rule could not run on this capture: ${(e as Error)?.message ?? String(e)}`,
          messages: [],
          ghosts: [],
          time: ctx.model.start,
        },
      ];
    }
    for (const hit of list) {
      hits.push({ rule: r.id, order, hit });
      all.push(hit);
    }
  });
  const rootCallIds = new Map<string, Set<string>>();
  for (const h of hits) {
    if (h.hit.callId === undefined) continue;
    let set = rootCallIds.get(h.rule);
    if (!set) rootCallIds.set(h.rule, (set = new Set()));
    set.add(h.hit.callId);
  }
  const kept = hits.filter(({ rule, hit }) => {
    const r = RULES.find((x) => x.id === rule);
    if (!r?.yieldsTo || hit.callId === undefined) return true;
    return !r.yieldsTo.some((root) => rootCallIds.get(root)?.has(hit.callId!));
  });
  // The rules' lookups would otherwise live as long as the context (which a ladder keeps).
  releaseRuleLookups(ctx);
  kept.sort((a, b) => a.hit.time - b.hit.time || a.order - b.order);
  // Only for hits whose messages name no call: built on first need (10^4 calls' worth of Map entries otherwise).
  let callOfCallId: Map<string, number> | undefined;
  const callOfId = (callId: string): number | undefined => {
    if (!callOfCallId) {
      callOfCallId = new Map();
      for (const c of ctx.calls) for (const id of c.callIds) callOfCallId.set(id, c.index);
    }
    return callOfCallId.get(callId);
  };
  return kept.map(({ rule, hit }, i) => {
    const f: FindingDTO = {
      id: `f${i + 1}`,
      rule,
      severity: hit.severity,
      title: hit.title,
      explanation: hit.explanation,
      messages: hit.messages,
      ghosts: hit.ghosts,
      time: hit.time,
    };
    if (hit.reference) f.reference = hit.reference;
    if (hit.likelyCause) f.likelyCause = hit.likelyCause;
    if (hit.callId !== undefined) f.callId = hit.callId;
    if (hit.logEvents?.length) f.logEvents = hit.logEvents;
    let call = hit.anchor !== undefined && ctx.callOf[hit.anchor] >= 0 ? ctx.callOf[hit.anchor] : hit.messages.map((m) => ctx.callOf[m]).find((c) => c !== undefined && c >= 0);
    if (call === undefined && hit.callId !== undefined) call = callOfId(hit.callId);
    if (call !== undefined) f.call = `c${call + 1}`;
    return f;
  });
}
