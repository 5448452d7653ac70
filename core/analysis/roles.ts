/**
 * A role for each logical node, from what it did in the capture (shown on ladder lanes): HSS /
 * S-CSCF / I-CSCF from Cx commands, proxy when it forwards a request with the same Call-ID,
 * B2BUA when legs of one call meet at it under different Call-IDs, registrar / presence server
 * when it answers REGISTER / SUBSCRIBE / PUBLISH, UA otherwise.
 */
import type { AnalysisContext } from "./context";

const CX_CLIENT: Record<number, string> = { 300: "I-CSCF", 302: "I-CSCF", 301: "S-CSCF", 303: "S-CSCF" };

export function assignRoles(ctx: AnalysisContext): void {
  const roles = new Map<string, Set<string>>();
  const add = (node: string, role: string) => {
    let s = roles.get(node);
    if (!s) roles.set(node, (s = new Set()));
    s.add(role);
  };
  for (const x of ctx.diameter) {
    const req = ctx.msgs[x.request];
    const client = CX_CLIENT[x.command];
    if (x.app === 16777216 && client) {
      add(ctx.nodes.nodeOf(req.src), client);
      add(ctx.nodes.nodeOf(req.dst), "HSS");
    } else if (x.command !== 280 && x.command !== 257) add(ctx.nodes.nodeOf(req.dst), "Diameter server");
  }
  // Per Call-ID: nodes that received and nodes that sent an INVITE / REGISTER / SUBSCRIBE. The
  // Call-ID's transactions are chained (head -> next, -1 ends) rather than collected into two
  // lists per Call-ID (10^4 Call-IDs: ~2 MB of small objects and lists for one pass).
  const head = new Map<string, number>();
  const next = new Int32Array(ctx.txns.length);
  for (let i = 0; i < ctx.txns.length; i++) {
    const t = ctx.txns[i];
    if (t.method === "REGISTER" && t.finalStatus !== undefined && (t.finalStatus < 300 || t.finalStatus === 401 || t.finalStatus === 407)) add(ctx.nodes.nodeOf(t.server), "registrar");
    if ((t.method === "SUBSCRIBE" || t.method === "PUBLISH") && t.finalStatus !== undefined && t.finalStatus < 300) add(ctx.nodes.nodeOf(t.server), "presence server");
    if (t.method !== "INVITE" && t.method !== "REGISTER" && t.method !== "SUBSCRIBE") continue;
    next[i] = head.get(t.callId) ?? -1;
    head.set(t.callId, i);
  }
  // One pair of lists for every Call-ID in turn (a Call-ID crosses a few nodes).
  const ins: string[] = [];
  const outs: string[] = [];
  let nIn = 0;
  let nOut = 0;
  const has = (list: readonly string[], n: number, node: string) => {
    for (let k = 0; k < n; k++) if (list[k] === node) return true;
    return false;
  };
  const sidesOf = (first: number) => {
    nIn = 0;
    nOut = 0;
    for (let i = first; i >= 0; i = next[i]) {
      const client = ctx.nodes.nodeOf(ctx.txns[i].client);
      const server = ctx.nodes.nodeOf(ctx.txns[i].server);
      if (!has(outs, nOut, client)) outs[nOut++] = client;
      if (!has(ins, nIn, server)) ins[nIn++] = server;
    }
  };
  // A node that receives a request of a Call-ID and sends one on under the same Call-ID.
  head.forEach((first) => {
    sidesOf(first);
    for (let k = 0; k < nIn; k++) if (has(outs, nOut, ins[k])) add(ins[k], "proxy");
  });
  const nodesOf = (callId: string): { in: string[]; out: string[] } => {
    const first = head.get(callId);
    if (first === undefined) return { in: [], out: [] };
    sidesOf(first);
    return { in: ins.slice(0, nIn), out: outs.slice(0, nOut) };
  };
  for (let c = 0; c < ctx.calls.length; c++) {
    const call = ctx.calls[c];
    if (call.kind !== "call" || call.callIds.length < 2) continue;
    const sides = new Map(call.callIds.map((id) => [id, nodesOf(id)]));
    const inBy = new Map<string, Set<string>>();
    for (const id of call.callIds) for (const n of sides.get(id)!.in) {
      if (!inBy.has(n)) inBy.set(n, new Set());
      inBy.get(n)!.add(id);
    }
    // A node that receives one leg and sends another under a different Call-ID.
    for (const id of call.callIds) for (const n of sides.get(id)!.out) if ([...(inBy.get(n) ?? [])].some((x) => x !== id)) add(n, "B2BUA");
  }
  for (const n of ctx.nodes.nodes) {
    const r = roles.get(n.id);
    if (!r || r.size === 0) continue;
    // The most specific first: an S-CSCF is also a registrar and a proxy.
    const order = ["HSS", "S-CSCF", "I-CSCF", "B2BUA", "presence server", "registrar", "proxy", "Diameter server"];
    n.role = order.filter((x) => r.has(x)).join(", ");
  }
}

