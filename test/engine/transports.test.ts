/**
 * Connection-oriented clients on real sockets: a WebSocket (RFC 7118) and a TCP client register
 * with digest auth, and calls to them are delivered over *their* connections (the Contact of a
 * browser is an unresolvable .invalid host; the engine reuses the connection the REGISTER came on).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import net from "node:net";
import WebSocket from "ws";
import { EngineRuntime } from "../../core/node/engine/runtime";
import { md5Hex } from "../../core/engine/md5";
import { mkdtempSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { loadFiles } from "../../core/node/ingest";

let rt: EngineRuntime;
const pcap = path.join(mkdtempSync(path.join(os.tmpdir(), "sipscope-transports-")), "engine.pcap");
beforeAll(async () => {
  rt = await EngineRuntime.start({ udp: "127.0.0.1:0", tcp: "127.0.0.1:0", ws: "127.0.0.1:0", pcap });
});
afterAll(async () => {
  await rt.close();
});

function register(user: string, password: string, via: string, contact: string, cseq: number, auth?: { nonce: string }): string {
  const uri = `sip:127.0.0.1:${rt.addresses.udp!.port}`;
  let authLine = "";
  if (auth) {
    const ha1 = md5Hex(`${user}:sipscope.test:${password}`);
    const resp = md5Hex(`${ha1}:${auth.nonce}:00000001:c0ffee:auth:${md5Hex(`REGISTER:${uri}`)}`);
    authLine = `Authorization: Digest username="${user}", realm="sipscope.test", nonce="${auth.nonce}", uri="${uri}", response="${resp}", qop=auth, nc=00000001, cnonce="c0ffee", algorithm=MD5\r\n`;
  }
  return `REGISTER ${uri} SIP/2.0\r\nVia: ${via};branch=z9hG4bK-reg${user}${cseq}\r\nFrom: <sip:${user}@sipscope.test>;tag=r${user}\r\nTo: <sip:${user}@sipscope.test>\r\nCall-ID: reg-${user}@t\r\nCSeq: ${cseq} REGISTER\r\nContact: <${contact}>\r\nExpires: 300\r\n${authLine}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
}

function waitFor<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const iv = setInterval(() => {
      const v = get();
      if (v !== undefined) {
        clearInterval(iv);
        resolve(v);
      } else if (Date.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error("timed out"));
      }
    }, 10);
  });
}

async function callFromUdp(user: string): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const p = s.address().port;
  s.send(`INVITE sip:${user}@127.0.0.1:${rt.addresses.udp!.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bK-inv${user};rport\r\nFrom: <sip:alice@sipscope.test>;tag=ai\r\nTo: <sip:${user}@sipscope.test>\r\nCall-ID: call-${user}@t\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:${p}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`, rt.addresses.udp!.port, "127.0.0.1");
  return s;
}

describe("engine: WebSocket and TCP clients", () => {
  it("a WebSocket client registers (401 then 200) and receives an INVITE over its connection", async () => {
    const inbox: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${rt.addresses.ws!.port}/`, "sip");
    ws.on("message", (d) => inbox.push(d.toString()));
    await new Promise((r) => ws.once("open", r));
    expect(ws.protocol).toBe("sip");
    const via = "SIP/2.0/WS q8v2k3.invalid";
    const contact = "sip:bob@q8v2k3.invalid;transport=ws";
    ws.send(register("bob", "bob-secret", via, contact, 1));
    const ch = await waitFor(() => inbox.find((m) => m.startsWith("SIP/2.0 401")));
    const nonce = /nonce="([^"]+)"/.exec(ch)![1];
    ws.send(register("bob", "bob-secret", via, contact, 2, { nonce }));
    await waitFor(() => inbox.find((m) => m.startsWith("SIP/2.0 200")));
    const caller = await callFromUdp("bob");
    const inv = await waitFor(() => inbox.find((m) => m.startsWith("INVITE ")));
    expect(inv).toMatch(/^INVITE sip:bob@q8v2k3\.invalid;transport=ws SIP\/2\.0/);
    expect(inv).toMatch(/Record-Route: <sip:127\.0\.0\.1:\d+;transport=ws;lr>/);
    caller.close();
    ws.close();
  });

  it("a TCP client registers and receives an INVITE over the same connection", async () => {
    const sock = net.connect(rt.addresses.tcp!.port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    let buf = "";
    sock.on("data", (d) => (buf += d.toString("latin1")));
    const via = `SIP/2.0/TCP 127.0.0.1:${sock.localPort}`;
    const contact = `sip:carol@127.0.0.1:${sock.localPort};transport=tcp`;
    sock.write(register("carol", "carol-secret", via, contact, 1));
    const nonce = await waitFor(() => /nonce="([^"]+)"/.exec(buf)?.[1]);
    sock.write(register("carol", "carol-secret", via, contact, 2, { nonce }));
    await waitFor(() => (/SIP\/2\.0 200/.test(buf) ? true : undefined));
    const caller = await callFromUdp("carol");
    await waitFor(() => (/INVITE sip:carol@/.test(buf) ? true : undefined));
    caller.close();
    sock.destroy();
  });

  it("the engine's pcap holds the WebSocket and TCP SIP, readable by SIPScope and tshark", async () => {
    await rt.close();
    const loaded = await loadFiles([pcap]);
    const ws = loaded.messages.filter((m) => m.transport === "ws" && m.protocol === "sip");
    const tcp = loaded.messages.filter((m) => m.transport === "tcp" && m.protocol === "sip");
    expect(ws.map((m) => m.method ?? m.status)).toEqual(expect.arrayContaining(["REGISTER", 401, 200, "INVITE"]));
    expect(tcp.map((m) => m.method ?? m.status)).toEqual(expect.arrayContaining(["REGISTER", 401, 200, "INVITE"]));
    if (existsSync("/usr/bin/tshark")) {
      const r = spawnSync("/usr/bin/tshark", ["-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.CSeq"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(ws.length + tcp.length);
    } else console.log("tshark not installed: pcap decode check skipped");
  });
});
