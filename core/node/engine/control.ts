/**
 * The engine's local control endpoint (HTTP + JSON on 127.0.0.1): what replay and operators use to
 * look inside the engine and to trigger server-originated actions.
 *   GET  /status                 registrations, dialogs, watchers, presentities, counters
 *   GET  /reports                recent warnings (skipped watchers, malformed input ...)
 *   POST /dialogs/{id|Call-ID}/bye   end a dialog: BYE to caller and callee
 *   POST /presence/{user}?basic=open|closed   a presence state change: NOTIFY every watcher
 */
import http from "node:http";
import type { Endpoint } from "../../capture/types";
import type { EngineRuntime } from "./runtime";

export async function startControl(a: Endpoint, rt: EngineRuntime): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body, null, 1);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    req.resume();
    req.on("end", () => {
      try {
        const url = new URL(req.url ?? "/", "http://control");
        const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        if (req.method === "GET" && (parts.length === 0 || parts[0] === "status")) return send(200, rt.snapshot());
        if (req.method === "GET" && parts[0] === "reports") return send(200, rt.reports);
        if (req.method === "POST" && parts[0] === "dialogs" && parts[2] === "bye" && parts[1]) {
          const r = rt.endDialog(parts[1]);
          return send(r.ok ? 200 : 404, r.ok ? r : { ok: false, error: `no confirmed dialog ${parts[1]}` });
        }
        if (req.method === "POST" && parts[0] === "presence" && parts[1]) {
          const basic = url.searchParams.get("basic") === "closed" ? "closed" : "open";
          rt.setPresence(parts[1], basic, url.searchParams.get("note") ?? undefined);
          return send(200, { ok: true });
        }
        send(404, { error: "unknown control request", try: ["GET /status", "GET /reports", "POST /dialogs/ID/bye", "POST /presence/USER?basic=open"] });
      } catch (e) {
        send(500, { error: (e as Error).message });
      }
    });
  });
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(a.port, a.ip, () => res());
  });
  return server;
}
