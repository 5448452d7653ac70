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
  // Per Call-ID: nodes that received and nodes that sent an INVITE / REGISTER / SUBSCRIBE. Small
  // arrays kept unique in insertion order, not two Sets per Call-ID (a Call-ID crosses a few nodes).
  const inOut = new Map<string, { in: string[]; out: string[] }>();
  for (let i = 0; i < ctx.txns.length; i++) {
    const t = ctx.txns[i];
    const client = ctx.nodes.nodeOf(t.client);
    const server = ctx.nodes.nodeOf(t.server);
    if (t.method === "REGISTER" && t.finalStatus !== undefined && (t.finalStatus < 300 || t.finalStatus === 401 || t.finalStatus === 407)) add(server, "registrar");
    if ((t.method === "SUBSCRIBE" || t.method === "PUBLISH") && t.finalStatus !== undefined && t.finalStatus < 300) add(server, "presence server");
    if (t.method !== "INVITE" && t.method !== "REGISTER" && t.method !== "SUBSCRIBE") continue;
    const e = inOut.get(t.callId);
    if (!e) inOut.set(t.callId, { in: [server], out: [client] });
    else {
      if (!e.out.includes(client)) e.out = withNode(e.out, client);
      if (!e.in.includes(server)) e.in = withNode(e.in, server);
    }
  }
  for (const e of inOut.values()) for (let k = 0; k < e.in.length; k++) if (e.out.includes(e.in[k])) add(e.in[k], "proxy");
  for (let c = 0; c < ctx.calls.length; c++) {
    const call = ctx.calls[c];
    if (call.kind !== "call" || call.callIds.length < 2) continue;
    const inBy = new Map<string, Set<string>>();
    for (const id of call.callIds) for (const n of inOut.get(id)?.in ?? []) {
      if (!inBy.has(n)) inBy.set(n, new Set());
      inBy.get(n)!.add(id);
    }
    // A node that receives one leg and sends another under a different Call-ID.
    for (const id of call.callIds) for (const n of inOut.get(id)?.out ?? []) if ([...(inBy.get(n) ?? [])].some((x) => x !== id)) add(n, "B2BUA");
  }
  for (const n of ctx.nodes.nodes) {
    const r = roles.get(n.id);
    if (!r || r.size === 0) continue;
    // The most specific first: an S-CSCF is also a registrar and a proxy.
    const order = ["HSS", "S-CSCF", "I-CSCF", "B2BUA", "presence server", "registrar", "proxy", "Diameter server"];
    n.role = order.filter((x) => r.has(x)).join(", ");
  }
}

/**
 * `list` and `node`: a list of one grows by a new literal of two (a push would reserve 17 slots,
 * for 10^4 Call-IDs through a proxy); longer lists, rare, by push.
 */
function withNode(list: string[], node: string): string[] {
  if (list.length === 1) return [list[0], node];
  list.push(node);
  return list;
}
