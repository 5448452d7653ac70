/**
 * The call list query behind `Api.calls`: field filters ("method:INVITE status:486 user:alice
 * ip:10.0.0.1 rule:bye-one-sided") plus free text, a sort, and a page. Kept apart from the service
 * so it can be tested on plain CallDTO arrays.
 */
import type { CallDTO, CallQuery } from "../api";

export interface ParsedFilter {
  method: string[];
  status: string[];
  user: string[];
  ip: string[];
  rule: string[];
  kind: string[];
  callid: string[];
  text: string[];
}

const FIELDS = ["method", "status", "user", "ip", "rule", "kind", "callid"] as const;
type Field = (typeof FIELDS)[number];

/** Splits on spaces, keeping "quoted text" together; `field:value` terms go to their field. */
export function parseFilter(filter: string | undefined): ParsedFilter {
  const out: ParsedFilter = { method: [], status: [], user: [], ip: [], rule: [], kind: [], callid: [], text: [] };
  if (!filter) return out;
  const terms = filter.match(/"[^"]*"|\S+/g) ?? [];
  for (const raw of terms) {
    const term = raw.startsWith('"') ? raw.slice(1, -1) : raw;
    const colon = term.indexOf(":");
    const field = colon > 0 ? term.slice(0, colon).toLowerCase() : "";
    if ((FIELDS as readonly string[]).includes(field) && colon < term.length - 1) {
      out[field as Field].push(term.slice(colon + 1).toLowerCase());
    } else if (term) out.text.push(term.toLowerCase());
  }
  return out;
}

export function isEmptyFilter(f: ParsedFilter): boolean {
  return FIELDS.every((k) => f[k].length === 0) && f.text.length === 0;
}

/** "486" matches status 486, "4xx" any 4xx, anything else the state text ("cancelled"). */
function statusMatches(call: CallDTO, want: string): boolean {
  const status = call.status !== undefined ? String(call.status) : "";
  if (/^\dxx$/.test(want)) return status.startsWith(want[0]);
  if (/^\d+$/.test(want)) return status === want || call.state.includes(want);
  return call.state.toLowerCase().includes(want);
}

function includesAny(hay: (string | undefined)[], needle: string): boolean {
  for (const h of hay) if (h && h.toLowerCase().includes(needle)) return true;
  return false;
}

/** Everything free text matches against, lower-cased once (the service caches it per call). */
export function callHaystack(call: CallDTO, rules: ReadonlySet<string>, extra: string[] = []): string {
  const parts = [call.id, ...call.callIds, call.from, call.to, call.fromUser, call.toUser, call.srcIp, call.dstIp, call.method, call.state, call.kind, call.status?.toString(), ...rules, ...extra];
  return parts.filter((p) => p).join("\u0001").toLowerCase();
}

/** Every clause must hold (AND); several values of one field are alternatives (OR). */
export function matchCall(call: CallDTO, f: ParsedFilter, rules: ReadonlySet<string>, extra: string[] = [], haystack?: string): boolean {
  if (f.method.length && !f.method.some((m) => call.method.toLowerCase() === m)) return false;
  if (f.status.length && !f.status.some((s) => statusMatches(call, s))) return false;
  if (f.kind.length && !f.kind.some((k) => call.kind === k)) return false;
  if (f.user.length && !f.user.some((u) => includesAny([call.fromUser, call.toUser, call.from, call.to], u))) return false;
  if (f.ip.length && !f.ip.some((ip) => includesAny([call.srcIp, call.dstIp], ip))) return false;
  if (f.rule.length && !f.rule.some((r) => [...rules].some((x) => x.toLowerCase().includes(r)))) return false;
  if (f.callid.length && !f.callid.some((c) => includesAny(call.callIds, c))) return false;
  if (f.text.length) {
    const hay = haystack ?? callHaystack(call, rules, extra);
    for (const t of f.text) if (!hay.includes(t)) return false;
  }
  return true;
}

type SortKey = NonNullable<CallQuery["sort"]>["key"];

function keyOf(call: CallDTO, key: SortKey): string | number {
  switch (key) {
    case "start": return call.start;
    case "from": return (call.fromUser ?? call.from).toLowerCase();
    case "to": return (call.toUser ?? call.to).toLowerCase();
    case "method": return call.method;
    case "state": return call.status ?? 0;
    case "duration": return call.duration ?? -1;
    case "legs": return call.legs;
    case "findings": return call.findings.length;
    case "messages": return call.messages;
  }
}

/** Stable sort of indexes (ties keep capture order). */
export function sortIndexes(calls: CallDTO[], idx: number[], sort: CallQuery["sort"]): number[] {
  if (!sort) return idx;
  const dir = sort.dir === "desc" ? -1 : 1;
  const keys = new Map<number, string | number>();
  for (const i of idx) keys.set(i, keyOf(calls[i], sort.key));
  return idx.slice().sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return a - b;
  });
}
