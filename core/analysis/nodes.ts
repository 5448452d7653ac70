/**
 * Logical nodes: the ip:port addresses seen on the wire merged into the machines behind them.
 * A proxy that listens on UDP 5060 but sends over TCP from ephemeral ports shows several addresses;
 * its own messages say who it is (top Via sent-by, Contact, the Record-Route it adds), so an
 * address is merged with the address a message *sent from it* advertises on the same IP.
 * Conservative on purpose: only same-IP evidence merges, so two servers on one host stay apart.
 */
import type { Endpoint } from "../capture/types";
import type { NodeDTO } from "../api";
import type { Observed } from "./model";
import { addr } from "./context";
import { UnionFind } from "./union-find";
import { firstVia, viaCount } from "../protocols/sip/stored";
import { senderHeaders } from "./sender-headers";

export interface NodeIndex {
  nodes: NodeDTO[];
  /** ip:port text -> node id. */
  byAddress: Map<string, string>;
  nodeOf(e: Endpoint): string;
  nodeOfAddress(a: string): string | undefined;
  /** "name" or "name (ip:port)" when the node is known under another address. */
  nodeName(e: Endpoint): string;
  /** Node id -> index in `nodes`. */
  index: Map<string, number>;
}

/** Messages per source address that are examined for evidence (bounds the work on big captures). */
const EVIDENCE_PER_ADDRESS = 16;

function stripBrackets(h: string): string {
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

function defaultPort(transport: string | undefined): number {
  const t = (transport ?? "").toUpperCase();
  return t === "TLS" || t === "WSS" ? 5061 : 5060;
}

const WELL_KNOWN = new Set([5060, 5061, 3868, 80, 443, 8080, 5080, 5070]);

/**
 * `sameNode`: extra address pairs known to be one machine from elsewhere (a Diameter client port
 * on the IP of the SIP server whose transaction caused the request).
 */
export function buildNodes(msgs: readonly Observed[], aliases?: Map<string, string>, sameNode: readonly [Endpoint, Endpoint][] = []): NodeIndex {
  const uf = new UnionFind();
  const idOf = new Map<string, number>();
  const names: string[] = [];
  const count: number[] = [];
  const advertised: boolean[] = [];
  const examined: number[] = [];
  // ip -> port -> address index: no string building per message on the hot path.
  const byEp = new Map<string, Map<number, number>>();
  // Messages share their Endpoint objects (the model builder keeps one per address): found by
  // identity first, without hashing the address text twice per message.
  const byObject = new Map<Endpoint, number>();
  const getEp = (e: Endpoint): number => {
    let i = byObject.get(e);
    if (i !== undefined) return i;
    let ports = byEp.get(e.ip);
    if (!ports) byEp.set(e.ip, (ports = new Map()));
    i = ports.get(e.port);
    if (i === undefined) {
      i = get(addr(e));
      ports.set(e.port, i);
    }
    byObject.set(e, i);
    return i;
  };
  const get = (a: string): number => {
    let i = idOf.get(a);
    if (i === undefined) {
      i = uf.add();
      idOf.set(a, i);
      names.push(a);
      count.push(0);
      advertised.push(false);
    }
    return i;
  };
  const evidence = (src: Endpoint, srcId: number, host: string | undefined, port: number | undefined, transport?: string) => {
    if (!host) return;
    const h = stripBrackets(host);
    if (h !== src.ip) return;
    const p = port ?? defaultPort(transport);
    const other = get(addr({ ip: h, port: p }));
    advertised[other] = true;
    if (other !== srcId) uf.union(srcId, other);
  };
  // Indexed, not for-of: this loop runs once, mostly unoptimised, where each for-of step allocates
  // an iterator result (~6 MB over 130 000 messages).
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const s = getEp(m.src);
    const d = getEp(m.dst);
    count[s]++;
    count[d]++;
    const sip = m.sip;
    if (!sip) {
      if (m.protocol !== "sip") advertised[d] = advertised[d] || m.diameter?.flags.request === true || m.http?.kind === "request";
      continue;
    }
    if (sip.kind === "request") advertised[d] = true;
    const n = examined[s] ?? 0;
    if (n >= EVIDENCE_PER_ADDRESS) continue;
    examined[s] = n + 1;
    if (sip.kind === "request") {
      // firstVia/viaCount, not `vias`: a stored message would re-parse every Via (the Record-Route
      // and Contact below still need the one re-parse).
      const v = firstVia(sip);
      if (v) evidence(m.src, s, v.host, v.port, v.transport);
      // A Contact names the sender only when the request was not forwarded (one Via): a proxy
      // forwards the caller's Contact untouched, and on a single host that would merge them.
      const wantContact = viaCount(sip) === 1;
      // Read from the bytes when the message is plain (sender-headers.ts), else by the full parse.
      const read = sip.problems.length === 0 ? senderHeaders(sip.raw, wantContact) : undefined;
      const rr = read ? read.recordRoute : sip.recordRoute[0];
      if (rr?.uri) evidence(m.src, s, rr.uri.host, rr.uri.port, rr.uri.params.transport ?? undefined);
      if (wantContact) for (const c of read ? read.contact : sip.contact) if (c.uri) evidence(m.src, s, c.uri.host, c.uri.port, c.uri.params.transport ?? undefined);
    }
  }
  for (const [a, b] of sameNode) if (a.ip === b.ip) uf.union(getEp(a), getEp(b));
  // Group addresses by their root, in order of first appearance.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < names.length; i++) {
    const r = uf.find(i);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(i);
  }
  const nodes: NodeDTO[] = [];
  const byAddress = new Map<string, string>();
  const index = new Map<string, number>();
  for (const g of groups.values()) {
    // The main address: one the node advertises (listens on), well-known port first, then the busiest.
    const main = [...g].sort((a, b) => {
      const ka = (advertised[a] ? 2 : 0) + (WELL_KNOWN.has(portOf(names[a])) ? 1 : 0);
      const kb = (advertised[b] ? 2 : 0) + (WELL_KNOWN.has(portOf(names[b])) ? 1 : 0);
      return kb - ka || count[b] - count[a] || a - b;
    })[0];
    const id = `n${nodes.length + 1}`;
    const addresses = g.map((i) => names[i]);
    const alias = aliases && addresses.map((a) => aliases.get(a)).find((x) => x);
    nodes.push({ id, name: alias ?? names[main], addresses: [names[main], ...addresses.filter((a) => a !== names[main])] });
    index.set(id, nodes.length - 1);
    for (const a of addresses) byAddress.set(a, id);
  }
  const fast = new Map<string, Map<number, string>>();
  // Messages (and the transactions and dialogs made from them) share one Endpoint per address:
  // found by identity, nodeOf is one lookup instead of two (it runs ~10^5 times per capture).
  const byEndpoint = new Map<Endpoint, string>();
  return {
    nodes,
    byAddress,
    index,
    nodeOf: (e) => {
      const known = byEndpoint.get(e);
      if (known !== undefined) return known;
      let ports = fast.get(e.ip);
      if (!ports) fast.set(e.ip, (ports = new Map()));
      let id = ports.get(e.port);
      if (id === undefined) {
        const a = addr(e);
        id = byAddress.get(a) ?? a;
        ports.set(e.port, id);
      }
      byEndpoint.set(e, id);
      return id;
    },
    nodeOfAddress: (a) => byAddress.get(a),
    nodeName: (e) => {
      const a = addr(e);
      const id = byAddress.get(a);
      const n = id !== undefined ? nodes[index.get(id)!] : undefined;
      return !n || n.name === a ? a : `${n.name} (${a})`;
    },
  };
}

function portOf(a: string): number {
  const i = a.lastIndexOf(":");
  return Number(a.slice(i + 1));
}
