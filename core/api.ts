/**
 * The one typed Api shared by the hosts (Electron main, browser-mode HTTP server, CLI) and the
 * renderer. Only plain JSON-serialisable DTOs cross it, so the same calls work over Electron IPC and
 * over HTTP. The renderer imports *types* from this file and nothing else from core.
 *
 * The `analyze --json` document (CLI) is `AnalysisDocument` below: other tools rely on its shape.
 */

export type TransportName = "udp" | "tcp" | "sctp" | "ws" | "wss" | "tls";
export type ProtocolName = "sip" | "diameter" | "http";
export type Severity = "info" | "warning" | "error";

/** One decoded message in capture order (the `messages[]` of the JSON contract). */
export interface MessageDTO {
  /** Dense 0-based index in capture order; stable for one analysis. */
  id: number;
  /** 1-based record number in its file (for several files: in that file). */
  frame: number;
  /** Index into AnalysisDocument.files when several files are merged. */
  file?: number;
  /** Epoch seconds. */
  time: number;
  /** "ip:port" or "[v6]:port". */
  src: string;
  dst: string;
  transport: TransportName;
  protocol: ProtocolName;
  /** One-line text like tshark's Info column: "Request: INVITE sip:bob@x", "Status: 200 OK". */
  info: string;
  // SIP
  callId?: string;
  cseq?: string;
  method?: string;
  status?: number;
  reason?: string;
  fromUser?: string;
  toUser?: string;
  fromTag?: string;
  toTag?: string;
  branch?: string;
  /** A retransmission of an earlier message of the same transaction. */
  retransmission?: boolean;
  // Diameter
  command?: number;
  name?: string;
  request?: boolean;
  appId?: number;
  hopByHop?: number;
  endToEnd?: number;
  resultCode?: number;
  sessionId?: string;
  // HTTP
  path?: string;
  /** Index into the analysis' transaction / exchange list, used for colouring ladder arrows. */
  txn?: number;
  problems?: string[];
}

export interface ProblemDTO {
  frame: number;
  file?: number;
  offset?: number;
  reason: string;
}

export interface SummaryDTO {
  files: string[];
  packets: number;
  sip: number;
  diameter: number;
  http: number;
  logEvents: number;
  skipped: number;
  malformed: number;
  problems: ProblemDTO[];
  /** First and last record time, epoch seconds (the capture window). */
  start?: number;
  end?: number;
}

export interface LogEventDTO {
  id: number;
  file: number;
  line: number;
  /** Epoch seconds when the log line carries a time; otherwise placed by the message it refers to. */
  time?: number;
  level: "DEBUG" | "INFO" | "NOTICE" | "WARNING" | "ERROR" | "CRITICAL" | "ALERT" | string;
  pid?: number;
  module?: string;
  function?: string;
  text: string;
  callId?: string;
  /** Message id this event was pinned to (by Call-ID + order or time). */
  messageId?: number;
}

/** An expected-but-missing message: drawn as a dashed red arrow. */
export interface GhostDTO {
  /** Short label: "ACK", "BYE", "NOTIFY", "401", "HTTP response". */
  label: string;
  src: string;
  dst: string;
  /** When it was expected at the latest (epoch seconds). */
  expectedBy: number;
  /** Why it was expected: "RFC 3261 §17.1.1.3: ACK for the non-2xx final response". */
  reason: string;
  /** Message ids it would have followed / answered. */
  after?: number;
}

export interface FindingDTO {
  /** Stable per analysis ("f12"). */
  id: string;
  /** Stable rule id, e.g. "ack-missing-non2xx". */
  rule: string;
  severity: Severity;
  title: string;
  explanation: string;
  /** RFC section or server behaviour it is judged against. */
  reference?: string;
  likelyCause?: string;
  callId?: string;
  /** Call (CallDTO.id) this finding belongs to, when any. */
  call?: string;
  messages: number[];
  ghosts: GhostDTO[];
  logEvents?: number[];
  time: number;
}

export interface CallDTO {
  /** Stable per analysis ("c3"). */
  id: string;
  callIds: string[];
  /** Kind of flow: a call, a registration, a subscription, a lone transaction, a Diameter session, HTTP. */
  kind: "call" | "registration" | "subscription" | "message" | "options" | "other" | "diameter" | "http";
  method: string;
  from: string;
  to: string;
  fromUser?: string;
  toUser?: string;
  /** Number of legs (Call-IDs / hops) linked into this call. */
  legs: number;
  /** "answered", "rejected 486", "cancelled", "ringing", "registered", "failed 403", "active", ... */
  state: string;
  status?: number;
  start: number;
  end: number;
  /** Seconds from INVITE to 200 OK when answered. */
  setupTime?: number;
  duration?: number;
  messages: number;
  findings: string[];
  /** Worst severity among this call's findings. */
  worst?: Severity;
  srcIp?: string;
  dstIp?: string;
}

export interface NodeDTO {
  id: string;
  /** Display name: alias if given, else the main address. */
  name: string;
  /** Every ip:port merged into this node. */
  addresses: string[];
  role?: string;
}

export interface LadderArrowDTO {
  messageId: number;
  from: string; // node id
  to: string; // node id
  label: string; // "INVITE", "200 OK", "MAR", "POST /x"
  time: number;
  protocol: ProtocolName;
  /** Transaction / exchange index: arrows of one transaction share a colour. */
  txn?: number;
  retransmission?: boolean;
  /** Finding ids whose evidence includes this message. */
  findings?: string[];
  callId?: string;
}

export interface LadderDTO {
  callId: string; // CallDTO.id
  nodes: NodeDTO[];
  arrows: LadderArrowDTO[];
  ghosts: (GhostDTO & { from: string; to: string; finding: string })[];
  logs: (LogEventDTO & { node?: string })[];
}

export interface HeaderDTO {
  name: string;
  value: string;
  start: number;
  end: number;
  children?: { name: string; value: string }[];
}

export interface AvpDTO {
  code: number;
  vendorId?: number;
  name: string;
  flags: string;
  value?: string;
  children?: AvpDTO[];
}

export interface MessageDetailDTO {
  message: MessageDTO;
  /** The raw bytes as text (latin1-safe) for display; raw bytes base64 for copy/export. */
  rawText: string;
  rawBase64: string;
  startLine?: string;
  headers?: HeaderDTO[];
  sdp?: { summary: string[]; media: { type: string; port: number; protocol: string; codecs: string[]; direction?: string }[]; connection?: string };
  avps?: AvpDTO[];
  body?: string;
  frames?: number[];
}

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export interface StatsDTO {
  methods: Record<string, number>;
  statuses: Record<string, number>;
  /** Response time (request -> final response), seconds, per method. */
  responseTimes: Record<string, Percentiles>;
  setupTime: Percentiles;
  diameterAnswerTimes: Record<string, Percentiles>;
  /** Message rate over time: bucket start (epoch s) -> count, per protocol. */
  rate: { bucket: number; sip: number; diameter: number; http: number }[];
  bucketSeconds: number;
  findingsByRule: Record<string, number>;
  findingsOverTime: { bucket: number; count: number }[];
  /** Histograms for charts: [upper bound seconds, count]. */
  setupTimeHistogram: [number, number][];
  responseTimeHistogram: Record<string, [number, number][]>;
}

/** The `sipscope analyze --json` document. */
export interface AnalysisDocument {
  summary: SummaryDTO;
  messages: MessageDTO[];
  calls?: CallDTO[];
  findings?: FindingDTO[];
  stats?: StatsDTO;
  logEvents?: LogEventDTO[];
}

// ---- the Api the renderer calls ------------------------------------------------------------

export interface CallQuery {
  /** Free text: matched against Call-ID, users, IPs, method, status, rule ids. Supports
   *  field filters "method:INVITE status:486 user:alice ip:10.0.0.1 rule:bye-one-sided". */
  filter?: string;
  sort?: { key: "start" | "from" | "to" | "method" | "state" | "duration" | "legs" | "findings" | "messages"; dir: "asc" | "desc" };
  offset?: number;
  limit?: number;
  /** Extra header columns to return per call (values from the call's first request). */
  columns?: string[];
}

export interface CallPage {
  total: number;
  offset: number;
  /** True while the capture is still loading: the page comes from a quick per-Call-ID preview (state "loading…", no findings); the analysed list replaces it when the session is ready. */
  preliminary?: boolean;
  calls: (CallDTO & { columns?: Record<string, string> })[];
}

export interface SessionInfo {
  id: string;
  files: string[];
  summary: SummaryDTO;
  state: "loading" | "ready" | "error";
  error?: string;
  progress?: LoadProgress;
}

export interface LoadProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
  messages: number;
  phase: "reading" | "analysing" | "done";
}

export interface RecentFile {
  path: string;
  openedAt: number;
}

export interface ReplayDiffEntry {
  kind: "missing" | "extra" | "changed";
  original?: number;
  replay?: number;
  label: string;
}

export interface ReplayResult {
  original: { messages: MessageDTO[]; findings: FindingDTO[]; ladder: LadderDTO };
  replay: { messages: MessageDTO[]; findings: FindingDTO[]; ladder: LadderDTO };
  diff: ReplayDiffEntry[];
}

export type ExportKind = "ladder-svg" | "ladder-mermaid" | "calls-csv" | "findings-json" | "calls-pcap";

/**
 * Every method is async and takes/returns JSON. `session` is the id returned by open*().
 * Binary payloads (file uploads, pcap export) are base64 strings.
 */
export interface Api {
  /** Open files on the host's disk (paths) as one timeline. */
  openPaths(paths: string[]): Promise<SessionInfo>;
  /** Open uploaded bytes (drag and drop / file input in browser mode). */
  openUpload(files: { name: string; base64: string }[]): Promise<SessionInfo>;
  /** Poll a session's loading progress / final summary. */
  session(session: string): Promise<SessionInfo>;
  listSessions(): Promise<SessionInfo[]>;
  recentFiles(): Promise<RecentFile[]>;
  calls(session: string, query: CallQuery): Promise<CallPage>;
  ladder(session: string, callId: string): Promise<LadderDTO>;
  message(session: string, messageId: number): Promise<MessageDetailDTO>;
  findings(session: string): Promise<FindingDTO[]>;
  stats(session: string): Promise<StatsDTO>;
  /** Returns text (SVG, Mermaid, CSV, JSON) or base64 (pcap). */
  export(session: string, kind: ExportKind, ids: string[]): Promise<{ filename: string; mime: string; text?: string; base64?: string }>;
  replay(session: string, callId: string, options?: { speed?: number; target?: string }): Promise<ReplayResult>;
  setAlias(session: string, nodeId: string, alias: string): Promise<void>;
}

export const API_METHODS = [
  "openPaths",
  "openUpload",
  "session",
  "listSessions",
  "recentFiles",
  "calls",
  "ladder",
  "message",
  "findings",
  "stats",
  "export",
  "replay",
  "setAlias",
] as const satisfies readonly (keyof Api)[];

export type ApiMethod = (typeof API_METHODS)[number];
