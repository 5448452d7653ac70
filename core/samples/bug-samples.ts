/**
 * The five production bugs of the design (§2), each as a small synthetic capture with the server
 * log line the bug writes, and a clean twin showing the correct flow.
 */
import { Scenario } from "./scenario";
import { request, response, forward, unforward, sdp } from "./sip-builder";
import { ALICE, BOB, PROXY, aor, answer, branch, dialog, invite, inDialog, ackNon2xx, type Party } from "./flows";
import { AVP, CX_APP, diameterMessage } from "./diameter-bytes";
import type { SampleSpec } from "./types";

const NON_INVITE_REPEATS = [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];

// ---- 1. IMS MAR reply route never runs ------------------------------------------------------

const UE: Party = { user: "alice", addr: "10.0.0.10:5060", domain: "ims.example.com" };
const SCSCF = "10.0.0.3:5060";
const SCSCF_DIA = "10.0.0.3:41000";
const HSS = "10.0.0.4:3868";

function imsRegister(callId: string, cseq: number, auth: string): string {
  return request({
    method: "REGISTER",
    uri: "sip:ims.example.com",
    via: UE.addr,
    branch: branch("reg"),
    from: "sip:alice@ims.example.com",
    fromTag: "ue-tag",
    to: "sip:alice@ims.example.com",
    callId,
    cseq,
    contact: `sip:alice@${UE.addr}`,
    extra: [`Authorization: ${auth}`, "Expires: 600000", "Supported: path", "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=001010001000019B", "P-Visited-Network-ID: ims.example.com"],
  });
}

function cx(command: number, req: boolean, hbh: number, sid: string, avps: ReturnType<typeof AVP.userName>[]): Uint8Array {
  const origin = req ? [AVP.originHost("scscf.ims.example.com"), AVP.originRealm("ims.example.com"), AVP.destinationRealm("ims.example.com")] : [AVP.originHost("hss.ims.example.com"), AVP.originRealm("ims.example.com")];
  return diameterMessage({ command, request: req, app: CX_APP, hopByHop: hbh, endToEnd: hbh + 0x10000, avps: [AVP.sessionId(sid), AVP.cxApp(), AVP.authSessionState(), ...origin, ...avps] });
}

function imsMar(clean: boolean, late408 = false): Scenario {
  const sc = new Scenario();
  const callId = "ims-reg-1@10.0.0.10";
  const dia = sc.tcp(SCSCF_DIA, HSS);
  const r1 = imsRegister(callId, 1, `Digest username="alice@ims.example.com", realm="ims.example.com", nonce="", uri="sip:ims.example.com", response="", integrity-protected="no"`);
  sc.at(0).udp(UE.addr, SCSCF, r1);
  const sid = "scscf.ims.example.com;100;1";
  sc.at(0.003);
  dia.send("client", cx(303, true, 0x5001, sid, [AVP.userName("alice@ims.example.com"), AVP.publicIdentity("sip:alice@ims.example.com"), AVP.authItems(1), { code: 612, vendor: 10415, value: [{ code: 608, vendor: 10415, value: "Digest-AKAv1-MD5" }] }, AVP.serverName("sip:scscf.ims.example.com:5060")]));
  sc.at(0.012);
  dia.send("server", cx(303, false, 0x5001, sid, [AVP.resultCode(2001), AVP.userName("alice@ims.example.com"), AVP.publicIdentity("sip:alice@ims.example.com"), AVP.authItems(1), AVP.authDataItem()]));
  if (!clean) {
    // The MAA is there; the S-CSCF never sends the 401. The UE retransmits its REGISTER until Timer F.
    sc.at(0.0125).log("WARNING", `{1 1 REGISTER ${callId}} tm [t_suspend.c:269]`, `t_continue_helper(): transaction ${callId} resumed after its timer fired - reply route not executed (synthetic sample)`);
    for (const t of NON_INVITE_REPEATS) {
      if (late408 && t > 30) break;
      sc.at(t).udp(UE.addr, SCSCF, r1);
    }
    // The transaction's own timer finally answers: a late 408 instead of the 401.
    if (late408) sc.at(30).udp(SCSCF, UE.addr, response(r1, 408, "Request Timeout", { toTag: "scscf-408" }));
    const opt = request({ method: "OPTIONS", uri: `sip:${SCSCF}`, via: UE.addr, branch: branch("opt"), from: "sip:alice@ims.example.com", fromTag: "ka", to: `sip:${SCSCF}`, callId: "keepalive-ims@10.0.0.10", cseq: 1 });
    sc.at(40).udp(UE.addr, SCSCF, opt).udp(SCSCF, UE.addr, response(opt, 200, "OK"));
    return sc;
  }
  sc.at(0.0125).log("INFO", `{1 1 REGISTER ${callId}} ims_auth [cxdx_mar.c:180]`, `async_cdp_callback(): MAA received, challenging ${callId} (synthetic sample)`);
  sc.at(0.013).udp(SCSCF, UE.addr, response(r1, 401, "Unauthorized", { toTag: "scscf-1", extra: [`WWW-Authenticate: Digest realm="ims.example.com", nonce="WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=", algorithm=AKAv1-MD5, qop="auth"`] }));
  const r2 = imsRegister(callId, 2, `Digest username="alice@ims.example.com", realm="ims.example.com", nonce="WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=", uri="sip:ims.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce="0a4f113b", integrity-protected="yes"`);
  sc.at(0.2).udp(UE.addr, SCSCF, r2);
  sc.at(0.203);
  dia.send("client", cx(301, true, 0x5002, "scscf.ims.example.com;100;2", [AVP.userName("alice@ims.example.com"), AVP.publicIdentity("sip:alice@ims.example.com"), AVP.serverName("sip:scscf.ims.example.com:5060"), AVP.serverAssignmentType(1)]));
  sc.at(0.21);
  dia.send("server", cx(301, false, 0x5002, "scscf.ims.example.com;100;2", [AVP.resultCode(2001), AVP.userName("alice@ims.example.com")]));
  sc.at(0.212).udp(SCSCF, UE.addr, response(r2, 200, "OK", { toTag: "scscf-2", contact: `sip:alice@${UE.addr};expires=600000`, extra: ["Service-Route: <sip:orig@scscf.ims.example.com:5060;lr>", "P-Associated-URI: <sip:alice@ims.example.com>"] }));
  return sc;
}

// ---- 2. CANCEL via RPC leaves the 487 unacknowledged ----------------------------------------

function rpcCancel(clean: boolean): Scenario {
  const sc = new Scenario();
  const kam: Party = { user: "rpc", addr: PROXY.addr, domain: "example.com" };
  const d = dialog("rpc-cancel-1@10.0.0.1", kam, BOB);
  const br = branch("uac");
  const inv = invite(d, br);
  sc.at(0).log("INFO", "ctl [io_listener.c:213]", "tm.t_uac_start INVITE sip:bob@10.0.0.20:5060 (synthetic sample)");
  sc.udp(kam.addr, BOB.addr, inv);
  sc.udp(BOB.addr, kam.addr, response(inv, 100, "Trying"));
  sc.at(0.1).udp(BOB.addr, kam.addr, answer(inv, d, 180, "Ringing"));
  sc.log("INFO", `{2 1 INVITE ${d.callId}} <script>`, `RPL 180 Ringing for ${d.callId}`);
  const cancel = request({ method: "CANCEL", uri: `sip:${BOB.user}@${BOB.addr}`, via: kam.addr, branch: br, from: aor(kam), fromTag: d.fromTag, to: aor(BOB), callId: d.callId, cseq: 1 });
  sc.at(1).log("INFO", "ctl [io_listener.c:213]", `tm.cancel ${d.callId} 1 (synthetic sample)`);
  sc.udp(kam.addr, BOB.addr, cancel).udp(BOB.addr, kam.addr, response(cancel, 200, "OK"));
  const r487 = answer(inv, d, 487, "Request Terminated");
  sc.at(1.01).udp(BOB.addr, kam.addr, r487);
  sc.log("INFO", `{2 1 INVITE ${d.callId}} <script>`, `RPL 487 Request Terminated for ${d.callId}`);
  if (clean) sc.udp(kam.addr, BOB.addr, ackNon2xx(d, br));
  else for (const t of [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]) sc.at(1.01 + t).udp(BOB.addr, kam.addr, r487);
  return sc;
}

// ---- 3. xhttp + async_route: "too few headers" ----------------------------------------------

function xhttp(clean: boolean): Scenario {
  const sc = new Scenario();
  const c = sc.tcp("10.0.0.50:52000", "10.0.0.1:8080");
  const body = '{"jsonrpc":"2.0","method":"core.uptime","id":1}';
  sc.at(0);
  c.send("client", `POST /RPC2 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: SIPScope-sample (synthetic)\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  sc.at(0.001);
  if (clean) {
    sc.log("INFO", "xhttp [xhttp_mod.c:300]", "xhttp_handler(): request handled (synthetic sample)");
    const ans = '{"jsonrpc":"2.0","result":{"uptime":42},"id":1}';
    c.send("server", `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${ans.length}\r\n\r\n${ans}`);
  } else {
    sc.log("ERROR", "tm [t_lookup.c:1324]", "t_newtran(): too few headers");
    sc.log("ERROR", "<script>", "async_route failed for the xhttp request (synthetic sample)");
  }
  sc.at(15);
  c.fin("client");
  return sc;
}

// ---- 4. Dialog BYE race: the callee never gets its BYE --------------------------------------

function byeRace(clean: boolean): Scenario {
  const sc = new Scenario();
  const d = dialog("bye-race-1@10.0.0.10", ALICE, BOB);
  const rr = `sip:${PROXY.addr};lr;did=1a2.b3c`;
  const inv = invite(d, branch("inv"), { uri: `sip:bob@${PROXY.domain}` });
  sc.at(0).udp(ALICE.addr, PROXY.addr, inv).udp(PROXY.addr, ALICE.addr, response(inv, 100, "Trying"));
  const fwd = forward(inv, { via: PROXY.addr, branch: branch("p-inv"), recordRoute: rr, uri: `sip:bob@${BOB.addr}` });
  sc.at(0.001).udp(PROXY.addr, BOB.addr, fwd).udp(BOB.addr, PROXY.addr, response(fwd, 100, "Trying"));
  const ring = answer(fwd, d, 180, "Ringing");
  sc.at(0.2).udp(BOB.addr, PROXY.addr, ring).udp(PROXY.addr, ALICE.addr, unforward(ring));
  const ok = answer(fwd, d);
  sc.at(1).udp(BOB.addr, PROXY.addr, ok).udp(PROXY.addr, ALICE.addr, unforward(ok));
  const ack = inDialog(d, "ACK", "caller", branch("ack"), 1, { uri: `sip:bob@${BOB.addr}`, extra: [`Route: <${rr}>`] });
  sc.at(1.01).udp(ALICE.addr, PROXY.addr, ack).udp(PROXY.addr, BOB.addr, forward(ack, { via: PROXY.addr, branch: branch("p-ack") }));
  // Dialog timeout at 61 s: the proxy ends the call itself and must BYE both sides.
  const byeA = request({ method: "BYE", uri: `sip:alice@${ALICE.addr}`, via: PROXY.addr, branch: branch("p-bye"), from: aor(BOB), fromTag: d.toTag, to: aor(ALICE), toTag: d.fromTag, callId: d.callId, cseq: 2, extra: ["Reason: SIP;cause=200;text=\"dialog timeout\""] });
  sc.at(61).udp(PROXY.addr, ALICE.addr, byeA);
  sc.at(61.002).udp(ALICE.addr, PROXY.addr, response(byeA, 200, "OK"));
  if (clean) {
    const byeB = request({ method: "BYE", uri: `sip:bob@${BOB.addr}`, via: PROXY.addr, branch: branch("p-bye"), from: aor(ALICE), fromTag: d.fromTag, to: aor(BOB), toTag: d.toTag, callId: d.callId, cseq: 2, extra: ["Reason: SIP;cause=200;text=\"dialog timeout\""] });
    sc.at(61.001).udp(PROXY.addr, BOB.addr, byeB);
    sc.at(61.003).udp(BOB.addr, PROXY.addr, response(byeB, 200, "OK"));
    sc.log("INFO", "dialog [dlg_handlers.c:1520]", `dlg_ontimeout(): dialog timeout, BYE sent to both sides of callid ${d.callId} (synthetic sample)`);
  } else {
    sc.at(61.003).log("ERROR", "dialog [dlg_req_within.c:299]", `send_bye(): dlg [1a2:b3c] with callid ${d.callId} already in deleted state, BYE not sent`);
  }
  const opt = request({ method: "OPTIONS", uri: `sip:${PROXY.addr}`, via: BOB.addr, branch: branch("opt"), from: aor(BOB), fromTag: "ka", to: `sip:${PROXY.addr}`, callId: "keepalive-1@10.0.0.20", cseq: 1 });
  sc.at(70).udp(BOB.addr, PROXY.addr, opt).udp(PROXY.addr, BOB.addr, response(opt, 200, "OK"));
  return sc;
}

// ---- 5. NOTIFY fan-out aborted by one dead WebSocket watcher --------------------------------

const WS_SERVER = "10.0.0.1:8080";
const CAROL: Party = { user: "carol", addr: "10.0.0.40:5060", domain: "example.com" };

function presenceFanout(clean: boolean): Scenario {
  const sc = new Scenario();
  const watchers = [1, 2, 3].map((i) => ({ i, addr: `10.0.0.3${i}:5000${i}`, callId: `ws-sub-${i}@w${i}.invalid`, tag: `w${i}`, srvTag: `pres-${i}`, cseq: 1 }));
  const conns = watchers.map((w) => sc.ws(w.addr, WS_SERVER));
  const pidf = (basic: string) => `<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:carol@example.com"><tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>\r\n`;
  const notify = (w: (typeof watchers)[number], state: string, basic: string) =>
    request({ method: "NOTIFY", uri: `sip:w${w.i}@df7jal23ls0d.invalid;transport=ws`, via: "10.0.0.1:8080", transport: "WS", branch: branch("ntf"), from: "sip:carol@example.com", fromTag: w.srvTag, to: `sip:w${w.i}@example.com`, toTag: w.tag, callId: w.callId, cseq: w.cseq++, contact: "sip:10.0.0.1:8080;transport=ws", extra: ["Event: presence", `Subscription-State: ${state}`], body: pidf(basic), contentType: "application/pidf+xml" });
  watchers.forEach((w, k) => {
    sc.at(k * 0.5);
    conns[k].open();
    const sub = request({ method: "SUBSCRIBE", uri: "sip:carol@example.com", via: `df7jal23ls0d.invalid`, transport: "WS", branch: branch("sub"), from: `sip:w${w.i}@example.com`, fromTag: w.tag, to: "sip:carol@example.com", callId: w.callId, cseq: 1, contact: `sip:w${w.i}@df7jal23ls0d.invalid;transport=ws`, extra: ["Event: presence", "Expires: 600", "Accept: application/pidf+xml"] });
    conns[k].send("client", sub).send("server", response(sub, 200, "OK", { toTag: w.srvTag, extra: ["Expires: 600"] }));
    const n = notify(w, "active;expires=600", "closed");
    conns[k].send("server", n).send("client", response(n, 200, "OK"));
  });
  // Watcher 1 goes away abruptly (WebSocket close + TCP FIN); its subscription stays active on the server.
  sc.at(5);
  conns[0].close("client");
  // Carol's state changes.
  const pub = request({ method: "PUBLISH", uri: "sip:carol@example.com", via: CAROL.addr, branch: branch("pub"), from: aor(CAROL), fromTag: "pub1", to: aor(CAROL), callId: "publish-1@10.0.0.40", cseq: 1, extra: ["Event: presence", "Expires: 3600"], body: pidf("open"), contentType: "application/pidf+xml" });
  sc.at(10).udp(CAROL.addr, PROXY.addr, pub).udp(PROXY.addr, CAROL.addr, response(pub, 200, "OK", { toTag: "p1", extra: ["SIP-ETag: a1b2c3", "Expires: 3600"] }));
  if (clean) {
    sc.log("INFO", "presence [notify.c:1590]", "publ_notify(): watcher sip:w1@example.com unreachable, skipped (synthetic sample)");
    for (const k of [1, 2]) {
      const n = notify(watchers[k], "active;expires=590", "open");
      conns[k].send("server", n).send("client", response(n, 200, "OK"));
    }
  } else {
    sc.at(10.001).log("ERROR", "<core> [core/msg_translator.c:2964]", "create_via_hf(): TCP/TLS connection (id: 0) for WebSocket could not be found");
    sc.log("ERROR", "<core> [core/msg_translator.c:2163]", "build_req_buf_from_sip_req(): could not create Via header");
    sc.log("ERROR", "presence [notify.c:1613]", "send_notify_request(): in function tmb.t_request_within");
  }
  const opt = request({ method: "OPTIONS", uri: `sip:${PROXY.addr}`, via: CAROL.addr, branch: branch("opt"), from: aor(CAROL), fromTag: "ka", to: `sip:${PROXY.addr}`, callId: "keepalive-2@10.0.0.40", cseq: 1 });
  sc.at(20).udp(CAROL.addr, PROXY.addr, opt).udp(PROXY.addr, CAROL.addr, response(opt, 200, "OK"));
  return sc;
}

void sdp;

export const BUG_SAMPLES: SampleSpec[] = [
  { name: "bug1-ims-mar-no-401", description: "bug 1: S-CSCF gets MAA (success) from the HSS over Diameter/TCP 3868 but never sends the 401 (ims_auth t_continue() after the timer fired); with .log", expect: [{ rule: "dia-answer-no-sip-continuation", severity: "error" }, { rule: "log-error", severity: "info" }], build: () => imsMar(false) },
  { name: "bug1-ims-mar-late-408", description: "bug 1 variant: after the MAA the S-CSCF answers the REGISTER only with a late 408 (30 s) instead of the 401; with .log", expect: [{ rule: "dia-answer-no-sip-continuation", severity: "error" }, { rule: "log-error", severity: "info" }], build: () => imsMar(false, true) },
  { name: "bug1-ims-mar-no-401-clean", description: "bug 1 clean twin: MAR/MAA -> 401, REGISTER with AKA credentials, SAR/SAA -> 200; with .log", expect: [], build: () => imsMar(true) },
  { name: "bug2-rpc-cancel-487-no-ack", description: "bug 2: INVITE from tm.t_uac_start cancelled with tm.cancel; the 487 is never ACKed and retransmitted until Timer H; with .log", expect: [{ rule: "ack-missing-non2xx", severity: "error" }], build: () => rpcCancel(false) },
  { name: "bug2-rpc-cancel-487-no-ack-clean", description: "bug 2 clean twin: the 487 is ACKed; with .log", expect: [], build: () => rpcCancel(true) },
  { name: "bug3-xhttp-too-few-headers", description: "bug 3: HTTP POST to the SIP server's HTTP port (8080) never answered; log says \"too few headers\"; with .log", expect: [{ rule: "http-request-unanswered", severity: "error" }, { rule: "log-error", severity: "info" }], build: () => xhttp(false) },
  { name: "bug3-xhttp-too-few-headers-clean", description: "bug 3 clean twin: the POST is answered 200; with .log", expect: [], build: () => xhttp(true) },
  { name: "bug4-dialog-bye-race", description: "bug 4: proxied call; on dialog timeout the proxy BYEs only the caller (\"already in deleted state, BYE not sent\"); with .log", expect: [{ rule: "bye-one-sided", severity: "error" }, { rule: "log-error", severity: "info" }], build: () => byeRace(false) },
  { name: "bug4-dialog-bye-race-clean", description: "bug 4 clean twin: the proxy BYEs both caller and callee; with .log", expect: [], build: () => byeRace(true) },
  { name: "bug5-presence-ws-fanout", description: "bug 5: 3 WebSocket watchers of carol; watcher 1 closes; carol PUBLISHes and nobody gets a NOTIFY; with .log", expect: [{ rule: "notify-fanout-aborted", severity: "error" }, { rule: "log-error", severity: "info" }], build: () => presenceFanout(false) },
  { name: "bug5-presence-ws-fanout-clean", description: "bug 5 clean twin: after the PUBLISH both live watchers get their NOTIFY; with .log", expect: [], build: () => presenceFanout(true) },
];
