/**
 * The CLI as a user runs it: the built `bin/sipscope.mjs`, real files, exit codes and output.
 * Bad files must give one clear line naming the file, the offset and the reason, and exit 1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { repoRoot, sharedDir } from "./shared";
import { writePcap } from "../core/capture/pcap-writer";
import { buildUdpPacket, utf8 } from "../core/capture/packet-builder";

const bin = path.join(repoRoot, "bin", "sipscope.mjs");
const dir = mkdtempSync(path.join(tmpdir(), "sipscope-cli-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const invite = [
  "INVITE sip:bob@10.0.0.2 SIP/2.0",
  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1",
  "From: <sip:alice@10.0.0.1>;tag=a1",
  "To: <sip:bob@10.0.0.2>",
  "Call-ID: cli-test-1@10.0.0.1",
  "CSeq: 1 INVITE",
  "Content-Length: 0",
  "",
  "",
].join("\r\n");

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, "scripts", "build.mjs"), "cli"], { stdio: "inherit" });
  const pkt = buildUdpPacket({ ip: "10.0.0.1", port: 5060 }, { ip: "10.0.0.2", port: 5060 }, utf8(invite));
  writeFileSync(path.join(dir, "one.pcap"), writePcap([{ time: 1700000000.25, bytes: pkt }]));
  // Three records of a link type we do not decode (147, user-defined).
  writeFileSync(path.join(dir, "linktype147.pcap"), writePcap([1, 2, 3].map((i) => ({ time: 1700000000 + i, bytes: pkt })), 147));
  // The same file cut in the middle of its only record.
  const whole = readFileSync(path.join(dir, "one.pcap"));
  writeFileSync(path.join(dir, "truncated.pcap"), whole.subarray(0, whole.length - 40));
  writeFileSync(path.join(dir, "empty.pcap"), "");
  writeFileSync(path.join(dir, "garbage.bin"), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]));
  // A pcap header claiming a 24-byte file then an absurd record length.
  const absurd = Buffer.alloc(24 + 16);
  absurd.writeUInt32LE(0xa1b2c3d4, 0);
  absurd.writeUInt16LE(2, 4);
  absurd.writeUInt16LE(4, 6);
  absurd.writeUInt32LE(65535, 16);
  absurd.writeUInt32LE(1, 20);
  absurd.writeUInt32LE(0xfffffff0, 24 + 8);
  absurd.writeUInt32LE(0xfffffff0, 24 + 12);
  writeFileSync(path.join(dir, "absurd.pcap"), absurd);
  // "Modified" (Kuznetzov) pcap: its own magic and 24-byte record headers (ifindex, protocol, type).
  const kuz = Buffer.alloc(24 + 24 + pkt.length);
  kuz.writeUInt32LE(0xa1b2cd34, 0);
  kuz.writeUInt16LE(2, 4);
  kuz.writeUInt16LE(4, 6);
  kuz.writeUInt32LE(65535, 16);
  kuz.writeUInt32LE(1, 20);
  kuz.writeUInt32LE(1700000000, 24);
  kuz.writeUInt32LE(250000, 28);
  kuz.writeUInt32LE(pkt.length, 32);
  kuz.writeUInt32LE(pkt.length, 36);
  Buffer.from(pkt).copy(kuz, 48);
  writeFileSync(path.join(dir, "modified.pcap"), kuz);
});

describe("sipscope analyze", () => {
  test("--json prints the document with the contract's fields", () => {
    const r = cli("analyze", "--json", path.join(dir, "one.pcap"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.summary).toMatchObject({ packets: 1, sip: 1, diameter: 0, http: 0, logEvents: 0, skipped: 0, malformed: 0, problems: [] });
    expect(doc.messages).toEqual([
      expect.objectContaining({ id: 0, frame: 1, time: 1700000000.25, src: "10.0.0.1:5060", dst: "10.0.0.2:5060", transport: "udp", protocol: "sip", callId: "cli-test-1@10.0.0.1", cseq: "1 INVITE", method: "INVITE" }),
    ]);
  });

  test("a modified (Kuznetzov) pcap opens like any pcap", () => {
    const r = cli("analyze", "--json", path.join(dir, "modified.pcap"));
    expect(r.err).toBe("");
    const doc = JSON.parse(r.out);
    expect(doc.summary).toMatchObject({ packets: 1, sip: 1, problems: [] });
    expect(doc.messages[0]).toMatchObject({ frame: 1, time: 1700000000.25, callId: "cli-test-1@10.0.0.1" });
  });

  test("records of an unsupported link type are all counted as skipped, reported once", () => {
    const r = cli("analyze", "--json", path.join(dir, "linktype147.pcap"));
    expect(r.code).toBe(0);
    const { summary } = JSON.parse(r.out);
    expect(summary).toMatchObject({ packets: 3, sip: 0, skipped: 3 });
    expect(summary.problems).toEqual([{ frame: 1, offset: 24, reason: "unsupported link type 147 (3 records skipped, first frame 1)" }]);
  });

  test("the text report lists the message like tshark's one-line view", () => {
    const r = cli("analyze", path.join(dir, "one.pcap"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/10\.0\.0\.1:5060\s+→?.*10\.0\.0\.2:5060.*INVITE sip:bob@10\.0\.0\.2/);
  });

  test.each([
    ["missing.pcap", /missing\.pcap.*no such file/],
    ["empty.pcap", /empty\.pcap.*byte offset 0.*empty/],
    ["garbage.bin", /garbage\.bin.*byte offset 0.*unknown file format/],
  ])("an unreadable file (%s) is one clear error and exit 1", (name, re) => {
    const r = cli("analyze", path.join(dir, name));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(re);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  test.each([
    ["truncated.pcap", /trunc/i],
    ["absurd.pcap", /claims \d+ captured bytes|length|absurd|too (large|big)/i],
  ])("a bad record in %s is reported with its frame, not a crash", (name, re) => {
    const r = cli("analyze", "--json", path.join(dir, name));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.summary.problems.length).toBeGreaterThan(0);
    expect(doc.summary.problems[0].frame).toBe(1);
    expect(doc.summary.problems[0].reason).toMatch(re);
  });

  test("HTTP on 8080 is decoded with no option, and --http-port adds a port", () => {
    // Bug 3 of DESIGN §2: an HTTP request to the SIP server's xhttp port that is never answered.
    const sample = path.join(repoRoot, "samples", "bug3-xhttp-too-few-headers.pcap");
    const plain = JSON.parse(cli("analyze", "--json", sample).out);
    expect(plain.summary.http).toBe(1);
    expect(plain.findings.map((f: { rule: string }) => f.rule)).toContain("http-request-unanswered");
    const extra = JSON.parse(cli("analyze", "--json", "--http-port", "9999", sample).out);
    expect(extra.summary.http).toBe(1);
  });

  test("usage errors exit 2", () => {
    expect(cli("analyze").code).toBe(2);
    expect(cli("analyze", "--bogus", "x").code).toBe(2);
    expect(cli("nonsense").code).toBe(2);
  });

  test.skipIf(!sharedDir)("a lab capture and its Kamailio log open as one timeline", () => {
    const lab = path.join(sharedDir!, "captures", "lab", "register-auth");
    const r = cli("analyze", "--json", path.join(lab, "capture.pcap"), "--log", path.join(lab, "kamailio.log"));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.summary.files).toEqual(["capture.pcap", "kamailio.log"]);
    expect(doc.summary.logEvents).toBeGreaterThan(10);
    expect(doc.summary.sip).toBeGreaterThan(0);
  });
});
