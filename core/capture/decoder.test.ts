import { describe, expect, test } from "vitest";
import { zlibSync } from "fflate";
import { createCaptureDecoder } from "./decoder";
import type { CaptureProblem, ConnectionEvent, Endpoint, Pdu } from "./types";
import { endpointText } from "./types";
import { concatBytes, PcapWriter, writePcap } from "./pcap-writer";
import { PcapngWriter } from "./pcapng-writer";
import { decodeLink, isSupportedLinkType } from "./link";
import { buildIp, buildUdpPacket, buildWsFrame, buildUdpSegment, frameIp, ipBytes, TcpFlowBuilder, utf8, IPPROTO_UDP, IPPROTO_SCTP } from "./packet-builder";

interface Out {
  pdus: Pdu[];
  problems: CaptureProblem[];
  connections: ConnectionEvent[];
}

function run(bytes: Uint8Array, chunk: number, httpPorts?: number[]): Out {
  const out: Out = { pdus: [], problems: [], connections: [] };
  const d = createCaptureDecoder({ pdu: (p) => out.pdus.push(p), problem: (p) => out.problems.push(p), connection: (e) => out.connections.push(e) }, { httpPorts });
  for (let o = 0; o < bytes.length; o += chunk) d.push(bytes.slice(o, o + chunk));
  d.end();
  return out;
}

/** Decodes packets whole and byte by byte; both must agree. */
function decode(packets: Uint8Array[], linktype = 1, httpPorts?: number[]): Out {
  const bytes = writePcap(packets.map((p, i) => ({ time: 1000 + i, bytes: p })), linktype);
  const whole = run(bytes, bytes.length, httpPorts);
  const slow = run(bytes, 1, httpPorts);
  const summary = (o: Out) => [o.pdus.map((p) => [p.frame, p.protocol, p.transport, text(p.bytes), p.frames, p.problems]), o.connections, o.problems.map((p) => p.reason)];
  expect(summary(slow)).toEqual(summary(whole));
  return whole;
}

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const rows = (o: Out) => o.pdus.map((p) => `${p.frame} ${p.protocol}/${p.transport} ${endpointText(p.src)} -> ${endpointText(p.dst)} ${text(p.bytes).split("\r\n")[0]}`);

function sip(callId: string, body = "", method = "OPTIONS"): string {
  return `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${callId}\r\nCall-ID: ${callId}\r\nCSeq: 1 ${method}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const A: Endpoint = { ip: "10.0.0.1", port: 5060 };
const B: Endpoint = { ip: "10.0.0.2", port: 5060 };
const A6: Endpoint = { ip: "2001:db8::1", port: 5060 };
const B6: Endpoint = { ip: "2001:db8::2", port: 5060 };

function ipUdp(src: Endpoint, dst: Endpoint, payload: Uint8Array): Uint8Array {
  return buildIp(src.ip, dst.ip, IPPROTO_UDP, buildUdpSegment(src, dst, payload));
}
function ether(type: number, payload: Uint8Array): Uint8Array {
  return concatBytes([new Uint8Array(12).fill(2), Uint8Array.of(type >> 8, type & 0xff), payload]);
}
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

describe("link types", () => {
  const ip4 = ipUdp(A, B, utf8(sip("link")));
  const ip6 = ipUdp(A6, B6, utf8(sip("link6")));
  const cases: [string, number, Uint8Array, string][] = [
    ["Ethernet", 1, frameIp(ip4), "10.0.0.1:5060"],
    ["BSD null, AF_INET little-endian", 0, concatBytes([Uint8Array.of(2, 0, 0, 0), ip4]), "10.0.0.1:5060"],
    ["BSD null, AF_INET6 (30) little-endian", 0, concatBytes([Uint8Array.of(30, 0, 0, 0), ip6]), "[2001:db8::1]:5060"],
    ["BSD null, AF_INET big-endian", 0, concatBytes([Uint8Array.of(0, 0, 0, 2), ip4]), "10.0.0.1:5060"],
    ["OpenBSD loop (108)", 108, concatBytes([Uint8Array.of(0, 0, 0, 24), ip6]), "[2001:db8::1]:5060"],
    ["raw 101", 101, ip4, "10.0.0.1:5060"],
    ["raw 12", 12, ip6, "[2001:db8::1]:5060"],
    ["raw 14", 14, ip4, "10.0.0.1:5060"],
    ["IPv4 (228)", 228, ip4, "10.0.0.1:5060"],
    ["IPv6 (229)", 229, ip6, "[2001:db8::1]:5060"],
    ["Linux SLL", 113, concatBytes([Uint8Array.of(0, 0, 0, 1, 0, 6), new Uint8Array(8), u16(0x0800), ip4]), "10.0.0.1:5060"],
    ["Linux SLL2", 276, concatBytes([u16(0x86dd), u16(0), u32(2), u16(1), Uint8Array.of(0, 6), new Uint8Array(8), ip6]), "[2001:db8::1]:5060"],
    ["802.1Q", 1, ether(0x8100, concatBytes([u16(100), u16(0x0800), ip4])), "10.0.0.1:5060"],
    ["QinQ 88a8 + 8100", 1, ether(0x88a8, concatBytes([u16(10), u16(0x8100), u16(20), u16(0x0800), ip4])), "10.0.0.1:5060"],
    ["old QinQ 9100", 1, ether(0x9100, concatBytes([u16(10), u16(0x86dd), ip6])), "[2001:db8::1]:5060"],
  ];
  test.each(cases)("%s", (_n, linktype, packet, src) => {
    const o = decode([packet], linktype);
    expect(o.problems).toEqual([]);
    expect(o.pdus).toHaveLength(1);
    expect(endpointText(o.pdus[0].src)).toBe(src);
    expect(o.pdus[0].transport).toBe("udp");
  });

  test("unknown link type and truncated headers are problems, not crashes", () => {
    const o = decode([ip4, Uint8Array.of(1, 2)], 147);
    expect(o.pdus).toEqual([]);
    // every record is skipped and counted, the reason is reported once
    expect(o.problems).toEqual([{ frame: 1, offset: 24, reason: "unsupported link type 147 (2 records skipped, first frame 1)", skipped: true, count: 2 }]);
    // a truncated header is a fault of one record: reported per record
    const t = decode([Uint8Array.of(1, 2, 3), frameIp(ip4), Uint8Array.of(1)], 1);
    expect(t.problems.map((p) => [p.frame, p.reason, p.skipped, p.count])).toEqual([
      [1, "Ethernet header truncated", true, undefined],
      [3, "Ethernet header truncated", true, undefined],
    ]);
    expect(t.pdus).toHaveLength(1);
  });

  test("isSupportedLinkType names exactly the link types decodeLink reads", () => {
    const out = { ethertype: 0, offset: 0 };
    const unsupported: number[] = [];
    for (let t = 0; t < 300; t++) {
      const err = decodeLink(t, new Uint8Array(64).fill(0x45), out);
      expect(err?.startsWith("unsupported link type") === true).toBe(!isSupportedLinkType(t));
      if (!isSupportedLinkType(t)) unsupported.push(t);
    }
    expect(300 - unsupported.length).toBe(10);
  });

  test.each([1, 2, 1000])("%i records of an unsupported link type: one problem with the exact count", (n) => {
    const o = run(writePcap(Array.from({ length: n }, (_, i) => ({ time: i, bytes: ip4 })), 147), 4096);
    expect(o.problems.map((p) => [p.frame, p.reason, p.skipped, p.count])).toEqual([[1, `unsupported link type 147 (${n} record${n === 1 ? "" : "s"} skipped, first frame 1)`, true, n]]);
  });

  test("pcapng: one problem per (interface, link type); supported interfaces decode; counts add up", () => {
    const w = new PcapngWriter();
    const eth = frameIp(ip4);
    const blocks = [w.sectionHeader(), w.interfaceDescription({ linktype: 1 }), w.interfaceDescription({ linktype: 147 }), w.interfaceDescription({ linktype: 147 }), w.interfaceDescription({ linktype: 999 })];
    // frames: 1 eth, 2 if1, 3 if2, 4 if1, 5 eth, 6 if3, 7 if1, then a new section whose interface 0 is 147
    const plan: [number, Uint8Array][] = [[0, eth], [1, ip4], [2, ip4], [1, ip4], [0, eth], [3, ip4], [1, ip4]];
    plan.forEach(([ifId, data], i) => blocks.push(w.enhancedPacket(ifId, BigInt(i), data)));
    blocks.push(w.sectionHeader(), w.interfaceDescription({ linktype: 147 }), w.enhancedPacket(0, 9n, ip4), w.simplePacket(ip4));
    const bytes = concatBytes(blocks);
    const whole = run(bytes, bytes.length);
    expect(run(bytes, 1)).toEqual(whole);
    expect(whole.pdus.map((p) => p.frame)).toEqual([1, 5]);
    expect(whole.problems.map((p) => [p.frame, p.reason, p.count])).toEqual([
      [2, "unsupported link type 147 on interface 1 (3 records skipped, first frame 2)", 3],
      [3, "unsupported link type 147 on interface 2 (1 record skipped, first frame 3)", 1],
      [6, "unsupported link type 999 on interface 3 (1 record skipped, first frame 6)", 1],
      [8, "unsupported link type 147 on interface 0 (2 records skipped, first frame 8)", 2],
    ]);
    // what a consumer counting skipped records must arrive at: every record not decoded
    expect(whole.problems.reduce((n, p) => n + (p.skipped ? (p.count ?? 1) : 0), 0)).toBe(7);
  });
});

describe("tunnels", () => {
  const inner = ipUdp(A, B, utf8(sip("tun")));
  const innerEth = ether(0x0800, inner);
  const gre = (proto: number, body: Uint8Array, flags = 0) => concatBytes([u16(flags), u16(proto), ...(flags & 0x1000 ? [u32(7)] : []), body]);
  const outer = (proto: number, payload: Uint8Array) => frameIp(buildIp("192.168.0.1", "192.168.0.2", proto, payload));
  const cases: [string, Uint8Array][] = [
    ["GRE carrying IPv4", outer(47, gre(0x0800, inner))],
    ["GRE transparent Ethernet bridging", outer(47, gre(0x6558, innerEth))],
    ["ERSPAN type I", outer(47, gre(0x88be, innerEth))],
    ["ERSPAN type II", outer(47, gre(0x88be, concatBytes([new Uint8Array(8).fill(0x10), innerEth]), 0x1000))],
    ["ERSPAN type III", outer(47, gre(0x22eb, concatBytes([new Uint8Array(12), innerEth]), 0x1000))],
    ["ERSPAN type III with platform subheader", outer(47, gre(0x22eb, concatBytes([new Uint8Array(11), Uint8Array.of(1), new Uint8Array(8), innerEth]), 0x1000))],
    ["IP-in-IP (4)", outer(4, inner)],
    ["IPv6 in IPv4 (41)", outer(41, ipUdp(A6, B6, utf8(sip("tun"))))],
    ["VXLAN", buildUdpPacket({ ip: "192.168.0.1", port: 40000 }, { ip: "192.168.0.2", port: 4789 }, concatBytes([Uint8Array.of(8, 0, 0, 0, 0, 0, 1, 0), innerEth]))],
  ];
  test.each(cases)("%s: the inner SIP with inner addresses", (_n, packet) => {
    const o = decode([packet]);
    expect(o.problems).toEqual([]);
    expect(o.pdus).toHaveLength(1);
    expect(text(o.pdus[0].bytes)).toContain("Call-ID: tun");
    expect(o.pdus[0].dst.port).toBe(5060);
    expect(["10.0.0.1", "2001:db8::1"]).toContain(o.pdus[0].src.ip);
  });

  test("nesting is bounded", () => {
    let p = inner;
    for (let i = 0; i < 20; i++) p = buildIp("192.168.0.1", "192.168.0.2", 4, p);
    const o = decode([frameIp(p)]);
    expect(o.pdus).toEqual([]);
    expect(o.problems[0].reason).toMatch(/nested deeper/);
  });
});

test("many IPv6 addresses keep their own text (address cache)", () => {
  const packets: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) packets.push(buildUdpPacket({ ip: `2001:db8::${(i % 13) + 1}`, port: 5060 }, { ip: `2001:db8:1::${(i % 7) + 1}`, port: 5060 }, utf8(sip(`v6${i}`))));
  const o = decode(packets);
  expect(o.pdus.map((p) => `${p.src.ip} ${p.dst.ip}`)).toEqual(packets.map((_, i) => `2001:db8::${(i % 13) + 1} 2001:db8:1::${(i % 7) + 1}`));
});

describe("IP fragments", () => {
  test("IPv4 fragments out of order reassemble in the frame that completes them", () => {
    const seg = buildUdpSegment(A, B, utf8(sip("frag", "x".repeat(3000))));
    const mk = (off: number, len: number, more: boolean) => {
      const p = buildIp(A.ip, B.ip, IPPROTO_UDP, seg.subarray(off, off + len), { ipId: 77 });
      const v = new DataView(p.buffer, p.byteOffset);
      v.setUint16(6, (more ? 0x2000 : 0) | (off / 8));
      // header checksum is not checked by the decoder (tshark's default)
      return frameIp(p);
    };
    const o = decode([mk(1480, 1480, true), mk(2960, seg.length - 2960, false), mk(0, 1480, true)]);
    expect(o.problems).toEqual([]);
    expect(rows(o)).toEqual(["3 sip/udp 10.0.0.1:5060 -> 10.0.0.2:5060 OPTIONS sip:bob@example.com SIP/2.0"]);
    expect(o.pdus[0].frames).toEqual([1, 2, 3]);
    expect(o.pdus[0].bytes.length).toBe(seg.length - 8);
  });

  test("IPv6 fragment header after a hop-by-hop header", () => {
    const seg = buildUdpSegment(A6, B6, utf8(sip("frag6", "y".repeat(2000))));
    const mk = (off: number, len: number, more: boolean) => {
      const hbh = Uint8Array.of(44, 0, 1, 4, 0, 0, 0, 0); // next: fragment; PadN
      const fh = concatBytes([Uint8Array.of(17, 0), u16(off | (more ? 1 : 0)), u32(0xabcdef)]);
      const p = buildIp(A6.ip, B6.ip, 0, concatBytes([hbh, fh, seg.subarray(off, off + len)]));
      return frameIp(p);
    };
    const o = decode([mk(0, 1232, true), mk(1232, seg.length - 1232, false)]);
    expect(o.problems).toEqual([]);
    expect(rows(o)).toEqual(["2 sip/udp [2001:db8::1]:5060 -> [2001:db8::2]:5060 OPTIONS sip:bob@example.com SIP/2.0"]);
  });

  test("an incomplete datagram is reported at the end", () => {
    const seg = buildUdpSegment(A, B, utf8(sip("lost", "z".repeat(2000))));
    const p = buildIp(A.ip, B.ip, IPPROTO_UDP, seg.subarray(0, 1480));
    new DataView(p.buffer, p.byteOffset).setUint16(6, 0x2000);
    const o = decode([frameIp(p)]);
    expect(o.pdus).toEqual([]);
    expect(o.problems[0].reason).toMatch(/incomplete at end of capture/);
  });
});

describe("UDP", () => {
  test("SIP by port and by heuristic on any port; others are not PDUs and not problems", () => {
    const o = decode([
      buildUdpPacket(A, B, utf8(sip("p"))),
      buildUdpPacket({ ip: A.ip, port: 15080 }, { ip: B.ip, port: 7070 }, utf8(sip("h"))),
      buildUdpPacket(A, B, Uint8Array.of(0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), // RTP-ish on 5060
      buildUdpPacket(A, B, utf8("\r\n\r\n")), // keep-alive
      buildUdpPacket({ ip: A.ip, port: 53 }, { ip: B.ip, port: 53 }, new Uint8Array(30)),
      buildUdpPacket(B, A, utf8("SIP/2.0 200 OK\r\nCall-ID: p\r\nContent-Length: 0\r\n\r\n")),
    ]);
    expect(o.problems).toEqual([]);
    expect(rows(o)).toEqual([
      "1 sip/udp 10.0.0.1:5060 -> 10.0.0.2:5060 OPTIONS sip:bob@example.com SIP/2.0",
      "2 sip/udp 10.0.0.1:15080 -> 10.0.0.2:7070 OPTIONS sip:bob@example.com SIP/2.0",
      "6 sip/udp 10.0.0.2:5060 -> 10.0.0.1:5060 SIP/2.0 200 OK",
    ]);
  });

  test("a PDU from a record cut by the snap length says so", () => {
    const pkt = buildUdpPacket(A, B, utf8(sip("snap", "x".repeat(500))));
    const w = new PcapWriter();
    const rec = w.record(1, pkt.subarray(0, 300));
    new DataView(rec.buffer).setUint32(12, pkt.length, true); // original length
    const o = run(concatBytes([w.header(), rec]), 7);
    expect(o.pdus.map((p) => p.problems)).toEqual([[`packet cut by the capture's snap length: 300 of ${pkt.length} bytes captured`]]);
  });

  test("junk before a known method: the PDU starts at the method, the junk is a PDU problem", () => {
    const o = decode([buildUdpPacket(A, B, utf8("DBREGISTER sip:1.1.1.1 SIP/2.0\r\nExpires: 3600\r\n\r\n"))]);
    expect(rows(o)).toEqual(["1 sip/udp 10.0.0.1:5060 -> 10.0.0.2:5060 REGISTER sip:1.1.1.1 SIP/2.0"]);
    expect(o.pdus[0].problems).toEqual(["2 junk byte(s) before the request line skipped"]);
  });

  test("SIP quoted in an ICMP port-unreachable is a PDU marked as a copy", () => {
    const quoted = ipUdp(A, B, utf8(sip("icmp")));
    const icmp = concatBytes([Uint8Array.of(3, 3, 0, 0, 0, 0, 0, 0), quoted]);
    const o = decode([frameIp(buildIp(B.ip, A.ip, 1, icmp))]);
    expect(rows(o)).toEqual(["1 sip/udp 10.0.0.1:5060 -> 10.0.0.2:5060 OPTIONS sip:bob@example.com SIP/2.0"]);
    expect(o.pdus[0].problems![0]).toMatch(/ICMP error \(type 3 code 3\)/);
  });
});

describe("TCP", () => {
  const C: Endpoint = { ip: "10.0.0.1", port: 40001 };
  const S: Endpoint = { ip: "10.0.0.2", port: 5060 };

  test("several PDUs per segment, one PDU over several segments; open and fin", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 100 });
    const hs = f.handshake(); // frames 1-3
    const one = sip("one");
    const data = utf8(one + sip("two") + sip("big", "b".repeat(250)));
    const segs = f.send("client", data); // frames 4..
    const o = decode([...hs, ...segs, f.fin("client"), f.fin("server")]);
    expect(o.problems).toEqual([]);
    // PDU i completes in the segment holding its last byte; frames lists every segment that carried it
    const ends = [one.length, one.length + sip("two").length, data.length].map((e) => 4 + Math.floor((e - 1) / 100));
    const starts = [0, one.length, one.length + sip("two").length].map((s0) => 4 + Math.floor(s0 / 100));
    const range = (a: number, z: number) => (a === z ? undefined : Array.from({ length: z - a + 1 }, (_, i) => a + i));
    expect(o.pdus.map((p) => [p.frame, text(p.bytes).match(/Call-ID: (\w+)/)![1], p.frames])).toEqual([
      [ends[0], "one", range(starts[0], ends[0])],
      [ends[1], "two", range(starts[1], ends[1])],
      [ends[2], "big", range(starts[2], ends[2])],
    ]);
    expect(o.pdus[2].frames!.length).toBeGreaterThan(2);
    expect(o.connections.map((c) => `${c.kind} ${endpointText(c.src)}`)).toEqual(["open 10.0.0.1:40001", "fin 10.0.0.1:40001", "fin 10.0.0.2:5060"]);
  });

  test("out of order, retransmitted and overlapping segments give each PDU once", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 1000 });
    const hs = f.handshake();
    const isn = f.seqOf("client");
    const data = utf8(sip("m1") + sip("m2") + sip("m3"));
    const seg = (from: number, to: number) => f.segment("client", 0x18, data.subarray(from, to), (isn + from) >>> 0);
    const o = decode([...hs, seg(200, 400), seg(0, 150), seg(0, 150), seg(100, 260), seg(400, data.length), seg(380, data.length)]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => text(p.bytes))).toEqual([sip("m1"), sip("m2"), sip("m3")]);
  });

  test("a gap is reported and decoding resynchronises at the next message", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 120 });
    const hs = f.handshake();
    const segs = f.send("client", utf8(sip("lost", "q".repeat(100))));
    const after = f.send("client", utf8(sip("after")));
    const o = decode([...hs, segs[0], ...segs.slice(2), ...after]);
    expect(o.pdus.map((p) => text(p.bytes).match(/Call-ID: (\w+)/)![1])).toEqual(["after"]);
    expect(o.problems.map((p) => p.reason)).toEqual([`TCP gap of ${sip("lost", "q".repeat(100)).length - 120} bytes in 10.0.0.1:40001 -> 10.0.0.2:5060: 120 bytes of a partial message dropped`]);
  });

  test("RST is a connection event; a stream message without Content-Length is framed with a problem", () => {
    const f = new TcpFlowBuilder(C, S);
    const msg = "OPTIONS sip:x@y SIP/2.0\r\nCall-ID: nocl\r\n\r\n";
    const rst = f.rst("server");
    const o = decode([...f.handshake(), ...f.send("client", utf8(msg)), rst, rst, f.ack("client")]);
    expect(o.pdus.map((p) => [text(p.bytes), p.problems])).toEqual([[msg, ["no Content-Length on a stream transport: body assumed empty"]]]);
    // the repeated RST and the late ACK raise no second event
    expect(o.connections.map((c) => c.kind)).toEqual(["open", "rst"]);
    // a new connection on the same ports after the reset is a new connection
    const g = new TcpFlowBuilder(C, S, { clientIsn: 90000 });
    const again = decode([...f.handshake(), rst, ...g.handshake(), ...g.send("client", utf8(sip("reuse"))), g.fin("client"), g.fin("client")]);
    expect(again.connections.map((c) => c.kind)).toEqual(["open", "rst", "open", "fin"]);
    expect(again.pdus).toHaveLength(1);
  });

  test("SIP on a non-SIP port is found by heuristic; CRLF keep-alives are skipped", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 33333 }, { ip: "10.0.0.2", port: 6060 }, { mss: 30 });
    const o = decode([...f.handshake(), ...f.send("client", utf8("\r\n\r\n" + sip("h6060") + "\r\n\r\n" + sip("again")))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => text(p.bytes).match(/Call-ID: (\w+)/)![1])).toEqual(["h6060", "again"]);
  });

  test("a capture starting mid-message skips to the first message start", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 1400 });
    f.handshake();
    const o = decode([...f.send("client", utf8("tail of an earlier message\r\n\r\n" + sip("first")))]);
    expect(o.pdus.map((p) => text(p.bytes))).toEqual([sip("first")]);
  });

  test("a first message with a body larger than the undecided-bytes limit still frames", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 40002 }, { ip: "10.0.0.2", port: 6070 }, { mss: 1460 });
    const msg = sip("huge", "h".repeat(100_000));
    const o = run(writePcap([...f.handshake(), ...f.send("client", utf8(msg))].map((bytes, i) => ({ time: i, bytes }))), 64 * 1024);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => [p.bytes.length, p.frames!.length])).toEqual([[msg.length, Math.ceil(msg.length / 1460)]]);
  });

  test("idle connections are let go (their leftovers reported) so memory stays bounded", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 100 });
    const first = [...f.handshake(), f.send("client", utf8(sip("idle", "i".repeat(300))))[0]];
    const syns: Uint8Array[] = [];
    for (let i = 0; i < 16400; i++) syns.push(new TcpFlowBuilder({ ip: "10.9.0.1", port: 1024 + i }, S).segment("client", 0x02));
    const bytes = writePcap([...first.map((b, i) => ({ time: i, bytes: b })), ...syns.map((b) => ({ time: 5000, bytes: b }))]);
    const o = run(bytes, bytes.length);
    const idle = o.problems.filter((p) => /idle timeout/.test(p.reason));
    expect(idle).toHaveLength(1);
    expect(idle[0].frame).toBeLessThan(3 + 1 + 16400); // reported during the capture, not at its end
  });

  test("keep-alive CRLFs do not make a telnet stream SIP; an unclaimed stream is no problem", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 40023 }, { ip: "10.0.0.2", port: 23 });
    const o = decode([...f.handshake(), ...f.send("client", utf8("\r\n")), ...f.send("server", utf8("login: ")), ...f.send("client", utf8("root\r\n")), ...f.send("client", utf8("ls -l\r\n"))]);
    expect(o.pdus).toEqual([]);
    expect(o.problems).toEqual([]);
  });

  test("a message cut short by the end of the capture is shown, marked incomplete", () => {
    const f = new TcpFlowBuilder(C, S, { mss: 200 });
    const hs = f.handshake();
    const segs = f.send("client", utf8(sip("cut", "c".repeat(500))));
    const o = decode([...hs, ...segs.slice(0, 2)]);
    expect(o.pdus.map((p) => [p.frame, p.bytes.length, p.frames, p.problems])).toEqual([[5, 400, [4, 5], ["incomplete sip message: 400 bytes in TCP 10.0.0.1:40001 -> 10.0.0.2:5060 left at end of capture"]]]);
    expect(o.problems.map((p) => p.skipped)).toEqual([false]);
  });

  function diameter(cmd: number, request: boolean, hbh: number, avps = 1): Uint8Array {
    const body: Uint8Array[] = [];
    for (let i = 0; i < avps; i++) body.push(concatBytes([u32(263), Uint8Array.of(0x40, 0, 0, 12), utf8("abcd")]));
    const len = 20 + 12 * avps;
    return concatBytes([Uint8Array.of(1, len >> 16, (len >> 8) & 0xff, len & 0xff, request ? 0xc0 : 0x40, cmd >> 16, (cmd >> 8) & 0xff, cmd & 0xff), u32(16777216), u32(hbh), u32(0x55), ...body]);
  }

  test("Diameter on 3868, two per segment and split, and by sniff on another port", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 41000 }, { ip: "10.0.0.9", port: 3868 }, { mss: 50 });
    const g = new TcpFlowBuilder({ ip: "10.0.0.1", port: 41001 }, { ip: "10.0.0.9", port: 3869 });
    const o = decode([...f.handshake(), ...f.send("client", concatBytes([diameter(303, true, 1), diameter(303, true, 2, 5)])), ...f.send("server", diameter(303, false, 1)), ...g.handshake(), ...g.send("client", diameter(301, true, 3))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => `${p.protocol} ${p.transport} ${p.bytes.length} ${p.bytes[15]}`)).toEqual(["diameter tcp 32 1", "diameter tcp 80 2", "diameter tcp 32 1", "diameter tcp 32 3"]);
  });

  test("HTTP: GET, chunked response, Content-Length, configured ports; HTTP on 5060 is not SIP", () => {
    const http = (port: number) => new TcpFlowBuilder({ ip: "10.0.0.1", port: 42000 + port }, { ip: "10.0.0.3", port }, { mss: 40 });
    const f = http(8080);
    const g = http(5060);
    const h = http(8000);
    const get = "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    const post = 'POST /rpc HTTP/1.1\r\nContent-Length: 15\r\n\r\n{"jsonrpc":2.0}';
    const packets = [...f.handshake(), ...f.send("client", utf8(get)), ...f.send("server", utf8(chunked)), ...g.handshake(), ...g.send("client", utf8(post)), ...h.handshake(), ...h.send("client", utf8(get))];
    const o = decode(packets);
    expect(o.pdus.map((p) => `${p.protocol} ${p.dst.port} ${text(p.bytes)}`)).toEqual([`http 8080 ${get}`, `http 50080 ${chunked}`, `http 5060 ${post}`]);
    // with httpPorts given, that list replaces the default (8080 no longer HTTP; 8000 is)
    const withPort = decode(packets, 1, [8000]);
    expect(withPort.pdus.map((p) => `${p.protocol} ${p.dst.port}`)).toEqual(["http 5060", "http 8000"]);
  });

  test("WebSocket after an HTTP Upgrade: masking, fragmentation, ping, binary, close code", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 50000 }, { ip: "10.0.0.4", port: 10443 }, { mss: 64 });
    const up = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    const ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    const m1 = utf8(sip("ws1"));
    const m2 = utf8(sip("ws2", "v=0\r\n"));
    const frames = concatBytes([
      wsFrame(1, m1.subarray(0, 50), false, true),
      wsFrame(9, utf8("ping"), true, true),
      wsFrame(0, m1.subarray(50), true, true),
      wsFrame(2, m2, true, true),
      wsFrame(8, concatBytes([u16(1001), utf8("bye")]), true, true),
    ]);
    const reply = wsFrame(1, utf8("SIP/2.0 200 OK\r\nCall-ID: ws1\r\nContent-Length: 0\r\n\r\n"), true, false);
    const o = decode([...f.handshake(), ...f.send("client", utf8(up)), ...f.send("server", utf8(ok)), ...f.send("client", frames), ...f.send("server", reply)]);
    expect(o.problems).toEqual([]);
    expect(rows(o).filter((r) => r.includes("sip/")).map((r) => r.replace(/^\d+ /, ""))).toEqual([
      "sip/ws 10.0.0.1:50000 -> 10.0.0.4:10443 OPTIONS sip:bob@example.com SIP/2.0",
      "sip/ws 10.0.0.1:50000 -> 10.0.0.4:10443 OPTIONS sip:bob@example.com SIP/2.0",
      "sip/ws 10.0.0.4:10443 -> 10.0.0.1:50000 SIP/2.0 200 OK",
    ]);
    expect(o.pdus.filter((p) => p.protocol === "http").map((p) => text(p.bytes))).toEqual([up, ok]);
    // the fragmented first message spans several segments
    expect(o.pdus.find((p) => p.transport === "ws")!.frames!.length).toBeGreaterThan(1);
    expect(o.pdus.filter((p) => p.protocol === "sip").map((p) => text(p.bytes))).toEqual([sip("ws1"), sip("ws2", "v=0\r\n"), "SIP/2.0 200 OK\r\nCall-ID: ws1\r\nContent-Length: 0\r\n\r\n"]);
    expect(o.connections.filter((c) => c.kind === "ws-close").map((c) => [c.code, endpointText(c.src)])).toEqual([[1001, "10.0.0.1:50000"]]);
  });

  test("WebSocket frames carrying SIP are found when the upgrade happened before the capture", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 50001 }, { ip: "10.0.0.4", port: 10444 }, { mss: 100 });
    f.handshake();
    const o = decode([...f.send("client", concatBytes([wsFrame(1, utf8(sip("mid1")), true, true), wsFrame(1, utf8(sip("mid2")), true, true)])), ...f.send("server", wsFrame(1, utf8("SIP/2.0 200 OK\r\nCall-ID: mid1\r\nContent-Length: 0\r\n\r\n"), true, false))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => `${p.transport} ${text(p.bytes).match(/Call-ID: (\w+)/)![1]}`)).toEqual(["ws mid1", "ws mid2", "ws mid1"]);
    // binary data that is not SIP-in-WebSocket stays unclaimed
    const g = new TcpFlowBuilder({ ip: "10.0.0.1", port: 50002 }, { ip: "10.0.0.4", port: 10445 });
    g.handshake();
    expect(decode(g.send("client", wsFrame(2, new Uint8Array(300).fill(7), true, true))).pdus).toEqual([]);
  });

  test("WebSocket 16- and 64-bit payload lengths", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 50004 }, { ip: "10.0.0.4", port: 8080 }, { mss: 1460 });
    const hs = f.handshake();
    const up = f.send("client", utf8("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
    const ok = f.send("server", utf8("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));
    const mid = sip("len16", "m".repeat(1000));
    const big = sip("len64", "g".repeat(70_000));
    const o = decode([...hs, ...up, ...ok, ...f.send("client", concatBytes([wsFrame(1, utf8(mid), true, true), wsFrame(1, utf8(big), true, true)]))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.filter((p) => p.transport === "ws").map((p) => text(p.bytes))).toEqual([mid, big]);
  });

  test("HEP3 over TCP (port 9061) is framed by its length", () => {
    const f = new TcpFlowBuilder({ ip: "10.0.0.1", port: 50003 }, { ip: "10.0.0.5", port: 9061 }, { mss: 90 });
    const hs = f.handshake();
    const payload = utf8(sip("heptcp"));
    const chunk = (type: number, v: Uint8Array) => concatBytes([u16(0), u16(type), u16(6 + v.length), v]);
    const body = concatBytes([chunk(2, Uint8Array.of(17)), chunk(3, ipBytes("172.16.1.1")), chunk(4, ipBytes("172.16.1.2")), chunk(7, u16(5060)), chunk(8, u16(5060)), chunk(15, payload)]);
    const hep = concatBytes([utf8("HEP3"), u16(6 + body.length), body]);
    const o = decode([...hs, ...f.send("client", concatBytes([hep, hep]))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => `${p.transport} ${endpointText(p.src)} ${p.hep?.version}`)).toEqual(["udp 172.16.1.1:5060 3", "udp 172.16.1.1:5060 3"]);
  });

  function wsFrame(opcode: number, payload: Uint8Array, fin: boolean, mask: boolean): Uint8Array {
    return buildWsFrame(opcode, payload, { fin, maskKey: mask ? Uint8Array.of(0x12, 0x34, 0x56, 0x78) : undefined });
  }

});

describe("SCTP", () => {
  const src: Endpoint = { ip: "10.0.0.1", port: 5060 };
  const dst: Endpoint = { ip: "10.0.0.2", port: 5060 };
  function dataChunk(tsn: number, flags: number, ppid: number, data: Uint8Array): Uint8Array {
    const len = 16 + data.length;
    const pad = (4 - (len % 4)) % 4;
    return concatBytes([Uint8Array.of(0, flags), u16(len), u32(tsn), u16(0), u16(0), u32(ppid), data, new Uint8Array(pad)]);
  }
  const packet = (s: Endpoint, d: Endpoint, ...chunks: Uint8Array[]) => frameIp(buildIp(s.ip, d.ip, IPPROTO_SCTP, concatBytes([u16(s.port), u16(d.port), u32(1), u32(0), ...chunks])));

  test("several DATA chunks per packet; a fragmented message reassembled by B/E and TSN", () => {
    const big = utf8(sip("frag", "s".repeat(300)));
    const o = decode([
      packet(src, dst, dataChunk(1, 3, 0, utf8(sip("c1"))), Uint8Array.of(3, 0, 0, 8, 0, 0, 0, 0) /* SACK-ish */, dataChunk(2, 3, 0, utf8(sip("c2")))),
      packet(src, dst, dataChunk(4, 0, 0, big.subarray(100, 200))),
      packet(src, dst, dataChunk(3, 2, 0, big.subarray(0, 100))),
      packet(src, dst, dataChunk(5, 1, 0, big.subarray(200))),
    ]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => [p.frame, p.transport, text(p.bytes).match(/Call-ID: (\w+)/)![1], p.frames])).toEqual([
      [1, "sctp", "c1", undefined],
      [1, "sctp", "c2", undefined],
      [4, "sctp", "frag", [3, 2, 4]],
    ]);
    expect(o.pdus[2].bytes).toEqual(big);
  });

  test("a retransmitted fragment of a finished message is not reported as incomplete", () => {
    const big = utf8(sip("rtx", "r".repeat(200)));
    const o = decode([
      packet(src, dst, dataChunk(10, 2, 0, big.subarray(0, 100))),
      packet(src, dst, dataChunk(11, 1, 0, big.subarray(100))),
      packet(src, dst, dataChunk(10, 2, 0, big.subarray(0, 100))),
    ]);
    expect(o.problems).toEqual([]);
    expect(o.pdus).toHaveLength(1);
  });

  test("PPID 46 is Diameter on any port", () => {
    const dia = concatBytes([Uint8Array.of(1, 0, 0, 20, 0x80, 0, 1, 0x3e), u32(16777251), u32(0xabc), u32(1)]);
    const o = decode([packet({ ip: "10.0.0.1", port: 40000 }, { ip: "10.0.0.2", port: 40001 }, dataChunk(9, 3, 46, dia))]);
    expect(o.pdus.map((p) => `${p.protocol} ${p.transport} ${p.bytes.length}`)).toEqual(["diameter sctp 20"]);
  });
});

describe("HEP", () => {
  const outerSrc: Endpoint = { ip: "192.168.9.1", port: 40000 };
  const collector: Endpoint = { ip: "192.168.9.2", port: 9060 };
  function chunk(type: number, value: Uint8Array): Uint8Array {
    return concatBytes([u16(0), u16(type), u16(6 + value.length), value]);
  }
  function hep3(payload: Uint8Array, compressed: boolean, v6 = false): Uint8Array {
    const chunks = concatBytes([
      chunk(1, Uint8Array.of(v6 ? 10 : 2)),
      chunk(2, Uint8Array.of(6)),
      chunk(v6 ? 5 : 3, ipBytes(v6 ? A6.ip : "172.16.0.1")),
      chunk(v6 ? 6 : 4, ipBytes(v6 ? B6.ip : "172.16.0.2")),
      chunk(7, u16(5062)),
      chunk(8, u16(5060)),
      chunk(9, u32(1_500_000_000)),
      chunk(10, u32(250_000)),
      chunk(11, Uint8Array.of(1)),
      chunk(12, u32(2001)),
      chunk(compressed ? 16 : 15, compressed ? zlibSync(payload) : payload),
      chunk(17, utf8("corr-1")),
    ]);
    return concatBytes([utf8("HEP3"), u16(6 + chunks.length), chunks]);
  }

  test.each([
    ["plain", false, false],
    ["zlib-compressed", true, false],
    ["IPv6 inner addresses", false, true],
  ])("HEP3 %s: inner addresses, ports, time; frame is the outer record", (_n, compressed, v6) => {
    const o = decode([buildUdpPacket(outerSrc, collector, utf8("x")), buildUdpPacket(outerSrc, collector, hep3(utf8(sip("hep")), compressed, v6))]);
    expect(o.problems).toEqual([]);
    expect(o.pdus).toHaveLength(1);
    const p = o.pdus[0];
    expect([p.frame, p.transport, endpointText(p.src), endpointText(p.dst), p.time]).toEqual([2, "tcp", v6 ? "[2001:db8::1]:5062" : "172.16.0.1:5062", v6 ? "[2001:db8::2]:5060" : "172.16.0.2:5060", 1_500_000_000.25]);
    expect(p.hep).toEqual({ version: 3, captureId: 2001, correlationId: "corr-1", compressed, outerSrc, outerDst: collector });
    expect(text(p.bytes)).toBe(sip("hep"));
  });

  test("HEP3 on a non-HEP port by its magic; HEP2 on 9060", () => {
    const v2 = concatBytes([Uint8Array.of(2, 28, 2, 17), u16(5060), u16(5062), ipBytes("172.16.0.5"), ipBytes("172.16.0.6"), Uint8Array.of(0x00, 0x2f, 0x68, 0x59), Uint8Array.of(0x10, 0x27, 0, 0), Uint8Array.of(7, 0, 0, 0), utf8(sip("v2"))]);
    const o = decode([buildUdpPacket(outerSrc, { ip: collector.ip, port: 9999 }, hep3(utf8(sip("v3")), false)), buildUdpPacket(outerSrc, collector, v2)]);
    expect(o.problems).toEqual([]);
    expect(o.pdus.map((p) => [p.hep?.version, endpointText(p.src), p.transport])).toEqual([
      [3, "172.16.0.1:5062", "tcp"],
      [2, "172.16.0.5:5060", "udp"],
    ]);
    expect(o.pdus[1].time).toBeCloseTo(0x59682f00 + 0.01, 6);
  });

  test("a broken compressed payload is a problem", () => {
    const good = hep3(utf8(sip("hep")), true);
    const at = Buffer.from(good).indexOf(Buffer.from(zlibSync(utf8(sip("hep")))));
    const bad = good.slice();
    bad[at + 2] = 0xff; // first deflate block header: BTYPE 11 is invalid
    const o = decode([buildUdpPacket(outerSrc, collector, bad)]);
    expect(o.pdus).toHaveLength(0);
    expect(o.problems).toHaveLength(1);
  });
});
