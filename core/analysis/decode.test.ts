import { describe, expect, it } from "vitest";
import type { Pdu } from "../capture/types";
import { encodeText } from "../protocols/sip/text";
import { ModelBuilder } from "./decode";

const SIP = "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

function pdu(bytes: Uint8Array, frame: number, srcPort = 5060): Pdu {
  return { frame, time: 1700000000 + frame, src: { ip: "10.0.0.1", port: srcPort }, dst: { ip: "10.0.0.2", port: 5060 }, transport: "udp", protocol: "sip", bytes };
}

describe("ModelBuilder", () => {
  it("copies a message out of a large read chunk, so the chunk (mostly other traffic) can be freed", () => {
    const chunk = new Uint8Array(1 << 20);
    const text = encodeText(SIP);
    chunk.set(text, 5000);
    const b = new ModelBuilder(["f.pcap"]);
    b.addPdu(0, pdu(chunk.subarray(5000, 5000 + text.length), 1));
    chunk.fill(0); // the reader may reuse or drop its chunk: the message must not notice
    const { model, messages } = b.finish();
    const raw = model.messages[0].sip!.raw;
    expect(raw.buffer).not.toBe(chunk.buffer);
    expect(Array.from(raw)).toEqual(Array.from(text));
    expect(messages[0]).toMatchObject({ callId: "c1", cseq: "1 OPTIONS", method: "OPTIONS", src: "10.0.0.1:5060", branch: "z9hG4bK-1" });
  });

  it("keeps bytes that are their own buffer as they are", () => {
    const text = encodeText(SIP);
    const b = new ModelBuilder(["f.pcap"]);
    b.addPdu(0, pdu(text, 1));
    expect(b.finish().model.messages[0].sip!.raw).toBe(text);
  });

  it("shares one Endpoint object per address between messages", () => {
    const text = encodeText(SIP);
    const b = new ModelBuilder(["f.pcap"]);
    b.addPdu(0, pdu(text, 1));
    b.addPdu(0, pdu(text, 2));
    b.addPdu(0, pdu(text, 3, 5070));
    const [m1, m2, m3] = b.finish().model.messages;
    expect(m1.src).toBe(m2.src);
    expect(m1.src).not.toBe(m3.src);
    expect(m3.src).toEqual({ ip: "10.0.0.1", port: 5070 });
  });
});
