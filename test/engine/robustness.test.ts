/**
 * Bad input against the running engine (real sockets): malformed and mutated SIP for a bounded
 * time, oversized messages, header floods, streams without Content-Length, half-open TCP,
 * WebSocket without the "sip" subprotocol, plain HTTP on the WebSocket port. The engine must answer
 * what can be answered, close what cannot be framed, and still answer OPTIONS afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import net from "node:net";
import http from "node:http";
import WebSocket from "ws";
import fc from "fast-check";
import { EngineRuntime } from "../../core/node/engine/runtime";

let rt: EngineRuntime;
let udp: dgram.Socket;
const inbox: string[] = [];

beforeAll(async () => {
  rt = await EngineRuntime.start({ udp: "127.0.0.1:0", tcp: "127.0.0.1:0", ws: "127.0.0.1:0" });
  udp = dgram.createSocket("udp4");
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  udp.on("message", (m) => inbox.push(m.toString("latin1")));
});
afterAll(async () => {
  udp.close();
  await rt.close();
});

function options(branch: string, transport = "UDP", port = udp.address().port): string {
  return [
    `OPTIONS sip:127.0.0.1:${rt.addresses.udp!.port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK-${branch};rport`,
    "From: <sip:probe@sipscope.test>;tag=p1",
    "To: <sip:127.0.0.1>",
    `Call-ID: ${branch}@probe`,
    "CSeq: 1 OPTIONS",
    "Max-Forwards: 70",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

async function udpAsk(text: string | Buffer, match: string, timeoutMs = 2000): Promise<string | undefined> {
  const start = inbox.length;
  udp.send(typeof text === "string" ? Buffer.from(text, "latin1") : text, rt.addresses.udp!.port, "127.0.0.1");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = inbox.slice(start).find((m) => m.includes(match));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

function tcpExchange(data: Buffer | string, opts: { half?: boolean; waitMs?: number } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(rt.addresses.tcp!.port, "127.0.0.1");
    let text = "";
    let closed = false;
    s.on("data", (d) => (text += d.toString("latin1")));
    s.on("close", () => {
      closed = true;
    });
    s.on("error", () => undefined);
    s.on("connect", () => {
      s.write(data);
      if (opts.half) s.end();
    });
    setTimeout(() => {
      s.destroy();
      resolve({ text, closed });
    }, opts.waitMs ?? 500);
  });
}

describe("engine robustness (real sockets)", () => {
  it("answers OPTIONS over UDP with 200", async () => {
    expect(await udpAsk(options("ok1"), "ok1@probe")).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it("survives mutated and random datagrams for a bounded time, then still answers OPTIONS", async () => {
    const seeds = [options("seed"), options("seed2").replace("OPTIONS sip", "INVITE sip").replace("1 OPTIONS", "1 INVITE")];
    const deadline = Date.now() + 3000;
    let sent = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat(), fc.boolean(), (which, flips, cut, dup) => {
        if (Date.now() > deadline) return true;
        const b = Buffer.from(seeds[which], "latin1");
        for (const [pos, val] of flips) b[pos % b.length] = val;
        let out = b.subarray(0, cut % 3 === 0 ? b.length : 1 + (cut % b.length));
        if (dup) out = Buffer.concat([out, out]);
        udp.send(out, rt.addresses.udp!.port, "127.0.0.1");
        sent++;
        return true;
      }),
      { numRuns: 3000 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toBeGreaterThan(100);
    expect(await udpAsk(options("after-fuzz"), "after-fuzz@probe")).toMatch(/^SIP\/2\.0 200 OK/);
    expect(rt.reports.some((r) => r.code === "internal-error")).toBe(false);
  });

  it("survives mutated byte streams over TCP connections, then still answers OPTIONS over TCP", async () => {
    const seed = Buffer.from(options("tseed", "TCP"), "latin1");
    const samples = fc.sample(fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat({ max: seed.length }), fc.integer({ min: 1, max: 4 })), 40);
    await Promise.all(
      samples.map(([flips, cut, copies]) => {
        const b = Buffer.from(seed);
        for (const [pos, val] of flips) b[pos % b.length] = val;
        return tcpExchange(Buffer.concat(Array.from({ length: copies }, () => b.subarray(0, cut || b.length))), { half: true, waitMs: 150 });
      }),
    );
    const ok = await tcpExchange(options("tcp-after-fuzz", "TCP"));
    expect(ok.text).toMatch(/^SIP\/2\.0 200 OK/);
    expect(rt.reports.some((r) => r.code === "internal-error")).toBe(false);
  });

  it("a header flood gets 400, an unknown method 501", async () => {
    const flood = options("flood").replace("Content-Length: 0", "X-Flood: y\r\n".repeat(500) + "Content-Length: 0");
    expect(await udpAsk(flood, "flood@probe")).toMatch(/^SIP\/2\.0 400/);
    const odd = options("odd").replace("OPTIONS sip", "BREW sip").replace("1 OPTIONS", "1 BREW");
    expect(await udpAsk(odd, "odd@probe")).toMatch(/^SIP\/2\.0 501/);
  });

  it("TCP: OPTIONS answered; a stream without Content-Length gets 400 and is closed", async () => {
    const ok = await tcpExchange(options("tcp1", "TCP"));
    expect(ok.text).toMatch(/^SIP\/2\.0 200 OK/);
    const bad = await tcpExchange(options("tcp2", "TCP").replace("Content-Length: 0\r\n", ""));
    expect(bad.text).toMatch(/^SIP\/2\.0 400 Missing Content-Length/);
    expect(bad.closed).toBe(true);
  });

  it("TCP: an oversized header section gets 513 and a close; a huge Content-Length too", async () => {
    const big = options("tcp3", "TCP").replace("Content-Length: 0\r\n\r\n", "X-Big: " + "a".repeat(40_000) + "\r\n");
    const r = await tcpExchange(big, { waitMs: 800 });
    expect(r.text).toMatch(/^SIP\/2\.0 513/);
    expect(r.closed).toBe(true);
    const huge = await tcpExchange(options("tcp4", "TCP").replace("Content-Length: 0", "Content-Length: 99999999"));
    expect(huge.text).toMatch(/^SIP\/2\.0 513/);
  });

  it("half-open TCP (partial message then FIN) does not hurt: the engine still answers", async () => {
    await tcpExchange(options("half", "TCP").slice(0, 60), { half: true, waitMs: 200 });
    const conns = await Promise.all([1, 2, 3].map(() => tcpExchange("INVITE sip:x SIP/2.0\r\nVia: junk", { half: true, waitMs: 200 })));
    expect(conns.length).toBe(3);
    expect(await udpAsk(options("after-half"), "after-half@probe")).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it("WebSocket without the sip subprotocol is refused with 400; with it, OPTIONS is answered", async () => {
    const url = `ws://127.0.0.1:${rt.addresses.ws!.port}/`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => undefined);
    });
    expect(refused).toBe(400);
    const answer = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url, "sip");
      ws.on("open", () => ws.send(options("ws1", "WS")));
      ws.on("message", (d) => {
        resolve(d.toString());
        ws.close();
      });
      ws.on("error", reject);
    });
    expect(answer).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it("plain HTTP on the WebSocket port is always answered", async () => {
    for (const method of ["GET", "POST", "PUT"]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: rt.addresses.ws!.port, path: "/rpc?x=1", method }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(method === "GET" ? undefined : '{"method":"presence.refresh"}');
      });
      expect(status).toBe(200);
    }
  });
});
