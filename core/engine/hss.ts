/**
 * The embedded HSS (3GPP TS 29.228/29.229 Cx server side): answers CER, MAR (SIP Digest: HA1 of
 * the subscriber) and SAR (registration state + minimal User-Data) from the users directory.
 * Pure: a request's bytes in, the answer's bytes out.
 */
import { decodeDiameterFrame, findAvp } from "../protocols/diameter/decode";
import { avp, encodeDiameter, vendorSpecificAppId } from "../protocols/diameter/encode";
import { buildMaa, buildSaa } from "../protocols/diameter/builders";
import { APP_CX, VENDOR_3GPP } from "../protocols/diameter/dictionary";
import type { DiameterMessage } from "../protocols/diameter/types";
import { ha1 } from "./digest";
import type { UserDirectory } from "./users";

export const HSS_HOST = "hss.sipscope.test";
const DIAMETER_SUCCESS = 2001;
const DIAMETER_ERROR_USER_UNKNOWN = 5001;
const DIAMETER_UNABLE_TO_COMPLY = 5012;
const CER = 257;
const SAR = 301;
const MAR = 303;

/** An error answer names nobody: the builders echo the request's User-Name/Public-Identity otherwise. */
function anonymous(req: DiameterMessage): DiameterMessage {
  return { ...req, userName: undefined, publicIdentity: undefined };
}

export class Hss {
  /** Public identity -> S-CSCF name registered by SAR. */
  readonly registered = new Map<string, string>();

  constructor(private readonly users: UserDirectory, private readonly host = HSS_HOST) {}

  private userOf(publicIdentity: string | undefined, userName: string | undefined) {
    const fromImpu = publicIdentity ? /^sips?:([^@;>]+)@/i.exec(publicIdentity)?.[1] : undefined;
    const fromImpi = userName?.split("@")[0];
    return this.users.users.get(fromImpi ?? "") ?? this.users.users.get(fromImpu ?? "");
  }

  /** Answer one request; undefined for bytes that are not a Diameter request. */
  answer(bytes: Uint8Array): Uint8Array | undefined {
    const req = decodeDiameterFrame(bytes);
    if (!req || !req.flags.request) return undefined;
    const realm = this.users.realm;
    const peer = { originHost: this.host, originRealm: realm };
    const ids = { hopByHop: req.hopByHop, endToEnd: req.endToEnd, applicationId: req.applicationId, request: false };

    if (req.commandCode === CER) {
      // Kept as the engine always sent it (P bit and Product-Name's M bit set, no
      // Supported-Vendor-Id), so the wire does not change; buildCea would follow RFC 6733 here.
      return encodeDiameter({
        command: CER,
        ...ids,
        proxiable: true,
        avps: [
          avp("Origin-Host", this.host),
          avp("Origin-Realm", realm),
          avp("Result-Code", DIAMETER_SUCCESS),
          avp("Host-IP-Address", "127.0.0.1"),
          avp("Vendor-Id", VENDOR_3GPP),
          avp("Product-Name", "SIPScope HSS", { mandatory: true }),
          avp("Auth-Application-Id", APP_CX),
        ],
      });
    }
    const impu = req.publicIdentity;
    const impi = req.userName;
    const user = this.userOf(impu, impi);
    if (req.commandCode === MAR) {
      if (!user) return buildMaa(anonymous(req), { ...peer, experimentalResultCode: DIAMETER_ERROR_USER_UNKNOWN });
      // HA1 over the subscriber's configured private identity (the plain user name when none is
      // configured, which is what a non-IMS client such as sipp authenticates with).
      return buildMaa(req, {
        ...peer,
        resultCode: DIAMETER_SUCCESS,
        userName: impi ?? `${user.user}@${realm}`,
        publicIdentity: impu ?? `sip:${user.user}@${realm}`,
        vectors: [{ scheme: "SIP Digest", digest: { realm, qop: "auth", ha1: ha1(user.impi ?? user.user, realm, user.password) } }],
      });
    }
    if (req.commandCode === SAR) {
      if (!user) return buildSaa(anonymous(req), { ...peer, experimentalResultCode: DIAMETER_ERROR_USER_UNKNOWN });
      const type = findAvp(req.avps, "Server-Assignment-Type")?.value;
      const server = findAvp(req.avps, "Server-Name")?.value;
      if (impu) {
        if (type === 1 || type === 2) this.registered.set(impu, typeof server === "string" ? server : "");
        else this.registered.delete(impu);
      }
      const userData = `<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>${impi ?? user.user}</PrivateID><ServiceProfile><PublicIdentity><Identity>${impu ?? ""}</Identity></PublicIdentity></ServiceProfile></IMSSubscription>`;
      return buildSaa(req, { ...peer, resultCode: DIAMETER_SUCCESS, userName: impi ?? user.user, userData });
    }
    // Any other request: the Cx answer head with DIAMETER_UNABLE_TO_COMPLY, P bit set as before.
    const avps = [];
    if (req.sessionId !== undefined) avps.push(avp("Session-Id", req.sessionId));
    avps.push(vendorSpecificAppId(), avp("Auth-Session-State", "NO_STATE_MAINTAINED"), avp("Origin-Host", this.host), avp("Origin-Realm", realm), avp("Result-Code", DIAMETER_UNABLE_TO_COMPLY));
    return encodeDiameter({ command: req.commandCode, ...ids, proxiable: true, avps });
  }
}
