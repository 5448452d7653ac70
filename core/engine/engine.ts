/**
 * The built-in SIP server as a sans-I/O actor: registrar (digest auth, or IMS S-CSCF with an HSS
 * over Cx), stateful record-routing proxy, dialog tracker that can end a dialog on both sides,
 * and presence server. Every transaction runs on the machines in core/machines — the same code the
 * analyzer observes with — through TransactionTable.
 *
 * Drive it with `receive(bytes, flow, now)`, `timer(key, now)`, `diameter(bytes, now)`,
 * `connectionOpened/Closed(conn)`; each returns the effects to execute (core/node/engine does).
 */
import type { SipMessage, SipUri } from "../protocols/sip/types";
import { parseSip } from "../protocols/sip/parse";
import { parseUri } from "../protocols/sip/uri";
import { parseNameAddr } from "../protocols/sip/name-addr";
import { decodeText, encodeText } from "../protocols/sip/text";
import { transactionKey, cancelTargetKey, sentBy } from "../machines/transaction-key";
import type { TimerName } from "../machines/timers";
import { TransactionTable, type Txn, type TxnUser, type Wire } from "./transactions";
import { ENGINE_ALLOW, KNOWN_METHODS, buildResponse, headerLines, popTopRoute, popTopVia, serializeRequest, serializeResponse, REASONS, type HeaderLine, type ResponseOptions } from "./sip-build";
import { challengeHeader, ha1, parseDigestCredentials, verifyDigest } from "./digest";
import { LocationService } from "./location";
import { PIDF_TYPE, buildPidf, isPidf, pidfBasic } from "./pidf";
import { decodeDiameterFrame, findAvp } from "../protocols/diameter/decode";
import { buildMar, buildSar } from "../protocols/diameter/builders";
import { runDeferred } from "./run-deferred";
import { md5Hex } from "./md5";
import type { UserDirectory } from "./users";
import type { EngineEffect, EngineTransport, Flow, ReportLevel } from "./types";

export interface ListenAddress {
  transport: EngineTransport;
  ip: string;
  port: number;
}

export interface EngineConfig {
  listen: ListenAddress[];
  users: UserDirectory;
  /** Static routes: user -> "host:port" or a SIP URI (e.g. "sip:127.0.0.1:5080;transport=tcp"). */
  routes?: Record<string, string>;
  /** S-CSCF mode: REGISTER authenticated through the HSS (MAR/SAR over Cx). */
  ims?: boolean;
  /** Random token source (hex or alphanumeric); the node runtime passes crypto randomness. */
  random: () => string;
  t1?: number;
  /** Extra host names the engine answers for (besides its IPs, "localhost" and the realm). */
  domains?: string[];
  /** Reject requests with more header fields than this (header floods). Default 256. */
  maxHeaders?: number;
  /** Add Record-Route to dialog-creating requests (default true; replay follows the capture). */
  recordRoute?: boolean;
  /** Challenge REGISTER with digest auth (default true). Replay turns it off when the captured registrar did not challenge. */
  registrarAuth?: boolean;
  /** Seconds to wait for a Diameter answer before answering 504. Default 5. */
  diameterTimeout?: number;
}

export interface DialogParty {
  /** The From/To header value as this party wrote it (with its tag). */
  header: string;
  tag: string;
  /** Remote target (Contact URI). */
  contact: string;
  flow: Flow;
  /** Highest CSeq this party has used in the dialog. */
  cseq: number;
}

export interface DialogRecord {
  id: string;
  callId: string;
  caller: DialogParty;
  callee: DialogParty;
  state: "confirmed" | "terminated";
  createdAt: number;
  /** Set when the engine itself ended the dialog: what each BYE got back. */
  byes?: { caller?: string; callee?: string };
}

export interface Watcher {
  id: string;
  presentity: string;
  callId: string;
  /** Our tag (To of the SUBSCRIBE) and theirs (From). */
  localTag: string;
  remoteTag: string;
  /** The watcher's From header value (becomes To of our NOTIFYs) and our To (becomes From). */
  watcherHeader: string;
  ourHeader: string;
  contact: string;
  flow: Flow;
  cseq: number;
  expiresAt: number;
  state: "active" | "terminated";
  routeSet: string[];
}

interface Presentity {
  doc?: string;
  etag?: string;
  expiresAt?: number;
}

interface OutRequest {
  method: string;
  ruri: string;
  via: string;
  callId: string;
  from: string;
  to: string;
  cseq: number;
  routes: string[];
}

interface ProxyContext {
  server: Txn;
  client?: Txn;
  final: boolean;
  cancelled: boolean;
  /** For a dialog-creating INVITE: the caller's side of the dialog. */
  invite?: SipMessage;
}

type ClientCtx =
  | { kind: "proxy"; out: OutRequest; proxy: ProxyContext }
  | { kind: "cancel"; out: OutRequest }
  | { kind: "bye"; out: OutRequest; dialog: DialogRecord; side: "caller" | "callee" }
  | { kind: "notify"; out: OutRequest; watcher: Watcher };

interface PendingDiameter {
  kind: "MAR" | "SAR";
  txn: Txn;
  msg: SipMessage;
  user: string;
  impu: string;
  impi: string;
}

const REGISTER_MAX_EXPIRES = 3600;
const SUBSCRIBE_MAX_EXPIRES = 3600;
const NONCE_LIFETIME = 300;

export class SipEngine {
  readonly txns: TransactionTable;
  readonly location = new LocationService();
  readonly dialogs = new Map<string, DialogRecord>();
  private readonly dialogsByCallId = new Map<string, DialogRecord[]>();
  readonly watchers = new Map<string, Watcher>();
  private readonly presentities = new Map<string, Presentity>();
  /** host:port of a Contact -> the connection it was learned on (WS/TCP clients). */
  private readonly aliases = new Map<string, Flow>();
  private readonly liveConns = new Set<number>();
  private readonly nonces = new Map<string, { expiresAt: number; ha1?: string; user?: string }>();
  private readonly pendingDiameter = new Map<number, PendingDiameter>();
  private readonly selfHosts: Set<string>;
  private readonly selfPorts: Set<number>;
  private out: EngineEffect[] = [];
  private readonly deferred: (() => void)[] = [];
  private counter = 0;
  private hopByHop = 1;
  readonly stats = { received: 0, sent: 0, dropped: 0, dialogs: 0, registrations: 0, notifies: 0, skippedWatchers: 0 };
  readonly reports: { time: number; level: ReportLevel; code: string; text: string }[] = [];
  private readonly serverUser: TxnUser;
  private readonly clientUser: TxnUser;

  constructor(readonly cfg: EngineConfig) {
    const host = {
      send: (flow: Flow, bytes: Uint8Array) => this.emitSend(flow, bytes),
      armTimer: (key: string, at: number) => this.out.push({ kind: "timer", key, at }),
      clearTimer: (key: string) => this.out.push({ kind: "clear", key }),
      sendAck: (txn: Txn, response: Wire) => this.sendAck(txn, response),
      sendCancel: (txn: Txn, now: number) => this.sendCancel(txn, now),
      sendTrying: (txn: Txn) => this.emitSend(txn.flow, buildResponse(txn.request.msg!, 100, { source: txn.flow.remote })),
    };
    this.txns = new TransactionTable(host, cfg.t1 ?? 0.5);
    this.selfHosts = new Set(["localhost", cfg.users.realm.toLowerCase(), ...(cfg.domains ?? []).map((d) => d.toLowerCase())]);
    for (const l of cfg.listen) this.selfHosts.add(l.ip);
    this.selfPorts = new Set(cfg.listen.map((l) => l.port));
    this.serverUser = {
      // Deferred so the machine's own effects of the same step (100 Trying) go out first.
      // Only the request that created the transaction is the TU's business; an ACK for a non-2xx
      // final response ends at this hop (§17.2.1) even when the machine shows it to the TU.
      deliver: (txn, wire, now) => {
        if (wire.msg && wire.msg.method !== "ACK" && wire === txn.request) this.deferred.push(() => this.onServerRequest(txn, wire.msg!, now));
      },
      inform: (txn, error) => this.report("info", "server-transaction-" + error, `${txn.method} server transaction ended: ${error}`),
    };
    this.clientUser = {
      deliver: (txn, wire, now) => this.onClientResponse(txn, wire, now),
      inform: (txn, error, now) => this.onClientFailure(txn, error, now),
    };
  }

  // ---- entry points --------------------------------------------------------------------------

  receive(bytes: Uint8Array, flow: Flow, now: number): EngineEffect[] {
    return this.run(() => {
      this.stats.received++;
      if (isKeepAlive(bytes)) {
        // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single CRLF pong.
        if (bytes.length >= 4) this.emitSend(flow, Uint8Array.of(13, 10));
        return;
      }
      const msg = parseSip(bytes);
      if (msg.kind === "response") this.onResponse(msg, flow, now);
      else this.onRequest(msg, flow, now);
    });
  }

  timer(key: string, now: number): EngineEffect[] {
    return this.run(() => {
      const m = /^t(\d+)\.([A-M])$/.exec(key);
      if (m) return this.txns.timerFired(Number(m[1]), m[2] as TimerName, now);
      const d = /^dia\.(\d+)$/.exec(key);
      if (d) return this.onDiameterTimeout(Number(d[1]), now);
    });
  }

  connectionOpened(conn: number): void {
    this.liveConns.add(conn);
  }

  connectionClosed(conn: number, now: number): EngineEffect[] {
    return this.run(() => {
      this.liveConns.delete(conn);
      for (const [k, f] of this.aliases) if (f.conn === conn) this.aliases.delete(k);
      void now;
    });
  }

  /** The runtime could not deliver on `flow` (connection refused/closed): fail the transactions using it. */
  sendFailed(flow: Flow, now: number): EngineEffect[] {
    return this.run(() => {
      for (const txn of [...this.txns.byId.values()]) {
        const same = txn.flow.transport === flow.transport && txn.flow.remote.ip === flow.remote.ip && txn.flow.remote.port === flow.remote.port && (flow.conn === undefined || txn.flow.conn === undefined || txn.flow.conn === flow.conn);
        if (same) this.txns.transportError(txn, now);
      }
    });
  }

  /** A stream that can no longer be framed (oversized, no Content-Length): answer if possible, then close. */
  rejectStream(head: Uint8Array, status: number, reason: string, flow: Flow, now: number): EngineEffect[] {
    return this.run(() => {
      const msg = parseSip(head);
      this.report("warning", "stream-rejected", `${flow.transport.toUpperCase()} connection from ${flow.remote.ip}:${flow.remote.port}: ${reason}; closing`);
      if (msg.kind === "request" && msg.method && msg.vias.length) this.respondStateless(msg, flow, status, reason);
      if (flow.conn !== undefined) this.out.push({ kind: "close", conn: flow.conn });
      void now;
    });
  }

  /** A Diameter answer from the HSS. */
  diameter(bytes: Uint8Array, now: number): EngineEffect[] {
    return this.run(() => this.onDiameterAnswer(bytes, now));
  }

  /** End a dialog (by dialog id or Call-ID) by sending BYE to both sides. */
  endDialog(idOrCallId: string, now: number): { ok: boolean; dialog?: DialogRecord; effects: EngineEffect[] } {
    let dialog = this.dialogs.get(idOrCallId);
    if (!dialog) dialog = this.dialogsByCallId.get(idOrCallId)?.find((d) => d.state === "confirmed");
    if (!dialog || dialog.state !== "confirmed") return { ok: false, effects: [] };
    const d = dialog;
    const effects = this.run(() => this.byeBothSides(d, now));
    return { ok: true, dialog: d, effects };
  }

  /** A server-side presence state change (as if published): NOTIFY every active watcher. */
  setPresence(presentity: string, basic: "open" | "closed", now: number, note?: string): EngineEffect[] {
    return this.run(() => {
      const p = this.presentity(presentity);
      p.doc = buildPidf(`sip:${presentity}@${this.cfg.users.realm}`, basic, note);
      this.notifyWatchers(presentity, now);
    });
  }

  snapshot(now: number) {
    return {
      registrations: this.location.all(now).map((b) => ({ aor: b.aor, contact: b.uri, expires: Math.max(0, Math.round(b.expiresAt - now)), transport: b.flow.transport })),
      dialogs: [...this.dialogs.values()].map((d) => ({ id: d.id, callId: d.callId, state: d.state, caller: d.caller.contact, callee: d.callee.contact, byes: d.byes })),
      watchers: [...this.watchers.values()].map((w) => ({ id: w.id, presentity: w.presentity, contact: w.contact, transport: w.flow.transport, state: w.state, expires: Math.max(0, Math.round(w.expiresAt - now)) })),
      presentities: [...this.presentities.entries()].map(([k, p]) => ({ presentity: k, basic: p.doc ? pidfBasic(p.doc) : undefined, etag: p.etag })),
      transactions: this.txns.size,
      stats: { ...this.stats },
    };
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private run(fn: () => void): EngineEffect[] {
    const outer = this.out;
    this.out = [];
    // Never let one message take the server down: report and carry on.
    runDeferred(fn, this.deferred, (e) => this.report("error", "internal-error", `engine error: ${(e as Error)?.stack ?? e}`));
    const effects = this.out;
    this.out = outer;
    return effects;
  }

  private report(level: ReportLevel, code: string, text: string, data?: Record<string, unknown>): void {
    this.out.push({ kind: "report", level, code, text, data });
    if (level !== "info") {
      this.reports.push({ time: 0, level, code, text });
      if (this.reports.length > 1000) this.reports.shift();
    }
  }

  private emitSend(flow: Flow, bytes: Uint8Array): void {
    this.stats.sent++;
    this.out.push({ kind: "send", flow, bytes });
  }

  private token(): string {
    return this.cfg.random();
  }

  private newBranch(loopHash = ""): string {
    return `z9hG4bK-ss${(this.counter++).toString(36)}${this.token().slice(0, 8)}${loopHash ? "." + loopHash : ""}`;
  }

  private listenFor(transport: EngineTransport): ListenAddress {
    return this.cfg.listen.find((l) => l.transport === transport) ?? this.cfg.listen[0];
  }

  private isSelf(host: string | undefined, port: number | undefined): boolean {
    if (!host) return false;
    const h = host.toLowerCase();
    if (!this.selfHosts.has(h)) return false;
    if (port === undefined) return true;
    return this.selfPorts.has(port);
  }

  private selfUri(transport: EngineTransport, user?: string): string {
    const l = this.listenFor(transport);
    return `sip:${user ? user + "@" : ""}${l.ip}:${l.port}${transport === "udp" ? "" : `;transport=${transport}`}`;
  }

  private viaFor(flow: Flow, branch: string): string {
    const l = this.listenFor(flow.transport);
    return `SIP/2.0/${flow.transport.toUpperCase()} ${l.ip}:${l.port};branch=${branch};rport`;
  }

  private clientKey(via: string, method: string): string {
    const v = /^SIP\/2\.0\/\S+ (\S+?);branch=([^;]+)/.exec(via)!;
    return `c|b|${v[2]}|${v[1].toLowerCase()}|${method}`;
  }

  /** The flow to reach a URI: a known connection for its host:port, else a new UDP/TCP flow. */
  private flowForUri(uriText: string): Flow | undefined {
    const uri = parseUri(uriText.replace(/^<|>$/g, ""));
    if (!uri || !uri.host) return undefined;
    const tp = String(uri.params.transport ?? "udp").toLowerCase();
    const port = uri.port ?? (uri.scheme === "sips" ? 5061 : 5060);
    const alias = this.aliases.get(`${uri.host.toLowerCase()}:${port}`) ?? this.aliases.get(uri.host.toLowerCase());
    if (alias && (alias.conn === undefined || this.liveConns.has(alias.conn))) return alias;
    if (tp === "ws" || tp === "wss") return undefined; // the engine cannot dial a WebSocket client
    const transport: EngineTransport = tp === "tcp" ? "tcp" : "udp";
    const ip = uri.host === "localhost" ? "127.0.0.1" : uri.host;
    if (!/^[0-9.]+$/.test(ip) && !ip.includes(":")) return undefined; // no DNS in the engine
    return { transport, local: { ip: this.listenFor(transport).ip, port: this.listenFor(transport).port }, remote: { ip, port } };
  }

  private respond(txn: Txn, status: number, opts: ResponseOptions = {}, now = 0): void {
    const req = txn.request.msg;
    if (!req) return; // already answered with a final response: nothing more to say
    const bytes = buildResponse(req, status, { source: txn.flow.remote, ...opts });
    if (txn.done) {
      // The transaction is gone (e.g. a late Diameter answer): the answer still goes out.
      this.emitSend(txn.flow, bytes);
      return;
    }
    this.txns.respond(txn, bytes, status, now);
  }

  /** A response without a transaction (malformed request we could still answer). */
  private respondStateless(msg: SipMessage, flow: Flow, status: number, reason?: string): void {
    if (msg.method === "ACK" || !msg.vias.length) return;
    this.emitSend(flow, buildResponse(msg, status, { source: flow.remote, reason, toTag: this.token().slice(0, 10) }));
  }

  // ---- requests -----------------------------------------------------------------------------

  private onRequest(msg: SipMessage, flow: Flow, now: number): void {
    if (!msg.method) {
      this.stats.dropped++;
      this.report("warning", "malformed", `dropped unparseable message from ${flow.remote.ip}:${flow.remote.port}: ${msg.problems[0] ?? "no start line"}`);
      if (flow.conn !== undefined) this.out.push({ kind: "close", conn: flow.conn });
      return;
    }
    if (msg.fields.length > (this.cfg.maxHeaders ?? 256)) {
      this.report("warning", "header-flood", `${msg.method} with ${msg.fields.length} header fields rejected`);
      return this.respondStateless(msg, flow, 400, "Too Many Header Fields");
    }
    const missing = !msg.vias.length ? "Via" : !msg.from ? "From" : !msg.to ? "To" : !msg.callId ? "Call-ID" : !msg.cseq ? "CSeq" : undefined;
    if (missing) {
      this.report("warning", "malformed", `${msg.method} without a valid ${missing} from ${flow.remote.ip}:${flow.remote.port}`);
      return this.respondStateless(msg, flow, 400, `Missing or Bad ${missing}`);
    }
    if (msg.cseq!.method !== msg.method) return this.respondStateless(msg, flow, 400, "CSeq Method Mismatch");
    if (flow.conn !== undefined) this.learnAlias(msg, flow);

    if (msg.method === "ACK") return this.onAck(msg, flow, now);
    const tkey = transactionKey(msg);
    if (!tkey) return this.respondStateless(msg, flow, 400, "Bad Via");
    const key = "s|" + tkey;
    const existing = this.txns.find(key);
    if (existing) {
      // §17.2.3: a retransmission; the machine resends the last response.
      this.txns.serverEvent(existing, { type: "RequestReceived", message: { bytes: msg.raw, msg } }, now);
      return;
    }
    this.txns.server(key, { bytes: msg.raw, msg }, flow, this.serverUser, {}, now);
  }

  private learnAlias(msg: SipMessage, flow: Flow): void {
    for (const c of msg.contact) {
      const u = c.uri;
      if (!u?.host) continue;
      this.aliases.set(`${u.host.toLowerCase()}:${u.port ?? 5060}`, flow);
      if (u.port === undefined) this.aliases.set(u.host.toLowerCase(), flow);
    }
  }

  /** The TU's view of a new server transaction. */
  private onServerRequest(txn: Txn, msg: SipMessage, now: number): void {
    if (msg.method === "CANCEL") return this.onCancel(txn, msg, now);
    const ruri = msg.requestUri ? parseUri(msg.requestUri) : undefined;
    if (!ruri) return this.respond(txn, 400, { reason: "Bad Request-URI" }, now);
    if (ruri.scheme !== "sip" && ruri.scheme !== "sips" && ruri.scheme !== "tel") return this.respond(txn, 416, {}, now);

    const mfText = msg.header("max-forwards");
    const mf = mfText === undefined ? 70 : Number.parseInt(mfText, 10);
    if (!Number.isFinite(mf) || mf < 0) return this.respond(txn, 400, { reason: "Bad Max-Forwards" }, now);

    let headers = headerLines(msg);
    let routes = msg.route.slice();
    while (routes.length && routes[0].uri && this.isSelf(routes[0].uri.host, routes[0].uri.port)) {
      headers = popTopRoute(headers);
      routes = routes.slice(1);
    }
    const toSelf = ruri.scheme !== "tel" && this.isSelf(ruri.host, ruri.port);
    if (routes.length) {
      if (mf === 0) return this.respond(txn, 483, {}, now);
      return this.proxy(txn, msg, headers, msg.requestUri!, routes[0].uriText, mf, now);
    }
    if (toSelf) return this.local(txn, msg, ruri, headers, mf, now);
    if (mf === 0) return this.respond(txn, 483, {}, now);
    return this.proxy(txn, msg, headers, msg.requestUri!, msg.requestUri!, mf, now);
  }

  private local(txn: Txn, msg: SipMessage, ruri: SipUri, headers: HeaderLine[], mf: number, now: number): void {
    const method = msg.method!;
    const event = (msg.header("event") ?? "").split(";")[0].trim().toLowerCase();
    if (method === "REGISTER") return this.cfg.ims ? this.imsRegister(txn, msg, now) : this.register(txn, msg, now);
    if ((method === "SUBSCRIBE" || method === "PUBLISH") && (ruri.user || msg.to?.tag)) {
      if (event !== "presence") return this.respond(txn, 489, { headers: [{ name: "Allow-Events", value: "presence" }] }, now);
      return method === "SUBSCRIBE" ? this.subscribe(txn, msg, ruri, now) : this.publish(txn, msg, ruri, now);
    }
    const target = ruri.user ? this.lookupTarget(ruri.user, now) : undefined;
    if (method === "OPTIONS" && !target) {
      return this.respond(txn, 200, {
        toTag: this.token().slice(0, 10),
        headers: [
          { name: "Allow", value: ENGINE_ALLOW },
          { name: "Accept", value: "application/sdp, application/pidf+xml" },
          { name: "Supported", value: "path, outbound" },
          { name: "Allow-Events", value: "presence" },
        ],
      }, now);
    }
    if (!KNOWN_METHODS.has(method)) return this.respond(txn, 501, { toTag: this.token().slice(0, 10), headers: [{ name: "Allow", value: ENGINE_ALLOW }] }, now);
    if (!ruri.user) return this.respond(txn, 405, { toTag: this.token().slice(0, 10), headers: [{ name: "Allow", value: "OPTIONS, REGISTER, SUBSCRIBE, PUBLISH" }] }, now);
    if (msg.to?.tag && !target) return this.respond(txn, 481, {}, now);
    if (!target) {
      const known = this.cfg.users.users.has(ruri.user);
      return this.respond(txn, known ? 480 : 404, { toTag: this.token().slice(0, 10) }, now);
    }
    if (mf === 0) return this.respond(txn, 483, {}, now);
    return this.proxy(txn, msg, headers, target, target, mf, now);
  }

  /** The registered (or statically routed) contact for a user. */
  private lookupTarget(user: string, now: number): string | undefined {
    const bindings = this.location.lookup(user, now);
    if (bindings.length) return bindings[bindings.length - 1].uri;
    const r = this.cfg.routes?.[user];
    if (!r) return undefined;
    return r.startsWith("sip:") || r.startsWith("sips:") ? r : `sip:${user}@${r}`;
  }

  private loopHash(msg: SipMessage): string {
    // §16.6 step 8: the loop-detection part of the branch covers what a spiral would change.
    // The top Via is left out so the same request coming round again hashes the same (a loop),
    // while a retargeted one (new Request-URI) does not (a spiral, §16.3 step 4).
    return md5Hex(`${msg.requestUri}|${msg.from?.tag ?? ""}|${msg.to?.tag ?? ""}|${msg.callId}|${msg.cseq?.seq}`).slice(0, 10);
  }

  /** §16.6: forward `msg` to `nextHop`, with `ruri` as the new Request-URI. */
  private proxy(txn: Txn, msg: SipMessage, headersIn: HeaderLine[], ruri: string, nextHop: string, mf: number, now: number): void {
    const flow = this.flowForUri(nextHop);
    if (!flow) {
      this.report("warning", "no-route", `no way to reach ${nextHop} for ${msg.method} ${msg.callId}`);
      return this.respond(txn, msg.to?.tag ? 481 : 480, { toTag: this.token().slice(0, 10), reason: msg.to?.tag ? undefined : "Destination Unreachable" }, now);
    }
    const loop = this.loopHash(msg);
    for (const v of msg.vias) {
      if (this.isSelf(v.host, v.port) && v.branch?.endsWith("." + loop)) return this.respond(txn, 482, {}, now);
    }
    const branch = this.newBranch(loop);
    const via = this.viaFor(flow, branch);
    const method = msg.method!;
    const dialogCreating = !msg.to?.tag && (method === "INVITE" || method === "SUBSCRIBE" || method === "REFER");
    const headers: HeaderLine[] = [{ name: "Via", value: via }];
    let mfDone = false;
    let rrDone = !dialogCreating || this.cfg.recordRoute === false;
    const rr = this.recordRoute(txn.flow, flow);
    for (const h of headersIn) {
      const k = h.name.toLowerCase();
      if (k === "max-forwards") {
        headers.push({ name: h.name, value: String(mf - 1) });
        mfDone = true;
        continue;
      }
      if (!rrDone && k === "record-route") {
        for (const r of rr) headers.push({ name: "Record-Route", value: r });
        rrDone = true;
      }
      headers.push(h);
    }
    if (!mfDone) headers.splice(1, 0, { name: "Max-Forwards", value: String(mf - 1) });
    if (!rrDone) {
      const lastVia = headers.reduce((acc, h, i) => (h.name.toLowerCase() === "via" || h.name === "v" ? i : acc), 0);
      headers.splice(lastVia + 1, 0, ...rr.map((value) => ({ name: "Record-Route", value })));
    }
    const bytes = serializeRequest(method, ruri, headers, msg.body.length ? msg.body : undefined);
    const out: OutRequest = {
      method,
      ruri,
      via,
      callId: msg.callId!,
      from: msg.header("from")!,
      to: msg.header("to")!,
      cseq: msg.cseq!.seq,
      routes: headers.filter((h) => h.name.toLowerCase() === "route").map((h) => h.value),
    };
    const proxy: ProxyContext = { server: txn, final: false, cancelled: false, invite: method === "INVITE" && !msg.to?.tag ? msg : undefined };
    txn.ctx = { proxy };
    this.trackInDialog(msg, now);
    proxy.client = this.txns.client(this.clientKey(via, method), method, { bytes }, flow, this.clientUser, { kind: "proxy", out, proxy } satisfies ClientCtx, now);
  }

  /** Record-Route values: one, or two when the transport changes (both sides must reach us). */
  private recordRoute(inbound: Flow, outbound: Flow): string[] {
    const one = (t: EngineTransport) => `<${this.selfUri(t)};lr>`;
    if (inbound.transport === outbound.transport) return [one(inbound.transport)];
    return [one(outbound.transport), one(inbound.transport)];
  }

  private onAck(msg: SipMessage, flow: Flow, now: number): void {
    const tkey = transactionKey(msg);
    const txn = tkey ? this.txns.find("s|" + tkey) : undefined;
    if (txn && txn.kind === "ist") {
      // ACK for a non-2xx final response: it ends at this hop (§17.2.1).
      this.txns.serverEvent(txn, { type: "AckReceived", message: { bytes: msg.raw, msg } }, now);
      return;
    }
    // ACK for a 2xx: end to end, forwarded statelessly along the route set (§16.6, RFC 6026).
    let headers = headerLines(msg);
    let routes = msg.route.slice();
    while (routes.length && routes[0].uri && this.isSelf(routes[0].uri.host, routes[0].uri.port)) {
      headers = popTopRoute(headers);
      routes = routes.slice(1);
    }
    const ruri = msg.requestUri ? parseUri(msg.requestUri) : undefined;
    let nextHop: string | undefined = routes[0]?.uriText;
    let newRuri = msg.requestUri!;
    if (!nextHop && ruri && this.isSelf(ruri.host, ruri.port)) {
      // Retargeted like its INVITE was: the Request-URI becomes the registered/routed contact.
      nextHop = ruri.user ? this.lookupTarget(ruri.user, now) : undefined;
      if (nextHop) newRuri = nextHop;
    } else if (!nextHop) nextHop = msg.requestUri;
    const target = nextHop ? this.flowForUri(nextHop) : undefined;
    if (!target) return; // an ACK is never answered
    const mf = Number.parseInt(msg.header("max-forwards") ?? "70", 10);
    if (!(mf > 0)) return;
    // Same branch for a retransmitted ACK: derived from the incoming one.
    const branch = "z9hG4bK-ssa" + md5Hex(`${msg.vias[0].branch}|${msg.callId}|${msg.cseq?.seq}`).slice(0, 16);
    const out: HeaderLine[] = [{ name: "Via", value: this.viaFor(target, branch) }];
    let mfDone = false;
    for (const h of headers) {
      if (h.name.toLowerCase() === "max-forwards") {
        out.push({ name: h.name, value: String(mf - 1) });
        mfDone = true;
      } else out.push(h);
    }
    if (!mfDone) out.splice(1, 0, { name: "Max-Forwards", value: "69" });
    this.trackInDialog(msg, now);
    this.emitSend(target, serializeRequest("ACK", newRuri, out, msg.body.length ? msg.body : undefined));
  }

  private onCancel(txn: Txn, msg: SipMessage, now: number): void {
    const target = this.txns.find("s|" + (cancelTargetKey(msg) ?? ""));
    if (!target || target.kind !== "ist") return this.respond(txn, 481, {}, now);
    this.respond(txn, 200, {}, now);
    const proxy: ProxyContext | undefined = target.ctx?.proxy;
    if (proxy) {
      if (proxy.final || proxy.cancelled) return;
      proxy.cancelled = true;
      // The machine sends CANCEL now if a provisional arrived, else when one does (§9.1).
      if (proxy.client && !proxy.client.done) this.txns.clientEvent(proxy.client, { type: "TuCancel" }, now);
      return;
    }
    const st = target.state?.state;
    if (st === "Proceeding") this.respond(target, 487, { toTag: this.token().slice(0, 10) }, now);
  }

  private sendCancel(txn: Txn, now: number): void {
    const ctx = txn.ctx as ClientCtx;
    const o = ctx.out;
    const headers: HeaderLine[] = [
      { name: "Via", value: o.via },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: o.from },
      { name: "To", value: o.to },
      { name: "Call-ID", value: o.callId },
      { name: "CSeq", value: `${o.cseq} CANCEL` },
      ...o.routes.map((value) => ({ name: "Route", value })),
    ];
    const bytes = serializeRequest("CANCEL", o.ruri, headers);
    const out: OutRequest = { ...o, method: "CANCEL" };
    this.txns.client(this.clientKey(o.via, "CANCEL"), "CANCEL", { bytes }, txn.flow, this.clientUser, { kind: "cancel", out } satisfies ClientCtx, now);
  }

  private sendAck(txn: Txn, response: Wire): void {
    const o = (txn.ctx as ClientCtx).out;
    const headers: HeaderLine[] = [
      { name: "Via", value: o.via },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: o.from },
      { name: "To", value: response.msg?.header("to") ?? o.to },
      { name: "Call-ID", value: o.callId },
      { name: "CSeq", value: `${o.cseq} ACK` },
      ...o.routes.map((value) => ({ name: "Route", value })),
    ];
    this.emitSend(txn.flow, serializeRequest("ACK", o.ruri, headers));
  }

  // ---- responses ----------------------------------------------------------------------------

  private onResponse(msg: SipMessage, flow: Flow, now: number): void {
    const via = msg.vias[0];
    if (!via || !msg.status || !msg.cseq) {
      this.stats.dropped++;
      this.report("warning", "malformed", `dropped malformed response from ${flow.remote.ip}:${flow.remote.port}`);
      return;
    }
    if (flow.conn !== undefined) this.learnAlias(msg, flow);
    const tkey = transactionKey(msg);
    const txn = tkey ? this.txns.find("c|" + tkey) : undefined;
    if (txn) {
      this.txns.clientEvent(txn, { type: "ResponseReceived", status: msg.status, message: { bytes: msg.raw, msg, status: msg.status } }, now);
      return;
    }
    // A 2xx retransmission after the client transaction ended: forward it statelessly (§16.7 step 3 / RFC 6026).
    if (msg.cseq.method === "INVITE" && msg.status >= 200 && msg.status < 300 && this.isSelf(via.host, via.port) && msg.vias.length > 1) {
      const next = msg.vias[1];
      const host = next.received ?? next.host;
      const port = typeof next.rport === "number" ? next.rport : next.port ?? 5060;
      const target = this.flowForUri(`sip:${host}:${port};transport=${next.transport.toLowerCase()}`);
      if (target) this.emitSend(target, serializeResponse(msg.status, msg.reason, popTopVia(headerLines(msg)), msg.body.length ? msg.body : undefined));
      return;
    }
    this.stats.dropped++;
  }

  private onClientResponse(txn: Txn, wire: Wire, now: number): void {
    const ctx = txn.ctx as ClientCtx;
    const msg = wire.msg!;
    const status = msg.status!;
    if (ctx.kind === "proxy") {
      const proxy = ctx.proxy;
      if (status === 100) return;
      const bytes = serializeResponse(status, msg.reason, popTopVia(headerLines(msg)), msg.body.length ? msg.body : undefined);
      if (ctx.out.method === "INVITE" && status >= 200 && status < 300 && proxy.invite) this.recordDialog(proxy, txn, msg, now);
      if (status >= 200) proxy.invite = undefined;
      if (ctx.out.method === "BYE" && status >= 200) this.endTracked(msg.callId!);
      if (status >= 200) proxy.final = true;
      if (!proxy.server.done) this.txns.respond(proxy.server, bytes, status, now);
      else if (status >= 200 && status < 300) this.emitSend(proxy.server.flow, bytes);
      return;
    }
    if (status < 200) return;
    if (ctx.kind === "bye") {
      ctx.dialog.byes = { ...ctx.dialog.byes, [ctx.side]: `${status} ${msg.reason ?? ""}`.trim() };
      return;
    }
    if (ctx.kind === "notify") {
      if (status === 481 || status === 408 || status >= 500) this.dropWatcher(ctx.watcher, `NOTIFY answered ${status}`);
    }
  }

  private onClientFailure(txn: Txn, error: string, now: number): void {
    const ctx = txn.ctx as ClientCtx;
    if (ctx.kind === "proxy") {
      const proxy = ctx.proxy;
      if (proxy.final) return;
      proxy.final = true;
      const status = proxy.cancelled ? 487 : error === "timeout" ? 408 : 503;
      this.report("info", "downstream-" + error, `${ctx.out.method} to ${txn.flow.remote.ip}:${txn.flow.remote.port}: ${error}, answering ${status}`);
      if (!proxy.server.done) this.respond(proxy.server, status, { toTag: this.token().slice(0, 10) }, now);
      return;
    }
    if (ctx.kind === "bye") {
      ctx.dialog.byes = { ...ctx.dialog.byes, [ctx.side]: error };
      return;
    }
    if (ctx.kind === "notify") this.dropWatcher(ctx.watcher, `NOTIFY failed: ${error}`);
  }

  // ---- dialogs ------------------------------------------------------------------------------

  private recordDialog(proxy: ProxyContext, client: Txn, resp: SipMessage, now: number): void {
    const inv = proxy.invite!;
    const callId = inv.callId!;
    const fromTag = inv.from?.tag ?? "";
    const toTag = resp.to?.tag ?? "";
    const existing = this.dialogsByCallId.get(callId)?.find((d) => d.caller.tag === fromTag && d.callee.tag === toTag);
    if (existing) return;
    const d: DialogRecord = {
      id: `d${++this.stats.dialogs}`,
      callId,
      caller: { header: inv.header("from")!, tag: fromTag, contact: inv.contact[0]?.uriText ?? inv.from!.uriText, flow: proxy.server.flow, cseq: inv.cseq!.seq },
      callee: { header: resp.header("to")!, tag: toTag, contact: resp.contact[0]?.uriText ?? inv.requestUri!, flow: client.flow, cseq: 0 },
      state: "confirmed",
      createdAt: now,
    };
    this.dialogs.set(d.id, d);
    const list = this.dialogsByCallId.get(callId) ?? [];
    list.push(d);
    this.dialogsByCallId.set(callId, list);
  }

  private findDialog(callId: string, tagA?: string, tagB?: string): DialogRecord | undefined {
    return this.dialogsByCallId.get(callId)?.find((d) => (d.caller.tag === tagA && d.callee.tag === tagB) || (d.caller.tag === tagB && d.callee.tag === tagA));
  }

  /** Keep each side's CSeq (the engine's own BYEs must be higher) and see BYEs go by. */
  private trackInDialog(msg: SipMessage, now: number): void {
    if (!msg.to?.tag || !msg.callId) return;
    const d = this.findDialog(msg.callId, msg.from?.tag, msg.to.tag);
    if (!d) return;
    const side = d.caller.tag === msg.from?.tag ? d.caller : d.callee;
    if (msg.method !== "ACK" && msg.cseq) side.cseq = Math.max(side.cseq, msg.cseq.seq);
    if (msg.method === "BYE") d.state = "terminated";
    void now;
  }

  private endTracked(callId: string): void {
    const list = this.dialogsByCallId.get(callId);
    if (!list) return;
    for (const d of list) if (d.state === "terminated" && !d.byes) this.forgetDialog(d);
  }

  private forgetDialog(d: DialogRecord): void {
    this.dialogs.delete(d.id);
    const list = this.dialogsByCallId.get(d.callId)?.filter((x) => x !== d);
    if (list?.length) this.dialogsByCallId.set(d.callId, list);
    else this.dialogsByCallId.delete(d.callId);
  }

  /**
   * Bug 4 of DESIGN §2 done right: both BYEs are built and handed to their transactions in one
   * step, before any answer can be processed, so the first side's 200 OK cannot cancel the second.
   */
  private byeBothSides(d: DialogRecord, now: number): void {
    d.state = "terminated";
    d.byes = {};
    const sides: ["callee" | "caller", DialogParty, DialogParty][] = [["callee", d.caller, d.callee], ["caller", d.callee, d.caller]];
    for (const [side, fromParty, toParty] of sides) {
      const flow = this.flowForUri(toParty.contact) ?? (toParty.flow.conn === undefined || this.liveConns.has(toParty.flow.conn) ? toParty.flow : undefined);
      if (!flow) {
        d.byes[side] = "unreachable";
        this.report("warning", "bye-unreachable", `dialog ${d.id}: no way to reach the ${side} at ${toParty.contact}; BYE to the other side still sent`);
        continue;
      }
      fromParty.cseq += 1;
      const via = this.viaFor(flow, this.newBranch());
      const out: OutRequest = { method: "BYE", ruri: toParty.contact, via, callId: d.callId, from: fromParty.header, to: toParty.header, cseq: fromParty.cseq, routes: [] };
      const headers: HeaderLine[] = [
        { name: "Via", value: via },
        { name: "Max-Forwards", value: "70" },
        { name: "From", value: fromParty.header },
        { name: "To", value: toParty.header },
        { name: "Call-ID", value: d.callId },
        { name: "CSeq", value: `${fromParty.cseq} BYE` },
        { name: "Reason", value: 'SIP;cause=200;text="dialog ended by the engine"' },
      ];
      const bytes = serializeRequest("BYE", toParty.contact, headers);
      this.txns.client(this.clientKey(via, "BYE"), "BYE", { bytes }, flow, this.clientUser, { kind: "bye", out, dialog: d, side } satisfies ClientCtx, now);
    }
    this.report("info", "dialog-ended", `dialog ${d.id} (${d.callId}): BYE sent to caller and callee`);
  }

  // ---- registrar ----------------------------------------------------------------------------

  private newNonce(now: number, extra: { ha1?: string; user?: string } = {}): string {
    if (this.nonces.size > 20000) for (const [n, v] of this.nonces) if (v.expiresAt < now) this.nonces.delete(n);
    const nonce = md5Hex(`${this.token()}:${now}:${this.counter++}`);
    this.nonces.set(nonce, { expiresAt: now + NONCE_LIFETIME, ...extra });
    return nonce;
  }

  private challenge(txn: Txn, realm: string, now: number, stale = false, nonceExtra: { ha1?: string; user?: string } = {}): void {
    const nonce = this.newNonce(now, nonceExtra);
    this.respond(txn, 401, { toTag: this.token().slice(0, 10), headers: [{ name: "WWW-Authenticate", value: challengeHeader({ realm, nonce, qop: "auth", stale }) }] }, now);
  }

  private register(txn: Txn, msg: SipMessage, now: number): void {
    const user = msg.to?.uri?.user;
    if (!user) return this.respond(txn, 400, { reason: "No User in To" }, now);
    const realm = this.cfg.users.realm;
    if (this.cfg.registrarAuth === false) return this.saveBindings(txn, msg, user, now, []);
    const creds = parseDigestCredentials(msg.header("authorization"));
    if (!creds) return this.challenge(txn, realm, now);
    const rec = this.cfg.users.users.get(creds.username?.split("@")[0] ?? "");
    if (!rec || rec.user !== user) return this.respond(txn, 403, { toTag: this.token().slice(0, 10), reason: "Forbidden (unknown user)" }, now);
    const verdict = verifyDigest(ha1(creds.username!, creds.realm ?? realm, rec.password), "REGISTER", creds, (n) => (this.nonces.get(n)?.expiresAt ?? 0) > now);
    if (verdict === "unknown-nonce") return this.challenge(txn, realm, now, true);
    if (verdict !== "ok") return this.respond(txn, 403, { toTag: this.token().slice(0, 10), reason: "Forbidden (bad credentials)" }, now);
    this.saveBindings(txn, msg, user, now, []);
  }

  private saveBindings(txn: Txn, msg: SipMessage, user: string, now: number, extra: HeaderLine[]): void {
    const headerExpires = msg.header("expires") !== undefined ? Number.parseInt(msg.header("expires")!, 10) : undefined;
    if (msg.contact.some((c) => c.uriText === "*")) {
      if (headerExpires !== 0 || msg.contact.length > 1) return this.respond(txn, 400, { reason: "Bad Wildcard Contact" }, now);
      this.location.removeAll(user);
    } else {
      for (const c of msg.contact) {
        const p = c.params.expires;
        let exp = p != null ? Number.parseInt(p, 10) : headerExpires ?? REGISTER_MAX_EXPIRES;
        if (!Number.isFinite(exp) || exp < 0) exp = REGISTER_MAX_EXPIRES;
        this.location.update(user, c.uriText, Math.min(exp, REGISTER_MAX_EXPIRES), txn.flow, msg.callId!, msg.cseq!.seq, now);
      }
    }
    this.stats.registrations++;
    const contacts = this.location.lookup(user, now).map((b) => ({ name: "Contact", value: `<${b.uri}>;expires=${Math.max(0, Math.round(b.expiresAt - now))}` }));
    this.respond(txn, 200, { toTag: this.token().slice(0, 10), headers: [...contacts, ...extra] }, now);
  }

  // ---- IMS S-CSCF ---------------------------------------------------------------------------

  private scscfName(): string {
    return `sip:scscf.${this.cfg.users.realm}:${this.listenFor("udp").port}`;
  }

  private imsRegister(txn: Txn, msg: SipMessage, now: number): void {
    const to = msg.to?.uri;
    const user = to?.user;
    if (!user || !to) return this.respond(txn, 400, { reason: "No User in To" }, now);
    const impu = `sip:${user}@${to.host}`;
    const creds = parseDigestCredentials(msg.header("authorization"));
    const impi = creds?.username ?? `${user}@${this.cfg.users.realm}`;
    if (creds?.response && creds.nonce) {
      const n = this.nonces.get(creds.nonce);
      if (!n || n.expiresAt <= now || !n.ha1) return this.sendDiameterRequest("MAR", txn, msg, user, impu, impi, now); // stale: re-challenge via the HSS
      const verdict = verifyDigest(n.ha1, "REGISTER", creds, () => true);
      if (verdict !== "ok") return this.respond(txn, 403, { toTag: this.token().slice(0, 10), reason: "Forbidden (bad credentials)" }, now);
      return this.sendDiameterRequest("SAR", txn, msg, user, impu, impi, now);
    }
    this.sendDiameterRequest("MAR", txn, msg, user, impu, impi, now);
  }

  private sendDiameterRequest(kind: "MAR" | "SAR", txn: Txn, msg: SipMessage, user: string, impu: string, impi: string, now: number): void {
    const hbh = this.hopByHop++;
    const realm = this.cfg.users.realm;
    const ids = { hopByHop: hbh, endToEnd: hbh };
    const head = {
      sessionId: `scscf.${realm};${hbh};${this.token().slice(0, 8)}`,
      originHost: `scscf.${realm}`,
      originRealm: realm,
      destinationRealm: realm,
      userName: impi,
      publicIdentity: impu,
      serverName: this.scscfName(),
    };
    const bytes =
      kind === "MAR"
        ? buildMar(ids, { ...head, authenticationScheme: "SIP Digest", numberAuthItems: 1 })
        : buildSar(ids, { ...head, serverAssignmentType: "REGISTRATION", userDataAlreadyAvailable: "USER_DATA_NOT_AVAILABLE" });
    this.pendingDiameter.set(hbh, { kind, txn, msg, user, impu, impi });
    this.out.push({ kind: "diameter", bytes });
    this.out.push({ kind: "timer", key: `dia.${hbh}`, at: now + (this.cfg.diameterTimeout ?? 5) });
  }

  private onDiameterAnswer(bytes: Uint8Array, now: number): void {
    const ans = decodeDiameterFrame(bytes);
    if (!ans || ans.flags.request) return;
    const p = this.pendingDiameter.get(ans.hopByHop);
    if (!p) return; // CEA or a late answer
    this.pendingDiameter.delete(ans.hopByHop);
    this.out.push({ kind: "clear", key: `dia.${ans.hopByHop}` });
    const result = ans.resultCode ?? ans.experimentalResultCode;
    // Bug 1 of DESIGN §2 done right: the suspended SIP transaction is resumed from the answer
    // itself, whatever state its timers are in (respond() sends even if the transaction ended).
    if (p.kind === "MAR") {
      if (result !== 2001) return this.respond(p.txn, result === 5001 ? 403 : 500, { toTag: this.token().slice(0, 10), reason: result === 5001 ? "Forbidden (user unknown)" : undefined }, now);
      const item = ans.avps.find((a) => a.name === "SIP-Auth-Data-Item");
      const sub = item?.children?.find((a) => a.name === "SIP-Digest-Authenticate")?.children ?? [];
      const text = (name: string) => {
        const v = findAvp(sub, name)?.value;
        return typeof v === "string" ? v : undefined;
      };
      const ha1Hex = text("Digest-HA1");
      const realm = text("Digest-Realm") ?? this.cfg.users.realm;
      if (!ha1Hex) return this.respond(p.txn, 500, { reason: "HSS Sent No Digest" }, now);
      return this.challenge(p.txn, realm, now, false, { ha1: ha1Hex, user: p.user });
    }
    if (result !== 2001) return this.respond(p.txn, 403, { toTag: this.token().slice(0, 10) }, now);
    this.saveBindings(p.txn, p.msg, p.user, now, [
      { name: "P-Associated-URI", value: `<${p.impu}>` },
      { name: "Service-Route", value: `<${this.selfUri(p.txn.flow.transport, "orig")};lr>` },
    ]);
  }

  private onDiameterTimeout(hbh: number, now: number): void {
    const p = this.pendingDiameter.get(hbh);
    if (!p) return;
    this.pendingDiameter.delete(hbh);
    this.report("warning", "diameter-timeout", `no ${p.kind === "MAR" ? "MAA" : "SAA"} from the HSS for ${p.impu}; answering 504`);
    this.respond(p.txn, 504, { toTag: this.token().slice(0, 10) }, now);
  }

  // ---- presence -----------------------------------------------------------------------------

  private presentity(key: string): Presentity {
    let p = this.presentities.get(key);
    if (!p) {
      p = {};
      this.presentities.set(key, p);
    }
    return p;
  }

  private subscribe(txn: Txn, msg: SipMessage, ruri: SipUri, now: number): void {
    const expText = msg.header("expires");
    let expires = expText === undefined ? SUBSCRIBE_MAX_EXPIRES : Number.parseInt(expText, 10);
    if (!Number.isFinite(expires) || expires < 0) expires = SUBSCRIBE_MAX_EXPIRES;
    expires = Math.min(expires, SUBSCRIBE_MAX_EXPIRES);
    let w: Watcher | undefined;
    if (msg.to?.tag) {
      w = [...this.watchers.values()].find((x) => x.callId === msg.callId && x.localTag === msg.to!.tag && x.remoteTag === msg.from?.tag);
      if (!w || w.state !== "active") return this.respond(txn, 481, {}, now);
      w.expiresAt = now + expires;
      if (msg.contact[0]) w.contact = msg.contact[0].uriText;
      this.respond(txn, 200, { headers: [{ name: "Expires", value: String(expires) }, { name: "Contact", value: `<${this.selfUri(txn.flow.transport, "presence")}>` }] }, now);
    } else {
      const presentity = (ruri.user ?? "").toLowerCase();
      const localTag = this.token().slice(0, 12);
      const toHeader = msg.header("to")!;
      w = {
        id: `w${++this.counter}`,
        presentity,
        callId: msg.callId!,
        localTag,
        remoteTag: msg.from?.tag ?? "",
        watcherHeader: msg.header("from")!,
        ourHeader: `${toHeader};tag=${localTag}`,
        contact: msg.contact[0]?.uriText ?? msg.from!.uriText,
        flow: txn.flow,
        cseq: 0,
        expiresAt: now + expires,
        state: "active",
        routeSet: msg.recordRoute.map((r) => r.raw),
      };
      if (expires > 0) this.watchers.set(w.id, w);
      this.respond(txn, 200, { toTag: localTag, headers: [{ name: "Expires", value: String(expires) }, { name: "Contact", value: `<${this.selfUri(txn.flow.transport, "presence")}>` }] }, now);
    }
    // RFC 6665 §4.2.1.2: a NOTIFY follows every accepted SUBSCRIBE (the current state, or terminated).
    if (expires === 0) {
      w.state = "terminated";
      this.sendNotify(w, now, "terminated;reason=timeout");
      this.watchers.delete(w.id);
    } else this.sendNotify(w, now);
  }

  private publish(txn: Txn, msg: SipMessage, ruri: SipUri, now: number): void {
    const key = (ruri.user ?? msg.to?.uri?.user ?? "").toLowerCase();
    const p = this.presentity(key);
    const ifMatch = msg.header("sip-if-match");
    const expText = msg.header("expires");
    const expires = Math.min(expText === undefined ? 3600 : Number.parseInt(expText, 10) || 0, 3600);
    if (ifMatch !== undefined && ifMatch !== p.etag) return this.respond(txn, 412, { reason: "Conditional Request Failed" }, now);
    const body = msg.body.length ? decodeText(msg.body) : undefined;
    if (body !== undefined && !isPidf(body)) return this.respond(txn, 415, { headers: [{ name: "Accept", value: PIDF_TYPE }] }, now);
    if (body === undefined && ifMatch === undefined) return this.respond(txn, 400, { reason: "PUBLISH Without Body" }, now);
    let changed = false;
    if (expires === 0) {
      p.doc = undefined;
      p.etag = undefined;
      changed = true;
    } else {
      if (body !== undefined) {
        changed = body !== p.doc;
        p.doc = body;
      }
      p.etag = this.token().slice(0, 12);
      p.expiresAt = now + expires;
    }
    this.respond(txn, 200, { toTag: this.token().slice(0, 10), headers: [...(p.etag ? [{ name: "SIP-ETag", value: p.etag }] : []), { name: "Expires", value: String(expires) }] }, now);
    if (changed) this.notifyWatchers(key, now);
  }

  /**
   * Bug 5 of DESIGN §2 done right: one NOTIFY per active watcher; a watcher whose connection is
   * gone is skipped and reported, and the loop goes on to the next one.
   */
  private notifyWatchers(presentity: string, now: number): void {
    for (const w of [...this.watchers.values()]) {
      if (w.presentity !== presentity || w.state !== "active") continue;
      if (w.expiresAt <= now) {
        this.dropWatcher(w, "subscription expired");
        continue;
      }
      // A watcher that subscribed over a connection is reachable only over that connection.
      if (w.flow.conn !== undefined && !this.liveConns.has(w.flow.conn)) {
        this.stats.skippedWatchers++;
        this.report("warning", "watcher-connection-gone", `watcher ${w.id} of ${presentity} (${w.contact}): its ${w.flow.transport.toUpperCase()} connection is closed; NOTIFY skipped, the other watchers are still notified`, { watcher: w.id });
        this.watchers.delete(w.id);
        w.state = "terminated";
        continue;
      }
      this.sendNotify(w, now);
    }
  }

  private dropWatcher(w: Watcher, why: string): void {
    if (!this.watchers.has(w.id)) return;
    this.watchers.delete(w.id);
    w.state = "terminated";
    this.report("info", "watcher-removed", `watcher ${w.id} of ${w.presentity} removed: ${why}`);
  }

  private sendNotify(w: Watcher, now: number, state?: string): void {
    const flow = w.flow.conn !== undefined ? w.flow : this.flowForUri(w.contact) ?? w.flow;
    const p = this.presentities.get(w.presentity);
    const doc = p?.doc ?? buildPidf(`sip:${w.presentity}@${this.cfg.users.realm}`, "closed");
    const subState = state ?? `active;expires=${Math.max(1, Math.round(w.expiresAt - now))}`;
    w.cseq += 1;
    const via = this.viaFor(flow, this.newBranch());
    const routes = w.routeSet.slice().reverse();
    const headers: HeaderLine[] = [
      { name: "Via", value: via },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: w.ourHeader },
      { name: "To", value: w.watcherHeader },
      { name: "Call-ID", value: w.callId },
      { name: "CSeq", value: `${w.cseq} NOTIFY` },
      ...routes.map((value) => ({ name: "Route", value })),
      { name: "Contact", value: `<${this.selfUri(flow.transport, "presence")}>` },
      { name: "Event", value: "presence" },
      { name: "Subscription-State", value: subState },
      { name: "Content-Type", value: PIDF_TYPE },
    ];
    const bytes = serializeRequest("NOTIFY", w.contact, headers, encodeText(doc));
    const out: OutRequest = { method: "NOTIFY", ruri: w.contact, via, callId: w.callId, from: w.ourHeader, to: w.watcherHeader, cseq: w.cseq, routes };
    this.stats.notifies++;
    this.txns.client(this.clientKey(via, "NOTIFY"), "NOTIFY", { bytes }, flow, this.clientUser, { kind: "notify", out, watcher: w } satisfies ClientCtx, now);
  }
}

function isKeepAlive(b: Uint8Array): boolean {
  if (b.length === 0 || b.length > 4) return b.length === 0;
  for (const c of b) if (c !== 13 && c !== 10) return false;
  return true;
}

export { REASONS };
