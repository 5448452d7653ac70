/**
 * Replay one captured call: derive the script (core/replay), start the engine (or use a target on
 * loopback), give each captured endpoint a replaying agent with its own socket, play the script
 * with the captured timing scaled by `speed`, record everything to a pcap, analyse the recording
 * like any capture, and diff the two ladders. The Api's replay() and `sipscope replay` call this.
 */
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import type { FindingDTO, LadderDTO, MessageDTO, NodeDTO, ReplayResult } from "../../api";
import type { AnalysisResult, Observed } from "../../analysis/model";
import { endpointText, type Endpoint } from "../../capture/types";
import { loadFiles } from "../ingest";
import { analyze } from "../../analysis/analyze";
import { deriveScript, type CapturedMessage, type EndpointScript, type ReplayScript } from "../../replay/script";
import { Rewriter } from "../../replay/rewrite";
import { ReplayAgent, type AgentEffect, type AgentOptions } from "../../replay/agent";
import { diffLadders, type DiffInput } from "../../replay/diff";
import { defaultUsers, type UserDirectory } from "../../engine/users";
import { EngineRuntime, parseHostPort } from "./runtime";
import { PcapRecorder, wsFrame } from "./pcap-recorder";
import { mergeInto, tcpPorts } from "./pcap-merge";

export interface ReplayOptions {
  /** Captured timing is divided by this (default 1). */
  speed?: number;
  /** "host:port" of a server the user runs on loopback; default: the built-in engine. */
  target?: string;
  /** Where to write the replay's pcap (default: a temp file). */
  out?: string;
  /** Seconds an action waits for what preceded it in the capture (default 2). */
  grace?: number;
  /** Extra ports where the capture carries HTTP (as `analyze --http-port`). */
  httpPorts?: number[];
  /** Hard cap on the replay's wall time in seconds (default 120). */
  maxSeconds?: number;
  log?: (line: string) => void;
}

export interface ReplayRun extends ReplayResult {
  /** The pcap the replay was recorded to. */
  pcap: string;
  /** What the replay could not do as captured (and why). */
  notes: string[];
  script: { endpoints: { id: string; address: string; transport: string; steps: number }[]; hub: string[]; direct: boolean; serverActions: number };
}

const now = () => Date.now() / 1000;
/** setTimeout delay until `at` (seconds), within what a Node timer can hold. */
const delayMs = (at: number) => Math.min(2 ** 31 - 1, Math.max(0, (at - now()) * 1000));

async function analyzeWith(paths: string[], httpPorts: number[] | undefined): Promise<AnalysisResult> {
  const loaded = await loadFiles(paths, { httpPorts });
  return analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
}
const REPLAY_PASSWORD = "replay-secret";

/** The call's messages, widened to the whole presence picture when the call is a subscription. */
function selectMessages(result: AnalysisResult, callId: string): { callDtoId?: string; ids: number[] } {
  const calls = result.document.calls ?? [];
  const call = calls.find((c) => c.id === callId) ?? calls.find((c) => c.callIds.includes(callId));
  if (!call) throw new Error(`no call "${callId}" in this capture (use a call id like c1 or a SIP Call-ID)`);
  const ids = new Set(result.callMessages.get(call.id) ?? []);
  const msgs = result.model.messages;
  const presentities = new Set<string>();
  for (const id of ids) {
    const s = msgs[id]?.sip;
    if (s?.kind === "request" && (s.method === "SUBSCRIBE" || s.method === "PUBLISH") && s.to?.uri?.user) presentities.add(s.to.uri.user);
  }
  if (presentities.size) {
    // A presence state change concerns every watcher of the presentity: replay them all.
    const dialogs = new Set<string>();
    for (const m of msgs) {
      const s = m.sip;
      if (s?.kind === "request" && (s.method === "SUBSCRIBE" || s.method === "PUBLISH") && presentities.has(s.to?.uri?.user ?? "")) dialogs.add(s.callId ?? "");
    }
    for (const m of msgs) if (m.sip && dialogs.has(m.sip.callId ?? "")) ids.add(m.id);
  }
  return { callDtoId: call.id, ids: [...ids].sort((a, b) => a - b) };
}

function asCaptured(o: Observed): CapturedMessage {
  return { id: o.id, time: o.time, src: o.src, dst: o.dst, transport: o.transport, protocol: o.protocol, sip: o.sip, http: o.http, fromLog: o.fromLog };
}

function usersFor(script: ReplayScript): UserDirectory {
  const dir = defaultUsers();
  for (const u of script.users) if (!dir.users.has(u)) dir.users.set(u, { user: u, password: REPLAY_PASSWORD });
  // A private identity the endpoint authenticated with becomes the HSS's IMPI for that user.
  for (const n of script.authNames) {
    const u = n.split("@")[0];
    const rec = dir.users.get(u) ?? { user: u, password: REPLAY_PASSWORD };
    dir.users.set(u, n.includes("@") ? { ...rec, impi: n } : rec);
  }
  return dir;
}

interface AgentIo {
  agent: ReplayAgent;
  script: EndpointScript;
  local: Endpoint;
  server: Endpoint;
  send(bytes: Uint8Array, to?: Endpoint): void;
  close(): void;
  timers: Map<string, NodeJS.Timeout>;
}

export async function replayCall(input: string[] | AnalysisResult, callId: string, options: ReplayOptions = {}): Promise<ReplayRun> {
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const log = options.log ?? (() => undefined);
  const notes: string[] = [];
  const original = Array.isArray(input) ? await analyzeWith(input, options.httpPorts) : input;
  const sel = selectMessages(original, callId);
  const observed = sel.ids.map((id) => original.model.messages[id]);
  const script = deriveScript(observed.map(asCaptured), original.model.connections);
  if (!script.endpoints.length) throw new Error(`call ${callId}: no endpoint to replay (only server-side messages were captured)`);

  const pcapPath = options.out ?? path.join(mkdtempSync(path.join(os.tmpdir(), "sipscope-replay-")), "replay.pcap");
  const recorder = new PcapRecorder(pcapPath);
  const runId = randomBytes(3).toString("hex");
  const rw = new Rewriter(runId);
  const users = usersFor(script);

  // Sockets for the agents first: the engine's routes point at them.
  const udpSockets = new Map<string, dgram.Socket>();
  for (const ep of script.endpoints) {
    if (ep.transport === "ws") continue;
    if (ep.transport === "tcp" && ep.steps.some((st) => st.kind === "send" && st.msg.sip)) notes.push(`endpoint ${ep.id} (${ep.address}) used TCP; it is replayed over UDP`);
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    s.on("error", (e) => notes.push(`endpoint ${ep.id}: UDP ${e.message}`));
    udpSockets.set(ep.address, s);
  }

  let rt: EngineRuntime | undefined;
  let serverUdp: Endpoint | undefined;
  let serverWs: Endpoint | undefined;
  let serverHttp: Endpoint | undefined;
  if (options.target) {
    serverUdp = parseHostPort(options.target, "--target");
    serverWs = serverUdp;
    serverHttp = serverUdp;
    if (script.serverActions.length) notes.push(`the capture shows the server ending a dialog itself; a --target server cannot be asked to, so that action is skipped`);
  } else if (!script.direct) {
    const routes: Record<string, string> = {};
    for (const ep of script.endpoints) {
      const s = udpSockets.get(ep.address);
      if (s) for (const u of ep.users) routes[u] = `127.0.0.1:${s.address().port}`;
    }
    rt = await EngineRuntime.start({
      udp: "127.0.0.1:0", tcp: "127.0.0.1:0", ws: "127.0.0.1:0", ims: script.ims, hss: "127.0.0.1:0",
      // In S-CSCF mode the engine's own recording supplies the Cx exchange with its HSS.
      pcap: script.ims ? pcapPath + ".engine.pcap" : undefined,
      users, routes, domains: script.domains, registrarAuth: script.registrarChallenged, recordRoute: script.recordRoute,
      onReport: (r) => log(`engine ${r.level} ${r.code}: ${r.text}`),
    });
    serverUdp = rt.addresses.udp;
    serverWs = rt.addresses.ws;
    serverHttp = rt.addresses.ws;
  } else notes.push("the capture has no server between the endpoints: they are replayed talking to each other directly");

  // Address mapping: captured hub -> engine/target (by transport), endpoints -> agents.
  const hubWs = new Set<string>();
  for (const m of observed) if ((m.transport === "ws" || m.transport === "wss") && script.hub.includes(endpointText(m.dst))) hubWs.add(endpointText(m.dst));
  for (const m of observed) if (m.http && script.hub.includes(endpointText(m.dst))) hubWs.add(endpointText(m.dst));
  for (const h of script.hub) {
    const to = hubWs.has(h) ? serverWs : serverUdp;
    if (to) rw.mapAddress(h, `${to.ip}:${to.port}`);
  }
  for (const [addr, s] of udpSockets) rw.mapAddress(addr, `127.0.0.1:${s.address().port}`);

  const ios: AgentIo[] = [];
  /** Local addresses of the agents' HTTP connections -> their endpoint id. */
  const extraRoles = new Map<string, string>();
  const agentPorts = new Set([...udpSockets.values()].map((s) => s.address().port));
  const start = now() + 0.3;
  let lastActivity = now();
  const wsConnId = { next: 1 };

  const runEffects = (io: AgentIo, fx: AgentEffect[]) => {
    for (const e of fx) {
      if (e.kind === "send") {
        lastActivity = now();
        io.send(e.bytes, e.to);
      } else if (e.kind === "timer") {
        const old = io.timers.get(e.key);
        if (old) clearTimeout(old);
        io.timers.set(e.key, setTimeout(() => {
          io.timers.delete(e.key);
          runEffects(io, io.agent.timer(e.key, now()));
        }, delayMs(e.at)));
      } else if (e.kind === "close") {
        lastActivity = now();
        io.close();
      } else if (e.kind === "http") {
        lastActivity = now();
        void httpExchange(io, e.bytes);
      } else if (e.kind === "log") log(e.text);
    }
  };

  const httpExchange = async (io: AgentIo, bytes: Uint8Array) => {
    if (!serverHttp) return;
    const id = wsConnId.next++ + 10000;
    const sock = net.connect(serverHttp.port, serverHttp.ip);
    let opened = false;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      sock.on("connect", () => {
        opened = true;
        const local = { ip: sock.localAddress ?? "127.0.0.1", port: sock.localPort ?? 0 };
        extraRoles.set(`${local.ip}:${local.port}`, io.script.id);
        recorder.tcpOpen(id, now(), local, serverHttp!, false);
        recorder.tcpData(id, now(), "from-engine", bytes);
        sock.write(bytes);
      });
      sock.on("data", (d) => {
        chunks.push(d);
        recorder.tcpData(id, now(), "to-engine", d);
      });
      sock.on("error", () => resolve());
      sock.on("close", () => resolve());
      setTimeout(() => {
        sock.end();
        resolve();
      }, 3000);
    });
    if (opened) recorder.tcpClose(id, now(), "engine");
    const status = /^HTTP\/\d\.\d (\d{3})/.exec(Buffer.concat(chunks).toString("latin1"))?.[1];
    lastActivity = now();
    if (status) runEffects(io, io.agent.noteReceived(`HTTP ${status}`, now()));
  };

  // One captured endpoint's agent on its transport: UDP and WebSocket endpoints differ only in how
  // bytes leave (send/close) and in the address the agent puts in its Via and Contact.
  const agentIo = (ep: EndpointScript, local: Endpoint, server: Endpoint, timers: Map<string, NodeJS.Timeout>, self: AgentOptions["self"], transport: Pick<AgentIo, "send" | "close">): AgentIo => ({
    agent: new ReplayAgent({ script: ep, rewrite: rw, self, start, speed, grace: options.grace ?? 2, password: (u) => users.users.get(u)?.password, random: () => randomBytes(6).toString("hex") }),
    script: ep,
    local,
    server,
    timers,
    ...transport,
  });

  for (const ep of script.endpoints) {
    const timers = new Map<string, NodeJS.Timeout>();
    if (ep.transport !== "ws") {
      const sock = udpSockets.get(ep.address)!;
      const local = { ip: "127.0.0.1", port: sock.address().port };
      let server = serverUdp;
      if (script.direct) {
        // The peer this endpoint talked to in the capture, now its agent.
        const peer = observed.find((m) => endpointText(m.src) === ep.address)?.dst;
        const peerSock = peer ? udpSockets.get(endpointText(peer)) : undefined;
        server = peerSock ? { ip: "127.0.0.1", port: peerSock.address().port } : undefined;
      }
      if (!server) continue;
      const srv = server;
      const io = agentIo(ep, local, srv, timers, { transport: "UDP", host: "127.0.0.1", port: local.port }, {
        send: (bytes, to) => {
          const dst = to ?? srv;
          if (bytes.length > 65_507) {
            notes.push(`endpoint ${ep.id}: a ${bytes.length}-byte message does not fit in a UDP datagram; not sent`);
            return;
          }
          recorder.udp(now(), local, dst, bytes);
          sock.send(bytes, dst.port, dst.ip);
        },
        close: () => undefined,
      });
      sock.on("message", (bytes, rinfo) => {
        lastActivity = now();
        // Between two agents the sender already recorded the datagram.
        if (!agentPorts.has(rinfo.port)) recorder.udp(now(), { ip: rinfo.address, port: rinfo.port }, local, bytes);
        runEffects(io, io.agent.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), now(), { ip: rinfo.address, port: rinfo.port }));
      });
      ios.push(io);
    } else {
      if (!serverWs) continue;
      const srv = serverWs;
      const ws = new WebSocket(`ws://${srv.ip}:${srv.port}/`, "sip");
      const connId = wsConnId.next++;
      const opened = await new Promise<boolean>((resolve) => {
        ws.once("open", () => resolve(true));
        ws.once("error", () => resolve(false));
        ws.once("unexpected-response", () => resolve(false));
      });
      if (!opened) {
        notes.push(`endpoint ${ep.id}: WebSocket to ${srv.ip}:${srv.port} refused`);
        continue;
      }
      const raw = (ws as unknown as { _socket: net.Socket })._socket;
      const local = { ip: "127.0.0.1", port: raw?.localPort ?? 0 };
      rw.mapAddress(ep.address, `${local.ip}:${local.port}`);
      recorder.tcpOpen(connId, now(), local, srv, false);
      recorder.tcpData(connId, now(), "from-engine", Buffer.from(`GET / HTTP/1.1\r\nHost: ${srv.ip}:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n`, "latin1"));
      recorder.tcpData(connId, now(), "to-engine", Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n`, "latin1"));
      let closed = false;
      const io = agentIo(ep, local, srv, timers, { transport: "WS", host: `rp${ep.id.toLowerCase()}${runId}.invalid`, port: 5060 }, {
        send: (bytes) => {
          if (closed) return;
          recorder.tcpData(connId, now(), "from-engine", wsFrame(bytes, true));
          ws.send(bytes, { binary: false });
        },
        close: () => {
          if (closed) return;
          closed = true;
          // An abrupt end, as the captured watcher's connection went away.
          recorder.tcpClose(connId, now(), "engine", true);
          ws.terminate();
        },
      });
      ws.on("message", (d: Buffer) => {
        lastActivity = now();
        recorder.tcpData(connId, now(), "to-engine", wsFrame(d, false));
        runEffects(io, io.agent.receive(new Uint8Array(d.buffer, d.byteOffset, d.length), now()));
      });
      ws.on("close", () => {
        if (!closed) recorder.tcpClose(connId, now(), "peer");
        closed = true;
      });
      ws.on("error", () => undefined);
      ios.push(io);
    }
  }

  // Server-originated actions (the engine ends a dialog on both sides).
  const actionTimers: NodeJS.Timeout[] = [];
  if (rt) {
    for (const a of script.serverActions) {
      actionTimers.push(setTimeout(() => {
        const cid = rw.callIds.get(a.callId);
        const r = cid ? rt!.endDialog(cid) : { ok: false };
        lastActivity = now();
        if (!r.ok) notes.push(`could not end the replayed dialog of ${a.callId}: the engine has no confirmed dialog for it`);
      }, delayMs(start + a.at / speed)));
    }
  }

  for (const io of ios) runEffects(io, io.agent.start(now()));

  const endAfter = start + script.duration / speed;
  const deadline = now() + (options.maxSeconds ?? 120);
  const settle = 1.0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const t = now();
      const allDone = ios.every((io) => io.agent.finished);
      if ((allDone && t >= endAfter && t - lastActivity >= settle) || t > deadline) {
        if (t > deadline) notes.push(`replay stopped at the ${options.maxSeconds ?? 120} s limit`);
        clearInterval(tick);
        resolve();
      }
    }, 50);
  });

  for (const t of actionTimers) clearTimeout(t);
  for (const io of ios) {
    for (const t of io.timers.values()) clearTimeout(t);
    io.close();
  }
  for (const s of udpSockets.values()) s.close();
  await rt?.close();
  recorder.close();
  if (script.ims && rt?.addresses.hss) {
    const hssPort = rt.addresses.hss.port;
    mergeInto(pcapPath, pcapPath + ".engine.pcap", (p) => tcpPorts(p)?.includes(hssPort) ?? false);
  } else if (script.ims) notes.push("a --target server's Diameter is not visible to the replay");

  // The replay's HTTP went to the engine's WebSocket/HTTP port (or the target's): decode HTTP there.
  const replayHttp = [serverHttp?.port, ...(options.httpPorts ?? [])].filter((p): p is number => typeof p === "number");
  const replayed = await analyzeWith([pcapPath], replayHttp);
  return buildResult(original, sel, script, replayed, extraRoles, ios, rt, pcapPath, notes, serverUdp, serverWs);
}

function roleMapOriginal(script: ReplayScript): (e: Endpoint) => string | undefined {
  const m = new Map<string, string>();
  for (const h of script.hub) m.set(h, "S");
  for (const ep of script.endpoints) m.set(ep.address, ep.id);
  return (e) => m.get(endpointText(e));
}

function diffable(d: MessageDTO): boolean {
  if (d.protocol === "diameter" || d.retransmission) return false;
  if (d.protocol === "sip" && d.status === 100) return false;
  if (d.protocol === "http" && (d.status === 101 || (d.method === "GET" && d.path === "/" && /websocket/i.test(d.info)))) return false;
  return true;
}

function labelOf(d: MessageDTO): string {
  if (d.protocol === "http") return d.request ?? d.method ? `HTTP ${d.method}` : `HTTP ${d.status}`;
  if (d.method && d.status === undefined) return d.method;
  return `${d.status} ${/\d+\s+(\S+)/.exec(d.cseq ?? "")?.[1] ?? ""}`.trim();
}

function ladderOf(messages: MessageDTO[], role: (addr: string) => string | undefined, names: Map<string, string>): LadderDTO {
  const nodes = new Map<string, NodeDTO>();
  const arrows: LadderDTO["arrows"] = [];
  for (const d of messages) {
    const from = role(d.src) ?? d.src;
    const to = role(d.dst) ?? d.dst;
    for (const [id, addr] of [[from, d.src], [to, d.dst]]) {
      const n = nodes.get(id) ?? { id, name: names.get(id) ?? id, addresses: [] };
      if (!n.addresses.includes(addr)) n.addresses.push(addr);
      nodes.set(id, n);
    }
    arrows.push({ messageId: d.id, from, to, label: d.protocol === "sip" ? (d.method && d.status === undefined ? d.method : `${d.status} ${d.reason ?? ""}`.trim()) : d.info, time: d.time, protocol: d.protocol, txn: d.txn, retransmission: d.retransmission, callId: d.callId });
  }
  return { callId: "replay", nodes: [...nodes.values()], arrows, ghosts: [], logs: [] };
}

function buildResult(original: AnalysisResult, sel: { callDtoId?: string; ids: number[] }, script: ReplayScript, replayed: AnalysisResult, extraRoles: Map<string, string>, ios: AgentIo[], rt: EngineRuntime | undefined, pcap: string, notes: string[], serverUdp?: Endpoint, serverWs?: Endpoint): ReplayRun {
  const idSet = new Set(sel.ids);
  const origMessages = [...idSet].sort((a, b) => a - b).flatMap((id) => original.message(id) ?? []);
  const origRoleOf = roleMapOriginal(script);
  // The HSS (Diameter server) is "H" on both sides.
  const origHss = new Set(origMessages.filter((d) => d.protocol === "diameter").map((d) => (d.request ? d.dst : d.src)));
  const origRole = (addr: string) => {
    if (origHss.has(addr)) return "H";
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(addr);
    return m ? origRoleOf({ ip: m[1], port: Number(m[2]) }) : undefined;
  };
  const replayRoles = new Map<string, string>(extraRoles);
  for (const a of [serverUdp, serverWs, rt?.addresses.tcp]) if (a) replayRoles.set(`${a.ip}:${a.port}`, "S");
  for (const io of ios) replayRoles.set(`${io.local.ip}:${io.local.port}`, io.script.id);
  if (script.direct) for (const io of ios) replayRoles.set(`${io.local.ip}:${io.local.port}`, io.script.id);
  const hss = rt?.addresses.hss ? `${rt.addresses.hss.ip}:${rt.addresses.hss.port}` : undefined;
  for (const d of replayed.document.messages) {
    if (d.protocol !== "diameter" || !hss) continue;
    // The engine's side of its Cx connection is the server itself.
    if (d.src === hss) replayRoles.set(d.dst, "S");
    if (d.dst === hss) replayRoles.set(d.src, "S");
  }
  if (hss) replayRoles.set(hss, "H");
  const replayRole = (addr: string) => replayRoles.get(addr);

  const names = new Map<string, string>([["S", script.direct ? "server" : rt ? "SIPScope engine" : "target"], ["H", "HSS"]]);
  for (const ep of script.endpoints) names.set(ep.id, `${ep.id} (${ep.address})`);

  // A WebSocket endpoint's HTTP upgrade belongs to its transport, not to the call.
  const wsRoles = new Set(script.endpoints.filter((e) => e.transport === "ws").map((e) => e.id));
  const toDiff = (ms: MessageDTO[], role: (a: string) => string | undefined): DiffInput[] =>
    ms.filter(diffable).flatMap((d) => {
      const from = role(d.src);
      const to = role(d.dst);
      if (d.protocol === "http" && (wsRoles.has(from ?? "") || wsRoles.has(to ?? "")) && (d.method === "GET" || d.status === 101 || d.status === undefined)) return [];
      return from && to ? [{ id: d.id, from, to, label: labelOf(d) }] : [];
    });
  const replayMessages = replayed.document.messages;
  const diff = diffLadders(toDiff(origMessages, origRole), toDiff(replayMessages, replayRole));

  const origFindings: FindingDTO[] = (original.document.findings ?? []).filter((f) => f.messages.some((id) => idSet.has(id)) || (sel.callDtoId !== undefined && f.call === sel.callDtoId));
  let origLadder: LadderDTO;
  try {
    origLadder = sel.callDtoId ? original.ladder(sel.callDtoId) : ladderOf(origMessages, origRole, names);
  } catch {
    origLadder = ladderOf(origMessages, origRole, names);
  }
  return {
    original: { messages: origMessages, findings: origFindings, ladder: origLadder },
    replay: { messages: replayMessages, findings: replayed.document.findings ?? [], ladder: ladderOf(replayMessages, replayRole, names) },
    diff,
    pcap,
    notes,
    script: { endpoints: script.endpoints.map((e) => ({ id: e.id, address: e.address, transport: e.transport, steps: e.steps.length })), hub: script.hub, direct: script.direct, serverActions: script.serverActions.length },
  };
}
