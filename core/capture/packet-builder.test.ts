import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createCaptureDecoder } from "./decoder";
import type { ConnectionEvent, Pdu } from "./types";
import { endpointText } from "./types";
import { PcapWriter, concatBytes } from "./pcap-writer";
import { buildUdpPacket, TcpFlowBuilder, utf8 } from "./packet-builder";

const invite = (id: string, body = "") =>
  `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK${id}\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: ${id}\r\nCSeq: 1 INVITE\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** A capture with UDP over IPv4 and IPv6 and two TCP connections (FIN and RST), SIP split at a small MSS. */
function sampleCapture(): Uint8Array {
  const w = new PcapWriter();
  const parts = [w.header()];
  let t = 1_700_000_000;
  const add = (p: Uint8Array) => parts.push(w.record((t += 0.001), p));
  add(buildUdpPacket({ ip: "10.0.0.1", port: 5060 }, { ip: "10.0.0.2", port: 5060 }, utf8(invite("udp4"))));
  add(buildUdpPacket({ ip: "2001:db8::1", port: 5060 }, { ip: "2001:db8::2", port: 5060 }, utf8(invite("udp6"))));
  const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 40000 }, { ip: "10.0.0.2", port: 5060 }, { mss: 100 });
  [...f.handshake(), ...f.send("client", utf8(invite("tcp4", "v=0\r\n".repeat(40)))), f.ack("server"), f.fin("client"), f.fin("server"), f.ack("client")].forEach(add);
  const g = new TcpFlowBuilder({ ip: "2001:db8::1", port: 40001 }, { ip: "2001:db8::2", port: 5060 });
  [...g.handshake(), ...g.send("client", utf8(invite("tcp6"))), g.rst("server")].forEach(add);
  return concatBytes(parts);
}

function decodeAll(bytes: Uint8Array) {
  const pdus: Pdu[] = [];
  const conns: ConnectionEvent[] = [];
  const d = createCaptureDecoder({ pdu: (p) => pdus.push(p), connection: (c) => conns.push(c), problem: (p) => expect.fail(p.reason) });
  d.push(bytes);
  d.end();
  return { pdus, conns };
}

describe("pcap writer + packet builder", () => {
  test("a written capture reads back through the decoder", () => {
    const { pdus, conns } = decodeAll(sampleCapture());
    expect(pdus.map((p) => `${p.frame} ${p.transport} ${endpointText(p.src)} ${/Call-ID: (\w+)/.exec(Buffer.from(p.bytes).toString())![1]}`)).toEqual([
      "1 udp 10.0.0.1:5060 udp4",
      "2 udp [2001:db8::1]:5060 udp6",
      "9 tcp 10.0.0.1:40000 tcp4",
      "17 tcp [2001:db8::1]:40001 tcp6",
    ]);
    expect(pdus[2].frames).toEqual([6, 7, 8, 9]);
    expect(pdus[0].time).toBeCloseTo(1_700_000_000.001, 6);
    expect(conns.map((c) => c.kind)).toEqual(["open", "fin", "fin", "open", "rst"]);
  });

  const tshark = "/usr/bin/tshark";
  test.skipIf(!existsSync(tshark))("tshark decodes the packets with valid checksums and finds the same SIP", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sipscope-builder-"));
    try {
      const file = path.join(dir, "built.pcap");
      writeFileSync(file, sampleCapture());
      const args = ["-n", "-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"];
      const status = execFileSync(tshark, [...args, "-T", "fields", "-e", "frame.number", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      // status 1 = good; 0 would be bad (2 = not checked, e.g. IPv6 has no header checksum)
      for (const line of status.trim().split("\n")) expect(line.split("\t").slice(1).filter((x) => x !== "").every((x) => x === "1"), line).toBe(true);
      const sip = execFileSync(tshark, [...args, "-Y", "sip", "-T", "fields", "-e", "frame.number", "-e", "sip.Call-ID"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      expect(sip.trim().split("\n")).toEqual(["1\tudp4", "2\tudp6", "9\ttcp4", "17\ttcp6"]);
      const expert = execFileSync(tshark, [...args, "-q", "-z", "expert,warn"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      expect(expert).not.toMatch(/checksum|Malformed|Previous segment not captured/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
