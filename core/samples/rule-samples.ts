/**
 * One small capture per finding rule showing the fault, and its clean twin. Direct UA-to-UA flows
 * over UDP unless the rule needs more (TCP watcher, Diameter peer, HTTP client).
 */
import { Scenario } from "./scenario";
import { request, response } from "./sip-builder";
import { ALICE, BOB, PROXY, aor, answer, branch, dialog, inDialog, invite, ackNon2xx, type Party } from "./flows";
import { AVP, CX_APP, diameterMessage } from "./diameter-bytes";
import type { SampleSpec } from "./types";

/** Timer E/G schedule after the first copy (T1 = 0.5 s doubling, capped at T2 = 4 s, until 64×T1). */
const NON_INVITE_REPEATS = [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];

function established(sc: Scenario, callId: string): { d: ReturnType<typeof dialog>; inv: string } {
  const d = dialog(callId, ALICE, BOB);
  const inv = invite(d, branch("inv"));
  sc.at(0).udp(ALICE.addr, BOB.addr, inv);
  sc.udp(BOB.addr, ALICE.addr, response(inv, 100, "Trying"));
  sc.at(0.2).udp(BOB.addr, ALICE.addr, answer(inv, d, 180, "Ringing"));
  sc.at(1).udp(BOB.addr, ALICE.addr, answer(inv, d));
  sc.udp(ALICE.addr, BOB.addr, inDialog(d, "ACK", "caller", branch("ack"), 1));
  return { d, inv };
}

function ackMissingNon2xx(clean: boolean): Scenario {
  const sc = new Scenario();
  const d = dialog("busy-1@10.0.0.10", ALICE, BOB);
  const br = branch("inv");
  const inv = invite(d, br);
  sc.at(0).udp(ALICE.addr, BOB.addr, inv);
  sc.udp(BOB.addr, ALICE.addr, response(inv, 100, "Trying"));
  const busy = answer(inv, d, 486, "Busy Here");
  sc.at(0.5).udp(BOB.addr, ALICE.addr, busy);
  if (clean) sc.udp(ALICE.addr, BOB.addr, ackNon2xx(d, br));
  else for (const t of [1.0, 2.0, 4.0]) sc.at(t).udp(BOB.addr, ALICE.addr, busy);
  return sc;
}

function ackMissing2xx(clean: boolean): Scenario {
  const sc = new Scenario();
  const d = dialog("noack-2xx-1@10.0.0.10", ALICE, BOB);
  const inv = invite(d, branch("inv"));
  sc.at(0).udp(ALICE.addr, BOB.addr, inv);
  sc.udp(BOB.addr, ALICE.addr, response(inv, 100, "Trying"));
  sc.at(0.2).udp(BOB.addr, ALICE.addr, answer(inv, d, 180, "Ringing"));
  const ok = answer(inv, d);
  sc.at(1).udp(BOB.addr, ALICE.addr, ok);
  if (clean) {
    sc.udp(ALICE.addr, BOB.addr, inDialog(d, "ACK", "caller", branch("ack"), 1));
    const bye = inDialog(d, "BYE", "caller", branch("bye"), 2);
    sc.at(5).udp(ALICE.addr, BOB.addr, bye).udp(BOB.addr, ALICE.addr, response(bye, 200, "OK"));
  } else for (const t of [1.5, 2.5, 4.5]) sc.at(t).udp(BOB.addr, ALICE.addr, ok);
  return sc;
}

function byeUnanswered(clean: boolean): Scenario {
  const sc = new Scenario();
  const { d } = established(sc, "bye-noanswer-1@10.0.0.10");
  const bye = inDialog(d, "BYE", "caller", branch("bye"), 2);
  sc.at(5).udp(ALICE.addr, BOB.addr, bye);
  if (clean) sc.udp(BOB.addr, ALICE.addr, response(bye, 200, "OK"));
  else for (const t of NON_INVITE_REPEATS) sc.at(5 + t).udp(ALICE.addr, BOB.addr, bye);
  if (!clean) pingPong(sc, 38, BOB, ALICE, "late"); // the capture goes on past Timer F
  return sc;
}

/** An OPTIONS ping (used to show the capture runs on). */
function keepalive(from: Party, to: Party, id: string): string {
  return request({ method: "OPTIONS", uri: `sip:${to.addr}`, via: from.addr, branch: branch("opt"), from: aor(from), fromTag: `${id}-t`, to: `sip:${to.addr}`, callId: `ping-${id}@${from.addr.split(":")[0]}`, cseq: 1 });
}

function pingPong(sc: Scenario, at: number, from: Party, to: Party, id: string): void {
  const o = keepalive(from, to, id);
  sc.at(at).udp(from.addr, to.addr, o).udp(to.addr, from.addr, response(o, 200, "OK"));
}

function txnTimeout(clean: boolean): Scenario {
  const sc = new Scenario();
  const o = keepalive(ALICE, BOB, "lost");
  sc.at(0).udp(ALICE.addr, BOB.addr, o);
  if (clean) sc.udp(BOB.addr, ALICE.addr, response(o, 200, "OK"));
  else for (const t of NON_INVITE_REPEATS) sc.at(t).udp(ALICE.addr, BOB.addr, o);
  pingPong(sc, 34, BOB, ALICE, "after");
  return sc;
}

function message(from: Party, to: Party, callId: string, br: string): string {
  return request({ method: "MESSAGE", uri: aor(to), via: from.addr, branch: br, from: aor(from), fromTag: "m1", to: aor(to), callId, cseq: 1, body: "Hello (synthetic sample)", contentType: "text/plain" });
}

function responseOrphan(clean: boolean): Scenario {
  const sc = new Scenario();
  pingPong(sc, 0, ALICE, BOB, "start");
  const m = message(ALICE, BOB, "im-1@10.0.0.10", branch("msg"));
  sc.at(40);
  if (clean) sc.udp(ALICE.addr, BOB.addr, m);
  sc.udp(BOB.addr, ALICE.addr, response(m, 200, "OK"));
  return sc;
}

function retransmissionStorm(clean: boolean): Scenario {
  const sc = new Scenario();
  const m = message(ALICE, BOB, "storm-1@10.0.0.10", branch("msg"));
  sc.at(0).udp(ALICE.addr, BOB.addr, m);
  if (!clean) for (let i = 1; i <= 15; i++) sc.at(i * 0.1).udp(ALICE.addr, BOB.addr, m);
  sc.at(1.7).udp(BOB.addr, ALICE.addr, response(m, 200, "OK"));
  return sc;
}

function cancelNo487(clean: boolean): Scenario {
  const sc = new Scenario();
  const d = dialog("cancel-no487-1@10.0.0.10", ALICE, BOB);
  const br = branch("inv");
  const inv = invite(d, br);
  sc.at(0).udp(ALICE.addr, BOB.addr, inv);
  sc.udp(BOB.addr, ALICE.addr, response(inv, 100, "Trying"));
  sc.at(0.2).udp(BOB.addr, ALICE.addr, answer(inv, d, 180, "Ringing"));
  const cancel = request({ method: "CANCEL", uri: `sip:${BOB.user}@${BOB.addr}`, via: ALICE.addr, branch: br, from: aor(ALICE), fromTag: d.fromTag, to: aor(BOB), callId: d.callId, cseq: 1 });
  sc.at(2).udp(ALICE.addr, BOB.addr, cancel).udp(BOB.addr, ALICE.addr, response(cancel, 200, "OK"));
  if (clean) sc.udp(BOB.addr, ALICE.addr, answer(inv, d, 487, "Request Terminated")).udp(ALICE.addr, BOB.addr, ackNon2xx(d, br));
  pingPong(sc, 40, BOB, ALICE, "after");
  return sc;
}

function register(callId: string, cseq: number, auth?: string): string {
  return request({
    method: "REGISTER",
    uri: `sip:${PROXY.domain}`,
    via: ALICE.addr,
    branch: branch("reg"),
    from: aor(ALICE),
    fromTag: "reg-tag",
    to: aor(ALICE),
    callId,
    cseq,
    contact: `sip:alice@${ALICE.addr}`,
    extra: ["Expires: 3600", ...(auth ? [auth] : [])],
  });
}

function registerFailed(clean: boolean): Scenario {
  const sc = new Scenario();
  const callId = "reg-1@10.0.0.10";
  const r1 = register(callId, 1);
  sc.at(0).udp(ALICE.addr, PROXY.addr, r1);
  sc.udp(PROXY.addr, ALICE.addr, response(r1, 401, "Unauthorized", { toTag: "r1", extra: [`WWW-Authenticate: Digest realm="example.com", nonce="abc123", algorithm=MD5, qop="auth"`] }));
  const r2 = register(callId, 2, `Authorization: Digest username="alice", realm="example.com", nonce="abc123", uri="sip:example.com", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="c1"`);
  sc.at(0.1).udp(ALICE.addr, PROXY.addr, r2);
  if (clean) sc.udp(PROXY.addr, ALICE.addr, response(r2, 200, "OK", { toTag: "r2", contact: `sip:alice@${ALICE.addr};expires=3600` }));
  else sc.udp(PROXY.addr, ALICE.addr, response(r2, 403, "Forbidden", { toTag: "r2" }));
  return sc;
}

function logError(clean: boolean): Scenario {
  const sc = new Scenario();
  const callId = "acc-1@10.0.0.10";
  const { d } = established(sc, callId);
  sc.at(1.0005);
  if (clean) sc.log("INFO", "{1 1 INVITE " + callId + "} <script>", `call answered for ${callId}`);
  else sc.log("ERROR", "{1 1 INVITE " + callId + "} acc [acc.c:312]", `acc_db_request(): failed to insert accounting record for ${callId}`);
  const bye = inDialog(d, "BYE", "caller", branch("bye"), 2);
  sc.at(5).udp(ALICE.addr, BOB.addr, bye).udp(BOB.addr, ALICE.addr, response(bye, 200, "OK"));
  return sc;
}

const WATCHER = "10.0.0.30:40001";

function subscribeOverTcp(sc: Scenario, clean: boolean): void {
  const conn = sc.tcp(WATCHER, PROXY.addr);
  const callId = "sub-tcp-1@10.0.0.30";
  const sub = (cseq: number, expires: number) =>
    request({ method: "SUBSCRIBE", uri: "sip:carol@example.com", via: WATCHER, transport: "TCP", branch: branch("sub"), from: "sip:watcher@example.com", fromTag: "w1", to: "sip:carol@example.com", toTag: cseq > 1 ? "srv1" : undefined, callId, cseq, contact: `sip:watcher@${WATCHER};transport=tcp`, extra: ["Event: presence", `Expires: ${expires}`, "Accept: application/pidf+xml"] });
  const notify = (cseq: number, state: string) =>
    request({ method: "NOTIFY", uri: `sip:watcher@${WATCHER};transport=tcp`, via: PROXY.addr, transport: "TCP", branch: branch("ntf"), from: "sip:carol@example.com", fromTag: "srv1", to: "sip:watcher@example.com", toTag: "w1", callId, cseq, contact: `sip:${PROXY.addr};transport=tcp`, extra: ["Event: presence", `Subscription-State: ${state}`], body: `<?xml version="1.0"?><presence entity="sip:carol@example.com"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>`, contentType: "application/pidf+xml" });
  const s1 = sub(1, 600);
  sc.at(0);
  conn.send("client", s1).send("server", response(s1, 200, "OK", { toTag: "srv1", extra: ["Expires: 600"] }));
  const n1 = notify(1, "active;expires=600");
  sc.at(0.05);
  conn.send("server", n1).send("client", response(n1, 200, "OK"));
  if (clean) {
    const s2 = sub(2, 0);
    sc.at(8);
    conn.send("client", s2).send("server", response(s2, 200, "OK", { toTag: "srv1", extra: ["Expires: 0"] }));
    const n2 = notify(2, "terminated;reason=timeout");
    conn.send("server", n2).send("client", response(n2, 200, "OK"));
    sc.at(10);
    conn.fin("client");
  } else {
    sc.at(10);
    conn.halfClose("client");
    sc.at(20);
    conn.send("server", notify(2, "active;expires=580"));
    conn.rst("client");
  }
}

function notifyToClosed(clean: boolean): Scenario {
  const sc = new Scenario();
  subscribeOverTcp(sc, clean);
  return sc;
}

const SCSCF_DIA = "10.0.0.3:41000";
const HSS = "10.0.0.4:3868";

function dwr(hbh: number, request: boolean): Uint8Array {
  return diameterMessage({ command: 280, request, app: 0, hopByHop: hbh, endToEnd: hbh + 0x1000, proxiable: false, avps: [AVP.originHost(request ? "scscf.ims.example.com" : "hss.ims.example.com"), AVP.originRealm("ims.example.com"), ...(request ? [] : [AVP.resultCode(2001)])] });
}

function diaUnanswered(clean: boolean): Scenario {
  const sc = new Scenario();
  const c = sc.tcp(SCSCF_DIA, HSS);
  sc.at(0);
  c.send("client", dwr(0x100, true));
  if (clean) c.send("server", dwr(0x100, false));
  sc.at(15);
  c.send("client", dwr(0x101, true)).send("server", dwr(0x101, false));
  return sc;
}

function diaError(clean: boolean): Scenario {
  const sc = new Scenario();
  const c = sc.tcp("10.0.0.2:41001", HSS);
  const sid = "icscf.ims.example.com;1;7";
  const uar = diameterMessage({ command: 300, request: true, app: CX_APP, hopByHop: 0x200, endToEnd: 0x300, avps: [AVP.sessionId(sid), AVP.cxApp(), AVP.authSessionState(), AVP.originHost("icscf.ims.example.com"), AVP.originRealm("ims.example.com"), AVP.destinationRealm("ims.example.com"), AVP.userName("dave@ims.example.com"), AVP.publicIdentity("sip:dave@ims.example.com")] });
  const uaa = diameterMessage({ command: 300, request: false, app: CX_APP, hopByHop: 0x200, endToEnd: 0x300, avps: [AVP.sessionId(sid), AVP.cxApp(), AVP.authSessionState(), AVP.originHost("hss.ims.example.com"), AVP.originRealm("ims.example.com"), clean ? AVP.experimentalResult(2001) : AVP.experimentalResult(5001)] });
  sc.at(0);
  c.send("client", uar);
  sc.at(0.02);
  c.send("server", uaa);
  return sc;
}

function httpUnanswered(clean: boolean): Scenario {
  const sc = new Scenario();
  const c = sc.tcp("10.0.0.50:52000", "10.0.0.1:8080");
  sc.at(0);
  c.send("client", "GET /status HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: SIPScope-sample (synthetic)\r\nAccept: */*\r\n\r\n");
  if (clean) {
    const body = '{"status":"ok"}';
    sc.at(0.01);
    c.send("server", `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  }
  sc.at(15);
  c.fin("client");
  return sc;
}

export const RULE_SAMPLES: SampleSpec[] = [
  { name: "ack-missing-non2xx", description: "INVITE answered 486 Busy Here; the caller never ACKs and the 486 is retransmitted (Timer G)", expect: [{ rule: "ack-missing-non2xx", severity: "error" }], build: () => ackMissingNon2xx(false) },
  { name: "ack-missing-non2xx-clean", description: "clean twin: 486 Busy Here answered with ACK", expect: [], build: () => ackMissingNon2xx(true) },
  { name: "ack-missing-2xx", description: "INVITE answered 200 OK; no ACK, the 200 is retransmitted", expect: [{ rule: "ack-missing-2xx", severity: "error" }], build: () => ackMissing2xx(false) },
  { name: "ack-missing-2xx-clean", description: "clean twin: 200 OK, ACK, BYE, 200", expect: [], build: () => ackMissing2xx(true) },
  { name: "bye-unanswered", description: "established call; the BYE is retransmitted until Timer F and never answered", expect: [{ rule: "bye-unanswered", severity: "warning" }], build: () => byeUnanswered(false) },
  { name: "bye-unanswered-clean", description: "clean twin: BYE answered 200", expect: [], build: () => byeUnanswered(true) },
  { name: "txn-timeout", description: "OPTIONS retransmitted for 64×T1 with no response", expect: [{ rule: "txn-timeout", severity: "warning" }], build: () => txnTimeout(false) },
  { name: "txn-timeout-clean", description: "clean twin: OPTIONS answered 200", expect: [], build: () => txnTimeout(true) },
  { name: "response-orphan", description: "a 200 OK to a MESSAGE that never passed, 40 s into the capture", expect: [{ rule: "response-orphan", severity: "warning" }], build: () => responseOrphan(false) },
  { name: "response-orphan-clean", description: "clean twin: the MESSAGE and its 200", expect: [], build: () => responseOrphan(true) },
  { name: "retransmission-storm", description: "a MESSAGE repeated 15 times in 1.5 s before its 200", expect: [{ rule: "retransmission-storm", severity: "warning" }], build: () => retransmissionStorm(false) },
  { name: "retransmission-storm-clean", description: "clean twin: one MESSAGE, one 200", expect: [], build: () => retransmissionStorm(true) },
  { name: "cancel-no-487", description: "INVITE cancelled (CANCEL answered 200) but never answered 487", expect: [{ rule: "cancel-no-487", severity: "warning" }], build: () => cancelNo487(false) },
  { name: "cancel-no-487-clean", description: "clean twin: CANCEL, 200, 487, ACK", expect: [], build: () => cancelNo487(true) },
  { name: "register-failed", description: "REGISTER 401, REGISTER with credentials 403 Forbidden", expect: [{ rule: "register-failed", severity: "warning" }], build: () => registerFailed(false) },
  { name: "register-failed-clean", description: "clean twin: REGISTER 401, REGISTER with credentials 200 OK", expect: [], build: () => registerFailed(true) },
  { name: "log-error", description: "a clean call whose server log holds an ERROR line naming its Call-ID (with .log)", expect: [{ rule: "log-error", severity: "warning" }], build: () => logError(false) },
  { name: "log-error-clean", description: "clean twin: the same call with only an INFO log line (with .log)", expect: [], build: () => logError(true) },
  { name: "notify-to-closed-connection", description: "presence watcher over TCP half-closes its connection; the server still writes a NOTIFY on it, the watcher resets", expect: [{ rule: "notify-to-closed-connection", severity: "warning" }], build: () => notifyToClosed(false) },
  { name: "notify-to-closed-connection-clean", description: "clean twin: the watcher unsubscribes (terminated NOTIFY) and then closes", expect: [], build: () => notifyToClosed(true) },
  { name: "dia-request-unanswered", description: "Diameter DWR to the HSS never answered (the next one is)", expect: [{ rule: "dia-request-unanswered", severity: "warning" }], build: () => diaUnanswered(false) },
  { name: "dia-request-unanswered-clean", description: "clean twin: both DWRs answered", expect: [], build: () => diaUnanswered(true) },
  { name: "dia-error-result", description: "Cx UAR answered with Experimental-Result 5001 DIAMETER_ERROR_USER_UNKNOWN", expect: [{ rule: "dia-error-result", severity: "warning" }], build: () => diaError(false) },
  { name: "dia-error-result-clean", description: "clean twin: UAA with Experimental-Result 2001 DIAMETER_FIRST_REGISTRATION", expect: [], build: () => diaError(true) },
  { name: "http-request-unanswered", description: "HTTP GET to the SIP server's HTTP port; no response before the client closes 15 s later", expect: [{ rule: "http-request-unanswered", severity: "warning" }], build: () => httpUnanswered(false) },
  { name: "http-request-unanswered-clean", description: "clean twin: the GET answered 200", expect: [], build: () => httpUnanswered(true) },
];
