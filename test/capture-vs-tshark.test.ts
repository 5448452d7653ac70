/**
 * Oracle test: a capture built here with every encapsulation the capture layer decodes (VLAN,
 * QinQ, GRE, ERSPAN II, IP-in-IP, IPv4/IPv6 fragments, TCP segmentation, SCTP) is decoded both by
 * tshark and by our decoder; the SIP messages found (frame and Call-ID) must be the same.
 * Skipped with a printed reason when tshark is not installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { createCaptureDecoder } from "../core/capture/decoder";
import type { Endpoint, Pdu } from "../core/capture/types";
import { concatBytes, PcapWriter } from "../core/capture/pcap-writer";
import { buildIp, buildUdpPacket, buildUdpSegment, frameIp, TcpFlowBuilder, utf8, IPPROTO_SCTP, IPPROTO_UDP } from "../core/capture/packet-builder";

const TSHARK = "/usr/bin/tshark";
if (!existsSync(TSHARK)) console.warn("SKIPPED capture-vs-tshark: no tshark at /usr/bin/tshark (apt-get install tshark)");

const sip = (id: string, body = "") =>
  `OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${id}\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const ether = (type: number, payload: Uint8Array) => concatBytes([Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1), u16(type), payload]);
const A: Endpoint = { ip: "10.0.0.1", port: 5060 };
const B: Endpoint = { ip: "10.0.0.2", port: 5060 };

function packets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const ipUdp = (id: string) => buildIp(A.ip, B.ip, IPPROTO_UDP, buildUdpSegment(A, B, utf8(sip(id))));
  out.push(buildUdpPacket(A, B, utf8(sip("plain"))));
  out.push(ether(0x8100, concatBytes([u16(10), u16(0x0800), ipUdp("vlan")])));
  out.push(ether(0x88a8, concatBytes([u16(10), u16(0x8100), u16(20), u16(0x0800), ipUdp("qinq")])));
  out.push(frameIp(buildIp("192.168.0.1", "192.168.0.2", 47, concatBytes([u16(0), u16(0x0800), ipUdp("gre")]))));
  out.push(frameIp(buildIp("192.168.0.1", "192.168.0.2", 47, concatBytes([u16(0x1000), u16(0x88be), u32(1), Uint8Array.of(0x10, 0x01, 0, 0x05, 0, 0, 0, 0), ether(0x0800, ipUdp("erspan"))]))));
  out.push(frameIp(buildIp("192.168.0.1", "192.168.0.2", 4, ipUdp("ipip"))));
  // IPv4 fragments
  const seg = buildUdpSegment(A, B, utf8(sip("frag4", "f".repeat(2500))));
  for (const [off, len, more] of [[0, 1480, true], [1480, 1480, false]] as const) {
    const p = buildIp(A.ip, B.ip, IPPROTO_UDP, seg.subarray(off, off + len), { ipId: 4242 });
    const v = new DataView(p.buffer);
    v.setUint16(6, (more ? 0x2000 : 0) | (off / 8));
    v.setUint16(10, 0);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    v.setUint16(10, ~sum & 0xffff);
    out.push(frameIp(p));
  }
  // IPv6 fragments
  const a6: Endpoint = { ip: "2001:db8::1", port: 5060 };
  const b6: Endpoint = { ip: "2001:db8::2", port: 5060 };
  const seg6 = buildUdpSegment(a6, b6, utf8(sip("frag6", "s".repeat(2000))));
  for (const [off, len, more] of [[0, 1232, true], [1232, seg6.length - 1232, false]] as const) {
    const fh = concatBytes([Uint8Array.of(17, 0), u16(off | (more ? 1 : 0)), u32(99)]);
    out.push(frameIp(buildIp(a6.ip, b6.ip, 44, concatBytes([fh, seg6.subarray(off, off + len)]))));
  }
  // TCP, one message over several segments and two in one
  const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 40000 }, { ip: "10.0.0.2", port: 5060 }, { mss: 200 });
  out.push(...f.handshake(), ...f.send("client", utf8(sip("tcp1", "t".repeat(300)))), ...f.send("client", utf8(sip("tcp2") + sip("tcp3"))), f.fin("client"));
  // SCTP: two DATA chunks in one packet
  const chunk = (tsn: number, data: Uint8Array) => {
    const len = 16 + data.length;
    return concatBytes([Uint8Array.of(0, 3), u16(len), u32(tsn), u16(0), u16(0), u32(0), data, new Uint8Array((4 - (len % 4)) % 4)]);
  };
  out.push(frameIp(buildIp(A.ip, B.ip, IPPROTO_SCTP, concatBytes([u16(5060), u16(5060), u32(1), u32(0), chunk(1, utf8(sip("sctp1"))), chunk(2, utf8(sip("sctp2")))]))));
  return out;
}

test.skipIf(!existsSync(TSHARK))("our decoder finds the SIP tshark finds, in the same frames", () => {
  const w = new PcapWriter();
  const bytes = concatBytes([w.header(), ...packets().map((p, i) => w.record(1_700_000_000 + i, p))]);
  const dir = mkdtempSync(path.join(tmpdir(), "sipscope-vs-tshark-"));
  try {
    const file = path.join(dir, "enc.pcap");
    writeFileSync(file, bytes);
    // tshark does not try SCTP checksums by default; CRC32c 0 is accepted as "unverified"
    const out = execFileSync(TSHARK, ["-n", "-r", file, "-Y", "sip", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number", "-e", "sip.Call-ID"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const theirs = out
      .trim()
      .split("\n")
      .flatMap((l) => {
        const [frame, ids] = l.split("\t");
        return ids.split(",").map((id) => `${frame} ${id}`);
      });
    const ours: string[] = [];
    const d = createCaptureDecoder({ pdu: (p: Pdu) => ours.push(`${p.frame} ${/Call-ID: (\w+)/.exec(Buffer.from(p.bytes).toString("latin1"))![1]}`), problem: (p) => expect.fail(p.reason), connection: () => {} });
    d.push(bytes);
    d.end();
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(13);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
