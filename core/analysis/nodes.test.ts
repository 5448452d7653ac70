import { describe, expect, it } from "vitest";
import { buildNodes } from "./nodes";
import type { Observed } from "./model";
import { parseSip } from "../protocols/sip/parse";
import { MessageRows } from "./message-rows";
import { ep, sipBytes } from "../../test/machines-fixtures";

/** A request as sent from `src`: Via lines, Record-Route and Contact as given. */
function wire(src: string, dst: string, vias: string[], extra: string[]): { src: string; dst: string; text: string } {
  const text = [
    "INVITE sip:bob@example.com SIP/2.0",
    ...vias.map((v) => `Via: ${v}`),
    "From: <sip:alice@example.com>;tag=a1",
    "To: <sip:bob@example.com>",
    "Call-ID: nodes-1@example.com",
    "CSeq: 1 INVITE",
    ...extra,
    "",
    "",
  ].join("\n");
  return { src, dst, text };
}

const CAPTURE = [
  // The caller: one Via, its Contact names its listening port 5070 (sent from 5060).
  wire("10.0.0.1:5060", "10.0.0.2:5060", ["SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1"], ["Contact: <sip:alice@10.0.0.1:5070>"]),
  // The proxy forwards over TCP from an ephemeral port: its top Via names 5060, Record-Route 5080;
  // the forwarded Contact (two Vias) is the caller's and must not merge the proxy with it.
  wire(
    "10.0.0.2:40000",
    "10.0.0.3:5060",
    ["SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bK-2", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1"],
    ["Record-Route: <sip:10.0.0.2:5080;lr>", "Contact: <sip:alice@10.0.0.2:6000>"],
  ),
];

function observed(stored: boolean): Observed[] {
  const rows = new MessageRows();
  return CAPTURE.map((w, id) => {
    const bytes = sipBytes(w.text);
    const parsed = parseSip(bytes);
    const place = { file: 0, frame: id + 1, time: id, src: ep(w.src), dst: ep(w.dst), transport: "udp" as const };
    if (stored) return rows.addSip(place, parsed, bytes);
    return { id, ...place, protocol: "sip", sip: parsed };
  });
}

describe("buildNodes", () => {
  it("merges addresses by the sender's own top Via, Record-Route and (unforwarded) Contact", () => {
    const { nodes } = buildNodes(observed(false));
    expect(nodes.map((n) => n.addresses)).toEqual([
      ["10.0.0.1:5060", "10.0.0.1:5070"],
      ["10.0.0.2:5060", "10.0.0.2:40000", "10.0.0.2:5080"],
      ["10.0.0.3:5060"],
    ]);
  });

  it("stored messages (top Via and Via count kept, no re-parse of the Vias) give the same nodes", () => {
    expect(buildNodes(observed(true)).nodes).toEqual(buildNodes(observed(false)).nodes);
  });
});
