/**
 * Shape checks for every Api method's arguments, at each trust boundary: the Electron preload
 * (before anything leaves the renderer), the Electron main process's IPC handlers, and the
 * browser-mode HTTP host. Returns a reason string, or undefined when the arguments are acceptable.
 * Plain TypeScript with no imports beyond types, so the sandboxed preload can bundle it.
 */
import type { ApiMethod } from "../api";

const SORT_KEYS = new Set(["start", "from", "to", "method", "state", "duration", "legs", "findings", "messages"]);
const EXPORT_KINDS = new Set(["ladder-svg", "ladder-mermaid", "calls-csv", "findings-json", "calls-pcap"]);
const MAX_TEXT = 4096;

const isStr = (v: unknown, max = MAX_TEXT): v is string => typeof v === "string" && v.length <= max;
const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 200;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrList = (v: unknown, maxItems: number, max = MAX_TEXT): v is string[] => Array.isArray(v) && v.length <= maxItems && v.every((x) => isStr(x, max));
const onlyKeys = (o: Record<string, unknown>, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

type Check = (args: unknown[]) => string | undefined;

const none: Check = (a) => (a.length ? "takes no arguments" : undefined);
const sessionOnly: Check = (a) => (a.length === 1 && isId(a[0]) ? undefined : "needs (session)");

const CHECKS: Record<ApiMethod, Check> = {
  openPaths: (a) => (a.length === 1 && isStrList(a[0], 64) && a[0].length > 0 && a[0].every((p) => p.length > 0) ? undefined : "needs (paths: string[])"),
  openUpload: (a) =>
    a.length === 1 && Array.isArray(a[0]) && a[0].length > 0 && a[0].length <= 64 && a[0].every((f) => isObj(f) && onlyKeys(f, ["name", "base64"]) && isStr(f.name, 1024) && typeof f.base64 === "string" && /^[A-Za-z0-9+/=\s]*$/.test(f.base64.slice(0, 4096)))
      ? undefined
      : "needs (files: { name, base64 }[])",
  session: sessionOnly,
  listSessions: none,
  recentFiles: none,
  calls: (a) => {
    if (a.length !== 2 || !isId(a[0]) || !isObj(a[1])) return "needs (session, query)";
    const q = a[1];
    if (!onlyKeys(q, ["filter", "sort", "offset", "limit", "columns"])) return "query has unknown fields";
    if (q.filter !== undefined && !isStr(q.filter, 1000)) return "query.filter must be text";
    if (q.sort !== undefined && !(isObj(q.sort) && SORT_KEYS.has(q.sort.key as string) && (q.sort.dir === "asc" || q.sort.dir === "desc"))) return "query.sort must be { key, dir }";
    for (const k of ["offset", "limit"] as const) if (q[k] !== undefined && !(Number.isInteger(q[k]) && (q[k] as number) >= 0)) return `query.${k} must be a whole number`;
    if (q.columns !== undefined && !isStrList(q.columns, 16, 200)) return "query.columns must be header names";
    return undefined;
  },
  ladder: (a) => (a.length === 2 && isId(a[0]) && isId(a[1]) ? undefined : "needs (session, callId)"),
  message: (a) => (a.length === 2 && isId(a[0]) && Number.isInteger(a[1]) && (a[1] as number) >= 0 ? undefined : "needs (session, messageId)"),
  findings: sessionOnly,
  stats: sessionOnly,
  export: (a) => (a.length === 3 && isId(a[0]) && EXPORT_KINDS.has(a[1] as string) && isStrList(a[2], 100_000, 200) ? undefined : "needs (session, kind, ids)"),
  replay: (a) => {
    if (a.length < 2 || a.length > 3 || !isId(a[0]) || !isId(a[1])) return "needs (session, callId, options?)";
    const o = a[2];
    if (o === undefined) return undefined;
    if (!isObj(o) || !onlyKeys(o, ["speed", "target"])) return "options must be { speed?, target? }";
    if (o.speed !== undefined && !(typeof o.speed === "number" && o.speed > 0 && o.speed <= 1000)) return "options.speed must be a positive number";
    if (o.target !== undefined && !(isStr(o.target, 300) && /^[\w.\-:[\]]+$/.test(o.target))) return "options.target must be host:port";
    return undefined;
  },
  setAlias: (a) => (a.length === 3 && isId(a[0]) && isId(a[1]) && isStr(a[2], 200) ? undefined : "needs (session, nodeId, alias)"),
};

/** Trailing `undefined`s (optional arguments not given) are dropped before checking. */
export function normalizeArgs(args: unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return args.slice(0, n);
}

export function validateArgs(method: string, args: unknown[]): string | undefined {
  const check = (CHECKS as Record<string, Check | undefined>)[method];
  if (!check || !Object.prototype.hasOwnProperty.call(CHECKS, method)) return `unknown Api method "${method}"`;
  const reason = check(normalizeArgs(args));
  return reason ? `${method}: ${reason}` : undefined;
}
