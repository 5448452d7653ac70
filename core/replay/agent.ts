/**
 * One replaying endpoint (a user agent of the captured flow), sans-I/O. Its *decisions* come from
 * the script — which requests to send and when, which responses to give — while its transaction
 * layer is the shared machines (core/machines through the engine's TransactionTable): UDP
 * retransmissions, the ACK for a non-2xx final response, CANCEL only after a provisional, answering
 * retransmitted requests. The node runner feeds it bytes and timer firings and executes its effects.
 */
import type { SipMessage } from "../protocols/sip/types";
import { parseSip } from "../protocols/sip/parse";
import { transactionKey } from "../machines/transaction-key";
import type { TimerName } from "../machines/timers";
import { TransactionTable, type Txn, type TxnUser, type Wire } from "../engine/transactions";
import { buildResponse, latin1, latin1Bytes, serializeRequest, type HeaderLine } from "../engine/sip-build";
import { md5Hex } from "../engine/md5";
import { runDeferred } from "../engine/run-deferred";
import type { Flow } from "../engine/types";
import { gateLabel, messageLabel, type CapturedMessage, type EndpointScript, type ScriptStep } from "./script";
import type { Rewriter } from "./rewrite";

export type AgentEffect =
  /** Send to the server, or to `to` (an endpoint reached directly: no Record-Route in the capture). */
  | { kind: "send"; bytes: Uint8Array; to?: { ip: string; port: number } }
  /** An HTTP request for the server's HTTP port (the runner performs it and reports the answer label). */
  | { kind: "http"; bytes: Uint8Array }
  | { kind: "timer"; key: string; at: number }
  | { kind: "close" }
  | { kind: "log"; text: string };

export interface AgentOptions {
  script: EndpointScript;
  rewrite: Rewriter;
  /** The agent's own sent-by / contact address. */
  self: { transport: "UDP" | "TCP" | "WS"; host: string; port: number };
  /** Replay clock value at which captured time t0 is played. */
  start: number;
  speed: number;
  /** Seconds an action waits for the messages that preceded it in the capture before going anyway. */
  grace: number;
  password(user: string): string | undefined;
  random(): string;
}

interface DialogInfo {
  remoteTag?: string;
  target?: string;
  routes?: string[];
}

const DEFAULT_OK = new Set(["BYE", "NOTIFY", "OPTIONS", "INFO", "UPDATE", "MESSAGE", "PRACK", "SUBSCRIBE", "PUBLISH", "REFER"]);

export class ReplayAgent {
  readonly id: string;
  private readonly txns: TransactionTable;
  private out: AgentEffect[] = [];
  private readonly deferred: (() => void)[] = [];
  private next = 0;
  private readonly got = new Map<string, number>();
  private readonly need: Map<string, number>[] = [];
  private readyAt = new Map<number, number>();
  private readonly consumed = new Set<number>();
  /** Captured Call-ID -> what this agent learned of the dialog in the replay. */
  private readonly dialogs = new Map<string, DialogInfo>();
  private challenge?: { header: string; value: string };
  private pendingAnswers = 0;
  private counter = 0;
  private readonly flow: Flow;
  readonly sentLabels: string[] = [];

  constructor(private readonly o: AgentOptions) {
    this.id = o.script.id;
    this.flow = { transport: o.self.transport === "WS" ? "ws" : o.self.transport === "TCP" ? "tcp" : "udp", local: { ip: o.self.host, port: o.self.port }, remote: { ip: "0.0.0.0", port: 0 } };
    this.txns = new TransactionTable({
      send: (f, bytes) => this.emit(bytes, f.remote.port ? f.remote : undefined),
      armTimer: (key, at) => this.out.push({ kind: "timer", key, at }),
      clearTimer: () => undefined, // stale firings are ignored by the machines
      sendAck: (txn, resp) => this.sendAck(txn, resp),
      sendCancel: (txn, now) => this.sendCancel(txn, now),
      sendTrying: () => undefined,
    });
    // Cumulative label counts each step waits for.
    const acc = new Map<string, number>();
    for (const step of o.script.steps) {
      for (const l of step.waitFor) acc.set(l, (acc.get(l) ?? 0) + 1);
      this.need.push(new Map(acc));
    }
  }

  get finished(): boolean {
    return this.next >= this.o.script.steps.length && this.pendingAnswers === 0;
  }

  /** When the next step is due (replay clock), for the runner's end-of-replay decision. */
  get nextDue(): number | undefined {
    const s = this.o.script.steps[this.next];
    return s ? this.o.start + s.at / this.o.speed : undefined;
  }

  private run(fn: () => void): AgentEffect[] {
    this.out = [];
    runDeferred(fn, this.deferred, (e) => this.out.push({ kind: "log", text: `agent ${this.id}: ${(e as Error)?.stack ?? e}` }));
    return this.out;
  }

  private emit(bytes: Uint8Array, to?: { ip: string; port: number }): void {
    this.out.push({ kind: "send", bytes, to });
  }

  /** Where an in-dialog request goes when the dialog has no route set: the remote target itself. */
  private directTarget(dlg: DialogInfo | undefined): { ip: string; port: number } | undefined {
    if (!dlg?.target || (dlg.routes && dlg.routes.length) || this.o.self.transport === "WS") return undefined;
    const m = /^sips?:(?:[^@]*@)?(\d+\.\d+\.\d+\.\d+)(?::(\d+))?/i.exec(dlg.target);
    return m ? { ip: m[1], port: Number(m[2] ?? 5060) } : undefined;
  }

  start(now: number): AgentEffect[] {
    return this.run(() => this.pump(now));
  }

  timer(key: string, now: number): AgentEffect[] {
    return this.run(() => {
      const t = /^t(\d+)\.([A-M])$/.exec(key);
      if (t) return this.txns.timerFired(Number(t[1]), t[2] as TimerName, now);
      if (key === "step") return this.pump(now);
      const a = /^ans\.(\d+)\.(\d+)$/.exec(key);
      if (a) return this.fireAnswer(Number(a[1]), Number(a[2]), now);
    });
  }

  /** A label the runner observed on our behalf (HTTP answers). */
  noteReceived(label: string, now: number): AgentEffect[] {
    return this.run(() => {
      this.count(label.startsWith("HTTP ") && /^HTTP \d{3}$/.test(label) ? "HTTP response" : label);
      this.pump(now);
    });
  }

  /** A message arrived (from `from` when known: responses go back where the request came from). */
  receive(bytes: Uint8Array, now: number, from?: { ip: string; port: number }): AgentEffect[] {
    return this.run(() => {
      const msg = parseSip(bytes);
      if (msg.kind === "response" && msg.status) {
        const key = transactionKey(msg);
        const txn = key ? this.txns.find("c|" + key) : undefined;
        if (txn) this.txns.clientEvent(txn, { type: "ResponseReceived", status: msg.status, message: { bytes, msg, status: msg.status } }, now);
        return;
      }
      if (msg.kind !== "request" || !msg.method || !msg.vias.length) return;
      const key = transactionKey(msg);
      if (msg.method === "ACK") {
        const txn = key ? this.txns.find("s|" + key) : undefined;
        if (txn && txn.kind === "ist") this.txns.serverEvent(txn, { type: "AckReceived", message: { bytes, msg } }, now);
        this.count("ACK");
        this.pump(now);
        return;
      }
      const existing = key ? this.txns.find("s|" + key) : undefined;
      if (existing) return this.txns.serverEvent(existing, { type: "RequestReceived", message: { bytes, msg } }, now);
      if (key) this.txns.server("s|" + key, { bytes, msg }, from ? { ...this.flow, remote: from } : { ...this.flow }, this.serverUser, {}, now, false);
    });
  }

  private count(label: string): void {
    this.got.set(label, (this.got.get(label) ?? 0) + 1);
  }

  // ---- steps --------------------------------------------------------------------------------

  private pump(now: number): void {
    if (this.answerQueue.size) this.retryAnswers(now);
    const steps = this.o.script.steps;
    while (this.next < steps.length) {
      const step = steps[this.next];
      const due = this.o.start + step.at / this.o.speed;
      if (now + 1e-4 < due) {
        this.out.push({ kind: "timer", key: "step", at: due });
        return;
      }
      const need = this.need[this.next];
      let ok = true;
      for (const [l, n] of need) if ((this.got.get(l) ?? 0) < n) ok = false;
      if (!ok) {
        if (!this.readyAt.has(this.next)) this.readyAt.set(this.next, now);
        const giveUp = this.readyAt.get(this.next)! + this.o.grace;
        if (now + 1e-4 < giveUp) {
          this.out.push({ kind: "timer", key: "step", at: giveUp });
          return;
        }
        this.out.push({ kind: "log", text: `agent ${this.id}: step ${this.next} goes without ${[...need].filter(([l, n]) => (this.got.get(l) ?? 0) < n).map(([l]) => l).join(", ")}` });
      }
      this.next++;
      this.execute(step, now);
    }
  }

  private execute(step: ScriptStep, now: number): void {
    if (step.kind === "close") {
      this.out.push({ kind: "close" });
      return;
    }
    const m = step.msg;
    if (m.http) {
      this.out.push({ kind: "http", bytes: latin1Bytes(this.o.rewrite.text(latin1(m.http.raw))) });
      this.sentLabels.push(messageLabel(m));
      return;
    }
    if (m.sip) this.sendRequest(m.sip, now);
  }

  private newBranch(): string {
    return `z9hG4bK-rp${this.id}${(this.counter++).toString(36)}${this.o.random().slice(0, 6)}`;
  }

  private via(branch: string): string {
    return `SIP/2.0/${this.o.self.transport} ${this.o.self.host}:${this.o.self.port};branch=${branch};rport`;
  }

  private sendRequest(cap: SipMessage, now: number): void {
    const rw = this.o.rewrite;
    const method = cap.method!;
    const capCallId = cap.callId ?? "";
    const callId = rw.callId(capCallId);
    const dlg = this.dialogs.get(capCallId);
    const inDialog = !!cap.to?.tag;
    const branch = this.newBranch();
    const via = this.via(branch);
    const headers: HeaderLine[] = [{ name: "Via", value: via }];
    let routesDone = false;
    for (const f of cap.fields) {
      const k = f.key;
      if (k === "via" || k === "content-length" || k === "record-route" || k === "authorization" || k === "proxy-authorization") continue;
      if (k === "call-id") headers.push({ name: f.name, value: callId });
      else if (k === "from") {
        const tag = cap.from?.tag;
        if (tag) rw.ownTag(tag);
        headers.push({ name: f.name, value: rw.tagsIn(rw.text(f.value)) });
      } else if (k === "to") {
        let v = rw.text(f.value);
        if (inDialog && dlg?.remoteTag) v = v.replace(/;\s*tag=[^;,\s>]+/i, `;tag=${dlg.remoteTag}`);
        else v = rw.tagsIn(v);
        headers.push({ name: f.name, value: v });
      } else if (k === "route") {
        if (inDialog && dlg?.routes) {
          if (!routesDone) for (const r of dlg.routes) headers.push({ name: "Route", value: r });
          routesDone = true;
        } else headers.push({ name: f.name, value: rw.text(f.value) });
      } else headers.push({ name: f.name, value: rw.text(f.value) });
    }
    if (inDialog && dlg?.routes && !routesDone) headers.splice(1, 0, ...dlg.routes.map((value) => ({ name: "Route", value })));
    const capAuth = cap.header("authorization") ?? cap.header("proxy-authorization");
    let uri = inDialog && dlg?.target ? dlg.target : rw.text(cap.requestUri ?? "");
    if (capAuth && this.challenge) {
      const user = /username="([^"]+)"/i.exec(capAuth)?.[1] ?? cap.from?.uri?.user ?? "";
      headers.push({ name: this.challenge.header, value: this.digest(method, uri, user) });
    }
    const body = cap.body.length ? latin1Bytes(rw.text(latin1(cap.body))) : undefined;
    const bytes = serializeRequest(method, uri, headers, body);
    this.sentLabels.push(method);
    const direct = inDialog ? this.directTarget(dlg) : undefined;
    if (method === "ACK") {
      this.emit(bytes, direct);
      return;
    }
    if (method === "CANCEL") {
      const ict = [...this.txns.byId.values()].find((t) => t.kind === "ict" && t.ctx.callId === callId && t.ctx.cseq === cap.cseq?.seq);
      if (ict) return this.txns.clientEvent(ict, { type: "TuCancel" }, now);
    }
    const ctx = { capCallId, callId, cseq: cap.cseq?.seq, method, uri, via, headers };
    const key = `c|b|${branch}|${this.o.self.host.toLowerCase()}:${this.o.self.port}|${method}`;
    this.txns.client(key, method, { bytes }, direct ? { ...this.flow, remote: direct } : { ...this.flow }, this.clientUser, ctx, now);
    void uri;
  }

  private digest(method: string, uri: string, user: string): string {
    const ch = this.challenge!.value;
    const p = (k: string) => new RegExp(`${k}="?([^",]+)"?`, "i").exec(ch)?.[1];
    const realm = p("realm") ?? "";
    const nonce = p("nonce") ?? "";
    const qop = p("qop")?.split(",")[0]?.trim();
    const pw = this.o.password(user.split("@")[0]) ?? "";
    const ha1 = md5Hex(`${user}:${realm}:${pw}`);
    const ha2 = md5Hex(`${method}:${uri}`);
    const cnonce = this.o.random().slice(0, 8);
    const nc = "00000001";
    const response = qop ? md5Hex(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5Hex(`${ha1}:${nonce}:${ha2}`);
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5${qop ? `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"` : ""}`;
  }

  private sendAck(txn: Txn, resp: Wire): void {
    const c = txn.ctx;
    const hs: HeaderLine[] = c.headers.filter((h: HeaderLine) => ["via", "from", "call-id", "route", "max-forwards"].includes(h.name.toLowerCase()));
    hs.push({ name: "To", value: resp.msg?.header("to") ?? "" }, { name: "CSeq", value: `${c.cseq} ACK` });
    this.emit(serializeRequest("ACK", c.uri, hs));
  }

  private sendCancel(txn: Txn, now: number): void {
    const c = txn.ctx;
    const hs: HeaderLine[] = c.headers.filter((h: HeaderLine) => ["via", "from", "to", "call-id", "route", "max-forwards"].includes(h.name.toLowerCase()));
    hs.push({ name: "CSeq", value: `${c.cseq} CANCEL` });
    const bytes = serializeRequest("CANCEL", c.uri, hs);
    const key = `c|b|${/branch=([^;]+)/.exec(c.via)![1]}|${this.o.self.host.toLowerCase()}:${this.o.self.port}|CANCEL`;
    this.txns.client(key, "CANCEL", { bytes }, { ...this.flow }, this.clientUser, { ...c, method: "CANCEL" }, now);
  }

  private readonly clientUser: TxnUser = {
    deliver: (txn, wire, now) => {
      const msg = wire.msg!;
      const status = msg.status!;
      if (status !== 100) this.count(gateLabel({ sip: msg }));
      const c = txn.ctx;
      if ((status === 401 || status === 407) && msg.header(status === 401 ? "www-authenticate" : "proxy-authenticate")) {
        this.challenge = { header: status === 401 ? "Authorization" : "Proxy-Authorization", value: msg.header(status === 401 ? "www-authenticate" : "proxy-authenticate")! };
      }
      if (status > 100 && status < 300 && msg.to?.tag && (c.method === "INVITE" || c.method === "SUBSCRIBE" || c.method === "REFER")) {
        const d = this.dialogs.get(c.capCallId) ?? {};
        d.remoteTag = msg.to.tag;
        if (msg.contact[0]) d.target = msg.contact[0].uriText;
        d.routes = msg.recordRoute.map((r) => r.raw).reverse();
        this.dialogs.set(c.capCallId, d);
      }
      this.pump(now);
    },
    inform: (txn, error) => this.out.push({ kind: "log", text: `agent ${this.id}: ${txn.method} ${error}` }),
  };

  private readonly serverUser: TxnUser = {
    deliver: (txn, wire, now) => {
      if (wire !== txn.request || !wire.msg || wire.msg.method === "ACK") return;
      this.deferred.push(() => this.onRequest(txn, wire.msg!, now));
    },
    inform: () => undefined,
  };

  // ---- answering ----------------------------------------------------------------------------

  private onRequest(txn: Txn, msg: SipMessage, now: number): void {
    this.count(msg.method!);
    const rw = this.o.rewrite;
    const answers = this.o.script.answers;
    let idx = answers.findIndex((a, i) => !this.consumed.has(i) && a.request.sip?.method === msg.method && rw.callIds.get(a.request.sip?.callId ?? "") === msg.callId);
    if (idx < 0) idx = answers.findIndex((a, i) => !this.consumed.has(i) && a.request.sip?.method === msg.method && !rw.callIds.has(a.request.sip?.callId ?? ""));
    if (idx >= 0) {
      this.consumed.add(idx);
      const cap = answers[idx].request.sip!;
      if (cap.callId && msg.callId && !rw.callIds.has(cap.callId)) rw.callIds.set(cap.callId, msg.callId);
      const d = this.dialogs.get(cap.callId ?? "") ?? {};
      if (msg.from?.tag) {
        d.remoteTag = msg.from.tag;
        if (cap.from?.tag) rw.learnTag(cap.from.tag, msg.from.tag);
      }
      if (!msg.to?.tag) {
        if (msg.contact[0]) d.target = msg.contact[0].uriText;
        d.routes = msg.recordRoute.map((r) => r.raw);
      }
      this.dialogs.set(cap.callId ?? "", d);
      const responses = answers[idx].responses;
      if (responses.length) {
        for (let j = 0; j < responses.length; j++) {
          const delay = Math.max(0, responses[j].time - answers[idx].request.time) / this.o.speed;
          // What this answer waited for in the capture, counted from now (e.g. the CANCEL before a 487).
          const need = new Map<string, number>();
          for (const l of answers[idx].waits[j] ?? []) need.set(l, (need.get(l) ?? this.got.get(l) ?? 0) + 1);
          this.pendingAnswers++;
          this.answerQueue.set(`${txn.id}.${j}`, { txn, cap: responses[j], need, due: now + delay, readyBy: now + delay + this.o.grace });
          if (delay <= 0.0005 && !need.size) this.fireAnswer(txn.id, j, now);
          else this.out.push({ kind: "timer", key: `ans.${txn.id}.${j}`, at: now + delay });
        }
        this.pump(now);
        return;
      }
    }
    // Not in the script (the capture never showed it reaching this endpoint): answer as a correct UA.
    const status = DEFAULT_OK.has(msg.method!) ? 200 : msg.method === "INVITE" ? 480 : 501;
    this.txns.respond(txn, buildResponse(msg, status, { toTag: msg.to?.tag ? undefined : `r${this.o.random().slice(0, 8)}`, server: "SIPScope replay" }), status, now);
    this.pump(now);
  }

  private readonly answerQueue = new Map<string, { txn: Txn; cap: CapturedMessage; need: Map<string, number>; due: number; readyBy: number }>();

  /** Answers whose time has come but whose cause has not arrived yet go when it does (see pump). */
  private retryAnswers(now: number): void {
    for (const [k, a] of [...this.answerQueue]) {
      if (a.due > now + 1e-4) continue;
      const [t, j] = k.split(".").map(Number);
      this.fireAnswer(t, j, now);
    }
  }

  private fireAnswer(txnId: number, j: number, now: number): void {
    const a = this.answerQueue.get(`${txnId}.${j}`);
    if (!a) return;
    // Earlier answers of the same request go first (a 180 before the 487).
    for (let k = 0; k < j; k++) if (this.answerQueue.has(`${txnId}.${k}`)) return;
    let ready = true;
    for (const [l, n] of a.need) if ((this.got.get(l) ?? 0) < n) ready = false;
    if (!ready && now + 1e-4 < a.readyBy) {
      this.out.push({ kind: "timer", key: `ans.${txnId}.${j}`, at: a.readyBy });
      return;
    }
    this.answerQueue.delete(`${txnId}.${j}`);
    this.pendingAnswers--;
    const cap = a.cap.sip!;
    const req = a.txn.request.msg;
    if (!req) return this.pump(now); // the request already got its final answer
    const rw = this.o.rewrite;
    const extra: HeaderLine[] = [];
    for (const f of cap.fields) {
      if (["via", "from", "to", "call-id", "cseq", "record-route", "content-length", "content-type", "server"].includes(f.key)) continue;
      extra.push({ name: f.name, value: rw.text(f.value) });
    }
    const capTag = cap.to?.tag;
    const toTag = capTag ? rw.ownTag(capTag) : undefined;
    const body = cap.body.length ? latin1Bytes(rw.text(latin1(cap.body))) : undefined;
    const bytes = buildResponse(req, cap.status!, { toTag, headers: extra, body, contentType: cap.contentType, reason: cap.reason, server: "SIPScope replay" });
    this.txns.respond(a.txn, bytes, cap.status!, now);
    if (this.answerQueue.has(`${txnId}.${j + 1}`)) this.fireAnswer(txnId, j + 1, now);
    this.pump(now);
  }
}
