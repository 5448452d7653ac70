/**
 * TransactionIndex: RFC 3261 §17.1.3 / §17.2.3 matching without a key string per message, checked
 * against the key strings of transactionKey() on raw wire text.
 */
import { describe, expect, it } from "vitest";
import { parseSip } from "../protocols/sip/parse";
import { TransactionIndex, transactionKey } from "./transaction-key";

const enc = new TextEncoder();

/** A minimal request or response; `via` is the top Via value (null: none). */
function sip(start: string, via: string | null, cseq: string, extra = ""): ReturnType<typeof parseSip> {
  const lines = [start];
  if (via !== null) lines.push(`Via: ${via}`);
  lines.push("From: <sip:a@example.com>;tag=fa", "To: <sip:b@example.com>", "Call-ID: c1@example.com", `CSeq: ${cseq}`);
  if (extra) lines.push(extra);
  lines.push("Content-Length: 0", "", "");
  return parseSip(enc.encode(lines.join("\r\n")));
}

const INVITE = "INVITE sip:b@example.com SIP/2.0";
const via = (hostPort: string, branch = "z9hG4bK-1", transport = "UDP") => `SIP/2.0/${transport} ${hostPort};branch=${branch}`;

describe("TransactionIndex", () => {
  type Row = [name: string, filed: ReturnType<typeof sip>, probe: ReturnType<typeof sip>, found: boolean];
  const ROWS: Row[] = [
    ["response to the request", sip(INVITE, via("10.0.0.1:5060"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5060"), "1 INVITE"), true],
    ["ACK belongs to the INVITE transaction", sip(INVITE, via("10.0.0.1:5060"), "1 INVITE"), sip("ACK sip:b@example.com SIP/2.0", via("10.0.0.1:5060"), "1 ACK"), true],
    ["another method with the same branch", sip(INVITE, via("10.0.0.1:5060"), "1 INVITE"), sip("SIP/2.0 200 OK", via("10.0.0.1:5060"), "1 CANCEL"), false],
    ["another sent-by port", sip(INVITE, via("10.0.0.1:5060"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5062"), "1 INVITE"), false],
    ["host compared without case", sip(INVITE, via("Proxy.Example.COM:5060"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("proxy.example.com:5060"), "1 INVITE"), true],
    ["host compared without case, the other way", sip(INVITE, via("proxy.example.com"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("PROXY.example.com"), "1 INVITE"), true],
    ["no port on UDP is 5060", sip(INVITE, via("10.0.0.1"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5060"), "1 INVITE"), true],
    ["no port on TLS is 5061", sip(INVITE, via("10.0.0.1", "z9hG4bK-1", "TLS"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5061", "z9hG4bK-1", "TLS"), "1 INVITE"), true],
    ["no port on lower-case tls is 5061, not 5060", sip(INVITE, via("10.0.0.1", "z9hG4bK-1", "tls"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5060", "z9hG4bK-1", "tls"), "1 INVITE"), false],
    ["no port on WSS is 5061", sip(INVITE, via("h.invalid", "z9hG4bK-1", "WSS"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("h.invalid:5061", "z9hG4bK-1", "WSS"), "1 INVITE"), true],
    ["RFC 2543 (no magic cookie): Call-ID, From tag, CSeq, top Via", sip(INVITE, via("10.0.0.1:5060", "old1"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5060", "old1"), "1 INVITE", ""), true],
    ["RFC 2543: another CSeq number", sip(INVITE, via("10.0.0.1:5060", "old1"), "1 INVITE"), sip("SIP/2.0 180 Ringing", via("10.0.0.1:5060", "old1"), "2 INVITE"), false],
  ];
  it.each(ROWS)("%s", (_name, filed, probe, found) => {
    const index = new TransactionIndex<string>();
    expect(index.add(filed, "t")).toBe(true);
    expect(index.find(probe)).toBe(found ? "t" : undefined);
    // The index answers exactly what equal key strings would.
    expect(transactionKey(probe) === transactionKey(filed)).toBe(found);
  });

  it("a request without a Via is not filed", () => {
    const index = new TransactionIndex<string>();
    expect(index.add(sip(INVITE, null, "1 INVITE"), "t")).toBe(false);
  });

  it("keeps an INVITE and its CANCEL (same branch) apart; findInvite gives the INVITE", () => {
    const index = new TransactionIndex<string>();
    const cancel = sip("CANCEL sip:b@example.com SIP/2.0", via("10.0.0.1:5060"), "1 CANCEL");
    index.add(sip(INVITE, via("10.0.0.1:5060"), "1 INVITE"), "invite");
    index.add(cancel, "cancel");
    expect(index.find(cancel)).toBe("cancel");
    expect(index.findInvite(cancel)).toBe("invite");
    expect(index.find(sip("SIP/2.0 487 Request Terminated", via("10.0.0.1:5060"), "1 INVITE"))).toBe("invite");
  });

  it("filing the same key again replaces the entry, in a shared bucket too", () => {
    const index = new TransactionIndex<string>();
    const invite = sip(INVITE, via("10.0.0.1:5060"), "1 INVITE");
    const cancel = sip("CANCEL sip:b@example.com SIP/2.0", via("10.0.0.1:5060"), "1 CANCEL");
    index.add(invite, "a");
    index.add(cancel, "c");
    index.add(invite, "b");
    expect(index.find(invite)).toBe("b");
    expect(index.find(cancel)).toBe("c");
  });
});
