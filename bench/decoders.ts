/**
 * Decoder throughput, printed by `npm run bench` (speed is measured here, never asserted by a
 * unit test: a shared CI machine would make such a test flaky).
 * Both wall-clock and CPU-time rates are printed: under load from other processes wall time
 * understates the decoder; CPU time (which also counts GC and JIT helper threads) overstates its cost.
 */
import { parseSip } from "../core/protocols/sip/parse";
import { decodeDiameter } from "../core/protocols/diameter/decode";
import { buildMaa, buildMar } from "../core/protocols/diameter/builders";
import { buildRequest } from "../core/protocols/sip/serialize";

const SDP = "v=0\r\no=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
// Typical proxied INVITEs of ~700-900 bytes with SDP, 2048 distinct calls: every Call-ID, tag and
// branch differs, so caches keyed by value (interned strings) see realistic hit rates.
const invite = (k: number) => buildRequest({
  method: "INVITE",
  uri: "sip:bob@198.51.100.20:5060",
  headers: [
    ["Via", `SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bKf1a2.${(k * 7919).toString(16)}e0c1d3e8a;rport`],
    ["Via", `SIP/2.0/UDP 198.51.100.1:5060;received=198.51.100.1;branch=z9hG4bK-524287-${k}---a1b2c3d4;rport=5060`],
    ["Record-Route", "<sip:198.51.100.10;lr>"],
    ["Max-Forwards", "69"],
    ["From", `"Alice" <sip:alice${k % 97}@example.com>;tag=9fxc${k}ed76sl`],
    ["To", "<sip:bob@example.com>"],
    ["Call-ID", `${3848276298220188511n + BigInt(k * 104729)}@198.51.100.1`],
    ["CSeq", "1 INVITE"],
    ["Contact", "<sip:alice@198.51.100.1:5060;transport=udp>"],
    ["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, REFER, NOTIFY"],
    ["Supported", "replaces, timer"],
    ["User-Agent", "SIPScope test UA"],
    ["Content-Type", "application/sdp"],
  ],
  body: SDP,
});
const INVITES = Array.from({ length: 2048 }, (_, k) => invite(k));
let next = 0;
const nextInvite = () => INVITES[next++ & 2047];

function rate(label: string, work: () => void, minMs = 400): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < minMs) {
    for (let i = 0; i < 1000; i++) work();
    n += 1000;
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const perCpuSec = Math.round(n / ((c.user + c.system) / 1e6));
  const perWallSec = Math.round(n / (wall / 1e3));
  console.log(`${label}: ${perWallSec.toLocaleString("en")} msg/s wall, ${perCpuSec.toLocaleString("en")} msg/s per CPU-second`);
}

export function decoderThroughput(): void {
  const size = INVITES[1000].length;
  let x = 0;
  const hot = () => {
    const m = parseSip(nextInvite());
    x += (m.method?.length ?? 0) + (m.callId?.length ?? 0) + (m.cseq?.seq ?? 0) + (m.from?.tag?.length ?? 0) + (m.to?.tag?.length ?? 0) + (m.topVia?.branch?.length ?? 0);
  };
  rate("warm-up", hot, 300);
  rate(`parseSip ${size}-byte INVITEs, start line + Call-ID + CSeq + tags + top branch`, hot);
  rate("parseSip same + problems + every Via/Contact/Route", () => {
    const m = parseSip(nextInvite());
    x += m.problems.length + m.vias.length + m.contact.length + m.recordRoute.length + (m.from?.uri?.user?.length ?? 0);
  });
  const ids = { hopByHop: 1, endToEnd: 2 };
  const mar = decodeDiameter(buildMar(ids, { originHost: "scscf.ims.example.net", originRealm: "ims.example.net", sessionId: "scscf;1;1", destinationRealm: "ims.example.net", userName: "alice@ims.example.net", publicIdentity: "sip:alice@ims.example.net", serverName: "sip:scscf.ims.example.net" }));
  const maa = buildMaa(mar, { originHost: "hss.ims.example.net", originRealm: "ims.example.net", vectors: [{ scheme: "Digest-AKAv1-MD5", authenticate: new Uint8Array(32), authorization: new Uint8Array(16), confidentialityKey: new Uint8Array(16), integrityKey: new Uint8Array(16) }] });
  rate(`decodeDiameter ${maa.length}-byte MAA (full AVP tree)`, () => {
    x += decodeDiameter(maa).avps.length;
  });
  if (x === 0) console.log("(nothing decoded?)");
}
