import { describe, expect, it } from "vitest";
import { parseSip } from "./parse";
import { StoredSipMessage, firstVia, viaCount, type BytesHome } from "./stored";
import { fieldLines } from "./parse";

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

describe("StoredSipMessage", () => {
  it("answers the stored values like the parse, without reading the bytes back", () => {
    const file = new Uint8Array(100 + bytes.length);
    file.set(bytes, 100);
    const home = homeAt(file);
    const parsed = parseSip(bytes);
    const s = new StoredSipMessage(parsed, home, 100, bytes.length);
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
    const s = new StoredSipMessage(parseSip(bytes), home, 100, bytes.length);
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
    const s = new StoredSipMessage(parseSip(bytes), homeAt(new Uint8Array(10)), 100, bytes.length);
    expect(s.callId).toBe("c1@example.com");
    expect(s.raw.length).toBe(0);
    expect(s.contact).toEqual([]);
  });

  it("holds kept bytes itself when it has no home", () => {
    const s = new StoredSipMessage(parseSip(bytes), bytes);
    expect(s.raw).toBe(bytes);
    expect(s.header("content-length")).toBe("4");
  });
});
