/**
 * Server-log analysis: what a log line means (classifyLog) and which captured message it belongs
 * to (linkLogs). Pure functions over the CaptureModel; the rules and the ladder read the result.
 */
import type { Endpoint, LogRecord } from "../capture/types";
import type { CaptureModel, Observed } from "./model";

// ---------------------------------------------------------------------------------------------
// classifyLog

/** Known causes behind Kamailio log lines (DESIGN §2). */
export type LogCause =
  | "dialog-bye-race"
  | "xhttp-async-failure"
  | "presence-dead-watcher"
  | "ims-auth-continue-timer"
  | "tm-delivery-failure";

export interface LogClassification {
  cause: LogCause;
  /** One or two sentences for people. */
  explanation: string;
  /** Call-ID the line names, when it names one. */
  callId?: string;
  /** Dialog module's internal id "[h_entry:h_id]" when printed. */
  dialog?: { hEntry: number; hId: number };
}

const ERRORISH = new Set(["ERROR", "CRITICAL", "ALERT", "BUG", "WARNING"]);

interface CauseRule {
  cause: LogCause;
  test(r: LogRecord, all: string): boolean;
  explanation: string;
}

// Most specific first: a tm error inside ims_auth's resume path is the MAR bug, not a tm failure.
const RULES: CauseRule[] = [
  {
    cause: "dialog-bye-race",
    test: (_r, all) => /already in deleted state,? BYE not sent/i.test(all),
    explanation:
      "The dialog module wanted to send BYE to this side, but the dialog was already deleted: the other side's " +
      "200 OK to the first BYE was processed before the second BYE went out, so this side never got a BYE.",
  },
  {
    cause: "ims-auth-continue-timer",
    test: (r, all) => {
      if (!errorish(r)) return false;
      const ims = /^(ims_auth|cdp|ims_registrar_scscf|cdp_avp)$/.test(r.module ?? "") || /\bMA[RA]\b|cxdx_mar|multimedia.?auth/i.test(all);
      const resume = /t_continue|t_lookup_ident|suspend|resum|async_cdp_callback|reply route|timer|timed? ?out|expired/i.test(all);
      // tm's own complaint when t_continue() finds the transaction's timer already fired.
      const continueTimer = /t_continue/i.test(all) && /timer|timed? ?out|expired/i.test(all);
      return (ims && resume) || continueTimer;
    },
    explanation:
      "A suspended transaction could not be resumed: t_continue() found its timer already fired. In an S-CSCF this " +
      "is the MAR reply route never running after the HSS's MAA (SAR works because it resumes with " +
      "t_continue_skip_timer()), so the REGISTER gets no 401, or only a late 408/500.",
  },
  {
    cause: "presence-dead-watcher",
    test: (r, all) => {
      if (!errorish(r)) return false;
      if (/^(presence|presence_xml|presence_dialoginfo|pua|rls)$/.test(r.module ?? "") && /notify|watcher|send|via|connection/i.test(all)) return true;
      if (/pres_refresh_watchers|send_notify|notify_watchers|query_db_notify/i.test(all)) return true;
      if (/(?:can(?:no|')t|could not|failed to|unable to|no) (?:find|get|locate)[^,;]*?(?:tcp|tls|ws|websocket)?[^,;]*?conn(?:ection)?/i.test(all)) return true;
      if (/\b(?:tcp_send|tcpconn_send|wss?_send|ws_frame)\w*\b.*\bfail/i.test(all) || /\bfail\w*\b.*\b(?:tcp_send|tcpconn_send)\b/i.test(all)) return true;
      if (/build_local|build_uac_req|failed to build (?:the )?via|(?:via|via_builder)\b.*\bfail|\bfail\w* to (?:create|build) via/i.test(all)) return true;
      return false;
    },
    explanation:
      "A request could not go out because the watcher's TCP/WebSocket connection is gone (no connection, no Via). " +
      "In presence, this aborts the NOTIFY loop: the live watchers after the dead one get no NOTIFY either.",
  },
  {
    cause: "xhttp-async-failure",
    test: (r, all) => {
      if (/too few headers/i.test(all)) return true;
      if (!errorish(r)) return false;
      if (/^(xhttp|xhttp_rpc|xhttp_prom|jsonrpcs)$/.test(r.module ?? "")) return true;
      return /\b(?:t_suspend|async_route|async_task_route|async_workers?)\b/.test(all) && /http|failed to parse|parse error|no (?:call-?id|cseq|from|to)/i.test(all);
    },
    explanation:
      "An HTTP request handled by xhttp was passed to async processing as a fake SIP message without " +
      "From/To/CSeq/Call-ID; suspending it failed, so the HTTP client got no answer (or an error).",
  },
  {
    cause: "tm-delivery-failure",
    test: (r, all) =>
      (r.module === "tm" && (r.level === "ERROR" || r.level === "CRITICAL" || r.level === "ALERT")) ||
      (errorish(r) && /\b(?:msg_send|udp_send|sendto|send_pr_buffer)\w*\b.*\b(?:fail|error)/i.test(all)),
    explanation:
      "The transaction layer (tm) failed to deliver or forward a message: the next hop got nothing, and the " +
      "sender will retransmit until its timer fires.",
  },
];

function errorish(r: LogRecord): boolean {
  return ERRORISH.has(r.level);
}

/** The known cause behind a log line, or undefined when it is not one we recognise. */
export function classifyLog(record: LogRecord): LogClassification | undefined {
  const all = `${record.function ?? ""}(): ${record.text}`;
  for (const rule of RULES) {
    if (!rule.test(record, all)) continue;
    const out: LogClassification = { cause: rule.cause, explanation: rule.explanation };
    const cid = record.callId ?? /with callid '?([^\s']+?)'? already/i.exec(record.text)?.[1];
    if (cid) out.callId = cid;
    const dlg = /\bdlg\s*(?:%p\s*)?(?:0x[0-9a-f]+\s*)?\[(\d+):(\d+)\]/i.exec(record.text);
    if (dlg) out.dialog = { hEntry: Number(dlg[1]), hId: Number(dlg[2]) };
    return out;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// linkLogs

export interface LogLink {
  /** ObservedLog.id */
  log: number;
  callId?: string;
  /** Observed.id of the message the line was printed about (or printed itself). */
  message?: number;
  /** The line's own time, else the linked message's time, else a neighbouring line's. */
  time?: number;
  /**
   * printed   - the line printed the message itself (a SIP dump in the log);
   * prefix    - by the log_prefix {type cseq method callid} and the order of processing;
   * call-id   - by a Call-ID in the text and the message being processed then;
   * time      - by the line's own time stamp;
   * neighbour - no message: time borrowed from the nearest linked line;
   * none      - nothing to go on.
   */
  how: "printed" | "prefix" | "call-id" | "time" | "neighbour" | "none";
}

/** How far (s) a syslog stamp may run ahead of the capture's clock and still pick an earlier message. */
const CLOCK_SLACK = 0.05;

interface Episode {
  key: string;
  pid?: number;
  firstText: string;
  message?: number;
}

/**
 * For each log record (in model.logs order): the message it belongs to and its Call-ID.
 *
 * With a log_prefix the server says which message it was processing: request or reply ($mt), CSeq
 * and Call-ID. Consecutive lines with the same prefix from the same process are one "episode"
 * (one pass of the script over one message); the n-th episode of a (Call-ID, type, CSeq) goes with
 * the n-th such message the server received, in capture order. Lines naming only a Call-ID go with
 * the message of that call being processed at that point of the log. Lines with a time link by
 * time instead when no better key exists. Lines without times get their message's time.
 */
export function linkLogs(model: CaptureModel): LogLink[] {
  const byCall = new Map<string, Observed[]>();
  const printed = new Map<string, number>();
  const logFiles = new Set(model.logs.map((l) => l.file));
  for (const m of model.messages) {
    // A message read from a log file has frame = its line number there (capture files have no log lines).
    if (logFiles.has(m.file)) printed.set(`${m.file}:${m.frame}`, m.id);
    const cid = m.sip?.callId;
    if (!cid) continue;
    let list = byCall.get(cid);
    if (!list) byCall.set(cid, (list = []));
    list.push(m);
  }
  for (const list of byCall.values()) list.sort((a, b) => a.time - b.time || a.id - b.id);
  const servers = serverEndpoints(model.messages);
  const byTimeOrder = model.messages.filter((m) => m.time > 0).sort((a, b) => a.time - b.time || a.id - b.id);
  // Per message id, computed once: its "seq METHOD" and whether the log's server received it.
  const cseqOf: (string | undefined)[] = [];
  const inboundOf: boolean[] = [];
  for (const m of model.messages) {
    const c = m.sip?.cseq;
    cseqOf[m.id] = c ? `${c.seq} ${c.method}` : undefined;
    inboundOf[m.id] = servers.size === 0 || servers.has(epKey(m.dst));
  }
  const matches = (m: Observed, r: LogRecord) => cseqOf[m.id] === r.cseq && kindMatches(m, r);
  const received = (m: Observed) => inboundOf[m.id];
  // Candidate messages per (file, Call-ID, type, CSeq): the ones the server received, else all.
  const pools = new Map<string, Observed[]>();
  const poolFor = (key: string, msgs: Observed[], r: LogRecord): Observed[] => {
    let pool = pools.get(key);
    if (!pool) {
      const candidates = msgs.filter((m) => matches(m, r));
      const inbound = candidates.filter(received);
      pool = inbound.length > 0 ? inbound : candidates;
      pools.set(key, pool);
    }
    return pool;
  };

  const links: LogLink[] = [];
  // Per file and Call-ID: the current episode; per file+key: messages used so far.
  const episodes = new Map<string, Episode>();
  const cursor = new Map<string, number>();
  const current = new Map<string, number>(); // file:callId -> message being processed

  for (const r of model.logs) {
    const link: LogLink = { log: r.id, how: "none" };
    if (r.callId) link.callId = r.callId;
    links.push(link);

    const own = printed.get(`${r.file}:${r.line}`);
    // r's file yields log records, so it is a log file: a message of that file at r's line was printed by r.
    if (own !== undefined) {
      link.message = own;
      link.how = "printed";
      link.callId ??= model.messages[own]?.sip?.callId;
      if (link.callId) current.set(`${r.file}:${link.callId}`, own);
      continue;
    }
    if (!r.callId) {
      // No Call-ID (an xhttp request has none; a dead connection is not a call): a timed line that
      // reports a problem goes with the message it followed, so the error sits next to it.
      if (r.time !== undefined && ERRORISH.has(r.level)) {
        const cause = classifyLog(r)?.cause;
        const m = lastBefore(byTimeOrder, r.time, cause === "xhttp-async-failure" ? "http" : undefined);
        if (m) {
          link.message = m.id;
          link.how = "time";
          link.callId = m.sip?.callId;
          if (link.callId === undefined) delete link.callId;
        }
      }
      continue;
    }
    const msgs = byCall.get(r.callId) ?? [];
    const callKey = `${r.file}:${r.callId}`;

    if (r.time !== undefined && msgs.length > 0) {
      const pool = r.cseq ? msgs.filter((m) => matches(m, r)) : msgs;
      const chosen = byTime(pool.length > 0 ? pool : msgs, r.time);
      if (chosen) {
        link.message = chosen.id;
        link.how = "time";
        current.set(callKey, chosen.id);
        continue;
      }
    }

    if (r.cseq && r.msgType !== undefined) {
      const key = `${r.file}:${r.callId}:${r.msgType}:${r.cseq}`;
      const ep = episodes.get(callKey);
      const status = statusIn(r.text);
      const sameEpisode =
        ep !== undefined &&
        ep.key === key &&
        ep.pid === r.pid &&
        ep.firstText !== r.text &&
        !(status !== undefined && ep.message !== undefined && statusOf(model.messages[ep.message]) !== status && poolFor(key, msgs, r).some((m) => statusOf(m) === status));
      if (sameEpisode && ep) {
        if (ep.message !== undefined) {
          link.message = ep.message;
          link.how = "prefix";
        }
        continue;
      }
      const from = cursor.get(key) ?? 0;
      const pool = poolFor(key, msgs, r);
      let idx = -1;
      if (status !== undefined) idx = pool.findIndex((m, i) => i >= from && statusOf(m) === status);
      if (idx < 0 && from < pool.length) idx = from;
      const next: Episode = { key, pid: r.pid, firstText: r.text };
      if (idx >= 0) {
        cursor.set(key, idx + 1);
        next.message = pool[idx].id;
        link.message = pool[idx].id;
        link.how = "prefix";
        current.set(callKey, pool[idx].id);
      }
      episodes.set(callKey, next);
      continue;
    }

    // A Call-ID without a usable prefix: the message of that call being processed at this point.
    const cur = current.get(callKey);
    if (cur !== undefined) {
      link.message = cur;
      link.how = "call-id";
    } else if (msgs.length > 0) {
      link.message = msgs[0].id;
      link.how = "call-id";
      current.set(callKey, msgs[0].id);
    }
  }

  // Times: own, else the linked message's, else the nearest timed line in the same file.
  for (let i = 0; i < links.length; i++) {
    const r = model.logs[i];
    const l = links[i];
    if (r.time !== undefined) l.time = r.time;
    else if (l.message !== undefined) {
      // A message read from a log file is only as timed as the log: a stderr log's copy has none (0).
      const m = model.messages[l.message];
      if (m && !logFiles.has(m.file)) l.time = m.time;
    }
  }
  borrowNeighbourTimes(model, links);
  return links;
}

function borrowNeighbourTimes(model: CaptureModel, links: LogLink[]): void {
  const prev = new Map<number, number>();
  for (let i = 0; i < links.length; i++) {
    const file = model.logs[i].file;
    const t = links[i].time;
    if (t !== undefined) prev.set(file, t);
    else if (prev.has(file)) {
      links[i].time = prev.get(file);
      if (links[i].how === "none") links[i].how = "neighbour";
    }
  }
  // Lines before the first timed line of their file (start-up banner): the next timed line's time.
  const next = new Map<number, number>();
  for (let i = links.length - 1; i >= 0; i--) {
    const file = model.logs[i].file;
    if (links[i].time !== undefined) next.set(file, links[i].time as number);
    else if (next.has(file)) {
      links[i].time = next.get(file);
      if (links[i].how === "none") links[i].how = "neighbour";
    }
  }
}

function kindMatches(m: Observed, r: LogRecord): boolean {
  if (r.msgType === 1) return m.sip?.kind === "request";
  if (r.msgType === 2) return m.sip?.kind === "response";
  return true;
}

function statusOf(m: Observed | undefined): number | undefined {
  return m?.sip?.status;
}

function statusIn(text: string): number | undefined {
  const m = /(?:^|[\s(=:])([1-6]\d\d)(?=[\s),;]|$)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** How far back (s) an uncalled error line looks for the message it followed. */
const ERROR_LOOKBACK = 2;

/** Latest message (of `protocol` when given) at or before t (+ slack), not older than ERROR_LOOKBACK. */
function lastBefore(sorted: Observed[], t: number, protocol?: Observed["protocol"]): Observed | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].time <= t + CLOCK_SLACK) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && sorted[i].time >= t - ERROR_LOOKBACK; i--) {
    if (protocol === undefined || sorted[i].protocol === protocol) return sorted[i];
  }
  return undefined;
}

function byTime(pool: Observed[], t: number): Observed | undefined {
  let best: Observed | undefined;
  for (const m of pool) if (m.time <= t + CLOCK_SLACK) best = m;
  return best ?? pool[0];
}

function epKey(e: Endpoint): string {
  return `${e.ip}|${e.port}`;
}

/**
 * The log's writer is a server in the middle: an endpoint that talks SIP with at least two peers
 * (a proxy/B2BUA); failing that, the destination of the first request. Its received messages are
 * what its log lines are about. Empty when nothing qualifies (then every copy is a candidate).
 */
function serverEndpoints(messages: Observed[]): Set<string> {
  const peers = new Map<string, Set<string>>();
  const add = (a: Endpoint, b: Endpoint) => {
    if (a.port === 0 && a.ip === "0.0.0.0") return;
    const k = epKey(a);
    let s = peers.get(k);
    if (!s) peers.set(k, (s = new Set()));
    s.add(epKey(b));
  };
  for (const m of messages) {
    if (m.protocol !== "sip" || m.fromLog) continue;
    add(m.src, m.dst);
    add(m.dst, m.src);
  }
  const out = new Set<string>();
  for (const [k, s] of peers) if (s.size >= 2) out.add(k);
  if (out.size === 0) {
    // One client and one server on the wire: the server is where the first request went.
    const first = messages.find((m) => m.protocol === "sip" && !m.fromLog && m.sip?.kind === "request" && m.dst.port !== 0);
    if (first) out.add(epKey(first.dst));
  }
  return out;
}
