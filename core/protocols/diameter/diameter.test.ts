import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeDiameter, decodeDiameterFrame, findAvp, findAvps } from "./decode";
import { avp, encodeDiameter, experimentalResult, group, hexToBytes } from "./encode";
import { buildCea, buildCer, buildDwa, buildDwr, buildMaa, buildMar, buildSaa, buildSar, buildUaa, buildUar } from "./builders";
import { commandNames, resultClass } from "./dictionary";
import type { DiameterAvp } from "./types";

/**
 * A Cx MAA as an HSS sends it, written out by hand AVP by AVP (independently of our encoder):
 * 3GPP vendor AVPs with the V bit, a grouped SIP-Auth-Data-Item carrying an AKA vector, padding
 * after odd-length strings, and an unknown vendor AVP at the end.
 */
const MAA_HEX =
  // header: v1, length 444, flags P, code 303 (MAA), app 16777216, hbh, e2e
  "010001bc4000012f0100000053cafe6a7dc0a06d" +
  // Session-Id
  "000001074000002473637363662e696d732e6578616d706c652e6e65743b333337313b31" +
  // Vendor-Specific-Application-Id
  "00000104400000200000010a4000000c000028af000001024000000c01000000" +
  // Result-Code 2001
  "0000010c4000000c000007d1" +
  // Auth-Session-State NO_STATE_MAINTAINED
  "000001154000000c00000001" +
  // Origin-Host
  "000001084000001b6873732e696d732e6578616d706c652e6e657400" +
  // Origin-Realm
  "0000012840000017696d732e6578616d706c652e6e657400" +
  // User-Name
  "000000014000001d616c69636540696d732e6578616d706c652e6e6574000000" +
  // Public-Identity (3GPP)
  "00000259c0000025000028af7369703a616c69636540696d732e6578616d706c652e6e6574000000" +
  // SIP-Number-Auth-Items 1
  "0000025fc0000010000028af00000001" +
  // SIP-Auth-Data-Item
  "00000264c00000b0000028af00000265c0000010000028af0000000100000260c000001c000028af4469676573742d41" +
  "4b4176312d4d443500000261c000002c000028afa1b2c3d4e5f60718293a4b5c6d7e8f900f1e2d3c4b5a69788796a5b4" +
  "c3d2e1f000000262c0000014000028af112233445566778800000271c000001c000028af00112233445566778899aabb" +
  "ccddeeff00000272c000001c000028afffeeddccbbaa99887766554433221100" +
  // unknown vendor AVP 9999, 3 bytes + 1 pad
  "0000270f8000000f000028af01020300";

const HOP = 0x53cafe6a;
const E2E = 0x7dc0a06d;

/** Strip the fields that differ by construction (raw bytes, offsets) for tree comparison. */
function shape(avps: readonly DiameterAvp[]): unknown[] {
  return avps.map((a) => ({ name: a.name, value: a.value, enumName: a.enumName, vendorId: a.vendorId, m: a.flags.mandatory, children: a.children && shape(a.children) }));
}

describe("decodeDiameter: hand-written MAA", () => {
  const m = decodeDiameter(hexToBytes(MAA_HEX));
  it("header", () => {
    expect(m).toMatchObject({ version: 1, length: 444, commandCode: 303, name: "MAA", longName: "Multimedia-Auth-Answer", applicationId: 16777216, applicationName: "3GPP Cx/Dx", hopByHop: HOP, endToEnd: E2E });
    expect(m.flags).toEqual({ request: false, proxiable: true, error: false, retransmit: false });
    expect(m.problems).toEqual([]);
  });
  it("convenience fields", () => {
    expect(m.sessionId).toBe("scscf.ims.example.net;3371;1");
    expect(m.resultCode).toBe(2001);
    expect(m.userName).toBe("alice@ims.example.net");
    expect(m.publicIdentity).toBe("sip:alice@ims.example.net");
    expect(m.experimentalResultCode).toBeUndefined();
  });
  it("AVP tree with names, types, enums, vendor bits and hex for binary", () => {
    expect(m.avps.map((a) => a.name)).toEqual([
      "Session-Id",
      "Vendor-Specific-Application-Id",
      "Result-Code",
      "Auth-Session-State",
      "Origin-Host",
      "Origin-Realm",
      "User-Name",
      "Public-Identity",
      "SIP-Number-Auth-Items",
      "SIP-Auth-Data-Item",
      "AVP-10415:9999",
    ]);
    expect(findAvp(m.avps, "Result-Code")?.enumName).toBe("DIAMETER_SUCCESS");
    expect(findAvp(m.avps, "Auth-Session-State")).toMatchObject({ type: "Enumerated", value: 1, enumName: "NO_STATE_MAINTAINED" });
    expect(findAvp(m.avps, "Auth-Application-Id")).toMatchObject({ value: 16777216, enumName: "3GPP Cx/Dx" });
    const item = findAvp(m.avps, "SIP-Auth-Data-Item")!;
    expect(item.flags).toEqual({ vendor: true, mandatory: true, protected: false });
    expect(item.vendorId).toBe(10415);
    expect(item.children?.map((c) => [c.name, c.value])).toEqual([
      ["SIP-Item-Number", 1],
      ["SIP-Authentication-Scheme", "Digest-AKAv1-MD5"],
      ["SIP-Authenticate", "0xa1b2c3d4e5f60718293a4b5c6d7e8f900f1e2d3c4b5a69788796a5b4c3d2e1f0"],
      ["SIP-Authorization", "0x1122334455667788"],
      ["Confidentiality-Key", "0x00112233445566778899aabbccddeeff"],
      ["Integrity-Key", "0xffeeddccbbaa99887766554433221100"],
    ]);
    const unknown = m.avps[10];
    expect(unknown).toMatchObject({ code: 9999, vendorId: 10415, type: "Unknown", value: "0x010203", length: 15 });
    expect(unknown.flags.mandatory).toBe(false);
  });
  it("offsets point into raw", () => {
    const origin = findAvp(m.avps, "Origin-Host")!;
    expect(m.raw[origin.offset + 3]).toBe(264 & 0xff);
    expect(origin.length).toBe(27);
  });
  it("our encoder produces the same bytes from the same tree", () => {
    const bytes = encodeDiameter({
      command: "MAA",
      applicationId: 16777216,
      hopByHop: HOP,
      endToEnd: E2E,
      avps: [
        avp("Session-Id", "scscf.ims.example.net;3371;1"),
        group("Vendor-Specific-Application-Id", [avp("Vendor-Id", 10415), avp("Auth-Application-Id", 16777216)]),
        avp("Result-Code", 2001),
        avp("Auth-Session-State", "NO_STATE_MAINTAINED"),
        avp("Origin-Host", "hss.ims.example.net"),
        avp("Origin-Realm", "ims.example.net"),
        avp("User-Name", "alice@ims.example.net"),
        avp("Public-Identity", "sip:alice@ims.example.net"),
        avp("SIP-Number-Auth-Items", 1),
        group("SIP-Auth-Data-Item", [
          avp("SIP-Item-Number", 1),
          avp("SIP-Authentication-Scheme", "Digest-AKAv1-MD5"),
          avp("SIP-Authenticate", hexToBytes("a1b2c3d4e5f60718293a4b5c6d7e8f900f1e2d3c4b5a69788796a5b4c3d2e1f0")),
          avp("SIP-Authorization", hexToBytes("1122334455667788")),
          avp("Confidentiality-Key", hexToBytes("00112233445566778899aabbccddeeff")),
          avp("Integrity-Key", hexToBytes("ffeeddccbbaa99887766554433221100")),
        ]),
        { code: 9999, vendorId: 10415, type: "OctetString", mandatory: false, value: new Uint8Array([1, 2, 3]) },
      ],
    });
    expect(Buffer.from(bytes).toString("hex")).toBe(MAA_HEX);
  });
});

describe("decodeDiameter: typed values", () => {
  const bytes = encodeDiameter({
    command: 272,
    request: true,
    applicationId: 4,
    hopByHop: 1,
    endToEnd: 2,
    avps: [
      avp("Session-Id", "pgw;1"),
      avp("CC-Request-Type", "INITIAL_REQUEST"),
      avp("CC-Input-Octets", 2n ** 40n),
      avp("CC-Total-Octets", 2n ** 63n + 5n),
      avp("Event-Timestamp", new Date("2024-02-29T12:34:56Z")),
      avp("Host-IP-Address", "192.0.2.7"),
      avp("Host-IP-Address", "2001:db8::1:0:0:7"),
      { code: 4242, type: "Integer32", value: -5 },
      { code: 4243, type: "Float32", value: 1.5 },
      { code: 4244, type: "Float64", value: -0.25 },
      { code: 4245, type: "Integer64", value: -7n },
      group("Subscription-Id", [avp("Subscription-Id-Type", "END_USER_SIP_URI"), avp("Subscription-Id-Data", "sip:bob@example.org")]),
      avp("Class", new Uint8Array([0, 1, 0xff])),
    ],
  });
  const m = decodeDiameter(bytes);
  it("decodes each type", () => {
    expect(m.name).toBe("CCR");
    expect(m.applicationName).toBe("Diameter Credit Control");
    expect(m.problems).toEqual([]);
    expect(findAvp(m.avps, "CC-Request-Type")?.enumName).toBe("INITIAL_REQUEST");
    expect(findAvp(m.avps, "CC-Input-Octets")?.value).toBe(2 ** 40);
    expect(findAvp(m.avps, "CC-Total-Octets")?.value).toBe((2n ** 63n + 5n).toString());
    expect(findAvp(m.avps, "Event-Timestamp")?.value).toBe("2024-02-29T12:34:56.000Z");
    expect(findAvps(m.avps, "Host-IP-Address").map((a) => a.value)).toEqual(["192.0.2.7", "2001:db8::1:0:0:7"]);
    expect(m.avps.filter((a) => a.name.startsWith("AVP-")).map((a) => a.value)).toEqual(["0xfffffffb", "0x3fc00000", "0xbfd0000000000000", "0xfffffffffffffff9"]);
    expect(findAvp(m.avps, "Subscription-Id-Type")?.enumName).toBe("END_USER_SIP_URI");
    expect(findAvp(m.avps, "Class")?.value).toBe("0x0001ff");
  });
  it("NTP era 1 (after 2036) and unknown-type AVPs stay raw", () => {
    const t = decodeDiameter(encodeDiameter({ command: 271, hopByHop: 0, endToEnd: 0, avps: [avp("Event-Timestamp", new Date("2040-01-01T00:00:00Z"))] }));
    expect(findAvp(t.avps, "Event-Timestamp")?.value).toBe("2040-01-01T00:00:00.000Z");
  });
});

describe("decodeDiameter: problems, never exceptions", () => {
  const good = hexToBytes(MAA_HEX);
  const rows: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /too short for a Diameter header/],
    ["header only, claims more", good.slice(0, 20), /only 20 bytes present/],
    ["truncated in an AVP", good.slice(0, 110), /runs past the end/],
    ["version 2", Uint8Array.from([2, ...good.slice(1)]), /unsupported Diameter version 2/],
    ["trailing bytes", Uint8Array.from([...good, 0, 0, 0, 0]), /4 bytes after the message/],
    ["AVP length shorter than its header", (() => { const b = good.slice(); b[20 + 7] = 4; return b; })(), /shorter than its 8-byte header/],
    ["message length below 20", (() => { const b = good.slice(); b[1] = 0; b[2] = 0; b[3] = 8; return b; })(), /shorter than the header/],
    ["Unsigned32 with 3 bytes", encodeDiameter({ command: 280, hopByHop: 0, endToEnd: 0, avps: [{ name: "Origin-State-Id", type: "OctetString", value: new Uint8Array([1, 2, 3]) }] }), /Unsigned32 needs 4 bytes, has 3/],
    ["address family 9", encodeDiameter({ command: 257, hopByHop: 0, endToEnd: 0, avps: [avp("Host-IP-Address", new Uint8Array([0, 9, 1, 2]))] }), /address family 9/],
  ];
  for (const [name, bytes, re] of rows) {
    it(name, () => {
      const m = decodeDiameter(bytes);
      expect(m.problems.some((p) => re.test(p))).toBe(true);
    });
  }
  it("deep nesting is decoded to the depth cap without recursion blow-up", () => {
    let inner = avp("User-Name", "deep");
    for (let i = 0; i < 100; i++) inner = group("Proxy-Info", [inner]);
    const m = decodeDiameter(encodeDiameter({ command: 258, hopByHop: 0, endToEnd: 0, avps: [inner] }));
    expect(m.problems).toEqual(["Proxy-Info/".repeat(64) + "Proxy-Info: grouped AVPs nested deeper than 64; not decoded"]);
    let shallow = avp("User-Name", "deep");
    for (let i = 0; i < 20; i++) shallow = group("Proxy-Info", [shallow]);
    const s = decodeDiameter(encodeDiameter({ command: 258, hopByHop: 0, endToEnd: 0, avps: [shallow] }));
    expect(s.problems).toEqual([]);
    expect(findAvp(s.avps, "User-Name")?.value).toBe("deep");
  });
  it("random bytes and mutations of a real message never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const m = decodeDiameter(b);
        expect(Array.isArray(m.problems)).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(good.length), (edits, cut) => {
        const b = good.slice(0, Math.max(cut, 1));
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        decodeDiameter(b);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("decodeDiameterFrame: a peer only acts on one whole, plausible message", () => {
  const good = hexToBytes(MAA_HEX);
  it("decodes a whole message, and the first message of a longer buffer", () => {
    expect(decodeDiameterFrame(good)?.name).toBe("MAA");
    const two = decodeDiameterFrame(Uint8Array.from([...good, ...good]));
    expect(two?.length).toBe(good.length);
    expect(two?.problems).toEqual([]);
  });
  const refused: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["header only, claims more", good.slice(0, 20)],
    ["truncated in an AVP", good.slice(0, 110)],
    ["version 2", Uint8Array.from([2, ...good.slice(1)])],
    ["length below 20", (() => { const b = good.slice(); b[1] = 0; b[2] = 0; b[3] = 8; return b; })()],
    ["length not a multiple of 4", (() => { const b = good.slice(); b[3] -= 1; return b; })()],
    ["request with the E bit", (() => { const b = good.slice(); b[4] = 0xa0; return b; })()],
  ];
  for (const [name, bytes] of refused) it(`refuses: ${name}`, () => expect(decodeDiameterFrame(bytes)).toBeUndefined());
  it("random bytes never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void decodeDiameterFrame(b)), { numRuns: 500 });
  });
});

describe("builders: Cx registration exchange round-trips", () => {
  const ids = { hopByHop: 0x1001, endToEnd: 0x2002 };
  const scscf = { originHost: "scscf.ims.example.net", originRealm: "ims.example.net" };
  const hss = { originHost: "hss.ims.example.net", originRealm: "ims.example.net" };
  it("MAR -> MAA with an AKA vector", () => {
    const mar = decodeDiameter(buildMar(ids, { ...scscf, sessionId: "scscf;1;1", destinationRealm: "ims.example.net", userName: "alice@ims.example.net", publicIdentity: "sip:alice@ims.example.net", serverName: "sip:scscf.ims.example.net:6060" }));
    expect(mar).toMatchObject({ name: "MAR", flags: { request: true, proxiable: true }, sessionId: "scscf;1;1", publicIdentity: "sip:alice@ims.example.net", problems: [] });
    expect(findAvp(mar.avps, "SIP-Authentication-Scheme")?.value).toBe("Digest-AKAv1-MD5");
    const maa = decodeDiameter(buildMaa(mar, { ...hss, vectors: [{ scheme: "Digest-AKAv1-MD5", authenticate: new Uint8Array(32).fill(7), authorization: new Uint8Array(8).fill(9), confidentialityKey: new Uint8Array(16), integrityKey: new Uint8Array(16).fill(1) }] }));
    expect(maa).toMatchObject({ name: "MAA", hopByHop: 0x1001, endToEnd: 0x2002, sessionId: "scscf;1;1", resultCode: 2001, userName: "alice@ims.example.net", problems: [] });
    expect(findAvp(maa.avps, "SIP-Auth-Data-Item")?.children?.map((c) => c.name)).toEqual(["SIP-Item-Number", "SIP-Authentication-Scheme", "SIP-Authenticate", "SIP-Authorization", "Confidentiality-Key", "Integrity-Key"]);
  });
  it("SAR -> SAA with user data; UAR -> UAA with an experimental result", () => {
    const sar = decodeDiameter(buildSar(ids, { ...scscf, sessionId: "s2", destinationRealm: "ims.example.net", publicIdentity: "sip:alice@ims.example.net", serverName: "sip:scscf", serverAssignmentType: "REGISTRATION" }));
    expect(findAvp(sar.avps, "Server-Assignment-Type")).toMatchObject({ value: 1, enumName: "REGISTRATION" });
    expect(findAvp(sar.avps, "User-Data-Already-Available")?.enumName).toBe("USER_DATA_NOT_AVAILABLE");
    const saa = decodeDiameter(buildSaa(sar, { ...hss, userData: "<IMSSubscription/>" }));
    expect(saa).toMatchObject({ name: "SAA", resultCode: 2001, problems: [] });
    expect(findAvp(saa.avps, "User-Data")?.value).toBe("<IMSSubscription/>");
    const uar = decodeDiameter(buildUar(ids, { ...scscf, sessionId: "s3", destinationRealm: "ims.example.net", userName: "alice@ims.example.net", publicIdentity: "sip:alice@ims.example.net", visitedNetworkIdentifier: "ims.example.net" }));
    const uaa = decodeDiameter(buildUaa(uar, { ...hss, experimentalResultCode: 2001, serverName: "sip:scscf.ims.example.net" }));
    expect(uaa).toMatchObject({ name: "UAA", experimentalResultCode: 2001, problems: [] });
    expect(findAvp(uaa.avps, "Experimental-Result-Code")?.enumName).toBe("DIAMETER_FIRST_REGISTRATION");
    const err = decodeDiameter(buildUaa(uar, { ...hss, experimentalResultCode: 5001 }));
    expect(findAvp(err.avps, "Experimental-Result-Code")?.enumName).toBe("DIAMETER_ERROR_USER_UNKNOWN");
  });
  it("CER/CEA and DWR/DWA are not proxiable", () => {
    const o = { ...scscf, hostIpAddresses: ["127.0.0.1"] };
    const cer = decodeDiameter(buildCer(ids, o));
    expect(cer).toMatchObject({ name: "CER", longName: "Capabilities-Exchange-Request", flags: { proxiable: false }, problems: [] });
    expect(findAvp(cer.avps, "Host-IP-Address")?.value).toBe("127.0.0.1");
    expect(findAvp(findAvp(cer.avps, "Vendor-Specific-Application-Id")!.children!, "Vendor-Id")?.enumName).toBe("3GPP");
    expect(decodeDiameter(buildCea(cer, { ...hss, hostIpAddresses: ["127.0.0.2"] }))).toMatchObject({ name: "CEA", resultCode: 2001, problems: [] });
    const dwr = decodeDiameter(buildDwr(ids, scscf));
    expect(decodeDiameter(buildDwa(dwr, hss))).toMatchObject({ name: "DWA", flags: { request: false, proxiable: false }, resultCode: 2001 });
  });
  it("experimentalResult helper and encode->decode shape is stable", () => {
    const a = decodeDiameter(encodeDiameter({ command: "SAA", applicationId: 16777216, hopByHop: 5, endToEnd: 6, avps: [experimentalResult(5003)] }));
    expect(shape(a.avps)).toEqual([
      { name: "Experimental-Result", value: undefined, enumName: undefined, vendorId: undefined, m: true, children: [
        { name: "Vendor-Id", value: 10415, enumName: "3GPP", vendorId: undefined, m: true, children: undefined },
        { name: "Experimental-Result-Code", value: 5003, enumName: "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED", vendorId: undefined, m: true, children: undefined },
      ] },
    ]);
  });
});

describe("dictionary", () => {
  it("names commands and result classes", () => {
    expect(commandNames(300, true)).toEqual({ name: "UAR", longName: "User-Authorization-Request" });
    expect(commandNames(318, false)).toEqual({ name: "AIA", longName: "Authentication-Information-Answer" });
    expect(commandNames(9999, true)).toEqual({ name: "Cmd-9999-R", longName: "Command-9999-Request" });
    expect(resultClass(3002)).toBe("protocol-error");
    expect(resultClass(5001)).toBe("permanent-failure");
  });
});
