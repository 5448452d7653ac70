import { describe, expect, it } from "vitest";
import { SipEngine } from "./engine";
import { defaultUsers } from "./users";
import { parseSip } from "../protocols/sip/parse";
import { Hss } from "./hss";
import type { EngineEffect, Flow } from "./types";

const enc = (s: string) => new TextEncoder().encode(s.replace(/\r?\n/g, "\r\n"));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function mkEngine(extra: Partial<ConstructorParameters<typeof SipEngine>[0]> = {}) {
  let n = 0;
  return new SipEngine({
    listen: [{ transport: "udp", ip: "127.0.0.1", port: 5070 }, { transport: "tcp", ip: "127.0.0.1", port: 5070 }, { transport: "ws", ip: "127.0.0.1", port: 8070 }],
    users: defaultUsers(),
    routes: { service: "127.0.0.1:5080" },
    random: () => (n++).toString(16).padStart(16, "0"),
    ...extra,
  });
}

const udp = (port: number): Flow => ({ transport: "udp", local: { ip: "127.0.0.1", port: 5070 }, remote: { ip: "127.0.0.1", port } });
const ws = (port: number, conn: number): Flow => ({ transport: "ws", local: { ip: "127.0.0.1", port: 8070 }, remote: { ip: "127.0.0.1", port }, conn });

const sends = (fx: EngineEffect[]) => fx.filter((e): e is Extract<EngineEffect, { kind: "send" }> => e.kind === "send").map((e) => ({ to: e.flow.remote.port, conn: e.flow.conn, msg: parseSip(e.bytes), text: dec(e.bytes) }));

function req(method: string, uri: string, extra = "", opts: { branch?: string; callId?: string; to?: string; cseq?: number; from?: string; body?: string } = {}): string {
  const body = opts.body ?? "";
  return `${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5091;branch=${opts.branch ?? "z9hG4bK-" + method + Math.random().toString(36).slice(2)};rport
From: ${opts.from ?? "<sip:alice@sipscope.test>;tag=f1"}
To: ${opts.to ?? "<sip:bob@sipscope.test>"}
Call-ID: ${opts.callId ?? "cid-" + method}
CSeq: ${opts.cseq ?? 1} ${method}
Max-Forwards: 70
${extra}Content-Length: ${new TextEncoder().encode(body).length}

${body}`;
}

describe("engine: answering for itself", () => {
  const cases: [string, number, string][] = [
    ["OPTIONS to the engine", 200, req("OPTIONS", "sip:127.0.0.1:5070")],
    ["OPTIONS to an unknown user at the engine", 200, req("OPTIONS", "sip:nobody@127.0.0.1:5070")],
    ["unknown method", 501, req("FROBNICATE", "sip:127.0.0.1:5070")],
    ["known method the engine itself does not take", 405, req("MESSAGE", "sip:127.0.0.1:5070")],
    ["INVITE to an unknown user", 404, req("INVITE", "sip:nobody@127.0.0.1:5070")],
    ["INVITE to a known user not registered", 480, req("INVITE", "sip:bob@127.0.0.1:5070")],
    ["Max-Forwards 0 to a routed user", 483, req("INVITE", "sip:service@127.0.0.1:5070").replace("Max-Forwards: 70", "Max-Forwards: 0")],
    ["SUBSCRIBE for an unsupported event", 489, req("SUBSCRIBE", "sip:bob@127.0.0.1:5070", "Event: dialog\n")],
    ["mid-dialog request for no dialog", 481, req("BYE", "sip:nobody@127.0.0.1:5070", "", { to: "<sip:nobody@x>;tag=zz" })],
    ["CANCEL matching no INVITE", 481, req("CANCEL", "sip:service@127.0.0.1:5070")],
    ["unsupported URI scheme", 416, req("OPTIONS", "mailto:bob@example.com")],
    ["Call-ID missing", 400, req("OPTIONS", "sip:127.0.0.1:5070").replace(/Call-ID: .*\n/, "")],
    ["CSeq method mismatch", 400, req("OPTIONS", "sip:127.0.0.1:5070").replace("1 OPTIONS", "1 INVITE")],
    ["header flood", 400, req("OPTIONS", "sip:127.0.0.1:5070", "X-Flood: 1\n".repeat(400))],
  ];
  it.each(cases)("%s -> %i", (_name, status, text) => {
    const out = sends(mkEngine().receive(enc(text), udp(5091), 1000));
    const finals = out.filter((s) => s.msg.kind === "response" && s.msg.status! >= 200);
    expect(finals.map((s) => s.msg.status)).toEqual([status]);
    expect(finals[0].to).toBe(5091);
  });

  it("OPTIONS 200 lists Allow and Supported", () => {
    const [r] = sends(mkEngine().receive(enc(req("OPTIONS", "sip:127.0.0.1:5070")), udp(5091), 1));
    expect(r.msg.header("allow")).toContain("INVITE");
    expect(r.msg.header("allow")).toContain("SUBSCRIBE");
    expect(r.msg.header("supported")).toBeDefined();
    expect(r.msg.vias[0].rport).toBe(5091);
  });

  it("garbage is dropped and reported, never thrown", () => {
    const e = mkEngine();
    for (const junk of ["", "\x00\x01\x02", "HELLO\r\n\r\n", "SIP/2.0 200 OK\r\n\r\n", "INVITE\r\n\r\n"]) {
      expect(() => e.receive(enc(junk), udp(5091), 1)).not.toThrow();
    }
  });

  it("a retransmitted request gets the same response from the transaction, not a second answer", () => {
    const e = mkEngine();
    const text = req("OPTIONS", "sip:127.0.0.1:5070", "", { branch: "z9hG4bK-rt1" });
    const a = sends(e.receive(enc(text), udp(5091), 1));
    const b = sends(e.receive(enc(text), udp(5091), 1.2));
    expect(b.map((s) => s.text)).toEqual(a.map((s) => s.text));
  });
});

describe("engine: proxy", () => {
  it("forwards an INVITE with its own Via, Record-Route and Max-Forwards - 1, and sends 100 first", () => {
    const e = mkEngine();
    const out = sends(e.receive(enc(req("INVITE", "sip:service@127.0.0.1:5070", "Contact: <sip:alice@127.0.0.1:5091>\n")), udp(5091), 1));
    expect(out.map((s) => s.msg.status ?? s.msg.method)).toEqual([100, "INVITE"]);
    const fwd = out[1].msg;
    expect(out[1].to).toBe(5080);
    expect(fwd.requestUri).toBe("sip:service@127.0.0.1:5080");
    expect(fwd.vias.length).toBe(2);
    expect(fwd.vias[0].host).toBe("127.0.0.1");
    expect(fwd.vias[0].port).toBe(5070);
    expect(fwd.header("max-forwards")).toBe("69");
    expect(fwd.recordRoute[0].uriText).toBe("sip:127.0.0.1:5070;lr");
  });

  it("detects a loop through itself (482)", () => {
    const e = mkEngine({ routes: { service: "127.0.0.1:5070" } });
    const first = sends(e.receive(enc(req("INVITE", "sip:service@127.0.0.1:5070")), udp(5091), 1));
    const looped = first.find((s) => s.msg.method === "INVITE")!;
    expect(looped.to).toBe(5070);
    const again = sends(e.receive(looped.msg.raw, udp(5070), 1.01));
    // The looped copy has a different R-URI (retargeted) so it is a spiral the first time round;
    // the second pass carries the same R-URI and our own branch hash -> 482.
    const third = again.find((s) => s.msg.method === "INVITE");
    const final = third ? sends(e.receive(third.msg.raw, udp(5070), 1.02)) : again;
    expect(final.some((s) => s.msg.status === 482)).toBe(true);
  });

  it("ends a dialog with BYE to both sides, even when the first BYE fails", () => {
    const e = mkEngine();
    const inv = req("INVITE", "sip:service@127.0.0.1:5070", "Contact: <sip:alice@127.0.0.1:5091>\n", { callId: "call-1", branch: "z9hG4bK-i1" });
    const fwd = sends(e.receive(enc(inv), udp(5091), 1)).find((s) => s.msg.method === "INVITE")!;
    const ourVia = fwd.msg.header("via")!;
    const ok = `SIP/2.0 200 OK
Via: ${ourVia}
Via: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-i1
Record-Route: <sip:127.0.0.1:5070;lr>
From: <sip:alice@sipscope.test>;tag=f1
To: <sip:bob@sipscope.test>;tag=t9
Call-ID: call-1
CSeq: 1 INVITE
Contact: <sip:service@127.0.0.1:5080>
Content-Length: 0

`;
    const up = sends(e.receive(enc(ok), udp(5080), 1.1));
    expect(up.map((s) => [s.to, s.msg.status])).toEqual([[5091, 200]]);
    const r = e.endDialog("call-1", 2);
    expect(r.ok).toBe(true);
    const byes = sends(r.effects);
    expect(byes.map((s) => [s.to, s.msg.method])).toEqual([[5080, "BYE"], [5091, "BYE"]]);
    // To the callee: From = caller with its tag; to the caller: From = callee with its tag.
    expect(byes[0].msg.from!.tag).toBe("f1");
    expect(byes[0].msg.to!.tag).toBe("t9");
    expect(byes[1].msg.from!.tag).toBe("t9");
    expect(byes[1].msg.to!.tag).toBe("f1");
    expect(byes[0].msg.cseq!.seq).toBe(2);
    // The callee's BYE fails at once: the caller's BYE is already out, and both get their own result.
    e.sendFailed(byes[0].msg.vias.length ? { transport: "udp", local: { ip: "127.0.0.1", port: 5070 }, remote: { ip: "127.0.0.1", port: 5080 } } : udp(5080), 2.1);
    const d = e.dialogs.get(r.dialog!.id)!;
    expect(d.byes?.callee).toBe("transport-error");
    expect(e.endDialog("call-1", 3).ok).toBe(false);
  });

  it("CANCEL: 200 to the CANCEL, CANCEL downstream after a provisional, ACK for the 487, 487 upstream", () => {
    const e = mkEngine();
    const inv = req("INVITE", "sip:service@127.0.0.1:5070", "", { callId: "c-cancel", branch: "z9hG4bK-c1" });
    const fwd = sends(e.receive(enc(inv), udp(5091), 1)).find((s) => s.msg.method === "INVITE")!;
    const via = fwd.msg.header("via")!;
    const resp = (status: string) => `SIP/2.0 ${status}
Via: ${via}
Via: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-c1
From: <sip:alice@sipscope.test>;tag=f1
To: <sip:bob@sipscope.test>;tag=t2
Call-ID: c-cancel
CSeq: 1 INVITE
Content-Length: 0

`;
    sends(e.receive(enc(resp("180 Ringing")), udp(5080), 1.1));
    const cancel = sends(e.receive(enc(inv.replace("INVITE sip", "CANCEL sip").replace("1 INVITE", "1 CANCEL")), udp(5091), 1.2));
    expect(cancel.map((s) => [s.to, s.msg.status ?? s.msg.method])).toEqual([[5091, 200], [5080, "CANCEL"]]);
    expect(cancel[1].msg.vias[0].branch).toBe(fwd.msg.vias[0].branch);
    const after487 = sends(e.receive(enc(resp("487 Request Terminated")), udp(5080), 1.3));
    expect(after487.map((s) => [s.to, s.msg.status ?? s.msg.method])).toEqual([[5080, "ACK"], [5091, 487]]);
    // A retransmitted 487 is ACKed again by the client transaction and not forwarded twice.
    const again = sends(e.receive(enc(resp("487 Request Terminated")), udp(5080), 1.8));
    expect(again.map((s) => [s.to, s.msg.method])).toEqual([[5080, "ACK"]]);
  });
});

describe("engine: presence", () => {
  function subscribe(e: SipEngine, flow: Flow, i: number) {
    const text = req("SUBSCRIBE", "sip:alice@127.0.0.1:5070", `Event: presence\nExpires: 600\nContact: <sip:w${i}@df7jal23ls0d.invalid;transport=ws>\n`, { callId: `sub-${i}`, from: `<sip:w${i}@sipscope.test>;tag=w${i}`, to: "<sip:alice@sipscope.test>" }).replace("SIP/2.0/UDP 127.0.0.1:5091", `SIP/2.0/WS df7jal23ls0d.invalid`);
    return sends(e.receive(enc(text), flow, 1));
  }

  it("NOTIFYs every live watcher on PUBLISH, skipping (and reporting) one whose WebSocket is gone", () => {
    const e = mkEngine();
    for (let i = 1; i <= 4; i++) {
      e.connectionOpened(i);
      const out = subscribe(e, ws(40000 + i, i), i);
      expect(out.map((s) => s.msg.status ?? s.msg.method)).toEqual([200, "NOTIFY"]);
      expect(out[1].conn).toBe(i);
    }
    e.connectionClosed(2, 2);
    const body = `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@sipscope.test"><tuple id="a"><status><basic>open</basic></status></tuple></presence>`;
    const fx = e.receive(enc(req("PUBLISH", "sip:alice@127.0.0.1:5070", "Event: presence\nExpires: 60\nContent-Type: application/pidf+xml\n", { body })), udp(5093), 3);
    const out = sends(fx);
    expect(out[0].msg.status).toBe(200);
    expect(out[0].msg.header("sip-etag")).toBeDefined();
    const notified = out.filter((s) => s.msg.method === "NOTIFY").map((s) => s.conn);
    expect(notified).toEqual([1, 3, 4]);
    expect(fx.some((f) => f.kind === "report" && f.code === "watcher-connection-gone")).toBe(true);
    expect(dec(out[1].msg.body)).toContain("<basic>open</basic>");
  });

  it("PUBLISH with a non-PIDF body is refused (415)", () => {
    const out = sends(mkEngine().receive(enc(req("PUBLISH", "sip:alice@127.0.0.1:5070", "Event: presence\nContent-Type: text/plain\n", { body: "hello" })), udp(5093), 1));
    expect(out[0].msg.status).toBe(415);
  });
});

describe("engine: registrar and IMS", () => {
  it("challenges, then refuses a wrong password and accepts the right one", async () => {
    const { md5Hex } = await import("./md5");
    const e = mkEngine();
    const reg = (cseq: number, auth = "") => req("REGISTER", "sip:127.0.0.1:5070", `Contact: <sip:bob@127.0.0.1:5092>\nExpires: 300\n${auth}`, { callId: "reg-1", cseq, from: "<sip:bob@sipscope.test>;tag=r1", to: "<sip:bob@sipscope.test>" });
    const [ch] = sends(e.receive(enc(reg(1)), udp(5092), 1));
    expect(ch.msg.status).toBe(401);
    const nonce = /nonce="([^"]+)"/.exec(ch.msg.header("www-authenticate")!)![1];
    const answer = (pw: string) => {
      const ha1 = md5Hex(`bob:sipscope.test:${pw}`);
      const ha2 = md5Hex("REGISTER:sip:127.0.0.1:5070");
      const resp = md5Hex(`${ha1}:${nonce}:00000001:abc:auth:${ha2}`);
      return `Authorization: Digest username="bob", realm="sipscope.test", nonce="${nonce}", uri="sip:127.0.0.1:5070", response="${resp}", qop=auth, nc=00000001, cnonce="abc", algorithm=MD5\n`;
    };
    expect(sends(e.receive(enc(reg(2, answer("nope"))), udp(5092), 2))[0].msg.status).toBe(403);
    const ok = sends(e.receive(enc(reg(3, answer("bob-secret"))), udp(5092), 3))[0];
    expect(ok.msg.status).toBe(200);
    expect(ok.msg.contact[0].params.expires).toBe("300");
    // The registered user is now reachable through the proxy.
    const out = sends(e.receive(enc(req("INVITE", "sip:bob@127.0.0.1:5070", "", { callId: "to-bob" })), udp(5091), 4));
    expect(out.find((s) => s.msg.method === "INVITE")!.to).toBe(5092);
  });

  it("S-CSCF: REGISTER -> MAR; the MAA resumes the transaction with a 401 even after its timers moved on", () => {
    const e = mkEngine({ ims: true });
    const hss = new Hss(defaultUsers());
    const fx = e.receive(enc(req("REGISTER", "sip:127.0.0.1:5070", "Contact: <sip:alice@127.0.0.1:5094>\n", { callId: "ims-1", from: "<sip:alice@sipscope.test>;tag=i1", to: "<sip:alice@sipscope.test>" })), udp(5094), 1);
    const mar = fx.find((f) => f.kind === "diameter") as Extract<EngineEffect, { kind: "diameter" }>;
    expect(mar).toBeDefined();
    expect(sends(fx)).toEqual([]); // nothing to the UE until the HSS answers
    const maa = hss.answer(mar.bytes)!;
    const out = sends(e.diameter(maa, 4)); // 3 s later: a timer-based resume would have given up
    expect(out.map((s) => s.msg.status)).toEqual([401]);
    expect(out[0].msg.header("www-authenticate")).toContain('realm="sipscope.test"');
  });

  it("S-CSCF: no MAA within the Diameter timeout -> 504, never silence", () => {
    const e = mkEngine({ ims: true, diameterTimeout: 2 });
    const fx = e.receive(enc(req("REGISTER", "sip:127.0.0.1:5070", "", { callId: "ims-2", from: "<sip:alice@sipscope.test>;tag=i2", to: "<sip:alice@sipscope.test>" })), udp(5094), 1);
    const t = fx.find((f) => f.kind === "timer" && f.key.startsWith("dia.")) as Extract<EngineEffect, { kind: "timer" }>;
    expect(sends(e.timer(t.key, t.at)).map((s) => s.msg.status)).toEqual([504]);
  });
});

describe("engine: timers from the machines", () => {
  const timersOf = (fx: EngineEffect[]) => fx.filter((e): e is Extract<EngineEffect, { kind: "timer" }> => e.kind === "timer");

  it("Timer A retransmits the forwarded INVITE on UDP; Timer B answers 408 upstream", () => {
    const e = mkEngine();
    const fx = e.receive(enc(req("INVITE", "sip:service@127.0.0.1:5070", "", { callId: "tb" })), udp(5091), 10);
    const a = timersOf(fx).find((t) => t.key.endsWith(".A"))!;
    const b = timersOf(fx).find((t) => t.key.endsWith(".B"))!;
    expect(a.at).toBeCloseTo(10.5);
    expect(b.at).toBeCloseTo(42);
    const again = sends(e.timer(a.key, a.at));
    expect(again.map((s) => [s.to, s.msg.method])).toEqual([[5080, "INVITE"]]);
    const timeout = sends(e.timer(b.key, b.at));
    expect(timeout.map((s) => [s.to, s.msg.status])).toEqual([[5091, 408]]);
  });

  it("no Timer A over TCP (reliable transport)", () => {
    const e = mkEngine({ routes: { service: "sip:service@127.0.0.1:5080;transport=tcp" } });
    const fx = e.receive(enc(req("INVITE", "sip:service@127.0.0.1:5070", "", { callId: "tcp-a" })), udp(5091), 1);
    expect(timersOf(fx).map((t) => t.key.split(".")[1]).sort()).toEqual(["B"]);
    expect(sends(fx).find((s) => s.msg.method === "INVITE")!.msg.vias[0].transport).toBe("TCP");
  });
});

describe("engine: IMS registration end to end (pure, HSS in the loop)", () => {
  it("REGISTER -> MAR/MAA -> 401 -> REGISTER with digest over the private identity -> SAR/SAA -> 200", async () => {
    const { md5Hex } = await import("./md5");
    const users = defaultUsers();
    const impi = "alice@sipscope.test";
    users.users.set("alice", { user: "alice", password: "alice-secret", impi });
    const e = mkEngine({ ims: true, users });
    const hss = new Hss(users);
    const reg = (cseq: number, auth = "") => req("REGISTER", "sip:127.0.0.1:5070", `Contact: <sip:alice@127.0.0.1:5094>\nExpires: 600\n${auth}`, { callId: "ims-e2e", cseq, from: "<sip:alice@sipscope.test>;tag=e1", to: "<sip:alice@sipscope.test>" });
    const viaHss = (fx: EngineEffect[]) => {
      const d = fx.find((f) => f.kind === "diameter") as Extract<EngineEffect, { kind: "diameter" }> | undefined;
      return d ? e.diameter(hss.answer(d.bytes)!, 2) : fx;
    };
    const [ch] = sends(viaHss(e.receive(enc(reg(1, `Authorization: Digest username="${impi}", realm="sipscope.test", nonce="", uri="sip:127.0.0.1:5070", response=""\n`)), udp(5094), 1)));
    expect(ch.msg.status).toBe(401);
    const nonce = /nonce="([^"]+)"/.exec(ch.msg.header("www-authenticate")!)![1];
    const ha1 = md5Hex(`${impi}:sipscope.test:alice-secret`);
    const resp = md5Hex(`${ha1}:${nonce}:00000001:ab:auth:${md5Hex("REGISTER:sip:127.0.0.1:5070")}`);
    const auth = `Authorization: Digest username="${impi}", realm="sipscope.test", nonce="${nonce}", uri="sip:127.0.0.1:5070", response="${resp}", qop=auth, nc=00000001, cnonce="ab", algorithm=MD5\n`;
    const fx = e.receive(enc(reg(2, auth)), udp(5094), 3);
    expect(fx.some((f) => f.kind === "diameter")).toBe(true); // the SAR
    const [ok] = sends(viaHss(fx));
    expect(ok.msg.status).toBe(200);
    expect(ok.msg.header("p-associated-uri")).toBe("<sip:alice@sipscope.test>");
    expect(hss.registered.get("sip:alice@sipscope.test")).toMatch(/^sip:scscf\./);
  });
});
