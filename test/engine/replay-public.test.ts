/**
 * Replay never crashes on real-world captures (../shared/captures/public): odd transports (TCP,
 * SCTP, WebSocket, IPv6), huge bodies, junk, B2BUAs. Each replay is bounded in time; the result
 * must be well-formed (diff ids point into the message lists).
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFiles } from "../../core/node/ingest";
import { analyze } from "../../core/analysis/analyze";
import { replayCall } from "../../core/node/engine/replay-runner";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const pub = path.resolve(root, "..", "shared", "captures", "public");
const FILES = ["goff-call-with-proxy.pcap", "goff-b2bua-asterisk.pcapng", "heplify-sip-ipv6-udp.pcap", "heplify-sip-tcp.pcap", "heplify-sip-websocket.pcap", "sv-sip-body-large-null.pcap", "zeek-junk-before-request.pcap"];

describe("replay on public captures", () => {
  if (!existsSync(pub)) console.log(`SKIPPED public-capture replay tests: ${pub} not found`);
  for (const f of FILES) {
    it.skipIf(!existsSync(path.join(pub, f)))(`${f}: every call replays without a crash`, async () => {
      const loaded = await loadFiles([path.join(pub, f)]);
      const result = analyze(loaded.model, { summary: loaded.summary, messages: loaded.messages });
      for (const call of (result.document.calls ?? []).slice(0, 2)) {
        let r;
        try {
          r = await replayCall(result, call.id, { speed: 50, grace: 0.5, maxSeconds: 10 });
        } catch (e) {
          // The one refusal allowed: a flow with no endpoint side (only server/Diameter traffic).
          expect((e as Error).message).toMatch(/no endpoint to replay/);
          continue;
        }
        for (const d of r.diff) {
          if (d.original !== undefined) expect(r.original.messages.some((m) => m.id === d.original)).toBe(true);
          if (d.replay !== undefined) expect(r.replay.messages.some((m) => m.id === d.replay)).toBe(true);
        }
      }
    });
  }
});
