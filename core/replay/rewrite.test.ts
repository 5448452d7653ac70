import { describe, expect, it } from "vitest";
import { Rewriter } from "./rewrite";

describe("Rewriter", () => {
  it("maps addresses consistently, longest first, bare IPs too (SDP), without touching other numbers", () => {
    const r = new Rewriter("x1");
    r.mapAddress("10.0.0.1:5060", "127.0.0.1:40000");
    r.mapAddress("10.0.0.10:5060", "127.0.0.1:40001");
    const out = r.text("INVITE sip:bob@10.0.0.1:5060 SIP/2.0\r\nContact: <sip:alice@10.0.0.10:5060>\r\nc=IN IP4 10.0.0.10\r\nX: 110.0.0.1 10.0.0.100");
    expect(out).toBe("INVITE sip:bob@127.0.0.1:40000 SIP/2.0\r\nContact: <sip:alice@127.0.0.1:40001>\r\nc=IN IP4 127.0.0.1\r\nX: 110.0.0.1 10.0.0.100");
  });

  it("gives each captured Call-ID and own tag one new value, and uses learned tags", () => {
    const r = new Rewriter("x2");
    expect(r.callId("abc@h")).toBe(r.callId("abc@h"));
    expect(r.callId("abc@h")).not.toBe("abc@h");
    const t = r.ownTag("t1");
    expect(r.ownTag("t1")).toBe(t);
    r.learnTag("remote9", "zz");
    expect(r.tagsIn("<sip:a@b>;tag=t1")).toBe(`<sip:a@b>;tag=${t}`);
    expect(r.tagsIn("<sip:a@b>;tag=remote9")).toBe("<sip:a@b>;tag=zz");
    expect(r.tagsIn("<sip:a@b>;tag=unknown")).toBe("<sip:a@b>;tag=unknown");
  });
});
