import { describe, expect, it } from "vitest";
import type { CallDTO, LadderDTO } from "../../api";
import { ladderToSvg } from "./ladder-svg";
import { ladderToMermaid } from "./ladder-mermaid";
import { callsToCsv } from "./calls-csv";
import { findingsToJson } from "./findings-json";
import { messagesToPcap } from "./calls-pcap";

const EVIL = `<script>alert(1)</script><img src=x onerror="alert(2)">&'`;

const ladder: LadderDTO = {
  callId: "c1",
  nodes: [
    { id: "n1", name: EVIL, addresses: ["10.0.0.1:5060"] },
    { id: "n2", name: "proxy", addresses: ["10.0.0.2:5060"] },
  ],
  arrows: [
    { messageId: 0, from: "n1", to: "n2", label: `INVITE ${EVIL}`, time: 100, protocol: "sip", txn: 0 },
    { messageId: 1, from: "n2", to: "n1", label: "486 Busy Here", time: 100.5, protocol: "sip", txn: 0 },
    { messageId: 2, from: "n2", to: "n1", label: "486 Busy Here", time: 101, protocol: "sip", txn: 0, retransmission: true },
    { messageId: 3, from: "n2", to: "n2", label: "OPTIONS", time: 101.5, protocol: "sip", txn: 1 },
  ],
  ghosts: [{ label: "ACK", src: "10.0.0.1:5060", dst: "10.0.0.2:5060", expectedBy: 132, reason: "RFC 3261", after: 1, from: "n1", to: "n2", finding: "f1" }],
  logs: [{ id: 0, file: 1, line: 9, level: "ERROR", text: `tcp_send failed ${EVIL}`, time: 101.2, node: "n2" }],
};

describe("ladder -> SVG", () => {
  const svg = ladderToSvg(ladder, { title: EVIL });
  it("is one SVG document with a row per arrow, ghost and log line", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<line x1="[\d.]+" y1="[\d.]+" x2/g)).toHaveLength(2 + 1 + 3); // 2 lanes, 1 ghost, 3 arrows (the self-arrow is a path)
    expect(svg).toContain("ACK (expected)");
    expect(svg).toContain("(retr.)");
    expect(svg).toContain('stroke-dasharray="6 4"');
  });
  it("escapes every captured string", () => {
    expect(svg).not.toMatch(/<script|<img|onerror="/);
    expect(svg).toContain("&lt;script&gt;");
  });
});

describe("ladder -> Mermaid", () => {
  const mmd = ladderToMermaid(ladder);
  it("declares participants and one line per row", () => {
    const lines = mmd.trim().split("\n");
    expect(lines[0]).toBe("sequenceDiagram");
    expect(lines.filter((l) => l.includes("->>"))).toHaveLength(4);
    expect(lines.some((l) => l.includes("--x") && l.includes("missing ACK"))).toBe(true);
    expect(lines.some((l) => l.startsWith("  Note over N1: ERROR"))).toBe(true);
  });
  it("keeps Mermaid syntax characters out of labels", () => {
    for (const l of mmd.trim().split("\n").slice(1)) {
      const text = l.slice(l.indexOf(":") + 1);
      expect(text).not.toMatch(/[;#<>{}"]/);
    }
  });
});

describe("calls -> CSV", () => {
  const call: CallDTO & { columns?: Record<string, string> } = {
    id: "c1", callIds: ["a@b", "c@d"], kind: "call", method: "INVITE", from: 'sip:"Al, Ice"@x', to: "=HYPERLINK(\"http://evil\")", legs: 2, state: "rejected 486",
    status: 486, start: 1700000000.5, end: 1700000001, duration: 0.5, messages: 7, findings: ["f1"], columns: { "X-Tenant": "t\n1" },
  };
  const csv = callsToCsv([call], ["X-Tenant"]);
  const [head, row] = csv.split("\r\n");
  it("quotes per RFC 4180 and guards formulas", () => {
    expect(head).toBe("id,start_iso,kind,method,from,to,state,status,setup_time_s,duration_s,legs,messages,findings,call_ids,X-Tenant");
    expect(row).toContain('"sip:""Al, Ice""@x"');
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(row).toContain("2023-11-14T22:13:20.500Z");
    expect(csv).toContain('"t\n1"');
  });
});

describe("findings -> JSON", () => {
  it("counts by rule", () => {
    const doc = JSON.parse(findingsToJson([{ id: "f1", rule: "r", severity: "error", title: "t", explanation: "e", messages: [], ghosts: [], time: 1 }], { files: ["a.pcap"] }));
    expect(doc).toMatchObject({ files: ["a.pcap"], count: 1, byRule: { r: 1 } });
  });
});

describe("messages -> pcap", () => {
  it("writes one record per message with consistent TCP sequence numbers", () => {
    const bytes = new TextEncoder().encode("OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n");
    const pcap = messagesToPcap([
      { time: 10.25, src: { ip: "10.0.0.1", port: 5060 }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "udp", bytes },
      { time: 11, src: { ip: "10.0.0.1", port: 40000 }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "tcp", bytes },
      { time: 12, src: { ip: "10.0.0.1", port: 40000 }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "tcp", bytes },
    ]);
    const v = new DataView(pcap.buffer, pcap.byteOffset);
    expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
    let off = 24;
    const seqs: number[] = [];
    const times: number[] = [];
    while (off < pcap.length) {
      const len = v.getUint32(off + 8, true);
      times.push(v.getUint32(off, true) + v.getUint32(off + 4, true) / 1e6);
      const pkt = off + 16;
      if (pcap[pkt + 14 + 9] === 6) seqs.push(v.getUint32(pkt + 14 + 20 + 4));
      off = pkt + len;
    }
    expect(off).toBe(pcap.length);
    expect(times).toEqual([10.25, 11, 12]);
    expect(seqs[1] - seqs[0]).toBe(bytes.length);
  });
});
