/**
 * The engine's I/O shell: real UDP/TCP/WebSocket sockets, real timers, the embedded HSS over
 * Diameter/TCP, pcap recording and the control endpoint, around the pure SipEngine
 * (core/engine). Everything the engine decides arrives here as an effect and is executed as is.
 */
import dgram from "node:dgram";
import net from "node:net";
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import { SipEngine, type ListenAddress } from "../../engine/engine";
import type { EngineEffect, Flow } from "../../engine/types";
import { SipStreamFramer } from "../../engine/stream-framer";
import { defaultUsers, type UserDirectory } from "../../engine/users";
import type { Endpoint } from "../../capture/types";
import { PcapRecorder, wsFrame } from "./pcap-recorder";
import { HssServer, DiameterClient } from "./hss-server";
import { startControl } from "./control";

export interface EngineOptions {
  /** "ip:port", or false to disable. Defaults: UDP and TCP 127.0.0.1:5070, WS 127.0.0.1:8070. */
  udp?: string | false;
  tcp?: string | false;
  ws?: string | false;
  /** Control endpoint (HTTP JSON), default off. */
  control?: string | false;
  users?: UserDirectory;
  routes?: Record<string, string>;
  ims?: boolean;
  /** Embedded HSS address in IMS mode, default 127.0.0.1:3868. */
  hss?: string;
  pcap?: string;
  t1?: number;
  /** Extra domains the engine serves (besides its IPs, localhost and the realm). */
  domains?: string[];
  registrarAuth?: boolean;
  recordRoute?: boolean;
  /** Called for every engine report (skipped watcher, malformed input ...). */
  onReport?: (r: { level: string; code: string; text: string }) => void;
}

export interface EngineReport {
  time: number;
  level: string;
  code: string;
  text: string;
  data?: Record<string, unknown>;
}

interface Conn {
  id: number;
  kind: "tcp" | "ws";
  flow: Flow;
  socket?: net.Socket;
  ws?: WebSocket;
  open: boolean;
  queue: Uint8Array[];
  outbound: boolean;
}

export function parseHostPort(text: string, what = "address"): Endpoint {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`${what} must be HOST:PORT, got "${text}"`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`${what}: port ${port} out of range`);
  return { ip: m[1] === "localhost" ? "127.0.0.1" : m[1], port };
}

const now = () => Date.now() / 1000;

export class EngineRuntime {
  engine!: SipEngine;
  readonly addresses: { udp?: Endpoint; tcp?: Endpoint; ws?: Endpoint; control?: Endpoint; hss?: Endpoint } = {};
  readonly reports: EngineReport[] = [];
  private udp?: dgram.Socket;
  private tcpServer?: net.Server;
  private httpServer?: http.Server;
  private wss?: WebSocketServer;
  private controlServer?: http.Server;
  private hssServer?: HssServer;
  private diameter?: DiameterClient;
  private pcap?: PcapRecorder;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly conns = new Map<number, Conn>();
  private readonly outboundByRemote = new Map<string, number>();
  private nextConn = 1;
  private closed = false;

  private constructor(private readonly opts: EngineOptions) {}

  static async start(opts: EngineOptions = {}): Promise<EngineRuntime> {
    const rt = new EngineRuntime(opts);
    try {
      await rt.listen();
    } catch (e) {
      await rt.close();
      throw e;
    }
    return rt;
  }

  private async listen(): Promise<void> {
    const o = this.opts;
    if (o.pcap) this.pcap = new PcapRecorder(o.pcap);
    const listen: ListenAddress[] = [];
    if (o.udp !== false) {
      const a = parseHostPort(o.udp ?? "127.0.0.1:5070", "--udp");
      // Large socket buffers: bursts at hundreds of calls/s must not be dropped by the kernel.
      const sock = dgram.createSocket({ type: a.ip.includes(":") ? "udp6" : "udp4", recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      await new Promise<void>((res, rej) => {
        sock.once("error", rej);
        sock.bind(a.port, a.ip, () => {
          sock.off("error", rej);
          res();
        });
      });
      sock.on("error", (e) => this.report({ level: "warning", code: "udp-error", text: `UDP: ${e.message}` }));
      this.udp = sock;
      const addr = sock.address();
      this.addresses.udp = { ip: a.ip, port: addr.port };
      listen.push({ transport: "udp", ...this.addresses.udp });
      sock.on("message", (bytes, rinfo) => this.onDatagram(bytes, rinfo));
    }
    if (o.tcp !== false) {
      const a = parseHostPort(o.tcp ?? "127.0.0.1:5070", "--tcp");
      const server = net.createServer((s) => this.onTcpConnection(s));
      server.maxConnections = 10000;
      await listenServer(server, a);
      this.tcpServer = server;
      this.addresses.tcp = { ip: a.ip, port: (server.address() as net.AddressInfo).port };
      listen.push({ transport: "tcp", ...this.addresses.tcp });
    }
    if (o.ws !== false) {
      const a = parseHostPort(o.ws ?? "127.0.0.1:8070", "--ws");
      const server = http.createServer((req, res) => this.onHttpRequest(req, res));
      this.wss = new WebSocketServer({
        server,
        maxPayload: 256 * 1024,
        // RFC 7118 §4.1: the handshake must negotiate the "sip" subprotocol; refuse it otherwise.
        verifyClient: (info, cb) => {
          const offered = String(info.req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim().toLowerCase());
          if (offered.includes("sip")) cb(true);
          else cb(false, 400, "WebSocket subprotocol 'sip' required (RFC 7118)");
        },
        handleProtocols: (protocols) => (protocols.has("sip") ? "sip" : false),
      });
      this.wss.on("connection", (ws, req) => this.onWsConnection(ws, req));
      this.wss.on("error", () => undefined);
      await listenServer(server, a);
      this.httpServer = server;
      this.addresses.ws = { ip: a.ip, port: (server.address() as net.AddressInfo).port };
      listen.push({ transport: "ws", ...this.addresses.ws });
    }
    if (!listen.length) throw new Error("nothing to listen on: enable at least one of --udp, --tcp, --ws");
    const users = o.users ?? defaultUsers();
    this.engine = new SipEngine({ listen, users, routes: o.routes, ims: o.ims, t1: o.t1, domains: o.domains, registrarAuth: o.registrarAuth, recordRoute: o.recordRoute, random: () => randomBytes(8).toString("hex") });
    if (o.ims) {
      const a = parseHostPort(o.hss ?? "127.0.0.1:3868", "--hss");
      this.hssServer = await HssServer.start(a, users);
      this.addresses.hss = this.hssServer.address;
      this.diameter = new DiameterClient(this.hssServer.address, users.realm, {
        onAnswer: (bytes) => this.exec(this.engine.diameter(bytes, now())),
        onPacket: (dir, bytes) => this.recordDiameter(dir, bytes),
        onOpen: (local, remote) => {
          this.diameterConnId = this.nextConn++;
          this.pcap?.tcpOpen(this.diameterConnId, now(), local, remote, false);
        },
        onError: (text) => this.report({ level: "warning", code: "diameter", text }),
      });
    }
    if (o.control) {
      const a = parseHostPort(o.control, "--control");
      this.controlServer = await startControl(a, this);
      this.addresses.control = { ip: a.ip, port: (this.controlServer.address() as net.AddressInfo).port };
    }
  }

  private diameterConnId = 0;

  private recordDiameter(dir: "out" | "in", bytes: Uint8Array): void {
    if (this.diameterConnId) this.pcap?.tcpData(this.diameterConnId, now(), dir === "out" ? "from-engine" : "to-engine", bytes);
  }

  /** Lines describing what the engine listens on (the CLI prints them). */
  describe(): string[] {
    const a = this.addresses;
    const lines: string[] = [];
    if (a.udp) lines.push(`SIP over UDP        sip:${a.udp.ip}:${a.udp.port}`);
    if (a.tcp) lines.push(`SIP over TCP        sip:${a.tcp.ip}:${a.tcp.port};transport=tcp`);
    if (a.ws) lines.push(`SIP over WebSocket  ws://${a.ws.ip}:${a.ws.port}/ (subprotocol "sip"; plain HTTP answered on the same port)`);
    if (a.hss) lines.push(`embedded HSS (Cx)   diameter://${a.hss.ip}:${a.hss.port} (S-CSCF mode)`);
    if (a.control) lines.push(`control endpoint    http://${a.control.ip}:${a.control.port}/ (GET /status, POST /dialogs/ID/bye)`);
    lines.push(`realm "${this.engine.cfg.users.realm}", ${this.engine.cfg.users.users.size} users`);
    if (this.pcap) lines.push(`recording to ${this.pcap.path}`);
    return lines;
  }

  private report(r: { level: string; code: string; text: string; data?: Record<string, unknown> }): void {
    const rec = { time: now(), ...r };
    this.reports.push(rec);
    if (this.reports.length > 2000) this.reports.shift();
    this.opts.onReport?.(r);
  }

  // ---- effects ------------------------------------------------------------------------------

  exec(effects: EngineEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "send":
          this.send(e.flow, e.bytes);
          break;
        case "timer": {
          const old = this.timers.get(e.key);
          if (old) clearTimeout(old);
          if (this.closed) break;
          const t = setTimeout(() => {
            this.timers.delete(e.key);
            this.exec(this.engine.timer(e.key, now()));
          }, Math.min(2 ** 31 - 1, Math.max(0, (e.at - now()) * 1000)));
          this.timers.set(e.key, t);
          break;
        }
        case "clear": {
          const t = this.timers.get(e.key);
          if (t) {
            clearTimeout(t);
            this.timers.delete(e.key);
          }
          break;
        }
        case "diameter":
          this.diameter?.send(e.bytes);
          break;
        case "report":
          this.report(e);
          break;
        case "close": {
          const c = this.conns.get(e.conn);
          if (c?.socket) c.socket.end();
          if (c?.ws) c.ws.close(1002, "protocol error");
          break;
        }
      }
    }
  }

  private send(flow: Flow, bytes: Uint8Array): void {
    if (this.closed) return;
    if (flow.transport === "udp") {
      if (!this.udp || !this.addresses.udp) return;
      if (bytes.length > 65_507) {
        // Cannot be one datagram (RFC 3261 §18.1.1 would want TCP; the peer reached us over UDP).
        this.report({ level: "warning", code: "udp-too-large", text: `${bytes.length}-byte message to ${flow.remote.ip}:${flow.remote.port} does not fit in a UDP datagram` });
        setImmediate(() => this.exec(this.engine.sendFailed(flow, now())));
        return;
      }
      this.pcap?.udp(now(), this.addresses.udp, flow.remote, bytes);
      this.udp.send(bytes, flow.remote.port, flow.remote.ip, (err) => {
        if (err) this.report({ level: "warning", code: "udp-send", text: `UDP send to ${flow.remote.ip}:${flow.remote.port}: ${err.message}` });
      });
      return;
    }
    let c = flow.conn !== undefined ? this.conns.get(flow.conn) : undefined;
    if (!c && flow.transport === "tcp") {
      const id = this.outboundByRemote.get(`${flow.remote.ip}:${flow.remote.port}`);
      c = id !== undefined ? this.conns.get(id) : this.connectTcp(flow.remote);
    }
    if (!c) {
      this.report({ level: "warning", code: "send-failed", text: `no ${flow.transport.toUpperCase()} connection to ${flow.remote.ip}:${flow.remote.port}` });
      setImmediate(() => this.exec(this.engine.sendFailed(flow, now())));
      return;
    }
    if (!c.open) {
      c.queue.push(bytes);
      return;
    }
    this.writeConn(c, bytes);
  }

  private writeConn(c: Conn, bytes: Uint8Array): void {
    if (c.kind === "ws") {
      this.pcap?.tcpData(c.id, now(), "from-engine", wsFrame(bytes, false));
      c.ws!.send(bytes, { binary: false });
    } else {
      this.pcap?.tcpData(c.id, now(), "from-engine", bytes);
      c.socket!.write(bytes);
    }
  }

  // ---- UDP ----------------------------------------------------------------------------------

  private onDatagram(bytes: Buffer, rinfo: dgram.RemoteInfo): void {
    const local = this.addresses.udp!;
    const remote = { ip: rinfo.address, port: rinfo.port };
    this.pcap?.udp(now(), remote, local, bytes);
    this.exec(this.engine.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { transport: "udp", local, remote }, now()));
  }

  // ---- TCP ----------------------------------------------------------------------------------

  private attachTcp(socket: net.Socket, c: Conn): void {
    const framer = new SipStreamFramer();
    socket.setNoDelay(true);
    // A half-open or idle connection must not hold resources forever.
    socket.setTimeout(300_000, () => socket.destroy());
    socket.on("data", (chunk) => {
      this.pcap?.tcpData(c.id, now(), "to-engine", chunk);
      for (const out of framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))) {
        if (out.kind === "message") this.exec(this.engine.receive(out.bytes, c.flow, now()));
        else this.exec(this.engine.rejectStream(out.head, out.status, out.reason, c.flow, now()));
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", (hadError) => this.dropConn(c, hadError ? "reset" : "peer"));
  }

  private onTcpConnection(socket: net.Socket): void {
    const id = this.nextConn++;
    const remote = { ip: socket.remoteAddress ?? "0.0.0.0", port: socket.remotePort ?? 0 };
    const local = this.addresses.tcp!;
    const c: Conn = { id, kind: "tcp", flow: { transport: "tcp", local, remote, conn: id }, socket, open: true, queue: [], outbound: false };
    this.conns.set(id, c);
    this.pcap?.tcpOpen(id, now(), local, remote, true);
    this.engine.connectionOpened(id);
    this.attachTcp(socket, c);
  }

  private connectTcp(remote: Endpoint): Conn {
    const id = this.nextConn++;
    const local = this.addresses.tcp ?? { ip: "127.0.0.1", port: 0 };
    const socket = net.connect({ host: remote.ip, port: remote.port, localAddress: local.ip });
    const c: Conn = { id, kind: "tcp", flow: { transport: "tcp", local, remote, conn: id }, socket, open: false, queue: [], outbound: true };
    this.conns.set(id, c);
    this.outboundByRemote.set(`${remote.ip}:${remote.port}`, id);
    socket.once("connect", () => {
      c.open = true;
      c.flow = { ...c.flow, local: { ip: socket.localAddress ?? local.ip, port: socket.localPort ?? 0 } };
      this.pcap?.tcpOpen(id, now(), c.flow.local, remote, false);
      this.engine.connectionOpened(id);
      for (const b of c.queue.splice(0)) this.writeConn(c, b);
    });
    socket.once("error", (err) => {
      if (!c.open) {
        this.report({ level: "warning", code: "connect-failed", text: `TCP connect to ${remote.ip}:${remote.port}: ${err.message}` });
        setImmediate(() => this.exec(this.engine.sendFailed({ transport: "tcp", local, remote }, now())));
      }
    });
    this.attachTcp(socket, c);
    return c;
  }

  private dropConn(c: Conn, by: "peer" | "reset" | "engine"): void {
    if (!this.conns.has(c.id)) return;
    this.conns.delete(c.id);
    if (c.outbound && this.outboundByRemote.get(`${c.flow.remote.ip}:${c.flow.remote.port}`) === c.id) this.outboundByRemote.delete(`${c.flow.remote.ip}:${c.flow.remote.port}`);
    if (c.open) this.pcap?.tcpClose(c.id, now(), by === "engine" ? "engine" : "peer", by === "reset");
    if (!this.closed) this.exec(this.engine.connectionClosed(c.id, now()));
  }

  // ---- WebSocket + HTTP ---------------------------------------------------------------------

  private onWsConnection(ws: WebSocket, req: http.IncomingMessage): void {
    const id = this.nextConn++;
    const remote = { ip: req.socket.remoteAddress ?? "0.0.0.0", port: req.socket.remotePort ?? 0 };
    const local = this.addresses.ws!;
    const c: Conn = { id, kind: "ws", flow: { transport: "ws", local, remote, conn: id }, ws, open: true, queue: [], outbound: false };
    this.conns.set(id, c);
    if (this.pcap) {
      this.pcap.tcpOpen(id, now(), local, remote, true);
      let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      this.pcap.tcpData(id, now(), "to-engine", Buffer.from(head + "\r\n", "latin1"));
      const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      const resp = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: sip\r\n\r\n`;
      this.pcap.tcpData(id, now(), "from-engine", Buffer.from(resp, "latin1"));
    }
    this.engine.connectionOpened(id);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      void isBinary;
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as unknown as Buffer[]);
      this.pcap?.tcpData(id, now(), "to-engine", wsFrame(bytes, true));
      this.exec(this.engine.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), c.flow, now()));
    });
    ws.on("error", () => undefined);
    ws.on("close", () => this.dropConn(c, "peer"));
  }

  /** The WebSocket port also speaks plain HTTP: every request gets an answer (DESIGN §2 bug 3). */
  private onHttpRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    let size = 0;
    const done = (status: number, body: unknown) => {
      if (res.headersSent) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), connection: "close" });
      res.end(text);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        done(413, { error: "request body too large" });
        req.destroy();
      }
    });
    req.on("end", () => done(200, { server: "SIPScope engine", method: req.method, path: req.url, websocket: "use subprotocol sip" }));
    req.on("error", () => done(400, { error: "bad request" }));
  }

  // ---- control ------------------------------------------------------------------------------

  endDialog(idOrCallId: string) {
    const r = this.engine.endDialog(idOrCallId, now());
    this.exec(r.effects);
    return { ok: r.ok, dialog: r.dialog ? { id: r.dialog.id, callId: r.dialog.callId } : undefined };
  }

  setPresence(user: string, basic: "open" | "closed", note?: string): void {
    this.exec(this.engine.setPresence(user, basic, now(), note));
  }

  snapshot() {
    return { ...this.engine.snapshot(now()), addresses: this.addresses, pcapPackets: this.pcap?.packets };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const c of this.conns.values()) {
      if (c.open) this.pcap?.tcpClose(c.id, now(), "engine");
      c.socket?.destroy();
      c.ws?.terminate();
    }
    this.udp?.close();
    this.diameter?.close();
    await Promise.all([
      closeServer(this.tcpServer),
      this.wss ? new Promise<void>((r) => this.wss!.close(() => r())) : undefined,
      closeServer(this.httpServer),
      closeServer(this.controlServer),
      this.hssServer?.close(),
    ]);
    this.pcap?.close();
  }
}

function listenServer(server: net.Server, a: Endpoint): Promise<void> {
  return new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(a.port, a.ip, () => {
      server.off("error", rej);
      res();
    });
  });
}

function closeServer(s: net.Server | undefined): Promise<void> | undefined {
  if (!s) return undefined;
  (s as http.Server).closeAllConnections?.();
  return new Promise((r) => s.close(() => r()));
}
