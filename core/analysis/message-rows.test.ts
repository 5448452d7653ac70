import { describe, expect, it } from "vitest";
import { parseSip, fieldLines } from "../protocols/sip/parse";
import { firstVia, viaCount, type BytesHome } from "../protocols/sip/stored";
import type { ParsedSip } from "../protocols/sip/parse";
import { MessageRows } from "./message-rows";

const place = { file: 0, frame: 7, time: 1700000000.25, src: { ip: "10.0.0.1", port: 5060 }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "udp" as const };

/** One stored message, as the model builder makes it. */
function stored(parsed: ParsedSip, home: Uint8Array | BytesHome, at?: number, length?: number) {
  return new MessageRows().addSip(place, parsed, home, at, length);
}

const wire = [
  "INVITE sip:bob@example.com SIP/2.0",
  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport",
  "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-0",
  'From: "Alice" <sip:alice@example.com>;tag=f1',
  "To: <sip:bob@example.com>",
  "Call-ID: c1@example.com",
  "CSeq: 1 INVITE",
  "Contact: <sip:alice@10.0.0.1>",
  "X-CID: leg-a",
  "Content-Type: application/sdp",
  "Content-Length: 4",
  "",
  "v=0\n",
].join("\r\n");
const bytes = new TextEncoder().encode(wire);

/** A home over a "file" with the message at offset 100; counts reads. */
function homeAt(file: Uint8Array): BytesHome & { reads: number } {
  const home = {
    reads: 0,
    read(offset: number, length: number) {
      home.reads++;
      if (offset + length > file.length) throw new Error("short file");
      return file.slice(offset, offset + length);
    },
  };
  return home;
}

describe("a stored SIP message (a row)", () => {
  it("answers the stored values like the parse, without reading the bytes back", () => {
    const file = new Uint8Array(100 + bytes.length);
    file.set(bytes, 100);
    const home = homeAt(file);
    const parsed = parseSip(bytes);
    const s = stored(parsed, home, 100, bytes.length);
    expect([s.kind, s.method, s.requestUri, s.status, s.callId, s.cseq, s.fromTag, s.toTag, s.fromUser, s.toUser]).toEqual([
      "request", "INVITE", "sip:bob@example.com", undefined, "c1@example.com", { seq: 1, method: "INVITE" }, "f1", undefined, "alice", "bob",
    ]);
    expect(s.topVia?.branch).toBe("z9hG4bK-1");
    expect(s.viaCount).toBe(2);
    expect(s.contentType).toBe("application/sdp");
    expect(s.problems).toEqual([]);
    expect(s.header("x-cid")).toBe("leg-a");
    expect(s.header("Event")).toBeUndefined();
    expect(home.reads).toBe(0);
  });

  it("re-parses from its home for anything else, and keeps the last parses", () => {
    const file = new Uint8Array(100 + bytes.length);
    file.set(bytes, 100);
    const home = homeAt(file);
    const s = stored(parseSip(bytes), home, 100, bytes.length);
    expect(s.contact[0].uri?.host).toBe("10.0.0.1");
    expect(new TextDecoder().decode(s.body)).toBe("v=0\n");
    expect(s.vias.map((v) => v.branch)).toEqual(["z9hG4bK-1", "z9hG4bK-0"]);
    expect(s.from?.displayName).toBe("Alice");
    expect(home.reads).toBe(1);
    expect(s.raw).toEqual(bytes);
    expect(fieldLines(s)?.map((l) => l.key)).toContain("call-id");
    expect(s.full().header("contact")).toBe("<sip:alice@10.0.0.1>");
    expect([firstVia(s)?.branch, viaCount(s)]).toEqual([firstVia(parseSip(bytes))?.branch, viaCount(parseSip(bytes))]);
  });

  it("keeps its values when the file can no longer be read", () => {
    const s = stored(parseSip(bytes), homeAt(new Uint8Array(10)), 100, bytes.length);
    expect(s.callId).toBe("c1@example.com");
    expect(s.raw.length).toBe(0);
    expect(s.contact).toEqual([]);
  });

  it("holds kept bytes itself when it has no home", () => {
    const s = stored(parseSip(bytes), bytes);
    expect(s.raw).toBe(bytes);
    expect(s.header("content-length")).toBe("4");
  });
});

describe("MessageRows", () => {
  const response = new TextEncoder().encode(
    ["SIP/2.0 180 Ringing", "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport", 'From: "Alice" <sip:alice@example.com>;tag=f1', "To: <sip:bob@example.com>;tag=t9", "Call-ID: c1@example.com", "CSeq: 1 INVITE", "RSeq: 5", "Content-Length: 0", "", ""].join("\r\n"),
  );
  const badStatus = new TextEncoder().encode(["SIP/2.0 18x Ringing", "Call-ID: c2", "", ""].join("\r\n"));

  it("answers every Observed field from its row, across chunks", () => {
    const rows = new MessageRows();
    const made = [];
    // 9000 rows: past two chunk boundaries (4096 rows a chunk).
    for (let i = 0; i < 9000; i++) {
      const where = { file: i % 3, frame: 2 ** 33 + i, time: 1700000000 + i / 1000, src: { ip: "10.0.0.1", port: i }, dst: { ip: "::1", port: 5060 }, transport: (i % 2 ? "tcp" : "wss") as "tcp" | "wss", fromLog: i % 5 === 0, frames: i % 7 === 0 ? [i, i + 1] : undefined };
      made.push(i % 4 === 0 ? rows.addDecoded(where, "http", { kind: "request", method: "GET", path: "/" } as never) : rows.addSip(where, parseSip(i % 2 ? response : bytes), i % 2 ? response : bytes));
    }
    expect(rows.length).toBe(9000);
    for (const i of [0, 1, 4095, 4096, 4097, 8191, 8192, 8999]) {
      const m = made[i];
      expect([m.id, m.file, m.frame, m.time, m.src.port, m.dst.ip, m.transport, m.fromLog, m.frames]).toEqual([
        i, i % 3, 2 ** 33 + i, 1700000000 + i / 1000, i, "::1", i % 2 ? "tcp" : "wss", i % 5 === 0 ? true : undefined, i % 7 === 0 ? [i, i + 1] : undefined,
      ]);
      expect(m.protocol).toBe(i % 4 === 0 ? "http" : "sip");
      expect(m.sip === m).toBe(i % 4 !== 0);
      expect(m.http?.method).toBe(i % 4 === 0 ? "GET" : undefined);
      expect(m.diameter).toBeUndefined();
    }
  });

  it("shares one Endpoint among rows with equal addresses (the decoder makes one per packet)", () => {
    const rows = new MessageRows();
    const a = rows.addSip({ ...place, src: { ip: "10.0.0.1", port: 5060 } }, parseSip(bytes), bytes);
    const b = rows.addSip({ ...place, src: { ip: "10.0.0.1", port: 5060 }, dst: { ip: "10.0.0.1", port: 5060 } }, parseSip(response), response);
    const c = rows.addSip({ ...place, src: { ip: "10.0.0.1", port: 5070 } }, parseSip(response), response);
    expect(b.src).toBe(a.src);
    expect(b.dst).toBe(a.src);
    expect(c.src).not.toBe(a.src);
    expect(c.src).toEqual({ ip: "10.0.0.1", port: 5070 });
  });

  it("keeps a response's status and reason, and no Request-URI", () => {
    const m = stored(parseSip(response), response);
    expect([m.kind, m.status, m.reason, m.requestUri, m.method, m.toTag, m.header("RSeq"), m.viaCount]).toEqual(["response", 180, "Ringing", undefined, undefined, "t9", "5", 1]);
    const r = stored(parseSip(bytes), bytes);
    expect([r.kind, r.status, r.reason, r.requestUri]).toEqual(["request", undefined, undefined, "sip:bob@example.com"]);
  });

  it("keeps a bad status code as none, with the parser's problems", () => {
    const parsed = parseSip(badStatus);
    const m = stored(parsed, badStatus);
    expect(m.status).toBeUndefined();
    expect(m.problems).toEqual(parsed.problems);
    expect(m.problems.length).toBeGreaterThan(0);
  });

  it("keeps the top Via as its branch and a sent-by shared by every message from that address", () => {
    const rows = new MessageRows();
    const a = rows.addSip(place, parseSip(bytes), bytes);
    const b = rows.addSip(place, parseSip(response), response);
    expect(a.topVia).toEqual({ host: "10.0.0.1", port: 5060, transport: "UDP", branch: "z9hG4bK-1" });
    expect([a.topViaBranch, b.topViaBranch]).toEqual(["z9hG4bK-1", "z9hG4bK-1"]);
    expect(b.topViaSentBy).toBe(a.topViaSentBy);
    const other = new TextEncoder().encode(new TextDecoder().decode(response).replace("10.0.0.1:5060", "10.0.0.1:5070"));
    const c = rows.addSip(place, parseSip(other), other);
    expect(c.topViaSentBy).toEqual({ host: "10.0.0.1", port: 5070, transport: "UDP" });
    expect(c.topViaSentBy).not.toBe(a.topViaSentBy);
  });

  it("reorders rows with their messages (files merged by time): each id is its new row", () => {
    const rows = new MessageRows();
    const made = [0, 1, 2, 3, 4].map((i) =>
      i === 2 ? rows.addDecoded({ ...place, frame: 10 + i, frames: [1, 2] }, "http", { kind: "request", method: "GET" } as never) : rows.addSip({ ...place, frame: 10 + i, time: i }, parseSip(i % 2 ? response : bytes), i % 2 ? response : bytes),
    );
    const before = made.map((m) => [m.frame, m.time, m.protocol, m.frames, m.kind, m.callId, m.status, m.topVia?.branch]);
    const order = [3, 0, 4, 2, 1];
    rows.reorder(order);
    const sorted = order.map((old) => made[old]);
    sorted.forEach((m, i) => (m.id = i));
    expect(sorted.map((m) => [m.frame, m.time, m.protocol, m.frames, m.kind, m.callId, m.status, m.topVia?.branch])).toEqual(order.map((old) => before[old]));
    expect(() => rows.reorder([0, 1])).toThrow(/2 rows given for 5/);
  });

  it("reorders what few rows have (problems, kept headers, large record numbers) with the rows", () => {
    const rows = new MessageRows();
    const made = [
      rows.addSip({ ...place, frame: 1 }, parseSip(bytes), bytes),
      rows.addSip({ ...place, frame: 2 ** 40 }, parseSip(badStatus), badStatus),
      rows.addSip({ ...place, frame: -3 }, parseSip(response), response),
    ];
    const before = made.map((m) => [m.frame, m.problems, m.header("rseq"), m.header("x-cid"), m.raw]);
    expect(before.map(([frame, problems, rseq, cid]) => [frame, (problems as string[]).length > 0, rseq, cid])).toEqual([
      [1, false, undefined, "leg-a"],
      [2 ** 40, true, undefined, undefined],
      [-3, false, "5", undefined],
    ]);
    const order = [2, 0, 1];
    rows.reorder(order);
    const sorted = order.map((old) => made[old]);
    sorted.forEach((m, i) => (m.id = i));
    expect(sorted.map((m) => [m.frame, m.problems, m.header("rseq"), m.header("x-cid"), m.raw])).toEqual(order.map((old) => before[old]));
  });

  it("reads bytes kept in a shared array back from their range of it", () => {
    const slab = new Uint8Array(10 + bytes.length + response.length);
    slab.set(bytes, 10);
    slab.set(response, 10 + bytes.length);
    const rows = new MessageRows();
    const a = rows.addSip(place, parseSip(bytes), slab, 10, bytes.length);
    const b = rows.addSip(place, parseSip(response), slab, 10 + bytes.length, response.length);
    expect([a.raw, b.raw]).toEqual([bytes, response]);
    expect([a.contact[0].uri?.host, b.status]).toEqual(["10.0.0.1", 180]);
  });

  it("reads each row's bytes back from its own home when a slab, a file and own copies interleave", () => {
    const slab = new Uint8Array(bytes.length + response.length);
    slab.set(bytes, 0);
    slab.set(response, bytes.length);
    const file = new Uint8Array(100 + bytes.length);
    file.set(bytes, 100);
    const home = homeAt(file);
    const rows = new MessageRows();
    const made = [
      rows.addSip(place, parseSip(bytes), slab, 0, bytes.length),
      rows.addSip(place, parseSip(bytes), home, 100, bytes.length),
      rows.addSip(place, parseSip(response), slab, bytes.length, response.length),
      rows.addSip(place, parseSip(response), response.slice()),
      rows.addSip(place, parseSip(bytes), home, 100, bytes.length),
      rows.addSip(place, parseSip(bytes), slab, 0, bytes.length),
    ];
    expect(made.map((m) => m.raw)).toEqual([bytes, bytes, response, response, bytes, bytes]);
  });

  it("keeps the handles of several stores in one process apart (each store has its own handle classes)", () => {
    const one = new MessageRows();
    const two = new MessageRows();
    const a = one.addSip({ ...place, frame: 1 }, parseSip(bytes), bytes);
    const b = two.addSip({ ...place, frame: 2 }, parseSip(response), response);
    const c = two.addDecoded({ ...place, frame: 3 }, "http", { kind: "request", method: "GET", path: "/" } as never);
    const d = one.addDecoded({ ...place, frame: 4 }, "diameter", { name: "CCR" } as never);
    expect([a.id, b.id, c.id, d.id]).toEqual([0, 0, 1, 1]);
    expect([a.frame, b.frame, c.frame, d.frame]).toEqual([1, 2, 3, 4]);
    expect([a.kind, b.kind, a.raw, b.raw]).toEqual(["request", "response", bytes, response]);
    expect([a.protocol, b.protocol, c.protocol, d.protocol]).toEqual(["sip", "sip", "http", "diameter"]);
    expect([c.http?.method, (d.diameter as unknown as { name: string })?.name, c.sip, d.sip]).toEqual(["GET", "CCR", undefined, undefined]);
    expect(Object.getPrototypeOf(a)).not.toBe(Object.getPrototypeOf(b));
  });
});
