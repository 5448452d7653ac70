/**
 * The embedded HSS, bytes in and bytes out: what it answers to the S-CSCF's Cx requests, read back
 * with the analyzer's decoder (AVP set and flags as on the wire).
 */
import { describe, expect, it } from "vitest";
import { Hss } from "./hss";
import { ha1 } from "./digest";
import { defaultUsers } from "./users";
import { buildCer, buildMar, buildSar } from "../protocols/diameter/builders";
import { decodeDiameter, findAvp } from "../protocols/diameter/decode";
import type { DiameterAvp } from "../protocols/diameter/types";

const users = defaultUsers();
const realm = users.realm;
const ids = { hopByHop: 7, endToEnd: 9 };
const head = { sessionId: "scscf;1;x", originHost: "scscf.sipscope.test", originRealm: realm, destinationRealm: realm, serverName: "sip:scscf.sipscope.test" };
const names = (avps: DiameterAvp[]): string[] => avps.map((a) => (a.children ? `${a.name}{${names(a.children).join(",")}}` : a.name));

function ask(hss: Hss, bytes: Uint8Array) {
  const out = hss.answer(bytes);
  expect(out).toBeDefined();
  const m = decodeDiameter(out!);
  expect(m.problems).toEqual([]);
  return m;
}

describe("embedded HSS", () => {
  it("MAR for a known user: MAA 2001 with the SIP Digest vector (HA1 over the user name)", () => {
    const m = ask(new Hss(users), buildMar(ids, { ...head, userName: "alice@sipscope.test", publicIdentity: "sip:alice@sipscope.test", authenticationScheme: "SIP Digest" }));
    expect([m.name, m.flags.request, m.flags.proxiable, m.hopByHop, m.endToEnd, m.sessionId, m.resultCode]).toEqual(["MAA", false, true, 7, 9, "scscf;1;x", 2001]);
    expect(names(m.avps)).toEqual([
      "Session-Id",
      "Vendor-Specific-Application-Id{Vendor-Id,Auth-Application-Id}",
      "Result-Code",
      "Auth-Session-State",
      "Origin-Host",
      "Origin-Realm",
      "User-Name",
      "Public-Identity",
      "SIP-Number-Auth-Items",
      "SIP-Auth-Data-Item{SIP-Item-Number,SIP-Authentication-Scheme,SIP-Digest-Authenticate{Digest-Realm,Digest-QoP,Digest-HA1}}",
    ]);
    expect(findAvp(m.avps, "Digest-HA1")?.value).toBe(ha1("alice", realm, "alice-secret"));
    expect(m.avps.every((a) => a.flags.mandatory)).toBe(true);
  });

  it("MAR and SAR for an unknown user: DIAMETER_ERROR_USER_UNKNOWN, naming nobody", () => {
    for (const req of [
      buildMar(ids, { ...head, userName: "nobody@sipscope.test", publicIdentity: "sip:nobody@sipscope.test" }),
      buildSar(ids, { ...head, userName: "nobody", publicIdentity: "sip:nobody@sipscope.test", serverAssignmentType: "REGISTRATION" }),
    ]) {
      const m = ask(new Hss(users), req);
      expect(m.experimentalResultCode).toBe(5001);
      expect(m.resultCode).toBeUndefined();
      expect(m.userName).toBeUndefined();
      expect(m.publicIdentity).toBeUndefined();
    }
  });

  it("SAR REGISTRATION registers the public identity, then USER_DEREGISTRATION removes it", () => {
    const hss = new Hss(users);
    const m = ask(hss, buildSar(ids, { ...head, userName: "bob", publicIdentity: "sip:bob@sipscope.test", serverAssignmentType: "REGISTRATION" }));
    expect([m.name, m.resultCode, m.userName]).toEqual(["SAA", 2001, "bob"]);
    expect(findAvp(m.avps, "User-Data")?.value).toContain("<Identity>sip:bob@sipscope.test</Identity>");
    expect([...hss.registered]).toEqual([["sip:bob@sipscope.test", "sip:scscf.sipscope.test"]]);
    ask(hss, buildSar(ids, { ...head, userName: "bob", publicIdentity: "sip:bob@sipscope.test", serverAssignmentType: "USER_DEREGISTRATION" }));
    expect(hss.registered.size).toBe(0);
  });

  it("CER: CEA 2001 advertising Cx", () => {
    const m = ask(new Hss(users), buildCer(ids, { originHost: "scscf.sipscope.test", originRealm: realm, hostIpAddresses: ["127.0.0.1"] }));
    expect([m.name, m.resultCode, findAvp(m.avps, "Auth-Application-Id")?.value, findAvp(m.avps, "Host-IP-Address")?.value]).toEqual(["CEA", 2001, 16777216, "127.0.0.1"]);
  });

  it("answers nothing to bytes that are not a Diameter request", () => {
    const hss = new Hss(users);
    expect(hss.answer(new Uint8Array(0))).toBeUndefined();
    expect(hss.answer(new TextEncoder().encode("REGISTER sip:x SIP/2.0\r\n\r\n"))).toBeUndefined();
    const maa = hss.answer(buildMar(ids, { ...head, userName: "alice", publicIdentity: "sip:alice@sipscope.test" }))!;
    expect(hss.answer(maa)).toBeUndefined();
  });
});
