/**
 * The parser's memory layout: header indexes packed into shared integer blocks, parsed values
 * shared between messages with identical header text. These tests pin what the layout must not
 * change: every message reads back its own headers, whatever block it landed in, however large.
 */
import { describe, expect, it } from "vitest";
import { fieldLines, parseSip } from "./parse";
import { wire } from "./test-wire";
import { encodeText } from "./text";

function request(n: number, extraFields = 0): Uint8Array {
  const extra = Array.from({ length: extraFields }, (_, i) => `X-Extra-${i % 7}: value ${n}.${i}\n`).join("");
  return wire(`OPTIONS sip:bob${n}@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.${n % 250}:5060;branch=z9hG4bK-${n}
From: "Alice ${n % 3}" <sip:alice${n % 3}@example.com>;tag=f${n % 3}
To: <sip:bob${n}@example.com>
Call-ID: call-${n}@example.com
CSeq: ${n} OPTIONS
${extra}Content-Length: 0

`);
}

describe("header index blocks", () => {
  it("keeps every message's headers while thousands of messages fill and overflow blocks", () => {
    // 3000 messages of 9..40 fields: far more than one block holds, and block ends fall mid-message.
    const msgs = Array.from({ length: 3000 }, (_, n) => parseSip(request(n, n % 32)));
    msgs.forEach((m, n) => {
      expect(m.callId).toBe(`call-${n}@example.com`);
      expect(m.cseq).toEqual({ seq: n, method: "OPTIONS" });
      expect(m.fields.length).toBe(6 + (n % 32));
      expect(m.header("content-length")).toBe("0");
      if (n % 32 > 0) expect(m.headerValues("x-extra-0")[0]).toBe(`value ${n}.0`);
      expect(m.vias[0].branch).toBe(`z9hG4bK-${n}`);
      expect(m.problems).toEqual([]);
    });
  });

  it("gives a message with more fields than a block holds a block of its own", () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `X-F${i % 50}: v${i}\n`).join("");
    const big = parseSip(wire(`OPTIONS sip:a@b SIP/2.0\nCall-ID: big\n${lines}\n`));
    const after = parseSip(request(1));
    expect(big.fields.length).toBe(6001);
    expect(big.fields[6000]).toMatchObject({ key: "x-f49", value: "v5999" });
    expect(big.headerValues("x-f0").length).toBe(120);
    expect(after.callId).toBe("call-1@example.com");
    expect(big.callId).toBe("big");
  });

  it("indexes a message larger than 8 MiB (offsets past the packed range)", () => {
    const body = "x".repeat(9 * 1024 * 1024);
    const m = parseSip(encodeText(`MESSAGE sip:a@b SIP/2.0\r\nCall-ID: huge\r\nCSeq: 1 MESSAGE\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(m.callId).toBe("huge");
    expect(m.contentLength).toBe(body.length);
    expect(m.body.length).toBe(body.length);
    expect(fieldLines(m)?.map((l) => l.key)).toEqual(["call-id", "cseq", "content-length"]);
  });

  it("finds headers past the interned key table (hundreds of distinct names)", () => {
    const names = Array.from({ length: 400 }, (_, i) => `X-Distinct-Name-${i}`);
    const m = parseSip(wire(`OPTIONS sip:a@b SIP/2.0\n${names.map((n, i) => `${n}: ${i}\n`).join("")}Call-ID: k\n\n`));
    expect(m.header("x-distinct-name-399")).toBe("399");
    expect(m.header("X-DISTINCT-NAME-0")).toBe("0");
    expect(m.fields[399]).toMatchObject({ name: "X-Distinct-Name-399", key: "x-distinct-name-399" });
    expect(m.callId).toBe("k");
    expect(m.header("x-distinct-name-400")).toBeUndefined();
  });
});

describe("shared parsed values", () => {
  it("shares one From between messages with the same From text, and only then", () => {
    const a = parseSip(request(3));
    const b = parseSip(request(6)); // same n % 3: same From text
    const c = parseSip(request(4));
    expect(a.from).toBe(b.from);
    expect(a.from).not.toBe(c.from);
    expect(a.from).toEqual({ displayName: "Alice 0", uri: expect.objectContaining({ user: "alice0", host: "example.com" }), uriText: "sip:alice0@example.com", tag: "f0", params: { tag: "f0" }, raw: '"Alice 0" <sip:alice0@example.com>;tag=f0' });
    expect(c.from?.tag).toBe("f1");
  });

  it("parses a folded value the same as its unfolded form", () => {
    const folded = parseSip(wire("OPTIONS sip:a@b SIP/2.0\nFrom: <sip:x@y>\n ;tag=9\nVia: SIP/2.0/UDP h;branch=z9hG4bK1,\n SIP/2.0/TCP g\nCall-ID: f\n\n"));
    expect(folded.from?.tag).toBe("9");
    expect(folded.from?.raw).toBe("<sip:x@y> ;tag=9");
    expect(folded.vias.map((v) => v.host)).toEqual(["h", "g"]);
  });

  it("keeps a Via list per message when Via fields differ, and reports bad Vias per message", () => {
    const two = parseSip(wire("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP p;branch=z9hG4bK-p\nVia: SIP/2.0/UDP a;branch=z9hG4bK-a\nCall-ID: v\n\n"));
    const one = parseSip(wire("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP p;branch=z9hG4bK-p\nCall-ID: v\n\n"));
    const badText = wire("OPTIONS sip:a@b SIP/2.0\nVia: nonsense, SIP/2.0/UDP q\nCall-ID: v\n\n");
    // topVia is the first item's parse until `vias` is read; then it is vias[0].
    expect((parseSip(badText) as { topVia?: unknown }).topVia).toBeUndefined();
    const bad = parseSip(badText);
    expect(two.vias.map((v) => v.host)).toEqual(["p", "a"]);
    expect(one.vias.map((v) => v.host)).toEqual(["p"]);
    expect(two.vias[0]).toBe(one.vias[0]);
    expect(bad.vias.map((v) => v.host)).toEqual(["q"]);
    expect((bad as { topVia?: { host: string } }).topVia?.host).toBe("q");
    expect(bad.problems).toContain('bad Via "nonsense"');
  });

  it("freezes the shared empty parameter object", () => {
    const m = parseSip(request(1));
    const params = m.to!.params;
    expect(params).toEqual({});
    expect(Object.isFrozen(params)).toBe(true);
  });
});
